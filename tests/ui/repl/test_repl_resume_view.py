"""A resumed conversation is drawn again, and leaving the REPL says how to come back."""

from __future__ import annotations

from pathlib import Path

from infercode.store.session_files import SessionStore
from tests.support.pty import Terminal, isolated_env, start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def test_continue_redraws_the_last_turns_and_exit_names_the_session(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "echo from-the-tool"}), text="Let me look."),
        text_reply("The **answer** is 42."),
    )
    term, workspace = start_repl(server.url, tmp_path, "--yes")
    with term:
        term.wait_prompt()
        term.send_line("what is the answer?")
        term.wait_for("is 42")
        term.wait_prompt()
        term.press("ctrl-d")
        assert term.wait_exit() == 0
        (session,) = SessionStore(tmp_path / "state" / "sessions").recent()
        assert f"infercode --resume {session.id}" in term.history_text()

    env = isolated_env(tmp_path)
    with Terminal.spawn(["--base-url", server.url, "--continue"], cwd=workspace, env=env) as term:
        term.wait_prompt()
        screen = term.history_text()
        # the user's message, the call as one line with its output, the answer as Markdown
        assert "› what is the answer?" in screen
        assert "● $ echo from-the-tool" in screen
        assert "↳ from-the-tool" in screen
        assert "The answer is 42." in screen and "**answer**" not in screen
        assert screen.index("› what is the answer?") < screen.index("The answer is 42.")
        term.press("ctrl-d")
        assert term.wait_exit() == 0
    assert len(server.posts()) == 2  # the redraw sent nothing
