"""Approval modes in the REPL: Shift-Tab cycles them in the bottom line, plan mode refuses edits
without asking, and /approve sends the plan back and switches to auto-edit."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import Terminal, start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

EDIT = {"path": "a.txt", "old_string": "one", "new_string": "two"}
PLAN = {"plan": [{"step": "change one to two in a.txt", "status": "pending"}]}


def bottom(term: Terminal) -> str:
    return term.lines()[-1]


def test_shift_tab_cycles_the_modes(server: ResponsesServer, tmp_path: Path) -> None:
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.wait_until(lambda: "ask mode" in bottom(term), "ask mode in the toolbar")
        for expected in ("auto-edit mode", "plan mode", "ask mode", "auto-edit mode"):
            term.press("shift-tab")
            term.wait_until(lambda e=expected: e in bottom(term), expected)  # type: ignore[misc]
        term.send_line("/mode full")
        term.wait_for("Mode: full")
        term.wait_until(lambda: "full mode" in bottom(term), "full mode")
        term.press("shift-tab")  # full is left for the start of the cycle, never entered by it
        term.wait_until(lambda: "ask mode" in bottom(term), "back to ask")


def test_plan_mode_then_approve(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        call_reply(FunctionCall("update_plan", PLAN, "call_p")),
        call_reply(FunctionCall("edit_file", EDIT, "call_e1")),  # tries anyway: refused
        text_reply("Plan: change one to two."),
        call_reply(FunctionCall("edit_file", EDIT, "call_e2")),
        text_reply("Changed it."),
    )
    term, workspace = start_repl(
        server.url, tmp_path, "--approval-mode", "plan", files={"a.txt": "one\n"}
    )
    with term:
        term.wait_prompt()
        term.wait_until(lambda: "plan mode" in bottom(term), "plan mode")
        term.send_line("fix a.txt")
        term.wait_for("Plan: change one to two.")
        term.wait_prompt()
        assert "refused in plan mode" in term.history_text()
        assert "Apply this edit?" not in term.history_text()
        assert (workspace / "a.txt").read_text() == "one\n"
        term.send_line("/approve")
        term.wait_for("Changed it.")
        term.wait_prompt()
        assert "Apply this edit?" not in term.history_text()  # auto-edit: applied unasked
        term.wait_until(lambda: "auto-edit mode" in bottom(term), "auto-edit mode")
    assert (workspace / "a.txt").read_text() == "two\n"
    posts = server.posts()
    assert "PLAN MODE" in str(posts[0]["instructions"])
    approved = posts[3]
    assert "PLAN MODE" not in str(approved["instructions"])
    last_user = [i for i in approved["input"] if i.get("role") == "user"][-1]
    text = last_user["content"][0]["text"]
    assert text.startswith("I approve this plan.") and "- [ ] change one to two in a.txt" in text
