"""Hooks with Claude Code's contract: commands the user configured, run at five points of a turn.

The engine only knows the protocol: a ``HookRunner`` (hooks/runner.py runs the commands) gives
the results of every hook of an event whose matcher fits; ``EventHooks`` turns them into
``HookRan`` events and into what the turn does next. Exit 0: go on (a UserPromptSubmit or
SessionStart hook's stdout is added to the message as context); exit 2: block (PreToolUse: the
call is refused with stderr as its result; UserPromptSubmit: the prompt is dropped; Stop: the
model continues once with stderr as its next input); any other exit: a warning. JSON on stdout
(``{"decision": "block"|"approve", "reason": ...}``) is honoured, but ``approve`` never skips
the approval gate: a hook can only add a refusal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from infercode.engine.events import JSON, Event, HookRan, ToolCall

HOOK_EVENTS = ("PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SessionStart")
#: What a blocked call's result says before the hook's reason.
BLOCKED_CALL = "Blocked by a PreToolUse hook (the call did not run)"


@dataclass(frozen=True)
class HookResult:
    """One hook command's run. ``exit_code`` None: it timed out or could not start (``error``)."""

    command: str
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    error: str = ""
    timed_out: bool = False


class HookRunner(Protocol):
    def run(self, event: str, payload: JSON, tool_name: str | None) -> list[HookResult]:
        """Run every hook of ``event`` whose matcher fits ``tool_name`` (None: no tool), in
        order, with ``payload`` as JSON on stdin."""
        ...


Outcome = Literal["ok", "blocked", "failed", "timeout"]


def judge(result: HookResult) -> tuple[Outcome, str, str]:
    """(outcome, reason or warning, context) of one run."""
    if result.exit_code is None:
        return ("timeout" if result.timed_out else "failed"), result.error, ""
    decision, reason, context = _json_answer(result.stdout)
    if result.exit_code == 2 or decision == "block":
        return "blocked", (reason or result.stderr.strip() or "blocked by a hook"), ""
    if result.exit_code != 0:
        warning = result.stderr.strip() or f"exit status {result.exit_code}"
        return "failed", f"exit status {result.exit_code}: {warning}", ""
    if decision is None and context is None:
        context = result.stdout.strip()
    return "ok", reason or "", context or ""


def _json_answer(stdout: str) -> tuple[str | None, str, str | None]:
    text = stdout.strip()
    if not text.startswith("{"):
        return None, "", None
    try:
        data = json.loads(text)
    except ValueError:
        return None, "", None
    if not isinstance(data, dict):
        return None, "", None
    decision = data.get("decision")
    reason = data.get("reason")
    specific = data.get("hookSpecificOutput")
    context = specific.get("additionalContext") if isinstance(specific, dict) else None
    return (
        decision if decision in ("block", "approve") else None,
        reason if isinstance(reason, str) else "",
        context if isinstance(context, str) else "",
    )


class EventHooks:
    """The turn's side of the hooks; ``NO_HOOKS`` (no runner) does nothing and yields nothing."""

    def __init__(
        self,
        runner: HookRunner | None,
        session_id: Callable[[], str] = str,
        cwd: Path | None = None,
    ) -> None:
        self.runner = runner
        #: The session file's id once there is one (the REPL records from the first message).
        self.session_id = session_id
        self.cwd = cwd
        self._started = False
        self._continued = False

    def _run(
        self, event: str, payload: JSON, tool_name: str | None = None
    ) -> Generator[Event, None, tuple[str | None, list[str]]]:
        if self.runner is None:
            return None, []
        full: JSON = {
            "session_id": self.session_id(),
            "cwd": str(self.cwd or ""),
            "hook_event_name": event,
            **payload,
        }
        blocked: str | None = None
        contexts: list[str] = []
        for result in self.runner.run(event, full, tool_name):
            outcome, message, context = judge(result)
            yield HookRan(event, result.command, outcome, message, result.duration_s)
            if outcome == "blocked" and blocked is None:
                blocked = message
            if context:
                contexts.append(context)
        return blocked, contexts

    def submit(self, text: str) -> Generator[Event, None, str | None]:
        """The message to send (with hook context appended), or None: a hook dropped it."""
        contexts: list[str] = []
        if not self._started:
            self._started = True
            _, contexts = yield from self._run("SessionStart", {"source": "startup"})
        blocked, more = yield from self._run("UserPromptSubmit", {"prompt": text})
        if blocked is not None:
            return None
        self._continued = False
        contexts += more
        if not contexts:
            return text
        return text + "\n\n" + "\n\n".join(f"[hook context]\n{c}" for c in contexts)

    def pre_tool(self, call: ToolCall) -> Generator[Event, None, str | None]:
        """The refusal the model reads when a hook blocks ``call``; None: go on to approval."""
        payload: JSON = {"tool_name": call.name, "tool_input": _arguments(call)}
        blocked, _ = yield from self._run("PreToolUse", payload, call.name)
        return None if blocked is None else f"{BLOCKED_CALL}: {blocked}"

    def post_tool(self, call: ToolCall, output: str, ok: bool) -> Iterator[Event]:
        payload: JSON = {
            "tool_name": call.name,
            "tool_input": _arguments(call),
            "tool_response": {"output": output, "ok": ok},
        }
        yield from self._run("PostToolUse", payload, call.name)

    def stop(self, final_text: str) -> Generator[Event, None, str | None]:
        """The next input when a Stop hook blocks (once per user turn), else None."""
        if self.runner is None:
            return None
        payload: JSON = {"stop_hook_active": self._continued, "last_message": final_text}
        blocked, _ = yield from self._run("Stop", payload)
        if blocked is None or self._continued:
            return None
        self._continued = True
        return blocked


def _arguments(call: ToolCall) -> object:
    try:
        return json.loads(call.arguments)
    except ValueError:
        return call.arguments
