"""A project's hooks (.infercode/config.toml) run only after the user trusted exactly them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import ResponsesServer, text_reply

HOOK = '[[hooks.UserPromptSubmit]]\ncommand = "touch {marker}"\n'


def project_hooks(workspace: Path, marker: str) -> None:
    config = workspace / ".infercode"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text(HOOK.format(marker=marker))


def test_headless_runs_project_hooks_only_with_trust(
    server: ResponsesServer, workspace: Path
) -> None:
    project_hooks(workspace, "marker-1")
    server.enqueue(text_reply("a"), text_reply("b"), text_reply("c"), text_reply("d"))
    args = ["--base-url", server.url, "-p", "hi"]
    untrusted = run_infercode(args, cwd=workspace)
    assert untrusted.returncode == 0, untrusted.stderr
    assert not (workspace / "marker-1").exists()
    assert "not trusted" in untrusted.stderr and "--trust-project" in untrusted.stderr
    trusted = run_infercode([*args, "--trust-project"], cwd=workspace)
    assert trusted.returncode == 0, trusted.stderr
    assert (workspace / "marker-1").exists()
    (workspace / "marker-1").unlink()
    remembered = run_infercode(args, cwd=workspace)  # trusted once, remembered
    assert (workspace / "marker-1").exists(), remembered.stderr
    project_hooks(workspace, "marker-2")  # a changed hook is a new question
    changed = run_infercode(args, cwd=workspace)
    assert not (workspace / "marker-2").exists()
    assert "not trusted" in changed.stderr


def test_repl_asks_once_showing_the_commands_and_again_after_a_change(
    server: ResponsesServer, tmp_path: Path
) -> None:
    files = {".infercode/config.toml": HOOK.format(marker="repl-marker")}
    server.enqueue(text_reply("one"), text_reply("two"))
    term, workspace = start_repl(server.url, tmp_path, files=files)
    with term:
        term.wait_for("[y/N]")
        assert "UserPromptSubmit: touch repl-marker" in term.history_text()
        term.send_line("y")
        term.wait_prompt()
        term.send_line("hello")
        term.wait_for("one")
        term.wait_prompt()
        assert "hook UserPromptSubmit `touch repl-marker` ok" in term.history_text()
    assert (workspace / "repl-marker").exists()
    (workspace / "repl-marker").unlink()
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        assert "[y/N]" not in term.history_text()
        term.send_line("again")
        term.wait_for("two")
        term.wait_prompt()
    assert (workspace / "repl-marker").exists()
    project_hooks(workspace, "changed-marker")
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_for("[y/N]")
        assert "touch changed-marker" in term.history_text()
        term.send_line("n")
        term.wait_prompt()
        assert "not trusted" in term.history_text()
