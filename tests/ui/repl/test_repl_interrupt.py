"""Ctrl-C in the REPL: mid-stream and mid-command, the next request is still valid."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.markers import unique_sleep_seconds
from tests.support.pty import start_repl
from tests.support.responses_server import (
    FunctionCall,
    Message,
    Reply,
    ResponsesServer,
    bench_markdown,
    call_reply,
    text_reply,
)


def _processes_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(cmdline)
    return found


def test_ctrl_c_mid_stream_keeps_what_was_shown(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        Reply(items=[Message(bench_markdown(8))], delta_delay_s=0.01, chunk_size=4),
        text_reply("Back again."),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("write a lot")
        term.wait_for("Part 2")
        term.press("ctrl-c")
        term.wait_for("⏹ interrupted")
        term.wait_prompt()
        assert "Part 40" not in term.history_text()  # it stopped well before the end
        term.send_line("continue")
        term.wait_for("Back again.")
        term.wait_prompt()
    assert all(r.rejected is None for r in server.requests)
    second = server.posts()[1]["input"]
    kept = [i for i in second if i.get("type") == "message" and i.get("role") == "assistant"]
    assert len(kept) == 1
    partial = kept[0]["content"][0]["text"]
    assert partial.startswith("## Part 1") and len(partial) < len(bench_markdown(8))
    assert second[-1]["content"][0]["text"] == "continue"


def test_ctrl_c_mid_command_kills_it_and_tells_the_model(
    server: ResponsesServer, tmp_path: Path
) -> None:
    marker = unique_sleep_seconds()  # found by a machine-wide scan: no other run may share it
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": f"echo started; sleep {marker}"}, "call_s")),
        text_reply("Noted, it was stopped."),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("run the long thing")
        term.wait_for("Run this command?")
        term.type("y")
        term.wait_for("│ started")
        assert _processes_with(f"sleep {marker}")
        term.press("ctrl-c")
        term.wait_for("⏹ interrupted")
        term.wait_prompt()
        assert not _processes_with(f"sleep {marker}")
        term.send_line("what happened?")
        term.wait_for("Noted, it was stopped.")
    assert all(r.rejected is None for r in server.requests)
    outputs = [i for i in server.posts()[1]["input"] if i.get("type") == "function_call_output"]
    assert [o["call_id"] for o in outputs] == ["call_s"]
    assert "started" in outputs[0]["output"] and "[interrupted by user]" in outputs[0]["output"]
