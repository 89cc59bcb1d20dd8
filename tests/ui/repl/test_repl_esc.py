"""Esc in the REPL: a lone Esc stops a streaming reply as Ctrl-C does; an arrow key does not."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import (
    Message,
    Reply,
    ResponsesServer,
    bench_markdown,
    text_reply,
)


def test_esc_mid_stream_stops_it_and_history_stays_valid(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        Reply(items=[Message(bench_markdown(8))], delta_delay_s=0.02, chunk_size=4),
        text_reply("Back again."),
    )
    term, _ = start_repl(server.url, tmp_path, cols=80)
    with term:
        term.wait_prompt()
        term.send_line("write a lot")
        term.wait_for("Part 2")
        term.type("\x1b[A")  # an arrow key starts with Esc: it must not stop the reply
        term.type("ab")  # typed meanwhile: kept for the next prompt
        term.wait_for("Part 3")
        assert "interrupted" not in term.history_text()
        term.type("\x1b")
        term.wait_for("⏹ interrupted")
        # What was typed is on the new prompt.
        term.wait_until(lambda: term.cursor_line().endswith("› ab"), "the prompt with ab")
        assert "Part 40" not in term.history_text()  # it stopped well before the end
        term.send_line("c continue")
        term.wait_for("Back again.")
        term.wait_prompt()
    assert all(r.rejected is None for r in server.requests)
    second = server.posts()[1]["input"]
    kept = [i for i in second if i.get("type") == "message" and i.get("role") == "assistant"]
    assert len(kept) == 1
    partial = kept[0]["content"][0]["text"]
    assert partial.startswith("## Part 1") and len(partial) < len(bench_markdown(8))
    assert second[-1]["content"][0]["text"] == "abc continue"
