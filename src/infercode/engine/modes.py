"""Approval modes: how much the user approves in advance, switchable during a session.

``ask`` asks as configured (the session rules, then the user); ``auto-edit`` also approves reads
and edits inside the workspace; ``plan`` is read-only — edits, shell and MCP calls are refused
without asking, and the model is told to propose a plan instead; ``full`` approves everything
(``--yes``). Whatever the mode, a path outside the workspace is asked about, one by one.

The engine consults ``mode_verdict`` before the session rules; it is the one place the modes are
decided.
"""

from __future__ import annotations

from typing import Literal

from infercode.engine.approval import ApprovalRequest

ApprovalMode = Literal["ask", "auto-edit", "plan", "full"]
APPROVAL_MODES: tuple[ApprovalMode, ...] = ("ask", "auto-edit", "plan", "full")
#: What Shift-Tab and a bare ``/mode`` step through: ``full`` is never one key press away.
CYCLE: tuple[ApprovalMode, ...] = ("ask", "auto-edit", "plan")

Verdict = Literal["allow", "refuse", "rules"]
"""``rules``: the mode has no opinion; the session rules decide, else the user is asked."""

#: Kinds a read-only session may run (``plan`` is update_plan, which is never asked about).
READ_ONLY_KINDS = frozenset({"read", "plan"})

PLAN_MODE_REFUSAL = (
    "Not run: the session is in plan mode (read-only). Do not edit files or run commands; "
    "explore with read_file, glob and grep, then propose your plan (update_plan and a short "
    "answer). The user switches modes to let you carry it out."
)

PLAN_MODE_INSTRUCTIONS = """\
PLAN MODE is on: the user wants a plan before any change. Edits and shell commands are refused.
Explore with read_file, glob and grep, then answer with a concise, concrete plan (the files to
change and how, and how to check it), also sent with update_plan. Do not start the work."""


def is_always_asked(request: ApprovalRequest) -> bool:
    """Calls every mode asks about: paths outside the workspace, and protected paths."""
    return request.outside_workspace or request.protected


def mode_verdict(mode: ApprovalMode, request: ApprovalRequest) -> Verdict:
    """What ``mode`` decides for ``request`` before the session rules are consulted."""
    if mode == "plan" and request.kind not in READ_ONLY_KINDS:
        return "refuse"  # even outside the workspace: there is nothing to ask
    if is_always_asked(request):
        return "rules"  # the rules never approve these either: the user is asked
    if mode == "full" or (mode == "auto-edit" and request.kind in ("read", "edit")):
        return "allow"
    return "rules"


def refuses_kind(mode: ApprovalMode, kind: str) -> bool:
    """A kind ``mode`` refuses whatever its path (checked before asking about an outside path)."""
    return mode == "plan" and kind not in READ_ONLY_KINDS


def next_mode(mode: ApprovalMode) -> ApprovalMode:
    """The mode after ``mode`` in the Shift-Tab cycle (``full`` goes back to ``ask``)."""
    if mode not in CYCLE:
        return CYCLE[0]
    return CYCLE[(CYCLE.index(mode) + 1) % len(CYCLE)]


def approved_plan_message(plan: str, mode: ApprovalMode) -> str:
    """The instruction sent when the user leaves plan mode approving the plan."""
    return (
        f"I approve this plan. Plan mode is off (approval mode: {mode}): carry it out now, "
        f"keeping update_plan current.\n\n{plan.strip()}"
    )
