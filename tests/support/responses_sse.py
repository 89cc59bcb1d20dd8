"""Turn a scripted `Reply` into the Responses API's SSE events and Response objects.

The event sequence mirrors the hosted API (and OpenAI's) so the real `openai` client parses it
into its typed events: created, in_progress, per item added/parts/deltas/done, then one ending.
`write_sse` puts the events on the wire as a chunked body and applies the reply's pacing and
fault (stall, cut); the handler in `responses_server` owns the socket.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.support.responses_replies import (
    FunctionCall,
    Item,
    Message,
    RawItem,
    Reasoning,
    Reply,
)

Event = dict[str, Any]

TERMINAL_EVENTS = frozenset(
    {"response.completed", "response.failed", "response.incomplete", "error"}
)

# One TCP write per ~16 KB keeps a 50 KB reply at a handful of syscalls instead of 12,500.
FLUSH_BYTES = 16 * 1024


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass
class _Prepared:
    """An output item with its ids fixed, so the streamed and final forms agree."""

    item: Item
    item_id: str
    final: dict[str, Any]


@dataclass
class ResponseContext:
    """Everything one response needs: the reply, the request it answers, and fixed ids."""

    reply: Reply
    body: dict[str, Any]
    response_id: str = field(default_factory=lambda: new_id("resp"))
    created_at: int = field(default_factory=lambda: int(time.time()))
    prepared: list[_Prepared] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prepared = [_prepare(item) for item in self.reply.items]

    def response(self, status: str, **extra: Any) -> dict[str, Any]:
        """The Response object; in-progress ones carry no output and no usage yet."""
        done = status != "in_progress"
        body = self.body
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": False,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": body.get("model", ""),
            "output": [p.final for p in self.prepared] if done else [],
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": None,
            "reasoning": body.get("reasoning") or {"effort": None, "summary": None},
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": body.get("text") or {"format": {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": self.usage() if done else None,
            "metadata": body.get("metadata") or {},
            **extra,
        }

    def usage(self) -> dict[str, Any] | None:
        spec = self.reply.usage
        if spec is None:
            return None
        # ~4 characters a token: plausible enough for context-window arithmetic in tests.
        sent = [self.body.get("input"), self.body.get("instructions"), self.body.get("tools")]
        input_tokens = spec.input_tokens
        if input_tokens is None:
            input_tokens = len(json.dumps(sent)) // 4
        reasoning_chars = sum(
            len(p.item.text) + len(p.item.summary or "")
            for p in self.prepared
            if isinstance(p.item, Reasoning)
        )
        reasoning_tokens = spec.reasoning_tokens
        if reasoning_tokens is None:
            reasoning_tokens = reasoning_chars // 4
        output_tokens = spec.output_tokens
        if output_tokens is None:
            output_tokens = max(1, len(json.dumps([p.final for p in self.prepared])) // 4)
        usage: dict[str, Any] = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        if self.reply.include_usage_details:
            usage["input_tokens_details"] = {"cached_tokens": spec.cached_tokens}
            usage["output_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
        return usage

    def final_response(self) -> dict[str, Any]:
        """The Response object the reply's ending leaves behind (also the non-stream answer)."""
        ending = self.reply.ending
        if ending == "failed":
            error = {"code": self.reply.error_code, "message": self.reply.error_message}
            return self.response("failed", error=error)
        if ending == "incomplete":
            return self.response(
                "incomplete", incomplete_details={"reason": self.reply.incomplete_reason}
            )
        return self.response("completed")


def _prepare(item: Item) -> _Prepared:
    if isinstance(item, RawItem):
        raw_id = item.item.get("id")
        return _Prepared(item, raw_id if isinstance(raw_id, str) else new_id("raw"), item.item)
    if isinstance(item, Message):
        msg_id = new_id("msg")
        part = {"type": "output_text", "text": item.text, "annotations": [], "logprobs": []}
        final = {
            "id": msg_id,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [part],
        }
        return _Prepared(item, msg_id, final)
    if isinstance(item, Reasoning):
        rs_id = new_id("rs")
        summary = [{"type": "summary_text", "text": item.summary}] if item.summary else []
        final = {"id": rs_id, "type": "reasoning", "summary": summary}
        if item.text or not item.summary:
            final["content"] = [{"type": "reasoning_text", "text": item.text}]
        if item.encrypted:
            # Opaque to clients; only its presence matters to the store=false validation.
            final["encrypted_content"] = "gAAAAB" + uuid.uuid4().hex * 4
        return _Prepared(item, rs_id, final)
    arguments = item.arguments if isinstance(item.arguments, str) else json.dumps(item.arguments)
    fc_id = new_id("fc")
    final = {
        "id": fc_id,
        "type": "function_call",
        "status": "completed",
        "call_id": item.call_id or new_id("call"),
        "name": item.name,
        "arguments": arguments,
    }
    return _Prepared(item, fc_id, final)


class _Sequencer:
    """Stamps each event with its type and the next sequence_number."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self, kind: str, **data: Any) -> Event:
        event = {"type": kind, "sequence_number": self.next, **data}
        self.next += 1
        return event


def stream_events(ctx: ResponseContext) -> Iterator[Event]:
    """All events of a streamed response, ending included (pacing and cuts are the writer's)."""
    ev = _Sequencer()
    yield ev("response.created", response=ctx.response("in_progress"))
    yield ev("response.in_progress", response=ctx.response("in_progress"))
    for index, prepared in enumerate(ctx.prepared):
        yield from _item_events(ev, index, prepared, ctx.reply.chunk_size)
    ending = ctx.reply.ending
    if ending == "error_event":
        yield ev("error", code=ctx.reply.error_code, message=ctx.reply.error_message, param=None)
        return
    final = ctx.final_response()
    kind = {"failed": "response.failed", "incomplete": "response.incomplete"}
    yield ev(kind.get(ending, "response.completed"), response=final)


def _item_events(ev: _Sequencer, index: int, p: _Prepared, size: int) -> Iterator[Event]:
    if isinstance(p.item, RawItem):
        yield ev("response.output_item.added", output_index=index, item=p.final)
        for _ in range(p.item.done_events):
            yield ev("response.output_item.done", output_index=index, item=p.final)
        return
    where = {"item_id": p.item_id, "output_index": index}
    added = {**p.final, "status": "in_progress"}
    if isinstance(p.item, Message):
        added["content"] = []
    elif isinstance(p.item, FunctionCall):
        added["arguments"] = ""
    else:
        # A reasoning item's added form has no status and grows its parts as they stream.
        added = {"id": p.item_id, "type": "reasoning", "summary": []}
    yield ev("response.output_item.added", output_index=index, item=added)
    if isinstance(p.item, Message):
        yield from _text_part_events(ev, where, p.item.text, size)
    elif isinstance(p.item, Reasoning):
        yield from _reasoning_events(ev, where, p, size)
    else:
        arguments = p.final["arguments"]
        for piece in chunks(arguments, size):
            yield ev("response.function_call_arguments.delta", **where, delta=piece)
        yield ev("response.function_call_arguments.done", **where, arguments=arguments)
    yield ev("response.output_item.done", output_index=index, item=p.final)


def _text_part_events(
    ev: _Sequencer, where: dict[str, Any], text: str, size: int
) -> Iterator[Event]:
    at = {**where, "content_index": 0}
    empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    yield ev("response.content_part.added", **at, part=empty)
    for piece in chunks(text, size):
        yield ev("response.output_text.delta", **at, delta=piece, logprobs=[])
    yield ev("response.output_text.done", **at, text=text, logprobs=[])
    yield ev("response.content_part.done", **at, part={**empty, "text": text})


def _reasoning_events(
    ev: _Sequencer, where: dict[str, Any], p: _Prepared, size: int
) -> Iterator[Event]:
    for s_index, summary in enumerate(p.final["summary"]):
        at = {**where, "summary_index": s_index}
        yield ev("response.reasoning_summary_part.added", **at, part={**summary, "text": ""})
        for piece in chunks(summary["text"], size):
            yield ev("response.reasoning_summary_text.delta", **at, delta=piece)
        yield ev("response.reasoning_summary_text.done", **at, text=summary["text"])
        yield ev("response.reasoning_summary_part.done", **at, part=summary)
    for c_index, part in enumerate(p.final.get("content", [])):
        if not part["text"]:
            continue
        at = {**where, "content_index": c_index}
        yield ev("response.content_part.added", **at, part={**part, "text": ""})
        for piece in chunks(part["text"], size):
            yield ev("response.reasoning_text.delta", **at, delta=piece)
        yield ev("response.reasoning_text.done", **at, text=part["text"])
        yield ev("response.content_part.done", **at, part=part)


def encode_event(event: Event) -> bytes:
    data = json.dumps(event, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class ChunkedWriter:
    """Buffers bytes and writes them as HTTP/1.1 chunks; `finish` sends the final 0-chunk."""

    def __init__(self, out: Writable, flush_bytes: int = FLUSH_BYTES) -> None:
        self._out = out
        self._flush_bytes = flush_bytes
        self._buffer = bytearray()
        #: Bytes buffered so far have all been written out (nothing is pending).
        self.written = False

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.written = False
        if len(self._buffer) >= self._flush_bytes:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._out.write(b"%x\r\n%s\r\n" % (len(self._buffer), bytes(self._buffer)))
            self._buffer.clear()
        self.written = True

    def finish(self) -> None:
        """The last chunk and the end of the body in one write, as servers send them."""
        last = b"%x\r\n%s\r\n" % (len(self._buffer), bytes(self._buffer)) if self._buffer else b""
        self._buffer.clear()
        self._out.write(last + b"0\r\n\r\n")
        self.written = True


@dataclass
class StreamMarks:
    """When a streamed response's bytes went out (``time.monotonic()``; 0.0: not yet), for
    benchmarks that subtract the server's own time: the first delta's write, the last write."""

    first_delta: float = 0.0
    ended: float = 0.0


def _stall(writer: ChunkedWriter, reply: Reply, stopping: threading.Event) -> bool:
    """Send nothing (or only keep-alive comments) for ``stall_s``. False: the server stopped."""
    deadline = time.monotonic() + reply.stall_s
    while (left := deadline - time.monotonic()) > 0:
        if stopping.wait(min(left, reply.keepalive_s) if reply.keepalive_s > 0 else left):
            return False
        if reply.keepalive_s > 0:
            writer.write(b": keep-alive\n\n")
            writer.flush()
    return True


def write_sse(
    out: Writable,
    ctx: ResponseContext,
    stopping: threading.Event,
    marks: StreamMarks | None = None,
) -> bool:
    """Stream the reply's events with its pacing. False: drop the socket now (cut or stop)."""
    reply = ctx.reply
    writer = ChunkedWriter(out)
    cut = reply.ending == "cut"
    deltas = 0
    for event in stream_events(ctx):
        kind = event["type"]
        if cut and kind in TERMINAL_EVENTS:
            writer.flush()
            return False
        writer.write(encode_event(event))
        is_delta = kind.endswith(".delta")
        deltas += is_delta
        if marks is not None and deltas and not marks.first_delta and writer.written:
            marks.first_delta = time.monotonic()
        if cut and deltas >= reply.cut_after_deltas and (is_delta or kind.endswith("progress")):
            writer.flush()
            return False
        if kind == "response.in_progress":
            # Flush early so clients see the stream open, as with a real first token.
            writer.flush()
            if reply.ending == "stall" and not _stall(writer, reply, stopping):
                return False
        elif is_delta and reply.delta_delay_s > 0:
            writer.flush()
            if marks is not None and not marks.first_delta:
                marks.first_delta = time.monotonic()
            if stopping.wait(reply.delta_delay_s):
                return False
    writer.finish()
    if marks is not None:
        if not marks.first_delta and deltas:
            marks.first_delta = time.monotonic()
        marks.ended = time.monotonic()
    return True
