"""What a turn works with: the engine's options, one turn's state, the hooks it calls, and the
outputs given to calls that never ran (so every call in history has an output)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from infercode.engine.events import JSON, Event, Usage
from infercode.engine.model import ModelStream
from infercode.engine.retry import RetryPolicy

if TYPE_CHECKING:
    from infercode.engine.agent import Agent

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
class TurnState:
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
