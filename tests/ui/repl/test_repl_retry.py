"""Retries in the REPL: the broken attempt's text leaves the screen, the retry is shown, and
``/retry`` after a failed turn resends it without a second copy of the user's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import HttpError, Message, Reply, ResponsesServer, text_reply

FAST = {"INFERCODE_RETRY_BASE_DELAY_S": "0.3"}


def posts(server: ResponsesServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.method == "POST" and r.body is not None]


def user_texts(body: dict[str, Any]) -> list[str]:
    return [i["content"][0]["text"] for i in body["input"] if i.get("role") == "user"]


def continue_is_accepted(server: ResponsesServer, workspace: Path, tmp_path: Path) -> None:
    """The REPL's session, resumed headless, makes a request the strict server accepts."""
    server.enqueue(text_reply("resumed fine"))
    env = {"INFERCODE_STATE_DIR": str(tmp_path / "state")}
    args = ["--base-url", server.url, "--continue", "-p", "and now?"]
    result = run_infercode(args, cwd=workspace, env=env)
    assert result.returncode == 0, result.stderr
    assert "resumed session" in result.stderr
    assert all(r.rejected is None for r in server.requests)


def test_a_dropped_stream_is_retried_and_its_text_dropped(
    server: ResponsesServer, tmp_path: Path
) -> None:
    # One line without a newline stays in the live tail until the stream ends: it must vanish.
    broken = Reply([Message("zebra " * 30)], ending="cut", cut_after_deltas=20, delta_delay_s=0.02)
    server.enqueue(broken, text_reply("The real answer."))
    term, workspace = start_repl(server.url, tmp_path, env=FAST)
    with term:
        term.wait_prompt()
        term.send_line("hi")
        term.wait_for("connection dropped, retrying 1/4")
        term.wait_for("The real answer.")
        term.wait_prompt()
        screen = term.history_text()
        assert "zebra" not in screen
        assert screen.count("The real answer.") == 1
    assert all(r.rejected is None for r in server.requests)
    assert posts(server)[0] == posts(server)[1]
    continue_is_accepted(server, workspace, tmp_path)


def test_slash_retry_resends_a_failed_turn_once(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(HttpError(400, "temporarily confused"), text_reply("Second time lucky."))
    term, workspace = start_repl(server.url, tmp_path, env=FAST)
    with term:
        term.wait_prompt()
        term.send_line("do the thing")
        term.wait_for("temporarily confused")
        term.wait_for("/retry sends the request again")
        term.wait_prompt()
        term.send_line("/retry")
        term.wait_for("Second time lucky.")
        term.wait_prompt()
        term.send_line("/retry")
        term.wait_for("Nothing to retry")
        term.wait_prompt()
        server.enqueue(text_reply("Onwards."))
        term.send_line("and then")
        term.wait_for("Onwards.")
        term.wait_prompt()
    assert all(r.rejected is None for r in server.requests)
    sent = posts(server)
    assert len(sent) == 3
    assert sent[0] == sent[1]  # the same request again
    assert user_texts(sent[1]) == ["do the thing"]
    assert user_texts(sent[2]) == ["do the thing", "and then"]
    continue_is_accepted(server, workspace, tmp_path)
