"""Masking the API key (``redact.py``), the child environment and the masked tool wrapper."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from infercode.config.settings import Settings
from infercode.engine.events import JSON
from infercode.engine.history import assistant_message
from infercode.errors import ToolError
from infercode.redact import KEY_MASK, SecretMask
from infercode.store.session_files import SessionStore
from infercode.tools.base import PreparedCall, ToolContext, ToolResult, ToolSpec
from infercode.tools.child_env import ChildEnv
from infercode.tools.masked import MaskedTool

KEY = "sk-live-0123456789abcdefghij"


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc", "KEY=", "x\n"])
def test_every_encoded_form_is_masked_at_any_alignment(prefix: str) -> None:
    mask = SecretMask([KEY])
    data = f"{prefix}{KEY}\ntrailing".encode()
    for encoded in (
        KEY,
        KEY[::-1],
        data.decode(),
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode(),
        data.hex(),
        data.hex().upper(),
    ):
        masked = mask.mask(f"before {encoded} after")
        assert KEY_MASK in masked
        for probe in (KEY, KEY[::-1], base64.b64encode(KEY.encode()).decode()[:-4]):
            assert probe not in masked


def test_short_or_missing_keys_mask_nothing() -> None:
    assert not SecretMask([None, "", "short"])
    assert SecretMask(["short"]).mask("a short text") == "a short text"


def test_a_key_split_across_chunks_is_masked_at_every_split_point() -> None:
    mask = SecretMask([KEY])
    text = f"env: INFERCOM_API_KEY={KEY} and {KEY[::-1]} done sk-"
    for cut in range(len(text) + 1):
        stream = mask.stream()
        out = stream.feed(text[:cut]) + stream.feed(text[cut:]) + stream.flush()
        assert out == mask.mask(text), cut
        assert KEY not in out
    stream = mask.stream()
    assert "".join(stream.feed(c) for c in text) + stream.flush() == mask.mask(text)


def test_the_child_environment_hides_key_names_and_key_values() -> None:
    settings = Settings(api_key=KEY, api_key_env="OTHER_KEY")
    base = {
        "INFERCOM_API_KEY": "sk-something-else-entirely",
        "OTHER_KEY": KEY,
        "OPENAI_API_KEY": KEY,
        "AUTH": f"Bearer {KEY}",
        "OPENAI_ORG": "kept",
        "PATH": "/usr/bin",
    }
    env = ChildEnv.for_settings(settings).build({"PAGER": "cat"}, base=base)
    assert env == {"OPENAI_ORG": "kept", "PATH": "/usr/bin", "PAGER": "cat"}
    # Without settings (a tool built alone) the Infercom variable is still hidden.
    assert "INFERCOM_API_KEY" not in ChildEnv().build(base=base)


class _Leaky:
    spec = ToolSpec("leaky", "", {}, "read", False)

    def prepare(self, args: JSON) -> PreparedCall:
        if args.get("fail_prepare"):
            raise ToolError(f"no such file, but here is {KEY}")

        def execute(ctx: ToolContext) -> ToolResult:
            for piece in (f"key={KEY[:10]}", f"{KEY[10:]}\n", "tail"):
                ctx.emit(piece)
            if args.get("fail_run"):
                raise ToolError(f"closest match: {KEY}")
            return ToolResult(f"key={KEY}", summary=f"read {KEY}")

        return PreparedCall("read", f"read {KEY}", f"detail {KEY}", execute)


def test_a_masked_tool_never_lets_the_key_out() -> None:
    tool = MaskedTool(_Leaky(), SecretMask([KEY]))
    call = tool.prepare({})
    assert KEY not in call.summary + call.detail
    emitted: list[str] = []
    result = call.execute(ToolContext(emit=emitted.append))
    assert "".join(emitted) == f"key={KEY_MASK}\ntail"
    assert result.output == f"key={KEY_MASK}" and KEY not in result.summary
    with pytest.raises(ToolError) as failed:
        tool.prepare({"fail_run": True}).execute(ToolContext())
    assert KEY not in str(failed.value)
    with pytest.raises(ToolError) as failed:
        tool.prepare({"fail_prepare": True})
    assert KEY not in str(failed.value)


def test_the_session_file_masks_encoded_forms_too(tmp_path: Path) -> None:
    """Items reach the file from the model as well as from tools: the file masks on its own."""
    store = SessionStore(tmp_path, fsync=False)
    session = store.create(model="m", base_url="http://x/v1", root=tmp_path, api_key=KEY)
    encoded = base64.b64encode(f"TOKEN={KEY}\n".encode()).decode()
    session.append(assistant_message(f"{encoded} {KEY[::-1]} {KEY.encode().hex()}"))
    session.close()
    text = session.path.read_text()
    assert text.count(KEY_MASK) == 3
    for form in (KEY, KEY[::-1], encoded, KEY.encode().hex()):
        assert form not in text
