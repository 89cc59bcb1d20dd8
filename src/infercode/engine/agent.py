"""The turn loop: model ↔ tools, with an approval gate and cancellation.

``Agent.run_turn`` yields events and never touches a terminal. Whatever happens — a denial, a
tool error, a broken stream, Ctrl-C (``KeyboardInterrupt`` raised inside or thrown in at a
``yield``), or the consumer closing the generator — every function call in history ends up with an
output, so the next request is valid.

A model request that fails in a retryable way (``ModelError.retry``) is sent again, the same
request, after a ``Retrying`` event; what the broken attempt streamed is discarded, so the answer
appears (and is stored) once. Items of a response reach history only when the response completes.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from infercode.engine.approval import ApprovalRequest, Approver, Decision, SessionRules
from infercode.engine.events import (
    JSON,
    Event,
    MessageDone,
    Notice,
    PlanStep,
    PlanUpdated,
    ReasoningDelta,
    ReasoningDone,
    RequestStarted,
    ResponseCompleted,
    Retrying,
    TextDelta,
    ToolCall,
    ToolDecided,
    ToolFinished,
    ToolOutputDelta,
    ToolRequested,
    ToolStarted,
    TurnFinished,
    TurnStatus,
    Usage,
)
from infercode.engine.history import (
    History,
    assistant_message,
    function_call_output,
    message_text,
    reasoning_text,
    user_message,
)
from infercode.engine.hooks import EventHooks
from infercode.engine.model import ItemDone, ModelClient, ModelRequest, ModelStream, StreamCompleted
from infercode.engine.modes import (
    PLAN_MODE_INSTRUCTIONS,
    PLAN_MODE_REFUSAL,
    ApprovalMode,
    mode_verdict,
    refuses_kind,
)
from infercode.engine.output_items import ItemNormaliser
from infercode.engine.plan import ACKNOWLEDGED, PLAN_TOOL, last_plan, parse_plan
from infercode.engine.plan import SPEC as PLAN_SPEC
from infercode.engine.retry import RetryPolicy
from infercode.engine.valid_text import loads_text
from infercode.errors import ModelError, ToolError
from infercode.tools.base import PreparedCall, ToolContext, ToolResult
from infercode.tools.registry import ToolRegistry
from infercode.tools.workspace import OutsideWorkspace, Workspace

CANCELLED_OUTPUT = "Not run: the user interrupted the turn before this call ran."
FAILED_OUTPUT = "Not run: the response failed before this call could run."
INTERRUPTED_RESULT = "[interrupted by user]"
#: Ends a reply the user stopped with Ctrl-C, so the model knows why it is incomplete.
INTERRUPTED_REPLY_NOTE = "[The user interrupted this reply before it was finished.]"


class TurnHooks(Protocol):
    """Side work around a user turn (git checkpoints). Both are called from the engine thread.

    ``after_turn`` may return a line to show the user (e.g. "committed 1a2b3c4").
    """

    def before_first_mutation(self, turn_label: str) -> None: ...

    def after_turn(self) -> str | None: ...

    def before_call(self, kind: str, paths: tuple[str, ...]) -> None:
        """Around each mutating call, so that what changed between calls (another process)
        can be told apart from what the calls did."""

    def after_call(self) -> None: ...


class RequestHook(Protocol):
    """Work before each model request (auto-compaction); may yield events and reset history."""

    def before_request(self, agent: Agent) -> Iterator[Event]: ...

    def compact(self, agent: Agent, *, manual: bool = False) -> Iterator[Event]: ...

    def set_window(self, window: int) -> None: ...


class NoHooks:
    def before_first_mutation(self, turn_label: str) -> None:
        pass

    def after_turn(self) -> str | None:
        return None

    def before_call(self, kind: str, paths: tuple[str, ...]) -> None:
        pass

    def after_call(self) -> None:
        pass


@dataclass(frozen=True)
class AgentOptions:
    model: str
    instructions: str | None = None
    max_turns: int = 50
    reasoning_effort: str | None = None
    include_encrypted_reasoning: bool = False
    text_format: JSON | None = None
    escalation: bool = False
    """Offer to rerun a call the sandbox blocked, unconfined (the REPL; headless never does)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class _Turn:
    """Mutable state of one user turn."""

    label: str = ""
    steps: int = 0
    denied: int = 0
    final_text: str = ""
    usage: Usage = field(default_factory=Usage)
    mutated: bool = False
    #: Answer text streamed since the last message item (joined only if the stream breaks:
    #: ``+=`` on a str attribute copies the whole text each time, quadratic in the reply).
    partial_parts: list[str] = field(default_factory=list)
    stream: ModelStream | None = None
    #: Items of the response being streamed, stored when it completes (a retry drops them).
    pending: list[JSON] = field(default_factory=list)
    #: Calls to answer with an error instead of running (e.g. no function name), by call id.
    problems: dict[str, str] = field(default_factory=dict)
    #: A model response is being streamed (an interrupt now cuts the model's reply short).
    streaming: bool = False


class Agent:
    def __init__(
        self,
        model: ModelClient,
        tools: ToolRegistry,
        approver: Approver,
        history: History,
        options: AgentOptions,
        rules: SessionRules | None = None,
        hooks: TurnHooks | None = None,
        request_hook: RequestHook | None = None,
        workspace: Workspace | None = None,
        approval_mode: ApprovalMode = "ask",
        event_hooks: EventHooks | None = None,
    ) -> None:
        self.model = model
        self.tools = tools
        self.approver = approver
        self.history = history
        self.options = options
        self.rules = rules if rules is not None else SessionRules()
        self.hooks: TurnHooks = hooks if hooks is not None else NoHooks()
        self.event_hooks = event_hooks if event_hooks is not None else EventHooks(None)
        self.request_hook = request_hook
        self.workspace = workspace
        #: Read it to show it; change it with ``set_approval_mode``.
        self.approval_mode: ApprovalMode = approval_mode
        self.usage_total = Usage()
        self.last_usage = Usage()
        #: len(history) when ``last_usage`` arrived: items after it are not in its token count.
        self.usage_mark = 0
        #: The model's current plan (explanation, steps), from its last ``update_plan`` call.
        self.plan: tuple[str | None, tuple[PlanStep, ...]] | None = last_plan(history.items)

    # -- the control surface: how front-ends change a session, between turns -------------------
    # Front-ends call these and never assign the engine's fields (DESIGN.md, "Architecture").

    def set_model(self, name: str, context_window: int | None = None) -> None:
        """Use model ``name`` from the next request on; compaction follows its window."""
        self.options = dataclasses.replace(self.options, model=name)
        if context_window is not None and self.request_hook is not None:
            self.request_hook.set_window(context_window)

    def set_approval_mode(self, mode: ApprovalMode) -> None:
        """Decide the next calls in ``mode`` (engine/modes.py); the model learns of plan mode
        from the instructions of the next request."""
        self.approval_mode = mode

    def reset(self, items: list[JSON]) -> list[str]:
        """Replace the history (``/clear``, a resumed session, a compaction) and answer any call
        it left open; returns those calls' ids. The last response's token count no longer
        describes the history, so the context is estimated until the next response."""
        self.history.replace(items)
        self.last_usage = Usage()
        self.usage_mark = 0
        self.plan = last_plan(items)
        return self.history.repair()

    def note(self, text: str) -> None:
        """Tell the model something with the next request (e.g. that ``/undo`` ran)."""
        self.history.append(user_message(text))

    def compact(self, *, manual: bool = True) -> Iterator[Event]:
        """Summarise the history now (``/compact``); Notice events say why when it cannot."""
        if self.request_hook is None:
            yield Notice("Compaction is not available in this session.")
            return
        yield from self.request_hook.compact(self, manual=manual)

    def transcript(self) -> list[JSON]:
        """The history as it stands (a copy): what a front-end redraws after a resume."""
        return list(self.history.items)

    def count_usage(self, usage: Usage) -> None:
        """Add tokens spent outside a turn (the compaction summary) to the session's total."""
        self.usage_total += usage

    def build_request(self) -> ModelRequest:
        return ModelRequest(
            model=self.options.model,
            input=self.history.items,
            instructions=self._instructions(),
            tools=self.tools.api_tools(after_builtin=[PLAN_SPEC]),
            reasoning_effort=self.options.reasoning_effort,
            include_encrypted_reasoning=self.options.include_encrypted_reasoning,
            text_format=self.options.text_format,
        )

    def _instructions(self) -> str | None:
        if self.approval_mode != "plan":
            return self.options.instructions
        return "\n\n".join(filter(None, [self.options.instructions, PLAN_MODE_INSTRUCTIONS]))

    def run_turn(self, text: str) -> Generator[Event, None, None]:
        """Send ``text``; work until the model answers without calls, fails, or is stopped."""
        self.history.repair()  # a session resumed after a crash may end with unanswered calls
        sent = yield from self.event_hooks.submit(text)  # None: a hook dropped it (HookRan says)
        if sent is None:
            yield self._finished(_Turn(label=text), "done")
            return
        self.history.append(user_message(sent))
        yield from self._turn(_Turn(label=text))

    def retry_turn(self) -> Generator[Event, None, None]:
        """Send the history as it is again (``/retry`` after a failed turn): the user's message
        is already in it, and a failed request left nothing of its own behind."""
        self.history.repair()
        yield from self._turn(_Turn(label="retry"))

    def _turn(self, turn: _Turn) -> Generator[Event, None, None]:
        error: ModelError | None = None
        try:
            status, error = yield from self._loop(turn)
            while status == "done" and (
                again := (yield from self.event_hooks.stop(turn.final_text))
            ):
                self.history.append(user_message(again))  # a Stop hook: go on, once
                status, error = yield from self._loop(turn)
        except KeyboardInterrupt:
            status = "interrupted"
        finally:
            # Also reached when the consumer closes the generator: history must stay valid.
            self._settle(turn, CANCELLED_OUTPUT)
            notice = self._end_mutations(turn)
        if notice:
            yield Notice(notice)
        yield self._finished(turn, status, error)

    def _end_mutations(self, turn: _Turn) -> str | None:
        if not turn.mutated:
            return None
        turn.mutated = False
        return self.hooks.after_turn()

    def _finished(
        self, turn: _Turn, status: TurnStatus, error: ModelError | None = None
    ) -> TurnFinished:
        return TurnFinished(
            status=status,
            final_text=turn.final_text,
            error=str(error) if error else None,
            error_kind=error.kind if error else None,
            denied_calls=turn.denied,
            steps=turn.steps,
            usage=turn.usage,
        )

    def _settle(self, turn: _Turn, output: str) -> None:
        """Close any open stream, keep text already shown, and answer every open call.

        A reply cut short by the user keeps what arrived, marked as interrupted for the model.
        """
        self._close_stream(turn)
        interrupted_reply = turn.streaming
        turn.streaming = False
        self._commit(turn)
        partial = "".join(turn.partial_parts)
        turn.partial_parts.clear()
        if interrupted_reply:
            partial = "\n\n".join(p for p in (partial, INTERRUPTED_REPLY_NOTE) if p)
        if partial:
            self.history.append(assistant_message(partial))
        self.history.repair(output)

    def _close_stream(self, turn: _Turn) -> None:
        if turn.stream is not None:
            stream, turn.stream = turn.stream, None
            stream.close()

    def _commit(self, turn: _Turn) -> None:
        """Store the items of the response that completed."""
        for item in turn.pending:
            self.history.append(item)
            if item.get("type") == "message":
                turn.final_text = message_text(item)
        turn.pending.clear()

    def _discard_attempt(self, turn: _Turn, calls: list[ToolCall]) -> None:
        """Forget what a failed attempt streamed: the same request goes out again."""
        self._close_stream(turn)
        turn.streaming = False
        turn.pending.clear()
        turn.partial_parts.clear()
        calls.clear()

    def _loop(self, turn: _Turn) -> Generator[Event, None, tuple[TurnStatus, ModelError | None]]:
        while True:
            if turn.steps >= self.options.max_turns:
                error = ModelError(
                    f"stopped after {turn.steps} model requests (--max-turns "
                    f"{self.options.max_turns}); send another message to let it continue",
                    kind="max_turns",
                )
                return "max_turns", error
            turn.steps += 1
            if self.request_hook is not None:
                yield from self.request_hook.before_request(self)
            yield RequestStarted(turn.steps)
            calls: list[ToolCall] = []
            try:
                yield from self._stream_response(turn, calls)
            except ModelError as error:
                # Nothing of the failed request is kept: the history is as it was before it, so
                # ``/retry`` (or ``--continue``) sends a valid request.
                self._discard_attempt(turn, calls)
                self._settle(turn, FAILED_OUTPUT)
                return "failed", error
            if not calls:
                return "done", None
            for call in calls:
                yield from self._handle_call(turn, call)

    def _stream_response(self, turn: _Turn, calls: list[ToolCall]) -> Iterator[Event]:
        """One model request, sent again while it fails in a retryable way."""
        policy = self.options.retry
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                yield from self._attempt(turn, calls)
                return
            except ModelError as error:
                attempt += 1
                if error.retry is None or attempt > policy.max_retries:
                    raise
                delay = policy.delay(attempt, error.retry_after_s)
                if time.monotonic() + delay - started > policy.deadline_s:
                    raise
                self._discard_attempt(turn, calls)
                yield Retrying(attempt, policy.max_retries, delay, error.retry)
                time.sleep(delay)  # Ctrl-C here interrupts the turn like anywhere else

    def _attempt(self, turn: _Turn, calls: list[ToolCall]) -> Iterator[Event]:
        normaliser = ItemNormaliser(self._call_ids())
        turn.streaming = True
        turn.stream = self.model.stream(self.build_request())
        partial = turn.partial_parts
        for event in turn.stream:
            if isinstance(event, TextDelta):
                partial.append(event.text)
                yield event
            elif isinstance(event, ReasoningDelta):
                yield event
            elif isinstance(event, ItemDone):
                yield from self._take_item(turn, normaliser, event.item, calls)
            elif isinstance(event, StreamCompleted):
                self._commit(turn)
                self.last_usage = event.usage
                self.usage_mark = len(self.history)
                turn.usage += event.usage
                self.usage_total += event.usage
                yield ResponseCompleted(event.usage, self.usage_total)
        self._commit(turn)
        turn.stream = None
        turn.streaming = False

    def _call_ids(self) -> set[str]:
        return {
            str(item.get("call_id"))
            for item in self.history.items
            if item.get("type") == "function_call"
        }

    def _take_item(
        self, turn: _Turn, normaliser: ItemNormaliser, item: JSON, calls: list[ToolCall]
    ) -> Iterator[Event]:
        normalised = normaliser.take(item)
        if normalised is None:
            return
        stored = normalised.item
        turn.pending.append(stored)
        kind = stored["type"]
        if kind == "message":
            turn.partial_parts.clear()
            yield MessageDone(message_text(stored))
        elif kind == "reasoning":
            yield ReasoningDone(reasoning_text(stored))
        elif kind == "function_call":
            call = ToolCall(str(stored["call_id"]), str(stored["name"]), str(stored["arguments"]))
            if normalised.problem is not None:
                turn.problems[call.call_id] = normalised.problem
            calls.append(call)

    def _handle_call(self, turn: _Turn, call: ToolCall) -> Iterator[Event]:
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
        self, turn: _Turn, call: ToolCall, outside: OutsideWorkspace
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

    def _start(self, turn: _Turn, call: ToolCall, prepared: PreparedCall) -> Iterator[Event]:
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
            execute=lambda ctx: _prefixed(original(ctx), note),
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
        """Run the call in a worker thread so its live output can be yielded as it comes."""
        chunks: queue.Queue[str | ToolResult] = queue.Queue()
        context = ToolContext(emit=chunks.put)

        def work() -> None:
            try:
                result = execute(context)
            except ToolError as error:
                result = ToolResult(str(error), ok=False, summary="error")
            except Exception as error:  # a tool bug must not kill the session
                result = ToolResult(
                    f"The tool failed unexpectedly: {type(error).__name__}: {error}",
                    ok=False,
                    summary="crashed",
                )
            chunks.put(result)

        worker = threading.Thread(target=work, name=f"tool-{call.name}", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = chunks.get(timeout=0.05)
                except queue.Empty:
                    continue
                if isinstance(item, ToolResult):
                    break
                yield ToolOutputDelta(call, item)
        except (KeyboardInterrupt, GeneratorExit):
            context.cancelled.set()
            worker.join()
            self.history.append(function_call_output(call.call_id, _interrupted(chunks)))
            raise
        return item

    def _finish_call(
        self, call: ToolCall, result: ToolResult, duration_s: float = 0.0
    ) -> Iterator[Event]:
        self.history.append(function_call_output(call.call_id, result.output))
        yield ToolFinished(call, result.ok, result.output, result.summary, duration_s)


def _interrupted(chunks: queue.Queue[str | ToolResult]) -> str:
    """The cancelled tool's own result if it produced one, else what it printed so far."""
    printed: list[str] = []
    while not chunks.empty():
        item = chunks.get_nowait()
        if isinstance(item, ToolResult):
            return (
                item.output
                if INTERRUPTED_RESULT in item.output
                else (f"{item.output}\n{INTERRUPTED_RESULT}")
            )
        printed.append(item)
    return "".join(printed) + f"\n{INTERRUPTED_RESULT}"


def _prefixed(result: ToolResult, note: str) -> ToolResult:
    return ToolResult(note + result.output, result.ok, result.summary)
