"""/diff and /undo in the REPL: what a turn changed, taken back, refused over the user's edits."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

FILES = {"app.py": "print('hi')\n", "old.txt": "old\n", ".gitignore": "build/\n"}


def _script_turn(server: ResponsesServer) -> None:
    edit = {"path": "app.py", "old_string": "'hi'", "new_string": "'hello'"}
    server.enqueue(
        call_reply(
            FunctionCall("edit_file", edit, "call_e"),
            FunctionCall("shell", {"command": "echo new > made.txt; rm old.txt"}, "call_s"),
        ),
        text_reply("Edited, created and deleted."),
    )


def test_undo_restores_edit_created_and_deleted_files(
    server: ResponsesServer, tmp_path: Path
) -> None:
    _script_turn(server)
    server.enqueue(text_reply("Noted."))
    term, workspace = start_repl(server.url, tmp_path, "--allow", "edit,shell", files=FILES)
    with term:
        term.wait_prompt()
        term.send_line("change things")
        term.wait_for("Edited, created and deleted.")
        term.wait_prompt()
        assert (workspace / "made.txt").exists() and not (workspace / "old.txt").exists()
        term.send_line("/diff")
        term.wait_for("Turns with changes")
        screen = term.history_text()
        assert "+print('hello')" in screen and "made.txt" in screen and "old.txt" in screen
        term.send_line("/undo")
        term.wait_for("Undid turn 1")
        term.wait_prompt()
        assert (workspace / "app.py").read_text() == "print('hi')\n"
        assert (workspace / "old.txt").read_text() == "old\n"
        assert not (workspace / "made.txt").exists()
        term.send_line("/undo")
        term.wait_for("Nothing to undo")
        term.send_line("what now?")
        term.wait_for("Noted.")
        term.wait_prompt()
    last = server.posts()[-1]
    texts = [str(i.get("content")) for i in last["input"] if i.get("role") == "user"]
    assert any("/undo" in t and "Undid turn 1" in t for t in texts)
    assert all(r.rejected is None for r in server.requests)


def test_undo_refuses_over_the_users_later_edit(server: ResponsesServer, tmp_path: Path) -> None:
    _script_turn(server)
    term, workspace = start_repl(server.url, tmp_path, "--allow", "edit,shell", files=FILES)
    with term:
        term.wait_prompt()
        term.send_line("change things")
        term.wait_for("Edited, created and deleted.")
        term.wait_prompt()
        (workspace / "app.py").write_text("print('my own edit')\n")
        term.send_line("/undo")
        term.wait_for("Cannot undo turn 1")
        assert "app.py" in term.history_text()
        term.wait_prompt()
    assert (workspace / "app.py").read_text() == "print('my own edit')\n"
    assert (workspace / "made.txt").exists()
