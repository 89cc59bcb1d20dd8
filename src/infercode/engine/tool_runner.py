"""Running one approved call in a worker thread, so its live output can be yielded as it comes
and Ctrl-C (or the consumer closing the turn) cancels it with what it printed kept."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator

from infercode.engine.events import Event, ToolCall, ToolOutputDelta
from infercode.engine.history import History, function_call_output
from infercode.errors import ToolError
from infercode.tools.base import ToolContext, ToolResult

INTERRUPTED_RESULT = "[interrupted by user]"


def run_tool(
    call: ToolCall, execute: Callable[[ToolContext], ToolResult], history: History
) -> Generator[Event, None, ToolResult]:
    """Run the call in a worker thread so its live output can be yielded as it comes."""
    chunks: queue.Queue[str | ToolResult] = queue.Queue()
    context = ToolContext(emit=chunks.put)

    def work() -> None:
        try:
            result = execute(context)
        except ToolError as error:
            result = ToolResult(str(error), ok=False, summary="error")
        except Exception as error:  # a tool bug must not kill the session
            result = ToolResult(
                f"The tool failed unexpectedly: {type(error).__name__}: {error}",
                ok=False,
                summary="crashed",
            )
        chunks.put(result)

    worker = threading.Thread(target=work, name=f"tool-{call.name}", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = chunks.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(item, ToolResult):
                break
            yield ToolOutputDelta(call, item)
    except (KeyboardInterrupt, GeneratorExit):
        context.cancelled.set()
        worker.join()
        history.append(function_call_output(call.call_id, _interrupted(chunks)))
        raise
    return item


def _interrupted(chunks: queue.Queue[str | ToolResult]) -> str:
    """The cancelled tool's own result if it produced one, else what it printed so far."""
    printed: list[str] = []
    while not chunks.empty():
        item = chunks.get_nowait()
        if isinstance(item, ToolResult):
            return (
                item.output
                if INTERRUPTED_RESULT in item.output
                else (f"{item.output}\n{INTERRUPTED_RESULT}")
            )
        printed.append(item)
    return "".join(printed) + f"\n{INTERRUPTED_RESULT}"


def prefixed(result: ToolResult, note: str) -> ToolResult:
    return ToolResult(note + result.output, result.ok, result.summary)
