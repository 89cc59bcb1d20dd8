"""The local Responses server for the benchmarks, in its own process.

Prints ``listening on URL``, then one JSON line per streamed answer with the server's own times
(``time.monotonic()``: request received, first delta written, last byte written), the request
body's size and what ``json.dumps`` of that body costs (the unavoidable part of a resend).

    python bench/server.py --reply-kb 50 [--chunk-size 4] [--delta-delay S] [--end-marker]
    python bench/server.py --first-token
    python bench/server.py --tool-session TURNS
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import responses_server
from tests.support.responses_server import (
    FunctionCall,
    Message,
    Reply,
    ReplyLike,
    ResponsesServer,
    StreamTiming,
    bench_markdown,
    call_reply,
    serve_until_signalled,
    text_reply,
)
from tests.support.responses_validation import find_rejection

#: Appended to the benchmark reply so a terminal reader can tell the last line has arrived
#: (the 50 KB of markdown ends inside a code block; this closes it and adds one plain line).
END_MARKER = "end of reply QZXJ"
END_TEXT = f"\n```\n\n{END_MARKER}\n"
#: The first delta of the first-token reply (4 characters: one delta).
FIRST_TOKEN = "XQZJ"
#: The workspace file the tool session reads and edits.
NOTES = "notes.txt"


def reply_text(kb: int, end_marker: bool) -> str:
    return bench_markdown(kb) + (END_TEXT if end_marker else "")


def tool_session(turns: int) -> Any:
    """Request k (counted by the calls already in the input) gets read, edit, shell; then done."""

    def respond(body: dict[str, Any]) -> ReplyLike:
        items = body.get("input") or []
        turn = sum(1 for item in items if item.get("type") == "function_call") // 3
        if turn >= turns:
            return text_reply(f"done after {turn} turns")
        return call_reply(
            FunctionCall("read_file", {"path": NOTES}, call_id=f"call_read_{turn}"),
            FunctionCall(
                "edit_file",
                {
                    "path": NOTES,
                    "old_string": f"counter {turn}\n",
                    "new_string": f"counter {turn + 1}\n",
                },
                call_id=f"call_edit_{turn}",
            ),
            FunctionCall("shell", {"command": f"echo turn {turn}"}, call_id=f"call_shell_{turn}"),
            text=f"Turn {turn}: reading, editing, running.",
        )

    return respond


def accept_any_tools() -> None:
    """Codex sends tool kinds the hosted API refuses (``namespace``, ``web_search``...); for the
    side-by-side run, check the request as if only its function tools had been sent."""
    check = find_rejection

    def lenient(body: object) -> Any:
        if isinstance(body, dict) and isinstance(body.get("tools"), list):
            tools = [
                t for t in body["tools"] if isinstance(t, dict) and t.get("type") == "function"
            ]
            body = {**body, "tools": tools}
        return check(body)

    responses_server.__dict__["find_rejection"] = lenient  # looked up there per request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reply-kb", type=int, help="answer everything with K KB of markdown")
    parser.add_argument("--chunk-size", type=int, default=4)
    parser.add_argument("--delta-delay", type=float, default=0.0, help="seconds between deltas")
    parser.add_argument("--end-marker", action="store_true", help="end with a marker line")
    parser.add_argument("--first-token", action="store_true", help="a short paced reply")
    parser.add_argument("--tool-session", type=int, metavar="TURNS")
    parser.add_argument(
        "--any-tools", action="store_true", help="accept non-function tools (for codex)"
    )
    args = parser.parse_args(argv)
    if args.any_tools:
        accept_any_tools()

    if args.tool_session is not None:
        responder = tool_session(args.tool_session)
    elif args.first_token:
        text = FIRST_TOKEN + " is the first token. " + "A short answer follows. " * 8
        reply = Reply(items=[Message(text)], chunk_size=4, delta_delay_s=0.002)
        responder = lambda _body: reply  # noqa: E731
    else:
        text = reply_text(args.reply_kb or 50, args.end_marker)
        reply = Reply(items=[Message(text)], chunk_size=args.chunk_size)
        if args.delta_delay:
            reply = Reply(
                items=[Message(text)], chunk_size=args.chunk_size, delta_delay_s=args.delta_delay
            )
        responder = lambda _body: reply  # noqa: E731

    local = threading.local()
    out_lock = threading.Lock()

    def measured(body: dict[str, Any]) -> ReplyLike:
        started = time.perf_counter()
        json.dumps(body)
        local.encode_s = time.perf_counter() - started
        result: ReplyLike = responder(body)
        return result

    def report(timing: StreamTiming) -> None:
        record = {
            "received": timing.received,
            "first_delta": timing.first_delta,
            "ended": timing.ended,
            "body_bytes": timing.body_bytes,
            "encode_s": getattr(local, "encode_s", 0.0),
        }
        with out_lock:
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()

    server = ResponsesServer(responder=measured, on_stream=report, keep_requests=False)
    serve_until_signalled(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
