"""The only module that imports openai: request building, the event stream, error mapping.

The SDK does the request, auth and HTTP errors; the body is read as raw SSE (``sse.py``) because
the typed event loop costs seconds on long replies. The SDK's own retries are off: the engine
retries every failure marked retryable here (``ModelError.retry``), with one budget and visibly.

The request goes through the client's generic ``post`` with the body left unread (what
``with_streaming_response`` does), not through ``client.responses.create``: that one first walks
the whole ``input`` through the SDK's TypedDict transform, on every request (0.6 s per request
after 100 tool turns, growing with the history), and its first use imports the Responses types
and streaming helpers (~0.13 s of pydantic class building before the first token).
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import httpx2
import openai
from openai._constants import RAW_RESPONSE_HEADER
from openai._types import RequestOptions

from infercode.api.request_body import BodyEncoder
from infercode.api.sse import iter_sse_json
from infercode.engine.events import JSON, ReasoningDelta, TextDelta, Usage
from infercode.engine.model import ItemDone, ModelEvent, ModelRequest, StreamCompleted
from infercode.engine.output_items import content_key
from infercode.engine.retry import retry_after
from infercode.engine.valid_text import decode_json
from infercode.errors import ModelError
from infercode.url_secrets import masked_url

if TYPE_CHECKING:
    from infercode.config.settings import Settings

TEXT_DELTA = "response.output_text.delta"
REASONING_DELTAS = frozenset(
    {"response.reasoning_text.delta", "response.reasoning_summary_text.delta"}
)
#: SDKs whose ``post`` sends ready-made bytes (``content``); older ones get the dict (``body``).
_POST_TAKES_CONTENT = "content" in inspect.signature(openai.OpenAI.post).parameters
#: Chunks read after ``response.completed`` to let the connection be reused (see ``_drain``).
DRAIN_CHUNKS = 8
#: ``POST /responses`` options as ``responses.create`` sets them, with the body left unread.
STREAM_OPTIONS: RequestOptions = {"headers": {RAW_RESPONSE_HEADER: "stream"}}
if "security" in RequestOptions.__annotations__:  # SDKs that choose auth per endpoint
    STREAM_OPTIONS["security"] = {"bearer_auth": True}
#: Statuses worth sending the same request again for (timeouts, conflicts, rate limits, 5xx).
RETRY_STATUSES = frozenset({408, 409, 429})
#: ``error.code`` values of an ``error`` event or a failed response that say "try again later".
RETRY_CODES = frozenset(
    {
        "server_error",
        "internal_error",
        "overloaded",
        "server_overloaded",
        "service_unavailable",
        "rate_limit_exceeded",
        "slow_down",
    }
)


def build_params(request: ModelRequest) -> dict[str, Any]:
    """The JSON body of ``POST /responses`` (also used by tests and JSON output)."""
    params: dict[str, Any] = {
        "model": request.model,
        "input": request.input,
        "store": False,
        "stream": True,
    }
    if request.instructions:
        params["instructions"] = request.instructions
    if request.tools:
        params["tools"] = request.tools
    if request.reasoning_effort:
        params["reasoning"] = {"effort": request.reasoning_effort}
    if request.include_encrypted_reasoning:
        params["include"] = ["reasoning.encrypted_content"]
    if request.text_format:
        params["text"] = {"format": request.text_format}
    return params


def read_usage(raw: object) -> Usage:
    """Usage from a response object; any field may be missing or null."""
    if not isinstance(raw, dict):
        return Usage()

    def number(container: object, key: str) -> int:
        value = container.get(key) if isinstance(container, dict) else None
        return value if isinstance(value, int) else 0

    return Usage(
        input_tokens=number(raw, "input_tokens"),
        output_tokens=number(raw, "output_tokens"),
        reasoning_tokens=number(raw.get("output_tokens_details"), "reasoning_tokens"),
        cached_tokens=number(raw.get("input_tokens_details"), "cached_tokens"),
    )


def describe_api_error(error: openai.APIError, base_url: str) -> ModelError:
    """One line that says what failed and what to do about it."""
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        message = _server_message(error)
        hint = {
            401: " (check INFERCOM_API_KEY)",
            403: " (the key may lack access to this model)",
            404: " (check --base-url and --model)",
            429: " (rate limited; wait and try again)",
        }.get(status, "")
        retry = None
        if status in RETRY_STATUSES or status >= 500:
            retry = "rate limited (HTTP 429)" if status == 429 else f"HTTP {status} from the server"
        return ModelError(
            f"HTTP {status} from {base_url}: {message}{hint}",
            kind="http",
            status=status,
            retry=retry,
            retry_after_s=retry_after(error.response.headers),
        )
    if isinstance(error, openai.APITimeoutError):
        return ModelError(
            f"timed out waiting for {base_url}", kind="connection", retry="request timed out"
        )
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        return ModelError(
            f"cannot connect to {base_url}: {cause}", kind="connection", retry="cannot connect"
        )
    return ModelError(f"API error from {base_url}: {error}", kind="http")


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(error.message)


class ResponseStream:
    """One streamed response. Iterate for model events; ``close()`` cancels at once."""

    def __init__(
        self,
        client: openai.OpenAI,
        request: ModelRequest,
        base_url: str,
        encoder: BodyEncoder | None = None,
        *,
        idle_timeout_s: float = 120.0,
        deadline_s: float = 1800.0,
    ) -> None:
        self._client = client
        self._request = request
        self._base_url = base_url
        self._encoder = encoder if encoder is not None else BodyEncoder()
        self._idle_timeout_s = idle_timeout_s
        self._deadline_s = deadline_s
        self._response: httpx2.Response | None = None
        self._closed = False

    def close(self) -> None:
        self._closed = True
        if self._response is not None:
            response, self._response = self._response, None
            # Closing a broken connection has nothing left to report.
            with contextlib.suppress(httpx2.HTTPError, OSError):
                response.close()

    def __iter__(self) -> Iterator[ModelEvent]:
        params = build_params(self._request)
        try:
            if _POST_TAKES_CONTENT:  # the history's items encoded once, not on every resend
                self._response = self._client.post(
                    "/responses",
                    cast_to=httpx2.Response,
                    content=self._encoder.encode(params),
                    options=STREAM_OPTIONS,
                )
            else:
                self._response = self._client.post(
                    "/responses", cast_to=httpx2.Response, body=params, options=STREAM_OPTIONS
                )
            content_type = self._response.headers.get("content-type", "")
            if content_type.startswith("application/json"):
                # A server that ignores ``stream: true`` answers with the whole Response.
                response = decode_json(self._response.read())
                yield from self._events([_as_final_event(response, self._base_url)])
                return
            chunks = self._response.iter_bytes()
            yield from self._events(iter_sse_json(self._watched(chunks)))
            _drain(chunks)
        except openai.APIError as error:
            raise describe_api_error(error, self._base_url) from None
        except httpx2.TimeoutException:
            if self._closed:
                return
            raise self._stalled() from None
        except (httpx2.HTTPError, OSError) as error:
            if self._closed:
                return
            raise ModelError(
                f"the connection to {self._base_url} broke mid-reply ({type(error).__name__}: "
                f"{error})",
                kind="stream",
                retry="connection dropped",
            ) from None
        finally:
            self.close()

    def _stalled(self) -> ModelError:
        return ModelError(
            f"{self._base_url} sent nothing for {self._idle_timeout_s:g} s "
            "(stream_idle_timeout_s); the stream was given up",
            kind="stall",
            retry=f"stream stalled ({self._idle_timeout_s:g} s without data)",
        )

    def _watched(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """The body's chunks, given up on when only SSE comments (keep-alives) arrive for the
        idle timeout, or when the whole response takes longer than the deadline. (Silence is
        the read timeout's job: the socket wakes on every byte, comments included.)"""
        started = last_data = time.monotonic()
        for chunk in chunks:
            now = time.monotonic()
            if now - started > self._deadline_s:
                raise ModelError(
                    f"the response from {self._base_url} took longer than "
                    f"{self._deadline_s:g} s (request_deadline_s); it was given up",
                    kind="deadline",
                )
            if not _only_comments(chunk):
                last_data = now
            elif now - last_data > self._idle_timeout_s:
                raise self._stalled()
            yield chunk

    def _events(self, events: Iterable[JSON]) -> Iterator[ModelEvent]:
        seen_items: set[str] = set()
        for event in events:
            kind = event.get("type")
            if kind == TEXT_DELTA:
                yield TextDelta(str(event.get("delta", "")))
            elif kind in REASONING_DELTAS:
                yield ReasoningDelta(str(event.get("delta", "")))
            elif kind == "response.output_item.done":
                item = event.get("item")
                if isinstance(item, dict):
                    seen_items.add(content_key(item))
                    yield ItemDone(item)
            elif kind == "response.completed":
                response = event.get("response")
                response = response if isinstance(response, dict) else {}
                yield from _unseen_output_items(response, seen_items)
                yield StreamCompleted(read_usage(response.get("usage")), _str(response.get("id")))
                return
            elif kind in ("response.failed", "response.incomplete", "error"):
                raise _stream_failure(event)
        if not self._closed:
            raise ModelError(
                "the stream ended before the response completed",
                kind="stream",
                retry="connection dropped",
            )


def _drain(chunks: Iterator[bytes]) -> None:
    """Read what follows ``response.completed`` (the end of the chunked body, a ``[DONE]``), so
    the connection goes back to the pool: closing a half-read response drops the connection,
    and every request would pay a new TCP and TLS handshake. A longer tail is not waited for."""
    with contextlib.suppress(httpx2.HTTPError, OSError):
        for _ in itertools.islice(chunks, DRAIN_CHUNKS):
            pass


def _unseen_output_items(response: JSON, seen: set[str]) -> Iterator[ItemDone]:
    """Servers that skip ``output_item.done`` still list the items in the completed response."""
    output = response.get("output")
    if not isinstance(output, list):
        return
    for item in output:
        if isinstance(item, dict) and content_key(item) not in seen:
            yield ItemDone(item)


def _as_final_event(response: object, base_url: str) -> JSON:
    """A whole (non-streamed) Response object as the event that would have ended its stream."""
    if not isinstance(response, dict) or not isinstance(response.get("output"), list):
        raise ModelError(
            f"{base_url} answered with JSON that is not a response (expected an event stream)",
            kind="stream",
        )
    status = response.get("status")
    kind = {"failed": "response.failed", "incomplete": "response.incomplete"}.get(str(status))
    return {"type": kind or "response.completed", "response": response}


def _only_comments(chunk: bytes) -> bool:
    """Nothing but SSE comment lines (``: keep-alive``) and blank lines: no progress."""
    if not chunk.lstrip(b"\r\n").startswith(b":"):
        return False
    return all(not line.strip() or line.startswith(b":") for line in chunk.split(b"\n"))


def _stream_failure(event: JSON) -> ModelError:
    kind = event.get("type")
    response = event.get("response") if isinstance(event.get("response"), dict) else {}
    assert isinstance(response, dict)
    if kind == "response.failed":
        error = response.get("error") if isinstance(response.get("error"), dict) else {}
        assert isinstance(error, dict)
        message = error.get("message") or "no reason given"
        code = error.get("code")
        retry = f"the server failed ({code})" if code in RETRY_CODES else None
        return ModelError(f"the model failed: {message}", kind="failed", retry=retry)
    if kind == "response.incomplete":
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        return ModelError(
            f"the response was cut short by the server ({reason or 'no reason given'})",
            kind="incomplete",
        )
    message = event.get("message") or event.get("code") or "no details"
    error = event.get("error")
    code = event.get("code") or (error.get("code") if isinstance(error, dict) else None)
    overloaded = "overload" in str(message).lower() or code in ("overloaded", "server_overloaded")
    retry = None
    if overloaded:
        retry = "server overloaded"
    elif code in RETRY_CODES:
        retry = f"server error ({code})"
    return ModelError(
        f"the server reported an error mid-stream: {message}", kind="error_event", retry=retry
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


class OpenAIModel:
    """``ModelClient`` over the openai SDK."""

    def __init__(self, settings: Settings) -> None:
        self._base_url = masked_url(settings.base_url)  # for messages only
        idle = min(settings.request_timeout_s, settings.stream_idle_timeout_s)
        self._client = openai.OpenAI(
            api_key=settings.api_key or "no-key-needed",
            base_url=settings.base_url,
            # Every retry is the engine's (one budget, shown to the user): none stack up here.
            max_retries=0,
            # Silence on the socket longer than the idle timeout is a stall.
            timeout=httpx2.Timeout(settings.request_timeout_s, read=idle),
        )
        self._encoder = BodyEncoder()  # one conversation per client: its items are reused
        self._idle_timeout_s = idle
        self._deadline_s = settings.request_deadline_s

    def stream(self, request: ModelRequest) -> ResponseStream:
        return ResponseStream(
            self._client,
            request,
            self._base_url,
            self._encoder,
            idle_timeout_s=self._idle_timeout_s,
            deadline_s=self._deadline_s,
        )

    def list_models(self) -> list[str]:
        try:
            return sorted(model.id for model in self._client.models.list())
        except openai.APIError as error:
            raise describe_api_error(error, self._base_url) from None
