"""A local stand-in for the hosted Responses API, strict like it, for tests, demos and benchmarks.

In tests::

    with ResponsesServer() as server:
        server.enqueue(text_reply("hi"), call_reply(FunctionCall("read_file", {"path": "a"})))
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        ...
        assert server.requests[0].body["input"] == [...]

Alone: `python tests/support/responses_server.py [--port N] [--demo] [--script FILE.json]
[--bench-reply-kb K --chunk-size C]`; the first stdout line is `listening on URL`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a file: make the `tests.support` package importable from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import argparse
import contextlib
import json
import signal
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any

from tests.support.responses_demo import bench_markdown, bench_responder, demo_responder
from tests.support.responses_replies import (
    Ending,
    FunctionCall,
    HttpError,
    Item,
    Message,
    RawItem,
    Reasoning,
    Reply,
    ReplyLike,
    Usage,
    as_reply,
    call_reply,
    reply_from_dict,
    text_reply,
)
from tests.support.responses_sse import ResponseContext, StreamMarks, new_id, write_sse
from tests.support.responses_validation import find_rejection, validate_request

__all__ = [
    "DEFAULT_MODELS",
    "NO_REPLY_MESSAGE",
    "Ending",
    "FunctionCall",
    "HttpError",
    "Item",
    "Message",
    "RawItem",
    "Reasoning",
    "RecordedRequest",
    "Reply",
    "ReplyLike",
    "Responder",
    "ResponsesServer",
    "StreamTiming",
    "Usage",
    "bench_markdown",
    "call_reply",
    "default_responder",
    "demo_responder",
    "load_script",
    "main",
    "reply_from_dict",
    "text_reply",
    "validate_request",
]

DEFAULT_MODELS = ("MiniMax-M2.5", "MiniMax-M2.7", "gpt-oss-120b")
NO_REPLY_MESSAGE = "fake server: no scripted reply left"

Responder = Callable[[dict[str, Any]], ReplyLike]


@dataclass(frozen=True)
class StreamTiming:
    """One streamed answer, in ``time.monotonic()`` seconds (one clock for every process on the
    machine), for benchmarks that subtract the server's own time: when the request arrived, when
    the first delta and the last byte were written, and the request body's size."""

    received: float
    first_delta: float
    ended: float
    body_bytes: int


TimingListener = Callable[[StreamTiming], None]


def default_responder(_body: dict[str, Any]) -> ReplyLike:
    return HttpError(500, NO_REPLY_MESSAGE)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; header names are lower-cased, `body` is the parsed JSON."""

    path: str
    method: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    rejected: str | None = None
    client_port: int = 0  # the client's side of the connection: equal ports, one connection


class ResponsesServer:
    """The fake API on 127.0.0.1 in a daemon thread; `url` ends in /v1 like the hosted base URL.

    POSTs to /v1/responses are validated first (a rejection does not consume a scripted reply),
    then answered with the next enqueued reply, or the responder's once the queue is empty.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        responder: Responder = default_responder,
        models: Sequence[str] = DEFAULT_MODELS,
        api_key: str | None = None,
        verbose: bool = False,
        on_stream: TimingListener | None = None,
        keep_requests: bool = True,
    ) -> None:
        self.responder = responder
        self.on_stream = on_stream  # told of every streamed answer that completed
        # False for long benchmarks: 200 parsed 170 KB bodies make the server's GC pauses long.
        self.keep_requests = keep_requests
        self.models = list(models)
        self.api_key = api_key  # when set, other bearer tokens get the hosted 401
        self.verbose = verbose
        self.stopping = threading.Event()
        self._port = port
        self._lock = threading.Condition()
        self._queue: deque[Reply | HttpError] = deque()
        self._requests: list[RecordedRequest] = []
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ResponsesServer:
        self.stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self._port), _Handler, owner=self)
        # A short poll interval keeps stop() fast; shutdown() waits for one poll.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake stalled streams and drop open connections, then wait for them."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        with self._lock:
            open_connections = dict(self._connections)
        for conn in open_connections:
            _drop(conn)
        for thread in open_connections.values():
            thread.join(timeout=2.0)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def __enter__(self) -> ResponsesServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def enqueue(self, *replies: ReplyLike) -> None:
        """Script the next replies, consumed one per accepted POST /v1/responses."""
        parsed = [as_reply(r) for r in replies]
        with self._lock:
            self._queue.extend(parsed)

    @property
    def remaining(self) -> int:
        """Scripted replies not yet consumed."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def posts(self) -> list[dict[str, Any]]:
        """The JSON bodies of the POST requests (the model calls), in order."""
        return [r.body for r in self.requests if r.method == "POST" and r.body is not None]

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least `n` requests arrived; TimeoutError names how many did."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"expected {n} requests, got {len(self._requests)}")
            return list(self._requests)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            if self.keep_requests:
                self._requests.append(request)
            self._lock.notify_all()

    def next_reply(self, body: dict[str, Any]) -> Reply | HttpError:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return as_reply(self.responder(body))

    def track(self, conn: socket.socket, thread: threading.Thread | None) -> None:
        with self._lock:
            if thread is None:
                self._connections.pop(conn, None)
            else:
                self._connections[conn] = thread


def _model_object(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "infercom"}


def _drop(conn: socket.socket) -> None:
    """Shut a socket both ways: a blocked reader wakes, the peer sees the connection end."""
    with contextlib.suppress(OSError):  # already closed by the peer or by the handler
        conn.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], owner: ResponsesServer
    ) -> None:
        self.owner = owner
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-stream (stream.close(), Ctrl-C) is normal, not an error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, as the SDK expects
    server: _HTTPServer
    _received = 0.0  # time.monotonic() when the current POST arrived

    def setup(self) -> None:
        super().setup()
        # As API servers do: small writes (a paced delta, the end of a body) go out at once
        # instead of waiting for the client's delayed ACK (up to 40 ms on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner.track(self.connection, threading.current_thread())

    def finish(self) -> None:
        self.server.owner.track(self.connection, None)
        with contextlib.suppress(OSError):  # a cut or dropped socket has nothing to flush
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        owner = self.server.owner
        rejected = self._auth_failure()
        owner.record(self._recorded(None, rejected))
        if rejected:
            self._send_error(HttpError(401, rejected))
        elif self.path.rstrip("/") == "/v1/models":
            data = [_model_object(m) for m in owner.models]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_error(
                HttpError(404, f"Unknown request URL: GET {self.path}.", "unknown_url")
            )

    def do_POST(self) -> None:
        owner = self.server.owner
        self._received = time.monotonic()
        body, parse_error = self._read_json()
        rejected = self._auth_failure() or parse_error
        param = ""
        if not rejected and self.path.rstrip("/") == "/v1/responses":
            rejection = find_rejection(body)
            rejected, param = rejection if rejection else (None, "")
        owner.record(self._recorded(body if isinstance(body, dict) else None, rejected))
        if self.path.rstrip("/") != "/v1/responses":
            self._send_error(
                HttpError(404, f"Unknown request URL: POST {self.path}.", "unknown_url")
            )
        elif rejected:
            self._send_rejection(rejected, param)
        else:
            assert isinstance(body, dict)  # find_rejection accepted it, so it is an object
            self._answer(body)

    def _answer(self, body: dict[str, Any]) -> None:
        try:
            reply = self.server.owner.next_reply(body)
        except Exception as exc:
            traceback.print_exc()
            self._send_error(HttpError(500, f"fake server: responder raised {exc!r}"))
            return
        if isinstance(reply, HttpError):
            self._send_error(reply)
        elif body.get("stream") and not reply.ignore_stream:
            self._stream(ResponseContext(reply, body))
        else:
            self._send_final(ResponseContext(reply, body))

    def _stream(self, ctx: ResponseContext) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", new_id("req"))
        self.end_headers()
        owner = self.server.owner
        marks = StreamMarks() if owner.on_stream is not None else None
        try:
            finished = write_sse(self.wfile, ctx, owner.stopping, marks)
        except ConnectionError:
            finished = False  # the client went away; nothing to tell it
        if not finished:
            self._cut()
        elif marks is not None and owner.on_stream is not None:
            size = int(self.headers.get("Content-Length") or 0)
            owner.on_stream(StreamTiming(self._received, marks.first_delta, marks.ended, size))

    def _send_final(self, ctx: ResponseContext) -> None:
        reply = ctx.reply
        if reply.ending == "error_event":
            self._send_error(HttpError(500, reply.error_message))
            return
        if reply.ending == "stall" and self.server.owner.stopping.wait(reply.stall_s):
            self._cut()
            return
        data = json.dumps(ctx.final_response()).encode()
        if reply.ending != "cut":
            self._send_json(200, data)
            return
        # Promise the whole body, deliver half: the client sees a truncated response.
        self._send_headers(200, "application/json", len(data))
        self.wfile.write(data[: len(data) // 2])
        self._cut()

    def _cut(self) -> None:
        self.close_connection = True
        _drop(self.connection)

    def _auth_failure(self) -> str | None:
        expected = self.server.owner.api_key
        if expected is None or self.headers.get("Authorization") == f"Bearer {expected}":
            return None
        return "Incorrect API key provided. You can find your API key in your account settings."

    def _read_json(self) -> tuple[Any, str | None]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw), None
        except ValueError:
            return None, "We could not parse the JSON body of your request."

    def _recorded(self, body: dict[str, Any] | None, rejected: str | None) -> RecordedRequest:
        headers = {k.lower(): v for k, v in self.headers.items()}
        port = int(self.client_address[1])
        return RecordedRequest(self.path, self.command, headers, body, rejected, port)

    def _send_rejection(self, message: str, param: str) -> None:
        error = {"message": message, "type": "invalid_request_error", "param": param or None}
        self._send_json(400, {"error": {**error, "code": None}})

    def _send_error(self, error: HttpError) -> None:
        self._send_json(error.status, error.body(), error.headers)

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._send_headers(status, "application/json", len(data), headers)
        self.wfile.write(data)

    def _send_headers(
        self, status: int, content_type: str, length: int, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("x-request-id", new_id("req"))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()


def load_script(path: str | Path) -> list[Reply | HttpError]:
    """Replies from a JSON file holding a list in the `reply_from_dict` format."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of replies")
    return [reply_from_dict(entry) for entry in data]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fake Infercom Responses API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free port)")
    parser.add_argument("--demo", action="store_true", help="answer with the rule-based demo")
    parser.add_argument("--script", help="JSON list of replies served first, in order")
    parser.add_argument("--bench-reply-kb", type=int, help="answer everything with K KB markdown")
    parser.add_argument("--chunk-size", type=int, default=4, help="characters per bench delta")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    responder: Responder = default_responder
    if args.bench_reply_kb is not None:
        responder = bench_responder(args.bench_reply_kb, args.chunk_size)
    elif args.demo:
        responder = demo_responder
    server = ResponsesServer(args.port, responder=responder, verbose=args.verbose)
    if args.script:
        server.enqueue(*load_script(args.script))
    serve_until_signalled(server)
    return 0


def serve_until_signalled(server: ResponsesServer) -> None:
    """Print ``listening on URL`` and serve until SIGINT or SIGTERM (the scripts' main loop)."""
    done = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with server:
        print(f"listening on {server.url}", flush=True)
        # Wake periodically so the signal handler gets to run on the main thread.
        while not done.wait(0.2):
            pass


if __name__ == "__main__":
    sys.exit(main())
