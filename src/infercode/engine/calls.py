"""The tool side of a turn: each call prepared, put through the approval gate (deny rules, the
approval mode, session rules, then the approver), run, and answered in history. A mixin of
``Agent`` (one class split by concern; see ``agent.py``)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from infercode.engine.approval import ApprovalRequest, Approver, Decision, SessionRules
from infercode.engine.events import (
    JSON,
    Event,
    PlanStep,
    PlanUpdated,
    ToolCall,
    ToolDecided,
    ToolFinished,
    ToolRequested,
    ToolStarted,
)
from infercode.engine.history import History, function_call_output
from infercode.engine.hooks import EventHooks
from infercode.engine.modes import PLAN_MODE_REFUSAL, ApprovalMode, mode_verdict, refuses_kind
from infercode.engine.plan import ACKNOWLEDGED, PLAN_TOOL, parse_plan
from infercode.engine.tool_runner import prefixed, run_tool
from infercode.engine.turn import AgentOptions, TurnHooks, TurnState
from infercode.engine.valid_text import loads_text
from infercode.errors import ToolError
from infercode.tools.base import PreparedCall, ToolContext, ToolResult
from infercode.tools.registry import ToolRegistry
from infercode.tools.workspace import OutsideWorkspace, Workspace


class CallHandling:
    tools: ToolRegistry
    approver: Approver
    history: History
    options: AgentOptions
    rules: SessionRules
    hooks: TurnHooks
    workspace: Workspace | None
    approval_mode: ApprovalMode
    plan: tuple[str | None, tuple[PlanStep, ...]] | None
    event_hooks: EventHooks

    def _handle_call(self, turn: TurnState, call: ToolCall) -> Iterator[Event]:
        problem = turn.problems.pop(call.call_id, None)
        if problem is not None:
            yield ToolDecided(call, "invalid")
            yield from self._finish_call(call, ToolResult(problem, ok=False, summary="invalid"))
            return
        if call.name == PLAN_TOOL:
            yield from self._update_plan(call)
            return
        try:
            try:
                prepared = self._prepare(call)
            except OutsideWorkspace as outside:
                granted = yield from self._ask_outside(turn, call, outside)
                if not granted or self.workspace is None:
                    return
                # A read yes is remembered for that one path; an edit yes covers preparing this
                # one edit, whose diff is then asked about again.
                with self.workspace.allow_once(outside.path):
                    prepared = self._prepare(call)
                if prepared.kind == "read":  # the path was the question; nothing else to show
                    yield from self._start(turn, call, prepared)
                    return
                prepared = dataclasses.replace(prepared, outside_workspace=True)
        except ToolError as error:
            yield ToolDecided(call, "invalid")
            yield from self._finish_call(call, ToolResult(str(error), ok=False, summary="invalid"))
            return
        if prepared.kind != "read" and any(Path(shown).is_absolute() for shown in prepared.paths):
            # A path granted earlier (for a read) resolves without a question; a change there is
            # still asked about, in every approval mode and whatever the session rules say.
            prepared = dataclasses.replace(prepared, outside_workspace=True)
        request = ApprovalRequest(
            call=call,
            kind=prepared.kind,
            summary=prepared.summary,
            detail=prepared.detail,
            outside_workspace=prepared.outside_workspace,
            shell_command=prepared.shell_command,
            protected=prepared.protected,
            mcp_server=prepared.mcp_server,
            mcp_tool=prepared.mcp_tool,
        )
        yield ToolRequested(
            call,
            prepared.kind,
            prepared.summary,
            prepared.detail,
            prepared.outside_workspace,
            server=prepared.mcp_server,
            tool=prepared.mcp_tool,
        )
        if (refusal := (yield from self.event_hooks.pre_tool(call))) is not None:
            yield from self._deny(call, Decision(False, refusal, source="rule"))
            return
        review = self.rules.review(request)
        if review.verdict == "deny":  # deny rules beat every mode, --yes included
            turn.denied += 1
            yield from self._deny(call, Decision(False, review.message, source="rule"))
            return
        verdict = mode_verdict(self.approval_mode, request)
        if verdict == "refuse":
            yield from self._deny(call, Decision(False, PLAN_MODE_REFUSAL, source="mode"))
            return
        # A mode approves like --yes: never a line a deny rule may cover (review.note).
        if review.verdict == "allow" or (verdict == "allow" and review.note is None):
            yield ToolDecided(call, "approved_by_rule")
        else:
            if review.note:
                request = dataclasses.replace(request, note=review.note)
            decision = self.approver.decide(request)
            # "always" on an outside or protected call never becomes a rule: it would widen a
            # one-path question into a blanket approval.
            one_by_one = request.outside_workspace or request.protected
            if decision.remember is not None and not one_by_one:
                self.rules.add(decision.remember)
            if not decision.allow:
                turn.denied += 1
                yield from self._deny(call, decision)
                return
            yield ToolDecided(call, "approved", decision.message)
            if decision.edited_command is not None:
                edited = yield from self._reprepare(call, decision.edited_command)
                if edited is None:
                    return
                prepared = edited
        yield from self._start(turn, call, prepared)

    def _update_plan(self, call: ToolCall) -> Iterator[Event]:
        """No tool runs and nobody is asked: the plan is shown and acknowledged (engine/plan.py)."""
        try:
            plan = parse_plan(call.arguments)
        except ToolError as error:
            yield ToolDecided(call, "invalid")
            yield from self._finish_call(call, ToolResult(str(error), ok=False, summary="invalid"))
            return
        changed = plan != self.plan
        self.plan = plan
        self.history.append(function_call_output(call.call_id, ACKNOWLEDGED))
        yield PlanUpdated(call, plan[0], plan[1], changed)

    def _ask_outside(
        self, turn: TurnState, call: ToolCall, outside: OutsideWorkspace
    ) -> Generator[Event, None, bool]:
        """A path outside the workspace needs the user's yes for that one path (never a rule)."""
        tool = self.tools.get(call.name)
        kind = tool.spec.kind if tool is not None else "read"
        summary = f"{call.name} {outside.path} — OUTSIDE the workspace {outside.root}"
        # Say what a yes covers: a read of this one file for the session; an edit only this once.
        summary += "; yes allows reading this file this session" if kind == "read" else ""
        request = ApprovalRequest(call, kind, summary, str(outside), outside_workspace=True)
        yield ToolRequested(call, kind, summary, str(outside), outside_workspace=True)
        if refuses_kind(self.approval_mode, kind):
            yield from self._deny(call, Decision(False, PLAN_MODE_REFUSAL, source="mode"))
            return False
        decision = self.approver.decide(request)
        if not decision.allow or self.workspace is None:
            turn.denied += 1
            yield from self._deny(call, decision)
            return False
        if kind == "read":
            self.workspace.grant(outside.path)
        yield ToolDecided(call, "approved", decision.message)
        return True

    def _start(self, turn: TurnState, call: ToolCall, prepared: PreparedCall) -> Iterator[Event]:
        tool = self.tools.get(call.name)
        mutating = tool is not None and tool.spec.mutating
        if mutating and not turn.mutated:
            turn.mutated = True
            self.hooks.before_first_mutation(turn.label)
        if mutating:
            self.hooks.before_call(prepared.kind, prepared.paths)
        yield ToolStarted(call)
        try:
            yield from self._run(call, prepared)
        finally:  # an interrupted command's changes are this session's too
            if mutating:
                self.hooks.after_call()

    def _prepare(self, call: ToolCall, override: JSON | None = None) -> PreparedCall:
        tool = self.tools.get(call.name)
        if tool is None:
            raise ToolError(
                f"Unknown tool '{call.name}'. Available tools: {', '.join(self.tools.names())}."
            )
        try:
            args = loads_text(call.arguments) if call.arguments.strip() else {}
        except ValueError as error:
            raise ToolError(
                f"The arguments are not valid JSON ({error}). Send one JSON object that matches "
                f"the {call.name} schema."
            ) from None
        if not isinstance(args, dict):
            raise ToolError(f"The arguments must be a JSON object, not {type(args).__name__}.")
        return tool.prepare({**args, **(override or {})})

    def _reprepare(
        self, call: ToolCall, command: str
    ) -> Generator[Event, None, PreparedCall | None]:
        """The user edited the shell command: run theirs, and tell the model it changed."""
        try:
            prepared = self._prepare(call, {"command": command})
        except ToolError as error:
            yield from self._finish_call(call, ToolResult(str(error), ok=False, summary="invalid"))
            return None
        note = f"[the user edited the command before running it; it ran as: {command}]\n"
        original = prepared.execute
        return PreparedCall(
            kind=prepared.kind,
            summary=prepared.summary,
            detail=prepared.detail,
            execute=lambda ctx: prefixed(original(ctx), note),
            outside_workspace=prepared.outside_workspace,
            shell_command=command,
        )

    def _deny(self, call: ToolCall, decision: Decision) -> Iterator[Event]:
        if decision.source == "mode":
            output = decision.message or PLAN_MODE_REFUSAL
            yield ToolDecided(call, "denied_by_mode", decision.message)
            result = ToolResult(output, ok=False, summary=f"refused in {self.approval_mode} mode")
            yield from self._finish_call(call, result)
            return
        if decision.source == "rule":
            output = decision.message or "Not run: a deny rule refuses it."
            yield ToolDecided(call, "denied_by_rule", decision.message)
        elif decision.source == "no_approver":
            output = decision.message or "Not run: nobody could approve it."
            yield ToolDecided(call, "denied_no_approver", decision.message)
        else:
            output = "The user denied this call."
            if decision.message:
                output += f" Their message: {decision.message}"
            yield ToolDecided(call, "denied", decision.message)
        yield from self._finish_call(call, ToolResult(output, ok=False, summary="denied"))

    def _run(self, call: ToolCall, prepared: PreparedCall) -> Iterator[Event]:
        started = time.monotonic()
        result = yield from self._execute(call, prepared.execute)
        if result.escalation is not None and self.options.escalation:
            result = yield from self._escalate(call, result, time.monotonic() - started)
        yield from self._finish_call(call, result, time.monotonic() - started)
        yield from self.event_hooks.post_tool(call, result.output, result.ok)

    def _escalate(
        self, call: ToolCall, result: ToolResult, duration_s: float
    ) -> Generator[Event, None, ToolResult]:
        """Ask whether to rerun a blocked call with more rights: its own request, which rules
        and ``--yes`` never answer. The blocked attempt is shown finished first."""
        escalation = result.escalation
        assert escalation is not None
        yield ToolFinished(call, result.ok, result.output, result.summary, duration_s)
        request = ApprovalRequest(call, "escalate", escalation.question, escalation.detail)
        yield ToolRequested(call, "escalate", escalation.question, escalation.detail)
        decision = self.approver.decide(request)
        if not decision.allow:
            yield ToolDecided(call, "denied", decision.message)
            note = "\n[the user declined to run it without the sandbox]"
            if decision.message:
                note += f" Their message: {decision.message}"
            return ToolResult(result.output + note, ok=False, summary=result.summary)
        yield ToolDecided(call, "approved")
        yield ToolStarted(call)
        rerun = yield from self._execute(call, escalation.rerun)
        note = "[the user approved running it without the sandbox; this is that run's output]\n"
        return ToolResult(f"{result.output}\n{note}{rerun.output}", rerun.ok, rerun.summary)

    def _execute(
        self, call: ToolCall, execute: Callable[[ToolContext], ToolResult]
    ) -> Generator[Event, None, ToolResult]:
        return (yield from run_tool(call, execute, self.history))

    def _finish_call(
        self, call: ToolCall, result: ToolResult, duration_s: float = 0.0
    ) -> Iterator[Event]:
        self.history.append(function_call_output(call.call_id, result.output))
        yield ToolFinished(call, result.ok, result.output, result.summary, duration_s)
