"""Events the engine yields. Front-ends (REPL, headless runner, JSON output) consume these only.

Every class is a frozen dataclass; consumers dispatch with ``isinstance`` or ``match``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NoReturn

JSON = dict[str, object]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one response (or a sum of several). Servers may omit any of them."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            self.cached_tokens + other.cached_tokens,
        )


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call as the model sent it (arguments are the raw JSON text)."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class RequestStarted:
    """A model request is about to be sent; ``step`` counts requests in this user turn, from 1."""

    step: int


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class MessageDone:
    """The assistant finished one message (its full text)."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDone:
    """The model finished one reasoning item (its full text: content, else summary)."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolRequested:
    """The model asked for a tool call. ``summary``: one line; ``detail``: the diff or command.
    ``server`` and ``tool``: the MCP server and its tool's own name, for an MCP call."""

    call: ToolCall
    kind: str
    summary: str
    detail: str
    outside_workspace: bool = False
    server: str | None = None
    tool: str | None = None


Decided = Literal[
    "approved",
    "approved_by_rule",
    "denied",
    "denied_by_rule",
    "denied_no_approver",
    "denied_by_mode",
    "invalid",
]


@dataclass(frozen=True, slots=True)
class ToolDecided:
    """The approval decision for a call. ``message`` is the user's note to the model, if any."""

    call: ToolCall
    decision: Decided
    message: str | None = None


@dataclass(frozen=True, slots=True)
class ToolStarted:
    call: ToolCall


@dataclass(frozen=True, slots=True)
class ToolOutputDelta:
    """Live output of a running tool (the shell's stdout and stderr, as they come)."""

    call: ToolCall
    text: str


@dataclass(frozen=True, slots=True)
class ToolFinished:
    """A call's outcome. ``output`` is what the model reads; ``summary`` a short line for people."""

    call: ToolCall
    ok: bool
    output: str
    summary: str
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ResponseCompleted:
    """One model response finished; ``usage`` is that response's, ``total`` the session's so far."""

    usage: Usage
    total: Usage


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know that is not an error (e.g. history repaired)."""

    text: str


@dataclass(frozen=True, slots=True)
class Retrying:
    """A model request failed in a way worth retrying; it is sent again after ``delay_s``.

    Whatever the broken attempt streamed (text, reasoning, items) is discarded: front-ends drop
    its partial output, and the answer arrives once, from the attempt that completes.
    """

    attempt: int
    max_attempts: int
    delay_s: float
    reason: str

    def text(self) -> str:
        """``connection dropped, retrying 1/4 in 2 s``."""
        delay = f"{self.delay_s:.0f}" if self.delay_s >= 10 else f"{self.delay_s:.1f}".rstrip("0")
        delay = delay.rstrip(".")
        return f"{self.reason}, retrying {self.attempt}/{self.max_attempts} in {delay} s"


@dataclass(frozen=True, slots=True)
class Compacted:
    """The history was replaced by a summary and the recent turns (estimated tokens)."""

    before_tokens: int
    after_tokens: int


PlanStatus = Literal["pending", "in_progress", "completed"]


@dataclass(frozen=True, slots=True)
class PlanStep:
    step: str
    status: PlanStatus


@dataclass(frozen=True, slots=True)
class PlanUpdated:
    """The model sent its plan (``update_plan``). ``changed``: it differs from the last one."""

    call: ToolCall
    explanation: str | None
    steps: tuple[PlanStep, ...]
    changed: bool = True


@dataclass(frozen=True, slots=True)
class HookRan:
    """A user- or project-configured hook command ran (engine/hooks.py).

    ``outcome``: ``ok``; ``blocked`` (exit 2 or ``{"decision": "block"}``: the call, prompt or
    stop was refused); ``failed`` (another exit status, or it could not start) or ``timeout``,
    both warnings after which the run goes on. ``message``: the reason or the warning."""

    hook_event: str
    command: str
    outcome: Literal["ok", "blocked", "failed", "timeout"]
    message: str = ""
    duration_s: float = 0.0

    def text(self) -> str:
        shown = self.command if len(self.command) <= 60 else self.command[:59] + "…"
        tail = f": {self.message}" if self.message else ""
        return f"hook {self.hook_event} `{shown}` {self.outcome}{tail}"


TurnStatus = Literal["done", "failed", "interrupted", "max_turns"]


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """The user turn ended. ``final_text``: the last assistant message; ``error``: the failure."""

    status: TurnStatus
    final_text: str = ""
    error: str | None = None
    error_kind: str | None = None
    denied_calls: int = 0
    steps: int = 0
    usage: Usage = field(default_factory=Usage)


Event = (
    RequestStarted
    | TextDelta
    | ReasoningDelta
    | MessageDone
    | ReasoningDone
    | ToolRequested
    | ToolDecided
    | ToolStarted
    | ToolOutputDelta
    | ToolFinished
    | ResponseCompleted
    | Notice
    | TurnFinished
    | Compacted
    | Retrying
    | PlanUpdated
    | HookRan
)


def assert_never(event: NoReturn) -> NoReturn:
    """The last case of every front-end's ``match`` on an ``Event``: ``mypy --strict`` rejects
    the call while an event type is left unhandled (``typing.assert_never`` needs 3.11)."""
    raise AssertionError(f"unhandled event: {event!r}")
