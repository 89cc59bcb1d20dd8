"""The shell tool's side of the sandbox: the words for the model and the escalation offers.

``tools/shell.py`` asks the ``Sandbox`` how to start a command; this module turns what the
sandbox refused into a result the model can act on, carrying an ``Escalation`` (rerun that one
command unconfined) that the REPL may put to the user.
"""

from __future__ import annotations

from collections.abc import Callable

from infercode.sandbox import Sandbox
from infercode.tools.base import Escalation, ToolContext, ToolResult

Run = Callable[[ToolContext], ToolResult]

TOOL_NOTE = (
    " Unless the user turned it off, commands run in a sandbox: only the workspace and $TMPDIR "
    "are writable (git dirs stay read-only) and the network is off; the result says when the "
    "sandbox blocked something."
)


def _first_line(command: str) -> str:
    line = command.strip().splitlines()[0]
    return line if len(line) <= 80 and "\n" not in command.strip() else line[:77] + "…"


def not_confinable(sandbox: Sandbox, command: str, run_unconfined: Run) -> ToolResult:
    """No mechanism works here: nothing ran. The REPL asks once whether to run unconfined for
    the rest of the session; headless leaves it refused."""
    why = "; ".join(sandbox.detected.reasons) or "no mechanism found"

    def consent_and_run(ctx: ToolContext) -> ToolResult:
        sandbox.consented = True
        return run_unconfined(ctx)

    return ToolResult(
        f"Not run: no sandbox works on this system ({why}), and shell commands do not run "
        "unconfined without the user's consent (the user can start infercode with "
        "--sandbox off).",
        ok=False,
        summary="not run: no sandbox available",
        escalation=Escalation(
            question=f"no sandbox works here: run $ {_first_line(command)} and later commands "
            "of this session UNCONFINED?",
            detail=f"No sandbox mechanism works on this system ({why}).",
            rerun=consent_and_run,
        ),
    )


def with_notes(result: ToolResult, notes: list[str], command: str, rerun: Run) -> ToolResult:
    """``result`` with what the sandbox blocked appended, and the offer to rerun unconfined."""
    if not notes:
        return result
    text = "\n".join(f"[{note}]" for note in notes)
    return ToolResult(
        f"{result.output}\n{text}",
        ok=result.ok,
        summary=f"{result.summary} · blocked by the sandbox",
        escalation=Escalation(
            question=f"rerun $ {_first_line(command)} WITHOUT the sandbox?",
            detail="\n".join(notes),
            rerun=rerun,
        ),
    )
