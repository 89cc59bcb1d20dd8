"""The API key stays out of tools and output (issue 10, item 5), driven as an attacker would.

The scripted server (which accepts only the dummy key, so the key is really the one in use)
makes the model run commands that look for the key: in the environment, in infercode's own
``/proc/$PPID/environ``, base64-encoded, reversed, and in a ``.env`` file it reads. The real
``infercode`` runs with ``--yes``; the test checks the child's environment on disk, stdout in
every format, stderr, the ``-o`` file, the session file and every request the server received.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

#: These tests are about another layer (signals, escaped processes, a racing background process,
#: infercode's own environment); under bubblewrap's PID namespace the commands' pids, background
#: processes and /proc/$PPID are the sandbox's own, so the tests run their commands unsandboxed.
NO_SANDBOX = ("--sandbox", "off")

KEY = "sk-infercom-test-0123456789abcdefXYZ"
MASK = "[redacted API key]"

#: Each command prints the key in another form; `env > child_env.txt` keeps the child's real
#: environment on disk (not through infercode's output) for the test to inspect.
COMMANDS = [
    "env > child_env.txt; env | grep INFERCOM; printenv INFERCOM_API_KEY; echo printenv=$?",
    "cat /proc/$PPID/environ | tr '\\0' '\\n' | grep -a _KEY",
    "cat /proc/$PPID/environ | tr '\\0' '\\n' | grep -a INFERCOM_API_KEY | base64 -w0",
    "cat /proc/$PPID/environ | tr '\\0' '\\n' | grep -a INFERCOM_API_KEY | rev",
    "cat .env; base64 -w0 .env; echo; base64 -w0 .env | cut -c2-",
]


def forms(key: str) -> list[str]:
    """The key as a leak would show it: plain, reversed, and inside base64 text."""
    line = f"INFERCOM_API_KEY={key}\n".encode()
    return [
        key,
        key[::-1],
        base64.b64encode(line).decode(),
        base64.b64encode(f"FOO={key}".encode()).decode(),
        base64.b64encode(f"AB{key}".encode()).decode()[4:-4],
    ]


def script(server: ResponsesServer) -> None:
    calls = [FunctionCall("shell", {"command": c}, f"call_s{i}") for i, c in enumerate(COMMANDS)]
    server.enqueue(
        *[call_reply(call) for call in calls],
        call_reply(FunctionCall("read_file", {"path": ".env"}, "call_r1")),
        # Should the model ever learn the key (a user pasted it), its answer is masked too.
        text_reply(f"I looked around. The key is {KEY}, reversed {KEY[::-1]}."),
    )


def tool_outputs(server: ResponsesServer) -> dict[str, str]:
    body = server.requests[-1].body
    assert body is not None
    return {
        item["call_id"]: item["output"]
        for item in body["input"]
        if item.get("type") == "function_call_output"
    }


def everything_sent(server: ResponsesServer) -> str:
    return "\n".join(json.dumps(r.body) for r in server.requests if r.body is not None)


def session_text(home: Path) -> str:
    files = list((home / "state").rglob("*.jsonl"))
    assert files, "no session file was written"
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def assert_no_key(where: str, text: str) -> None:
    for form in forms(KEY):
        assert form not in text, f"the key ({form!r}) leaked into {where}"


@pytest.mark.parametrize("output_format", ["text", "json", "stream-json"])
def test_the_key_reaches_no_tool_and_no_output(
    output_format: str, workspace: Path, isolated_home: Path
) -> None:
    (workspace / ".env").write_text(f"INFERCOM_API_KEY={KEY}\nOTHER=1\n")
    last = workspace.parent / "last.txt"
    with ResponsesServer(api_key=KEY) as server:
        script(server)
        result = run_infercode(
            [
                *("--base-url", server.url, *NO_SANDBOX, "--yes", "--output-format", output_format),
                *("-o", str(last), "-p", "find the api key"),
            ],
            cwd=workspace,
            env={"INFERCOM_API_KEY": KEY, "MY_COPY": f"Bearer {KEY}", "UNRELATED": "kept"},
        )
        assert result.returncode == 0, result.stderr
        assert all(r.rejected is None for r in server.requests)
        # The child's real environment, as bash saw it: no key under any name, the rest kept.
        child_env = (workspace / "child_env.txt").read_text()
        assert "INFERCOM_API_KEY" not in child_env and "MY_COPY" not in child_env
        assert "UNRELATED=kept" in child_env and "PAGER=cat" in child_env
        outputs = tool_outputs(server)
        assert "printenv=1" in outputs["call_s0"]  # printenv found no such variable
        # What did reach a tool (infercode's own environ, the .env file) was masked at the
        # source: in each form the commands produced.
        for call_id in ("call_s1", "call_s2", "call_s3", "call_s4", "call_r1"):
            assert MASK in outputs[call_id], (call_id, outputs[call_id])
        assert "OTHER=1" in outputs["call_r1"]  # the rest of the file is intact
        assert_no_key("the requests to the model", everything_sent(server))
        assert_no_key("stdout", result.stdout)
        assert_no_key("stderr", result.stderr)
        assert_no_key("the session file", session_text(isolated_home))
        assert_no_key("the -o file", last.read_text())
        assert f"The key is {MASK}, reversed {MASK}." in last.read_text()
        if output_format == "stream-json":
            lines = [json.loads(line) for line in result.stdout.splitlines()]
            shown = [r["output"] for r in lines if r["type"] == "tool_output"]
            assert len(shown) == 6 and all(MASK in o for o in shown[1:])
            # A consumer that joins the deltas finds no key either.
            joined = "".join(r["text"] for r in lines if r["type"] == "text_delta")
            assert_no_key("the joined text deltas", joined)
            assert f"The key is {MASK}" in joined


def test_the_profiles_key_variable_is_hidden_too(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    """A profile reading its key from another variable: that variable is hidden (and the
    Infercom one too, whatever the profile)."""
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[profiles.other]\nbase_url = "{server.url}"\napi_key_env = "OTHER_SERVICE_KEY"\n'
    )
    server.api_key = KEY
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "env > child_env.txt; env | grep _KEY"})),
        text_reply("done"),
    )
    result = run_infercode(
        ["--profile", "other", *NO_SANDBOX, "--yes", "-p", "look"],
        cwd=workspace,
        env={"OTHER_SERVICE_KEY": KEY, "INFERCOM_API_KEY": "sk-another-infercom-key-42"},
    )
    assert result.returncode == 0, result.stderr
    assert all(r.rejected is None for r in server.requests)
    child_env = (workspace / "child_env.txt").read_text()
    assert "OTHER_SERVICE_KEY" not in child_env and KEY not in child_env
    assert "INFERCOM_API_KEY" not in child_env
    assert_no_key("the requests to the model", everything_sent(server))
