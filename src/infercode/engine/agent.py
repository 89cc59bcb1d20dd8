"""The turn loop: model ↔ tools, with an approval gate and cancellation.

``Agent.run_turn`` yields events and never touches a terminal. Whatever happens — a denial, a
tool error, a broken stream, Ctrl-C (``KeyboardInterrupt`` raised inside or thrown in at a
``yield``), or the consumer closing the generator — every function call in history ends up with an
output, so the next request is valid.
"""

from __future__ import annotations

import dataclasses
import json
import queue
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from infercode.engine.approval import ApprovalRequest, Approver, Decision, SessionRules
from infercode.engine.events import (
    JSON,
    Event,
    MessageDone,
    Notice,
    ReasoningDelta,
    ReasoningDone,
    RequestStarted,
    ResponseCompleted,
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
    to_input_item,
    user_message,
)
from infercode.engine.model import ItemDone, ModelClient, ModelRequest, ModelStream, StreamCompleted
from infercode.errors import ModelError, ToolError
from infercode.tools.base import PreparedCall, ToolContext, ToolResult
from infercode.tools.registry import ToolRegistry
from infercode.tools.workspace import OutsideWorkspace, Workspace

CANCELLED_OUTPUT = "Not run: the user interrupted the turn before this call ran."
FAILED_OUTPUT = "Not run: the response failed before this call could run."
INTERRUPTED_RESULT = "[interrupted by user]"


class TurnHooks(Protocol):
    """Side work around a user turn (git checkpoints). Both are called from the engine thread.

    ``after_turn`` may return a line to show the user (e.g. "committed 1a2b3c4").
    """

    def before_first_mutation(self, turn_label: str) -> None: ...

    def after_turn(self) -> str | None: ...


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


@dataclass(frozen=True)
class AgentOptions:
    model: str
    instructions: str | None = None
    max_turns: int = 50
    reasoning_effort: str | None = None
    include_encrypted_reasoning: bool = False
    text_format: JSON | None = None


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
    ) -> None:
        self.model = model
        self.tools = tools
        self.approver = approver
        self.history = history
        self.options = options
        self.rules = rules if rules is not None else SessionRules()
        self.hooks: TurnHooks = hooks if hooks is not None else NoHooks()
        self.request_hook = request_hook
        self.workspace = workspace
        self.usage_total = Usage()
        self.last_usage = Usage()
        #: len(history) when ``last_usage`` arrived: items after it are not in its token count.
        self.usage_mark = 0

    # -- the control surface: how front-ends change a session, between turns -------------------
    # Front-ends call these and never assign the engine's fields (DESIGN.md, "Architecture").

    def set_model(self, name: str, context_window: int | None = None) -> None:
        """Use model ``name`` from the next request on; compaction follows its window."""
        self.options = dataclasses.replace(self.options, model=name)
        if context_window is not None and self.request_hook is not None:
            self.request_hook.set_window(context_window)

    def reset(self, items: list[JSON]) -> list[str]:
        """Replace the history (``/clear``, a resumed session, a compaction) and answer any call
        it left open; returns those calls' ids. The last response's token count no longer
        describes the history, so the context is estimated until the next response."""
        self.history.replace(items)
        self.last_usage = Usage()
        self.usage_mark = 0
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

    def count_usage(self, usage: Usage) -> None:
        """Add tokens spent outside a turn (the compaction summary) to the session's total."""
        self.usage_total += usage

    def build_request(self) -> ModelRequest:
        return ModelRequest(
            model=self.options.model,
            input=self.history.items,
            instructions=self.options.instructions,
            tools=self.tools.api_tools(),
            reasoning_effort=self.options.reasoning_effort,
            include_encrypted_reasoning=self.options.include_encrypted_reasoning,
            text_format=self.options.text_format,
        )

    def run_turn(self, text: str) -> Generator[Event, None, None]:
        """Send ``text``; work until the model answers without calls, fails, or is stopped."""
        turn = _Turn(label=text)
        self.history.repair()  # a session resumed after a crash may end with unanswered calls
        self.history.append(user_message(text))
        error: ModelError | None = None
        try:
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
        """Close any open stream, keep text already shown, and answer every open call."""
        if turn.stream is not None:
            turn.stream.close()
            turn.stream = None
        partial = "".join(turn.partial_parts)
        turn.partial_parts.clear()
        if partial:
            self.history.append(assistant_message(partial))
        self.history.repair(output)

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
                self._settle(turn, FAILED_OUTPUT)
                return "failed", error
            if not calls:
                return "done", None
            for call in calls:
                yield from self._handle_call(turn, call)

    def _stream_response(self, turn: _Turn, calls: list[ToolCall]) -> Iterator[Event]:
        turn.stream = self.model.stream(self.build_request())
        partial = turn.partial_parts
        for event in turn.stream:
            if isinstance(event, TextDelta):
                partial.append(event.text)
                yield event
            elif isinstance(event, ReasoningDelta):
                yield event
            elif isinstance(event, ItemDone):
                yield from self._take_item(turn, event.item, calls)
            elif isinstance(event, StreamCompleted):
                self.last_usage = event.usage
                self.usage_mark = len(self.history)
                turn.usage += event.usage
                self.usage_total += event.usage
                yield ResponseCompleted(event.usage, self.usage_total)
        turn.stream = None

    def _take_item(self, turn: _Turn, item: JSON, calls: list[ToolCall]) -> Iterator[Event]:
        stored = to_input_item(item)
        if stored is None:
            return
        self.history.append(stored)
        kind = stored["type"]
        if kind == "message":
            turn.partial_parts.clear()
            turn.final_text = message_text(stored)
            yield MessageDone(turn.final_text)
        elif kind == "reasoning":
            yield ReasoningDone(reasoning_text(stored))
        elif kind == "function_call":
            calls.append(
                ToolCall(str(stored["call_id"]), str(stored["name"]), str(stored["arguments"]))
            )

    def _handle_call(self, turn: _Turn, call: ToolCall) -> Iterator[Event]:
        try:
            try:
                prepared = self._prepare(call)
            except OutsideWorkspace as outside:
                granted = yield from self._ask_outside(turn, call, outside)
                if not granted:
                    return
                prepared = self._prepare(call)
                if prepared.kind == "read":  # the path was the question; nothing else to show
                    yield from self._start(turn, call, prepared)
                    return
                prepared = dataclasses.replace(prepared, outside_workspace=True)
        except ToolError as error:
            yield ToolDecided(call, "invalid")
            yield from self._finish_call(call, ToolResult(str(error), ok=False, summary="invalid"))
            return
        request = ApprovalRequest(
            call=call,
            kind=prepared.kind,
            summary=prepared.summary,
            detail=prepared.detail,
            outside_workspace=prepared.outside_workspace,
            shell_command=prepared.shell_command,
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
        if self.rules.allows(request):
            yield ToolDecided(call, "approved_by_rule")
        else:
            decision = self.approver.decide(request)
            if decision.remember is not None:
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

    def _ask_outside(
        self, turn: _Turn, call: ToolCall, outside: OutsideWorkspace
    ) -> Generator[Event, None, bool]:
        """A path outside the workspace needs the user's yes for that one path (never a rule)."""
        tool = self.tools.get(call.name)
        kind = tool.spec.kind if tool is not None else "read"
        summary = f"{call.name} {outside.path} — OUTSIDE the workspace {outside.root}"
        request = ApprovalRequest(call, kind, summary, str(outside), outside_workspace=True)
        yield ToolRequested(call, kind, summary, str(outside), outside_workspace=True)
        decision = self.approver.decide(request)
        if not decision.allow or self.workspace is None:
            turn.denied += 1
            yield from self._deny(call, decision)
            return False
        self.workspace.grant(outside.path)
        yield ToolDecided(call, "approved", decision.message)
        return True

    def _start(self, turn: _Turn, call: ToolCall, prepared: PreparedCall) -> Iterator[Event]:
        tool = self.tools.get(call.name)
        if tool is not None and tool.spec.mutating and not turn.mutated:
            turn.mutated = True
            self.hooks.before_first_mutation(turn.label)
        yield ToolStarted(call)
        yield from self._run(call, prepared)

    def _prepare(self, call: ToolCall, override: JSON | None = None) -> PreparedCall:
        tool = self.tools.get(call.name)
        if tool is None:
            raise ToolError(
                f"Unknown tool '{call.name}'. Available tools: {', '.join(self.tools.names())}."
            )
        try:
            args = json.loads(call.arguments) if call.arguments.strip() else {}
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
        if decision.source == "no_approver":
            output = decision.message or "Not run: nobody could approve it."
            yield ToolDecided(call, "denied_no_approver", decision.message)
        else:
            output = "The user denied this call."
            if decision.message:
                output += f" Their message: {decision.message}"
            yield ToolDecided(call, "denied", decision.message)
        yield from self._finish_call(call, ToolResult(output, ok=False, summary="denied"))

    def _run(self, call: ToolCall, prepared: PreparedCall) -> Iterator[Event]:
        """Run the call in a worker thread so its live output can be yielded as it comes."""
        chunks: queue.Queue[str | ToolResult] = queue.Queue()
        context = ToolContext(emit=chunks.put)
        started = time.monotonic()

        def work() -> None:
            try:
                result = prepared.execute(context)
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
        yield from self._finish_call(call, item, time.monotonic() - started)

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
