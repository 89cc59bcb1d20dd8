"""A failed edit says what failed and where the closest text is, in headless and the REPL."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

OPS = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
#: Close to lines 5-6, but not there: the edit fails with the most similar region.
WRONG = {"path": "ops.py", "old_string": "def sub(a, b):\n    return a -- b\n", "new_string": "x"}


def test_headless_progress_shows_the_closest_region(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "ops.py").write_text(OPS)
    server.enqueue(call_reply(FunctionCall("edit_file", WRONG)), text_reply("Gave up."))
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "fix sub"], cwd=workspace)
    assert "✗ invalid" in result.stderr
    assert "old_string was not found in ops.py" in result.stderr
    assert "The most similar region is lines 5-6" in result.stderr
    assert "def sub(a, b):" in result.stderr and "return a - b" in result.stderr
    assert (workspace / "ops.py").read_text() == OPS


def test_the_repl_shows_the_closest_region(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(call_reply(FunctionCall("edit_file", WRONG)), text_reply("Gave up."))
    term, _ = start_repl(server.url, tmp_path, "--yes", files={"ops.py": OPS}, cols=80)
    with term:
        term.wait_prompt()
        term.send_line("fix sub")
        term.wait_for("Gave up.")
        screen = term.history_text()
        assert "✗ invalid" in screen
        assert "The most similar region is lines 5-6" in screen
        assert "return a - b" in screen
        term.wait_prompt()
