"""AGENTS.md: the chain from the user's file through the repository root down to the cwd, capped."""

from __future__ import annotations

from pathlib import Path

from infercode.engine.instructions import HEADER, build_instructions, chain, render
from infercode.engine.prompts import default_instructions
from tests.conftest import run_infercode
from tests.support.responses_server import ResponsesServer, text_reply


def make_tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    root = tmp_path / "repo"
    deep = root / "pkg" / "sub"
    deep.mkdir(parents=True)
    (root / ".git").mkdir()
    user = tmp_path / "config"
    user.mkdir()
    (user / "AGENTS.md").write_text("USER: answer in English\n")
    (root / "AGENTS.md").write_text("ROOT: run pytest\n")
    (root / "pkg" / "AGENTS.md").write_text("  \n")  # blank: skipped
    (deep / "AGENTS.md").write_text("DEEP: this package uses tabs\n")
    return root, deep, user


def test_the_chain_runs_user_root_then_down_to_the_cwd(tmp_path: Path) -> None:
    root, deep, user = make_tree(tmp_path)
    files = chain(root, deep, user)
    assert [f.text for f in files] == [
        "USER: answer in English",
        "ROOT: run pytest",
        "DEEP: this package uses tabs",
    ]
    assert [f.label for f in files][1:] == ["AGENTS.md", "pkg/sub/AGENTS.md"]
    text = build_instructions(root, deep, user)
    assert text.startswith(default_instructions(root))
    assert text.index("USER:") < text.index("ROOT:") < text.index("DEEP:")
    assert HEADER in text


def test_files_outside_the_path_to_the_cwd_are_not_read(tmp_path: Path) -> None:
    root, deep, _ = make_tree(tmp_path)
    (root / "other").mkdir()
    (root / "other" / "AGENTS.md").write_text("OTHER\n")
    assert [f.text for f in chain(root, root / "pkg", None)] == ["ROOT: run pytest"]
    assert [f.text for f in chain(root, tmp_path, None)] == ["ROOT: run pytest"]  # cwd outside
    assert "OTHER" not in build_instructions(root, deep, None)


def test_no_files_leaves_the_default_instructions(tmp_path: Path) -> None:
    assert build_instructions(tmp_path, tmp_path, None) == default_instructions(tmp_path)


def test_the_total_is_capped_with_a_note(tmp_path: Path) -> None:
    root, deep, user = make_tree(tmp_path)
    (root / "AGENTS.md").write_text("ROOT " + "x" * 40_000 + "\n")
    text = render(chain(root, deep, user), limit=32 * 1024)
    assert text is not None
    assert len(text.encode()) < 32 * 1024 + 1024  # the cap plus headers and the note
    assert "USER: answer in English" in text and "ROOT xxx" in text
    assert "DEEP:" not in text
    assert "cut at 32 KiB: AGENTS.md, pkg/sub/AGENTS.md did not fit" in text


def test_a_run_sends_the_chain_in_instructions(
    server: ResponsesServer, tmp_path: Path, isolated_home: Path
) -> None:
    _, deep, _ = make_tree(tmp_path)
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "AGENTS.md").write_text("USER-LEVEL RULE\n")
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "hi"], cwd=deep)
    assert result.returncode == 0, result.stderr
    body = server.requests[0].body
    assert body is not None
    instructions = body["instructions"]
    assert instructions.index("USER-LEVEL RULE") < instructions.index("ROOT:")
    assert instructions.index("ROOT:") < instructions.index("DEEP:")
    assert "USER: answer in English" not in instructions  # that one was a test-local user dir
