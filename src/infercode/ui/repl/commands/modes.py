"""``/mode`` and ``/approve``: the approval mode, and leaving plan mode with the plan approved."""

from __future__ import annotations

from rich.text import Text

from infercode.engine.modes import (
    APPROVAL_MODES,
    ApprovalMode,
    approved_plan_message,
    next_mode,
)
from infercode.engine.plan import plan_markdown
from infercode.ui.repl.commands.registry import Command, CommandRegistry, ReplState

DESCRIPTIONS: dict[ApprovalMode, str] = {
    "ask": "asks before each call, as configured",
    "auto-edit": "reads and edits in the workspace approved; shell asked",
    "plan": "read-only: the model explores and proposes a plan, nothing is changed",
    "full": "every call approved (paths outside the workspace still asked)",
}


def _parse(arg: str) -> ApprovalMode | None:
    for mode in APPROVAL_MODES:
        if mode == arg:
            return mode
    return None


def switch_mode(state: ReplState, mode: ApprovalMode) -> None:
    """Switch, and say what the mode means (and how to leave plan mode with the plan)."""
    was = state.agent.approval_mode
    state.agent.set_approval_mode(mode)
    state.console.print(Text(f"Mode: {mode} — {DESCRIPTIONS[mode]}", style="dim"))
    if was == "plan" and mode != "plan" and _plan(state):
        state.console.print(
            Text("/approve sends the plan to the model and switches to auto-edit.", style="dim")
        )


def cycle_mode(state: ReplState) -> ApprovalMode:
    """The next mode of the Shift-Tab cycle (ask, auto-edit, plan)."""
    mode = next_mode(state.agent.approval_mode)
    state.agent.set_approval_mode(mode)
    return mode


def _mode(state: ReplState, arg: str) -> None:
    if not arg:
        switch_mode(state, next_mode(state.agent.approval_mode))
        return
    mode = _parse(arg)
    if mode is None:
        state.console.print(
            Text(f"Unknown mode {arg!r}; use one of {', '.join(APPROVAL_MODES)}.", "yellow")
        )
        return
    switch_mode(state, mode)


def _plan(state: ReplState) -> str:
    """The plan to approve: the model's update_plan checklist, else its last answer."""
    if state.agent.plan is not None:
        return plan_markdown(*state.agent.plan)
    return state.last_answer.strip()


def _approve(state: ReplState, arg: str) -> None:
    mode = _parse(arg) if arg else "auto-edit"
    if mode is None or mode == "plan":
        state.console.print(Text("Use /approve [auto-edit|ask|full].", "yellow"))
        return
    plan = _plan(state)
    if not plan:
        state.console.print(Text("There is no plan yet: ask for one in plan mode.", "yellow"))
        return
    state.agent.set_approval_mode(mode)
    state.console.print(Text(f"Plan approved; mode: {mode}.", style="dim"))
    if state.send is not None:
        state.send(approved_plan_message(plan, mode))


def add_mode_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "mode",
            "switch the approval mode (no NAME: the next of ask, auto-edit, plan; also Shift-Tab)",
            _mode,
            usage="[NAME]",
            complete=lambda _state: list(APPROVAL_MODES),
        )
    )
    registry.add(
        Command(
            "approve",
            "approve the plan: switch to auto-edit (or MODE) and send the plan to the model",
            _approve,
            usage="[MODE]",
            complete=lambda _state: ["auto-edit", "ask", "full"],
        )
    )
