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
from collections.abc import Generator, Iterator

from infercode.engine.approval import Approver, SessionRules
from infercode.engine.calls import CallHandling
from infercode.engine.events import JSON, Event, Notice, PlanStep, TurnFinished, TurnStatus, Usage
from infercode.engine.history import History, user_message
from infercode.engine.hooks import EventHooks
from infercode.engine.model import ModelClient, ModelRequest
from infercode.engine.modes import PLAN_MODE_INSTRUCTIONS, ApprovalMode
from infercode.engine.plan import SPEC as PLAN_SPEC
from infercode.engine.plan import last_plan
from infercode.engine.streaming import ResponseStreaming
from infercode.engine.turn import (
    CANCELLED_OUTPUT,
    FAILED_OUTPUT,
    INTERRUPTED_REPLY_NOTE,
    AgentOptions,
    NoHooks,
    RequestHook,
    TurnHooks,
    TurnState,
)
from infercode.errors import ModelError
from infercode.tools.registry import ToolRegistry
from infercode.tools.workspace import Workspace

#: Kept importable from here: the engine's public names (``tests`` and the wiring use them).
__all__ = [
    "CANCELLED_OUTPUT",
    "FAILED_OUTPUT",
    "INTERRUPTED_REPLY_NOTE",
    "Agent",
    "AgentOptions",
    "RequestHook",
    "TurnHooks",
]


class Agent(ResponseStreaming, CallHandling):
    """The engine: its control surface and the turn loop; the model side of a turn is in
    ``streaming.py``, the tool side in ``calls.py`` (mixins, one class split by concern)."""

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
            yield self._finished(TurnState(label=text), "done")
            return
        self.history.append(user_message(sent))
        yield from self._turn(TurnState(label=text))

    def retry_turn(self) -> Generator[Event, None, None]:
        """Send the history as it is again (``/retry`` after a failed turn): the user's message
        is already in it, and a failed request left nothing of its own behind."""
        self.history.repair()
        yield from self._turn(TurnState(label="retry"))

    def _turn(self, turn: TurnState) -> Generator[Event, None, None]:
        error: ModelError | None = None
        try:
            status, error = yield from self._loop(turn)
            while status == "done" and (
                again := (yield from self.event_hooks.stop(turn.final_text))
            ):
                self.history.append(user_message(again))  # a Stop hook: go on, once
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

    def _end_mutations(self, turn: TurnState) -> str | None:
        if not turn.mutated:
            return None
        turn.mutated = False
        return self.hooks.after_turn()

    def _finished(
        self, turn: TurnState, status: TurnStatus, error: ModelError | None = None
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
