"""The REPL in a pseudo-terminal: a prompt, a streamed answer, history, leaving."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import (
    HttpError,
    Message,
    Reasoning,
    Reply,
    ResponsesServer,
    bench_markdown,
    text_reply,
)


def test_prompt_streams_the_answer_and_shows_the_toolbar(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        Reply(
            items=[Reasoning("thinking about greetings"), Message("Hello **there**, friend.")],
            delta_delay_s=0.005,
        )
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        assert "MiniMax-M2.5" in term.text() and "(main)" in term.text()
        term.send_line("say hello")
        term.wait_for("Hello there, friend.")
        term.wait_prompt()
        assert term.count("Hello there, friend.") == 1
        assert "thinking about greetings" in term.history_text()
        term.wait_until(
            lambda: re.search(r"MiniMax-M2\.5 · [1-9]\S* / 160k tokens", term.text()) is not None,
            "the toolbar to count the reply",
        )
        (request,) = server.posts()
        assert request["input"][-1]["content"][0]["text"] == "say hello"
        term.press("ctrl-d")
        assert term.wait_exit() == 0


def test_positional_prompt_is_the_first_message(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(text_reply("Answer to the first."))
    term, _ = start_repl(server.url, tmp_path, "explain the layout")
    with term:
        term.wait_for("Answer to the first.")
        term.wait_prompt()
        assert "› explain the layout" in term.text()
    (request,) = server.posts()
    assert request["input"][-1]["content"][0]["text"] == "explain the layout"


def test_up_recalls_history_also_in_the_next_session(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(text_reply("one"), text_reply("two"))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("first question")
        term.wait_for("one")
        term.wait_prompt()
        term.press("up")
        term.wait_until(lambda: term.cursor_line() == "› first question", "the recalled line")
        term.press("ctrl-c")  # discards the recalled line
        term.wait_prompt()
        term.press("ctrl-d")
        assert term.wait_exit() == 0
    again, _ = start_repl(
        server.url, tmp_path / "again", env={"INFERCODE_STATE_DIR": str(tmp_path / "state")}
    )
    with again:
        again.wait_prompt()
        again.press("up")
        again.wait_until(lambda: again.cursor_line() == "› first question", "history from the file")


def test_ctrl_c_on_an_empty_prompt_hints_then_a_second_one_exits_0(
    server: ResponsesServer, tmp_path: Path
) -> None:
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.press("ctrl-c")
        term.wait_for("Ctrl-C again within 2 s")
        term.wait_prompt()
        term.press("ctrl-c")
        assert term.wait_exit() == 0
    assert server.requests == []


def test_newline_keys_and_a_paste_stay_one_message(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(text_reply("got three lines"), text_reply("got the paste"))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.type("line one")
        term.press("alt-enter")
        term.type("line two")
        term.press("ctrl-j")
        term.type("line three")
        term.wait_for("line three")
        assert server.requests == []  # nothing sent by the newlines
        term.press("enter")
        term.wait_for("got three lines")
        term.wait_prompt()
        term.paste("pasted a\npasted b\n\npasted c")
        term.wait_for("pasted c")
        term.press("enter")
        term.wait_for("got the paste")
    texts = [body["input"][-1]["content"][0]["text"] for body in server.posts()]
    assert texts[0] == "line one\nline two\nline three"
    assert texts[1] == "pasted a\npasted b\n\npasted c"


def test_a_failed_turn_says_why_and_the_session_goes_on(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(HttpError(400, "Model context overflow, really."), text_reply("recovered"))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("break")
        term.wait_for("Model context overflow, really.")
        assert "error: HTTP 400" in term.history_text()
        term.wait_prompt()
        term.send_line("again")
        term.wait_for("recovered")


def test_a_long_reply_lands_in_scrollback_once_even_across_resizes(
    server: ResponsesServer, tmp_path: Path
) -> None:
    text = bench_markdown(2)
    server.enqueue(Reply(items=[Message(text)], delta_delay_s=0.004, chunk_size=6))
    term, _ = start_repl(server.url, tmp_path, rows=30)
    with term:
        term.wait_prompt()
        term.send_line("write")
        term.wait_for("Part 2")
        term.resize(30, 64)
        term.wait_for("Part 3")
        term.resize(30, 100)
        term.wait_prompt(timeout=30)
        scrollback = term.history_text()
    sections = text.count("## Part ")
    for n in range(1, sections):
        assert scrollback.count(f"Part {n}: ") == 1, n
        assert scrollback.count(f"Section {n} explains") == 1, n
        assert scrollback.count(f"def handle_{n}(") == 1, n
    assert "writing" not in scrollback  # the status line went with the live display
