"""Two infercode processes on one workspace: /undo in one leaves the other's files alone, and a
session file has one writer at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infercode.git.checkpoints import Checkpoints
from infercode.store.session_files import SessionInUse, SessionStore
from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def _posts(server: ResponsesServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.method == "POST" and r.body is not None]


def test_changes_between_calls_are_not_the_turns(tmp_path: Path, isolated_home: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "mine.txt").write_text("mine 1\n")
    (root / "theirs.txt").write_text("theirs 1\n")
    checkpoints = Checkpoints(root, isolated_home / "state")
    checkpoints.begin_turn("two calls")
    checkpoints.claim(["mine.txt"])  # an edit names its file
    (root / "mine.txt").write_text("mine 2\n")
    # Between the calls (the model is thinking), another process writes.
    (root / "theirs.txt").write_text("theirs 2\n")
    (root / "new-theirs.txt").write_text("made elsewhere\n")
    checkpoints.begin_call()  # a shell command: bracketed by snapshots
    (root / "made-by-command.txt").write_text("x\n")
    checkpoints.end_call()
    change = checkpoints.end_turn()
    assert change is not None
    assert change.paths == ("made-by-command.txt", "mine.txt")
    assert set(change.foreign) == {"theirs.txt", "new-theirs.txt"}
    result = checkpoints.undo()
    assert (root / "mine.txt").read_text() == "mine 1\n"
    assert not (root / "made-by-command.txt").exists()
    assert (root / "theirs.txt").read_text() == "theirs 2\n"
    assert (root / "new-theirs.txt").read_text() == "made elsewhere\n"
    assert set(result.left_alone) == {"theirs.txt", "new-theirs.txt"}
    assert "Left alone" in result.message and "new-theirs.txt" in result.message


def test_a_turn_whose_only_changes_are_foreign_is_not_undoable(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    checkpoints = Checkpoints(root, isolated_home / "state")
    checkpoints.begin_turn("nothing of ours")
    checkpoints.claim(["mine.txt"])
    (root / "theirs.txt").write_text("x\n")
    assert checkpoints.end_turn() is None
    assert checkpoints.undo().turn is None


def test_undo_in_one_repl_leaves_the_other_process_files_alone(
    server: ResponsesServer, tmp_path: Path
) -> None:
    state = tmp_path / "state"  # the REPL's; the other process shares it (and the store)
    edit = {"path": "app.py", "old_string": "print('hi')", "new_string": "print('hello')"}
    server.enqueue(
        call_reply(FunctionCall("edit_file", edit, "call_e")),
        call_reply(FunctionCall("shell", {"command": "echo checked > check.txt"}, "call_s")),
    )
    term, workspace = start_repl(
        server.url, tmp_path, "--allow", "edit", files={"app.py": "print('hi')\n"}
    )
    (workspace / "shared.txt").write_text("old\n")
    with term:
        term.wait_prompt()
        term.send_line("greet and check")
        term.wait_for("Run this command?")  # mid-turn: the edit is done, the shell call waits
        server.enqueue(
            call_reply(
                FunctionCall(
                    "edit_file", {"path": "other.txt", "old_string": "", "new_string": "B\n"}
                ),
                FunctionCall(
                    "edit_file", {"path": "shared.txt", "old_string": "old", "new_string": "B"}
                ),
            ),
            text_reply("Other process done."),
        )
        other = run_infercode(
            ["--base-url", server.url, "--yes", "-p", "make other.txt"],
            cwd=workspace,
            env={"INFERCODE_STATE_DIR": str(state)},
        )
        assert other.returncode == 0, other.stderr
        server.enqueue(text_reply("Greeted and checked."))
        term.type("y")
        term.wait_for("Greeted and checked.")
        term.wait_prompt()
        term.send_line("/undo")
        term.wait_for("Undid turn 1")
        term.wait_prompt()
        screen = term.history_text()
        assert "left alone" in screen and "other.txt" in screen and "shared.txt" in screen
        assert (workspace / "app.py").read_text() == "print('hi')\n"  # ours: undone
        assert not (workspace / "check.txt").exists()
        assert (workspace / "other.txt").read_text() == "B\n"  # theirs: kept
        assert (workspace / "shared.txt").read_text() == "B\n"
        server.enqueue(text_reply("Understood."))
        term.send_line("ok")
        term.wait_for("Understood.")
        term.wait_prompt()
    assert all(r.rejected is None for r in server.requests)
    notes = [str(i.get("content")) for i in _posts(server)[-1]["input"] if i.get("role") == "user"]
    assert any("Left alone" in n and "other.txt" in n for n in notes)


def test_a_session_has_one_writer(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions", fsync=False)
    first = store.create(model="m", base_url="http://x/v1", root=tmp_path)
    with pytest.raises(SessionInUse, match="open in another infercode process"):
        store.open(first.path)
    first.close()
    _, again = store.open(first.path)  # free once the first writer closed it
    again.close()


def test_continue_while_the_session_is_open_in_a_repl(
    server: ResponsesServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.enqueue(text_reply("First."))
    term, workspace = start_repl(server.url, tmp_path)
    monkeypatch.setenv("INFERCODE_STATE_DIR", str(tmp_path / "state"))
    with term:
        term.wait_prompt()
        term.send_line("hello")
        term.wait_for("First.")
        term.wait_prompt()
        busy = run_infercode(
            ["--base-url", server.url, "--continue", "-p", "me too"], cwd=workspace
        )
        assert busy.returncode == 2
        assert "is open in another infercode process" in busy.stderr
        assert "Traceback" not in busy.stderr
        term.press("ctrl-d")
        term.wait_exit()
    server.enqueue(text_reply("Second."))
    after = run_infercode(["--base-url", server.url, "--continue", "-p", "now?"], cwd=workspace)
    assert after.returncode == 0, after.stderr
    assert after.stdout == "Second.\n"
    assert [r.rejected for r in server.requests if r.rejected] == []
    texts = [str(i.get("content")) for i in _posts(server)[-1]["input"] if i.get("role") == "user"]
    assert any("hello" in t for t in texts)


def test_slash_resume_of_a_session_open_elsewhere(server: ResponsesServer, tmp_path: Path) -> None:
    from infercode.engine.history import user_message

    server.enqueue(text_reply("Resumed fine."))
    term, workspace = start_repl(server.url, tmp_path)
    other = SessionStore(tmp_path / "state" / "sessions", fsync=False).create(
        model="MiniMax-M2.5", base_url=server.url, root=workspace
    )
    other.append(user_message("from the other process"))
    with term:
        term.wait_prompt()
        term.send_line(f"/resume {other.id}")
        term.wait_for("is open in another infercode process")
        term.wait_prompt()
        other.close()  # that process ended
        term.send_line(f"/resume {other.id}")
        term.wait_for("resumed session")
        term.wait_prompt()
        term.send_line("and now")
        term.wait_for("Resumed fine.")
        term.wait_prompt()
    assert [r.rejected for r in server.requests if r.rejected] == []
    texts = [str(i.get("content")) for i in _posts(server)[-1]["input"] if i.get("role") == "user"]
    assert any("from the other process" in t for t in texts)
