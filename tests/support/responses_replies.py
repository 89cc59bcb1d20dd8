"""The reply model of the fake Responses server: what one POST /v1/responses answers.

Tests build replies from these dataclasses; scripts loaded from JSON files use the dict format
that `reply_from_dict` parses. Both end up as `Reply` (a streamed or JSON Response) or
`HttpError` (a non-200 answer with the OpenAI error body).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeAlias, get_args

Ending = Literal["completed", "failed", "incomplete", "error_event", "cut", "stall"]
ENDINGS: tuple[str, ...] = get_args(Ending)

DEFAULT_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!"


@dataclass(frozen=True)
class Usage:
    """Token counts for `response.usage`; a field left as None is estimated from the traffic."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int = 0
    reasoning_tokens: int | None = None


@dataclass(frozen=True)
class Reasoning:
    """A reasoning item. `text` streams as reasoning_text (Infercom); `summary` as OpenAI does."""

    text: str = ""
    summary: str | None = None
    encrypted: bool = False


@dataclass(frozen=True)
class Message:
    """An assistant message with one output_text part."""

    text: str


@dataclass(frozen=True)
class FunctionCall:
    """A function call. A str `arguments` is sent verbatim, so tests can send malformed JSON."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None


@dataclass(frozen=True)
class RawItem:
    """An output item sent exactly as given (malformed ones too): ``output_item.added`` and
    ``done`` carry ``item`` verbatim, ``done`` is sent ``done_events`` times (a repeating
    server), and the completed response lists it once."""

    item: dict[str, Any]
    done_events: int = 1


Item: TypeAlias = Reasoning | Message | FunctionCall | RawItem


@dataclass(frozen=True)
class Reply:
    """One scripted model turn: its output items, usage, pacing and how the stream ends.

    `usage=None` sends `"usage": null`; the default `Usage()` estimates every count.
    `cut_after_deltas` and `stall_s` apply to the "cut" and "stall" endings only; during a
    stall an SSE comment (`: keep-alive`) goes out every `keepalive_s` when that is set.
    `ignore_stream`: answer with the whole Response as JSON even when asked to stream.
    `error_code`: the `code` of the "failed" response's error or of the "error_event".
    """

    items: list[Item] = field(default_factory=list)
    usage: Usage | None = field(default_factory=Usage)
    chunk_size: int = 4
    delta_delay_s: float = 0.0
    ending: Ending = "completed"
    cut_after_deltas: int = 2
    stall_s: float = 30.0
    error_message: str = DEFAULT_ERROR_MESSAGE
    error_code: str = "server_error"
    keepalive_s: float = 0.0
    ignore_stream: bool = False
    incomplete_reason: str = "max_output_tokens"
    include_usage_details: bool = True

    def __post_init__(self) -> None:
        if self.ending not in ENDINGS:
            raise ValueError(f"unknown ending {self.ending!r}; expected one of {ENDINGS}")
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")


# The OpenAI error `type` (and default `code`) the hosted API pairs with each status.
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_denied_error", None),
    404: ("invalid_request_error", "model_not_found"),
    409: ("conflict_error", None),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


@dataclass(frozen=True)
class HttpError:
    """A non-200 answer with the OpenAI error JSON body; `headers` e.g. {"retry-after": "0"}."""

    status: int
    message: str
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def error_type(self) -> str:
        if self.status >= 500:
            return "server_error"
        return _ERROR_KINDS.get(self.status, ("invalid_request_error", None))[0]

    def body(self) -> dict[str, Any]:
        default_code = _ERROR_KINDS.get(self.status, ("", None))[1]
        return {
            "error": {
                "message": self.message,
                "type": self.error_type(),
                "param": None,
                "code": self.code if self.code is not None else default_code,
            }
        }


ReplyLike: TypeAlias = Reply | HttpError | Mapping[str, Any]


def text_reply(text: str, reasoning: str | None = None) -> Reply:
    """A completed reply with an optional reasoning item followed by one message."""
    items: list[Item] = [Reasoning(reasoning)] if reasoning is not None else []
    items.append(Message(text))
    return Reply(items=items)


def call_reply(*calls: FunctionCall, text: str | None = None) -> Reply:
    """A completed reply with an optional leading message followed by function calls."""
    items: list[Item] = [Message(text)] if text is not None else []
    items.extend(calls)
    return Reply(items=items)


def as_reply(value: ReplyLike) -> Reply | HttpError:
    """Normalise what tests and responders hand us; dicts use the JSON-script format."""
    if isinstance(value, (Reply, HttpError)):
        return value
    if isinstance(value, Mapping):
        return reply_from_dict(value)
    raise TypeError(f"not a reply: {value!r}")


def reply_from_dict(data: Mapping[str, Any]) -> Reply | HttpError:
    """Parse the JSON-script format; unknown keys raise so typos in scripts do not pass silently.

    `{"http_error": 500, "message": ..., "code": ..., "headers": {...}}` or
    `{"items": [{"type": "message"|"reasoning"|"function_call", ...}], "ending": ..., ...}`
    with any other `Reply` field by name and `"usage"` as an object of `Usage` fields or null.
    """
    if "http_error" in data:
        _check_keys(data, {"http_error", "message", "code", "headers"}, "http_error reply")
        return HttpError(
            status=int(data["http_error"]),
            message=str(data.get("message", DEFAULT_ERROR_MESSAGE)),
            code=data.get("code"),
            headers=dict(data.get("headers", {})),
        )
    reply_keys = {f.name for f in fields(Reply)}
    _check_keys(data, reply_keys, "reply")
    kwargs = {k: v for k, v in data.items() if k not in ("items", "usage")}
    items = [_item_from_dict(raw) for raw in data.get("items", [])]
    usage_raw = data.get("usage", {})
    usage = None if usage_raw is None else Usage(**usage_raw)
    return Reply(items=items, usage=usage, **kwargs)


def _item_from_dict(raw: Mapping[str, Any]) -> Item:
    kind = raw.get("type")
    rest = {k: v for k, v in raw.items() if k != "type"}
    if kind == "message":
        _check_keys(rest, {"text"}, "message item")
        return Message(**rest)
    if kind == "reasoning":
        _check_keys(rest, {"text", "summary", "encrypted"}, "reasoning item")
        return Reasoning(**rest)
    if kind == "function_call":
        _check_keys(rest, {"name", "arguments", "call_id"}, "function_call item")
        return FunctionCall(**rest)
    if kind == "raw":
        _check_keys(rest, {"item", "done_events"}, "raw item")
        return RawItem(**rest)
    raise ValueError(f"unknown item type {kind!r} in script")


def _check_keys(data: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown keys in {what}: {sorted(unknown)}")
