"""The plan in the REPL: a checklist printed when it changes, never asked about."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def plan(*steps: tuple[str, str]) -> dict[str, object]:
    return {"plan": [{"step": s, "status": status} for s, status in steps]}


def test_the_checklist_is_shown_when_it_changes(server: ResponsesServer, tmp_path: Path) -> None:
    first = plan(("read the code", "in_progress"), ("[bold]fix[/bold] it", "pending"))
    second = plan(("read the code", "completed"), ("[bold]fix[/bold] it", "in_progress"))
    server.enqueue(
        call_reply(FunctionCall("update_plan", first, "call_p1")),
        call_reply(FunctionCall("update_plan", first, "call_p2")),
        call_reply(FunctionCall("update_plan", second, "call_p3")),
        text_reply("All planned."),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("make a plan")
        term.wait_for("All planned.")
        term.wait_prompt()
        screen = term.history_text()
    assert "Plan · 0/2 done" in screen and "Plan · 1/2 done" in screen
    assert screen.count("Plan ·") == 2  # the unchanged update printed nothing
    assert "▶ read the code" in screen and "○ [bold]fix[/bold] it" in screen  # text, not markup
    assert "✓ read the code" in screen and "▶ [bold]fix[/bold] it" in screen
    assert "update_plan" not in screen and "Allow it?" not in screen  # never asked
