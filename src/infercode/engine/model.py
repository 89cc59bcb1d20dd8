"""The engine's view of a model: a request in, a stream of model events out.

``client.py`` implements it over the openai SDK; tests use ``ScriptedModel``. Nothing here
imports openai.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from infercode.engine.events import JSON, ReasoningDelta, TextDelta, Usage


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """Everything one ``POST /responses`` carries."""

    model: str
    input: list[JSON]
    instructions: str | None = None
    tools: list[JSON] = field(default_factory=list)
    reasoning_effort: str | None = None
    include_encrypted_reasoning: bool = False
    text_format: JSON | None = None


@dataclass(frozen=True, slots=True)
class ItemDone:
    """An output item in its final form (``response.output_item.done``), as the server sent it."""

    item: JSON


@dataclass(frozen=True, slots=True)
class StreamCompleted:
    usage: Usage
    response_id: str | None = None


ModelEvent = TextDelta | ReasoningDelta | ItemDone | StreamCompleted


class ModelStream(Protocol):
    """An iterator of model events that can be closed early (Ctrl-C). Failures raise ModelError."""

    def __iter__(self) -> Iterator[ModelEvent]: ...

    def close(self) -> None: ...


class ModelClient(Protocol):
    def stream(self, request: ModelRequest) -> ModelStream: ...
