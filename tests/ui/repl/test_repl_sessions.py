"""Sessions in the REPL: ``--continue``, ``/resume``, ``/compact``, ``/init``, ``/clear``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infercode.engine.compaction import SUMMARY_PREFIX, SUMMARY_PROMPT
from infercode.engine.instructions import INIT_PROMPT
from infercode.store.session_files import SessionStore, read_session
from tests.support.pty import Terminal, isolated_env, start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def _texts(body: dict[str, Any]) -> list[str]:
    return [i["content"][0]["text"] for i in body["input"] if i.get("type") == "message"]


def _store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "state" / "sessions")  # isolated_env's INFERCODE_STATE_DIR


def test_continue_resume_and_compact_in_the_repl(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(text_reply("first answer"))
    term, workspace = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        assert not list(_store(tmp_path).directory.glob("*.jsonl"))  # nothing until a message
        term.send_line("first question")
        term.wait_for("first answer")
        term.wait_prompt()
        term.press("ctrl-d")
        assert term.wait_exit() == 0
    (first,) = _store(tmp_path).recent()

    server.enqueue(text_reply("second answer"), text_reply("SUMMARY OF IT ALL"))
    env = isolated_env(tmp_path)
    with Terminal.spawn(["--base-url", server.url, "--continue"], cwd=workspace, env=env) as term:
        term.wait_prompt()
        assert f"resumed session {first.id}" in term.text()
        term.send_line("second question")
        term.wait_for("second answer")
        term.wait_prompt()
        assert _texts(server.posts()[-1]) == ["first question", "first answer", "second question"]
        term.send_line("/compact")
        term.wait_for("compacted: ")
        term.wait_prompt()
        summary_request = server.posts()[-1]
        assert "tools" not in summary_request
        assert _texts(summary_request)[-1] == SUMMARY_PROMPT
        term.send_line("/resume")
        term.wait_for("No other sessions in this workspace.")
        term.press("ctrl-d")
        assert term.wait_exit() == 0
    items = read_session(first.path).items
    assert items[0]["content"][0]["text"].startswith(SUMMARY_PREFIX)  # type: ignore[index]
    assert "SUMMARY OF IT ALL" in json.dumps(items[0])


def test_clear_starts_a_new_session_and_resume_switches_back(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        text_reply("about apples"), text_reply("about pears"), text_reply("apples again")
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("apples?")
        term.wait_for("about apples")
        term.wait_prompt()
        term.send_line("/clear")
        term.wait_prompt()
        term.send_line("pears?")
        term.wait_for("about pears")
        term.wait_prompt()
        assert len(_store(tmp_path).recent()) == 2
        term.send_line("/resume")
        term.wait_for("1) ")
        assert "apples?" in term.text()
        term.send_line("/resume 1")
        term.wait_for("resumed session")
        term.wait_prompt()
        term.send_line("and apples?")
        term.wait_for("apples again")
        term.wait_prompt()
        assert _texts(server.posts()[-1]) == ["apples?", "about apples", "and apples?"]
        assert all(r.rejected is None for r in server.requests)
        term.press("ctrl-d")
        assert term.wait_exit() == 0


def test_init_writes_agents_md_after_confirmation(server: ResponsesServer, tmp_path: Path) -> None:
    content = "# AGENTS.md\n\nRun `pytest -q`.\n"
    server.enqueue(
        call_reply(
            FunctionCall(
                "edit_file",
                {"path": "AGENTS.md", "old_string": "", "new_string": content},
                "call_init",
            )
        ),
        text_reply("Wrote AGENTS.md."),
    )
    term, workspace = start_repl(server.url, tmp_path, files={"README.md": "# demo\n"})
    with term:
        term.wait_prompt()
        term.send_line("/init")
        term.wait_for("Apply this edit?")
        assert not (workspace / "AGENTS.md").exists()  # nothing before the yes
        term.type("y")
        term.wait_for("Wrote AGENTS.md.")
        term.wait_prompt()
        term.press("ctrl-d")
        assert term.wait_exit() == 0
    assert (workspace / "AGENTS.md").read_text() == content
    assert _texts(server.posts()[0]) == [INIT_PROMPT]


def test_usage_shows_the_last_turn_the_session_and_the_context_left(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(text_reply("counted"))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("count me")
        term.wait_for("counted")
        term.wait_prompt()
        term.send_line("/usage")
        term.wait_for("window).")
        screen = term.text()
        assert "Session: " in screen and "left (99% of the" in screen
        assert "Last turn: 0 input" not in screen
        term.press("ctrl-d")
        assert term.wait_exit() == 0
