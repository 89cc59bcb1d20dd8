"""``--resume`` alone on a terminal: an arrow-key picker; sessions without an answer hidden."""

from __future__ import annotations

from pathlib import Path

from infercode.store.session_files import SessionStore
from tests.conftest import run_infercode
from tests.support.pty import Terminal, isolated_env, make_workspace
from tests.support.responses_server import HttpError, ResponsesServer, text_reply


def test_the_picker_filters_toggles_and_resumes(server: ResponsesServer, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws")
    env = isolated_env(tmp_path)
    server.enqueue(
        text_reply("Answer about apples."),
        text_reply("Answer about pears."),
        HttpError(400, "bad request"),
    )
    for prompt in ("tell me about apples", "tell me about pears", "went nowhere plums"):
        run_infercode(["--base-url", server.url, "-p", prompt], cwd=workspace, env=env)
    infos = SessionStore(tmp_path / "state" / "sessions").recent()
    assert len(infos) == 3 and [i.answered for i in infos].count(False) == 1

    with Terminal.spawn(
        ["--base-url", server.url, "--resume"], cwd=workspace, env=env, cols=80
    ) as term:
        term.wait_for("Resume a session")
        screen = term.text()
        assert "tell me about apples" in screen and "tell me about pears" in screen
        assert "plums" not in screen and "Tab: show 1 without an answer" in screen
        assert "1 turn" in screen
        term.type("\t")
        term.wait_for("plums")
        assert "no answer" in term.text()
        term.type("\t")
        term.wait_until(lambda: "plums" not in term.text(), "the unanswered one hidden")
        term.type("appl")
        term.wait_until(lambda: "pears" not in term.text(), "the filter")
        term.press("enter")
        term.wait_for("Answer about apples.")  # the resumed conversation is drawn again
        term.wait_prompt()
        assert "pears" not in term.history_text()
        term.press("ctrl-d")
        assert term.wait_exit() == 0


def test_esc_cancels_the_picker(server: ResponsesServer, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws")
    env = isolated_env(tmp_path)
    server.enqueue(text_reply("Fine."))
    run_infercode(["--base-url", server.url, "-p", "hello"], cwd=workspace, env=env)
    with Terminal.spawn(
        ["--base-url", server.url, "--resume"], cwd=workspace, env=env, cols=80
    ) as term:
        term.wait_for("Resume a session")
        term.type("\x1b")
        assert term.wait_exit() == 2
