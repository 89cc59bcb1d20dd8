"""The one scripted fake of the model protocol, for engine tests that need no HTTP.

Each script step is the list of events one response yields; an exception in the list is raised
at that point (a broken stream). Every request is recorded and checked like the hosted API would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from infercode.engine.events import JSON, ReasoningDelta, TextDelta, Usage
from infercode.engine.history import unanswered_calls
from infercode.engine.model import ItemDone, ModelEvent, ModelRequest, StreamCompleted

Step = Sequence[ModelEvent | BaseException]


def message(text: str) -> list[ModelEvent | BaseException]:
    """A streamed assistant message: a delta per word, then the item, then completion."""
    words = [w + " " for w in text.split(" ")]
    words[-1] = words[-1][:-1]
    item: JSON = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    return [*(TextDelta(w) for w in words), ItemDone(item)]


def reasoning(text: str) -> list[ModelEvent | BaseException]:
    item: JSON = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": text}],
    }
    return [ReasoningDelta(text), ItemDone(item)]


def call(name: str, args: JSON | str, call_id: str) -> list[ModelEvent | BaseException]:
    arguments = args if isinstance(args, str) else json.dumps(args)
    item: JSON = {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }
    return [ItemDone(item)]


def done(input_tokens: int = 100, output_tokens: int = 10) -> list[ModelEvent | BaseException]:
    return [StreamCompleted(Usage(input_tokens, output_tokens), "resp_1")]


@dataclass
class ScriptedStream:
    step: Step
    closed: bool = False

    def __iter__(self) -> Iterator[ModelEvent]:
        for event in self.step:
            if self.closed:
                return
            if isinstance(event, BaseException):
                raise event
            yield event

    def close(self) -> None:
        self.closed = True


@dataclass
class ScriptedModel:
    steps: list[Step]
    requests: list[ModelRequest] = field(default_factory=list)
    streams: list[ScriptedStream] = field(default_factory=list)

    def stream(self, request: ModelRequest) -> ScriptedStream:
        missing = unanswered_calls(request.input)
        if missing:
            raise AssertionError(f"No tool output found for function call {missing[0]}.")
        self.requests.append(request)
        if not self.steps:
            raise AssertionError("the scripted model has no reply left")
        stream = ScriptedStream(self.steps.pop(0))
        self.streams.append(stream)
        return stream
