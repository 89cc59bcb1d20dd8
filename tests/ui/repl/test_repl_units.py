"""Small pieces of the REPL that need no terminal: parsing, toolbar, view, approver display."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from infercode.engine.approval import ApprovalRequest
from infercode.engine.events import (
    MessageDone,
    RequestStarted,
    TextDelta,
    ToolCall,
    ToolDecided,
    ToolFinished,
    ToolOutputDelta,
    ToolRequested,
    ToolStarted,
    TurnFinished,
)
from infercode.formatting import format_tokens
from infercode.git.plumbing import current_branch
from infercode.ui import approval_menu
from infercode.ui.repl.commands.builtin import default_commands
from infercode.ui.repl.commands.registry import parse_command
from infercode.ui.repl.confirm import ConfirmApprover
from infercode.ui.repl.shell_output import ShellOutput, clean_output_line
from infercode.ui.repl.toolbar import toolbar_text
from infercode.ui.repl.view import TurnView


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=80, color_system=None), out


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/help", ("help", "")),
        ("  /model  MiniMax-M2.7 ", ("model", "MiniMax-M2.7")),
        ("/usr/bin/env is broken", None),
        ("// a comment", None),
        ("fix /tmp/x", None),
    ],
)
def test_parse_command(text: str, parsed: tuple[str, str] | None) -> None:
    assert parse_command(text) == parsed


def test_registry_takes_new_commands_and_aliases() -> None:
    from infercode.ui.repl.commands.registry import Command

    registry = default_commands()
    registry.add(Command("undo", "undo the last turn", lambda state, arg: None))
    assert registry.get("undo") is not None and registry.get("quit") is registry.get("exit")
    assert "undo" in [command.name for command in registry]


def test_toolbar_branch_reads_head_directly(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/feature/x\n")
    assert current_branch(repo) == "feature/x"
    (repo / ".git" / "HEAD").write_text("0123456789abcdef\n")
    assert current_branch(repo) == "(detached 0123456)"
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {repo / '.git'}\n")
    assert current_branch(worktree) == "(detached 0123456)"
    assert current_branch(tmp_path / "nowhere") is None


def test_toolbar_text() -> None:
    assert format_tokens(999) == "999" and format_tokens(12_345) == "12.3k"
    assert format_tokens(160_000) == "160k"
    text = toolbar_text("MiniMax-M2.5", Path("/srv/app"), "main", 16_000, 160_000)
    assert text == " MiniMax-M2.5 · 16k / 160k tokens (10%) · /srv/app (main) "
    text = toolbar_text("m", Path("/srv/app"), None, 0, 1000, "plan")
    assert text == " plan mode (shift+tab) · m · 0 / 1k tokens (0%) · /srv/app "


def test_shell_output_keeps_head_and_tail_only() -> None:
    output = ShellOutput()
    output.feed("".join(f"line {n}\n" for n in range(1, 101)) + "last without newline")
    lines = output.summary_lines()
    assert lines[:3] == ["line 1", "line 2", "line 3"]
    assert lines[3] == "… 92 more lines …"
    assert lines[-1] == "last without newline" and len(lines) == 10
    short = ShellOutput()
    short.feed("a\nb\n")
    assert short.summary_lines() == ["a", "b"]


def test_output_lines_lose_colors_and_carriage_returns() -> None:
    assert clean_output_line("\x1b[31mred\x1b[0m") == "red"
    assert clean_output_line("10%\r50%\r100%") == "100%"


def test_view_prints_a_denial_message_and_the_outcome() -> None:
    console, out = _console()
    view = TurnView(console, show_reasoning=lambda: True, model_name=lambda: "m")
    call = ToolCall("c1", "shell", '{"command": "ls"}')
    for event in (
        RequestStarted(1),
        TextDelta("Let me "),
        TextDelta("look."),
        MessageDone("Let me look."),
        ToolRequested(call, "shell", "$ ls", "$ ls\n(in /w, timeout 120s)"),
        ToolDecided(call, "approved"),
        ToolStarted(call),
        ToolOutputDelta(call, "a.txt\nb.txt\n"),
        ToolFinished(call, True, "a.txt\nb.txt\n", "exit 0 in 0.1s", 0.1),
        TurnFinished("done"),
    ):
        view(event)
    assert out.getvalue() == ("Let me look.\n\n● $ ls\n  │ a.txt\n  │ b.txt\n  ✓ exit 0 in 0.1s\n")


def test_view_keeps_streamed_text_when_interrupted() -> None:
    console, out = _console()
    view = TurnView(console, show_reasoning=lambda: True, model_name=lambda: "m")
    for event in (RequestStarted(1), TextDelta("half a sen"), TurnFinished("interrupted")):
        view(event)
    assert out.getvalue() == "half a sen\n\n⏹ interrupted\n"


def test_approver_shows_outside_paths_and_offers_no_always(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    console, out = _console()
    asked: list[dict[str, str]] = []

    def fake_ask(question: object, keys: dict[str, str], *io: object) -> str:
        asked.append(keys)
        return "y"

    monkeypatch.setattr(approval_menu, "ask_key", fake_ask)
    monkeypatch.setattr(approval_menu, "flush_typeahead", lambda stream=None: None)
    paused: list[bool] = []
    approver = ConfirmApprover(console, lambda: paused.append(True))
    request = ApprovalRequest(
        ToolCall("c", "read_file", "{}"), "read", "read /etc/hosts", "/etc/hosts", True
    )
    assert approver.decide(request).allow
    assert paused == [True]
    assert "OUTSIDE the workspace" in out.getvalue()
    assert asked == [{"y": "yes", "n": "no", "escape": "no"}]


def test_approver_always_uses_the_narrow_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    console, _ = _console()
    monkeypatch.setattr(approval_menu, "ask_key", lambda question, keys, *io: "a")
    monkeypatch.setattr(approval_menu, "flush_typeahead", lambda stream=None: None)
    approver = ConfirmApprover(console, lambda: None)
    request = ApprovalRequest(
        ToolCall("c", "shell", "{}"),
        "shell",
        "$ git status -s",
        "$ git status -s",
        shell_command="git status -s",
    )
    decision = approver.decide(request)
    assert decision.allow and decision.remember is not None
    assert (decision.remember.kind, decision.remember.shell_prefix) == ("shell", "git status")
