"""The model side of a turn: one request (sent again while it fails in a retryable way), its
streamed items normalised and stored when the response completes, and the settling that leaves
every call answered whatever happened. A mixin of ``Agent`` (one class split by concern; see
``agent.py``)."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, cast

from infercode.engine.events import (
    JSON,
    Event,
    MessageDone,
    ReasoningDelta,
    ReasoningDone,
    RequestStarted,
    ResponseCompleted,
    Retrying,
    TextDelta,
    ToolCall,
    TurnStatus,
    Usage,
)
from infercode.engine.history import History, assistant_message, message_text, reasoning_text
from infercode.engine.model import ItemDone, ModelClient, ModelRequest, StreamCompleted
from infercode.engine.output_items import ItemNormaliser
from infercode.engine.turn import (
    FAILED_OUTPUT,
    INTERRUPTED_REPLY_NOTE,
    AgentOptions,
    RequestHook,
    TurnState,
)
from infercode.errors import ModelError

if TYPE_CHECKING:
    from infercode.engine.agent import Agent

#: How a turn's loop ended, and the error that ended it.
TurnOutcome = tuple[TurnStatus, ModelError | None]


class ResponseStreaming:
    model: ModelClient
    history: History
    options: AgentOptions
    request_hook: RequestHook | None
    usage_total: Usage
    last_usage: Usage
    usage_mark: int

    if TYPE_CHECKING:  # provided by Agent and CallHandling

        def build_request(self) -> ModelRequest: ...

        def _handle_call(self, turn: TurnState, call: ToolCall) -> Iterator[Event]: ...

    def _settle(self, turn: TurnState, output: str) -> None:
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

    def _close_stream(self, turn: TurnState) -> None:
        if turn.stream is not None:
            stream, turn.stream = turn.stream, None
            stream.close()

    def _commit(self, turn: TurnState) -> None:
        """Store the items of the response that completed."""
        for item in turn.pending:
            self.history.append(item)
            if item.get("type") == "message":
                turn.final_text = message_text(item)
        turn.pending.clear()

    def _discard_attempt(self, turn: TurnState, calls: list[ToolCall]) -> None:
        """Forget what a failed attempt streamed: the same request goes out again."""
        self._close_stream(turn)
        turn.streaming = False
        turn.pending.clear()
        turn.partial_parts.clear()
        calls.clear()

    def _loop(
        self, turn: TurnState
    ) -> Generator[Event, None, tuple[TurnStatus, ModelError | None]]:
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
                yield from self.request_hook.before_request(cast("Agent", self))
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

    def _stream_response(self, turn: TurnState, calls: list[ToolCall]) -> Iterator[Event]:
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

    def _attempt(self, turn: TurnState, calls: list[ToolCall]) -> Iterator[Event]:
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
        self, turn: TurnState, normaliser: ItemNormaliser, item: JSON, calls: list[ToolCall]
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
