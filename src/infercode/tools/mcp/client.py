"""Running MCP servers: one background thread with its own asyncio loop, one task per server.

The engine is synchronous and threaded; the SDK is async. So the manager owns a loop in a daemon
thread; each server lives in one task there (the SDK's contexts are entered and left in that
task), and the engine's tool thread hands calls over with ``run_coroutine_threadsafe`` and waits
for them, polling its cancel flag (Ctrl-C) and the server's ``tool_timeout_s``.

A server that fails to start or dies is one warning (``on_warning``) and a state ``/mcp`` shows;
its tools simply disappear from the next request. This is the only module importing ``mcp``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from infercode.config.mcp import McpServer
from infercode.tools.mcp.failures import (
    connection_closed,
    connection_ended,
    describe_error,
    last_line,
)
from infercode.tools.mcp.http import HttpTransport
from infercode.tools.mcp.results import result_text

Status = Literal["starting", "ready", "failed", "stopped"]
WATCH_INTERVAL_S = 0.5
INTERRUPTED = "[interrupted by user]"


@dataclass(frozen=True)
class RemoteTool:
    """A tool a server listed, as it listed it."""

    server: str
    name: str
    description: str
    input_schema: object
    read_only: bool | None = None


@dataclass
class _Conn:
    server: McpServer
    status: Status = "starting"
    reason: str = ""
    tools: list[RemoteTool] = field(default_factory=list)
    client: Any = None
    task: asyncio.Task[None] | None = None
    stop: asyncio.Event | None = None
    timed_out: bool = False
    relisting: asyncio.Task[None] | None = None
    ready: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class ServerView:
    """What ``/mcp`` shows of one server."""

    name: str
    status: Status
    reason: str
    tools: tuple[str, ...]
    origin: str


class McpManager:
    def __init__(
        self,
        servers: Iterable[McpServer],
        root: Path,
        *,
        on_warning: Callable[[str], None],
        hidden_env: Iterable[str] = (),
        log_dir: Path | None = None,
    ) -> None:
        self._conns = {s.name: _Conn(s) for s in servers if s.enabled}
        self._root = root
        self._warn = on_warning
        self._hidden_env = frozenset(hidden_env)
        self._log_dir = log_dir
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        #: Bumped on every change of what is offered; the tool list is rebuilt only then.
        self.generation = 0

    # -- the engine's side (any thread) -------------------------------------------------------

    def start(self) -> None:
        """Start every server in the background; returns at once."""
        _quiet_sdk_logging()
        loop = asyncio.new_event_loop()
        self._loop = loop
        threading.Thread(target=loop.run_forever, name="mcp", daemon=True).start()
        for conn in self._conns.values():
            loop.call_soon_threadsafe(self._launch, conn)

    def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until every server is ready or failed, at most its startup timeout."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.startup_timeout())
        for conn in list(self._conns.values()):
            conn.ready.wait(max(0.0, deadline - time.monotonic()) + 0.5)

    def startup_timeout(self) -> float:
        return max((c.server.startup_timeout_s for c in self._conns.values()), default=0.0)

    def tools(self) -> list[RemoteTool]:
        """The tools of the ready servers, in config order, as each server listed them."""
        with self._lock:
            return [t for c in self._conns.values() if c.status == "ready" for t in c.tools]

    def views(self) -> list[ServerView]:
        with self._lock:
            return [
                ServerView(n, c.status, c.reason, tuple(t.name for t in c.tools), c.server.origin)
                for n, c in self._conns.items()
            ]

    def names(self) -> list[str]:
        return list(self._conns)

    def restart(self, name: str) -> None:
        conn = self._conns[name]
        if self._loop is None:
            return
        self._set(conn, "starting", "")  # at once: /mcp must not show the old "ready"
        conn.ready.clear()
        self._loop.call_soon_threadsafe(self._relaunch, conn)

    def call(
        self, server: str, tool: str, args: dict[str, Any], cancelled: threading.Event
    ) -> tuple[str, bool]:
        """Call ``tool``; (text for the model, ok). Never raises for a server's failure."""
        conn = self._conns.get(server)
        if conn is None or conn.status != "ready" or self._loop is None:
            reason = f": {conn.reason}" if conn is not None and conn.reason else ""
            return f"MCP server '{server}' is not running{reason}.", False
        timeout = conn.server.tool_timeout_s
        future = asyncio.run_coroutine_threadsafe(conn.client.call_tool(tool, args), self._loop)
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = future.result(timeout=0.05)
                break
            except concurrent.futures.TimeoutError:
                if cancelled.is_set():
                    future.cancel()  # the SDK tells the server the request is cancelled
                    return INTERRUPTED, False
                if time.monotonic() > deadline:
                    future.cancel()
                    return (
                        f"MCP tool {server}.{tool} timed out after {timeout:g} s "
                        f"(tool_timeout_s of [mcp_servers.{server}]); it was cancelled.",
                        False,
                    )
            except concurrent.futures.CancelledError:
                return INTERRUPTED, False
            except Exception as error:
                return self._call_failed(conn, tool, error), False
        self._settle_listing(conn)
        text = result_text(result.content, getattr(result, "structured_content", None))
        return text, not result.is_error

    def _settle_listing(self, conn: _Conn) -> None:
        """A call that changed the server's tools (it said so before answering): the next
        request offers the new list, so wait for the re-listing (briefly)."""
        task = conn.relisting
        if task is None or task.done() or self._loop is None:
            return

        async def settle() -> None:
            await asyncio.wait([task], timeout=5)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(settle(), self._loop).result(6)

    def close(self, wait_s: float = 1.0) -> None:
        """Stop every server (the SDK closes its stdin, then terminates its process group),
        waiting at most ``wait_s``: the process exits right after, without the loop."""
        loop = self._loop
        if loop is None:
            return

        async def stop_all() -> None:
            tasks = []
            for conn in self._conns.values():
                if conn.stop is not None:
                    conn.stop.set()
                if conn.task is not None and not conn.task.done():
                    tasks.append(conn.task)
            if tasks:
                await asyncio.wait(tasks, timeout=wait_s)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop_all(), loop).result(wait_s + 1)

    # -- the loop's side ----------------------------------------------------------------------

    def _launch(self, conn: _Conn) -> None:
        assert self._loop is not None
        conn.stop = asyncio.Event()
        conn.timed_out = False
        task = self._loop.create_task(self._serve(conn))
        conn.task = task
        self._loop.call_later(conn.server.startup_timeout_s, self._startup_deadline, conn, task)

    def _relaunch(self, conn: _Conn) -> None:
        old = conn.task
        if old is not None and not old.done():
            assert conn.stop is not None
            conn.stop.set()

        async def again() -> None:
            if old is not None:
                with contextlib.suppress(BaseException):
                    await old
            self._set(conn, "starting", "")  # the old task ended as "stopped"
            conn.ready.clear()
            self._launch(conn)

        assert self._loop is not None
        self._loop.create_task(again())

    def _startup_deadline(self, conn: _Conn, task: asyncio.Task[None]) -> None:
        if conn.status == "starting" and conn.task is task and not task.done():
            conn.timed_out = True
            task.cancel()

    async def _serve(self, conn: _Conn) -> None:
        server = conn.server
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = await stack.enter_async_context(self._client(conn, stack))
                conn.client = client
                conn.tools = await self._list(conn)
                self._set(conn, "ready", "")
                await self._watch(conn, client)
            self._set(conn, "stopped", "")
        except asyncio.CancelledError:
            if conn.timed_out:
                self._fail(conn, f"did not start within {server.startup_timeout_s:g} s")
        except Exception as error:
            self._fail(conn, self._describe(conn, error))
        except BaseException as error:  # an anyio exception group from the transport
            self._fail(conn, self._describe(conn, error))

    async def _watch(self, conn: _Conn, client: Any) -> None:
        """Until asked to stop; a server that exits while idle ends its connection, and its
        tools go at once (not at the next call)."""
        assert conn.stop is not None
        while not conn.stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(conn.stop.wait(), WATCH_INTERVAL_S)
            if not conn.stop.is_set() and connection_ended(client):
                raise _StartError("the connection closed (the server exited?)")

    def _client(self, conn: _Conn, stack: contextlib.AsyncExitStack) -> Any:
        from mcp.client.client import Client
        from mcp_types import Implementation

        from infercode import __version__

        server = conn.server

        async def on_message(message: object) -> None:
            if type(message).__name__ == "ToolListChangedNotification":
                assert self._loop is not None
                conn.relisting = self._loop.create_task(self._relist(conn))

        info = Implementation(name="infercode", version=__version__)
        return Client(
            self._transport(server),
            mode="legacy",
            message_handler=on_message,
            client_info=info,
            cache=None,
        )

    def _transport(self, server: McpServer) -> Any:
        if server.url is not None:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            headers = dict(server.headers)
            if server.bearer_token_env_var:
                token = os.environ.get(server.bearer_token_env_var)
                if not token:
                    raise _StartError(f"{server.bearer_token_env_var} is not set")
                headers["Authorization"] = f"Bearer {token}"
            return HttpTransport(
                streamable_http_client, create_mcp_http_client(headers=headers), server.url
            )
        from mcp.client.stdio import StdioServerParameters, stdio_client

        env = {k: v for k, v in server.env.items() if k not in self._hidden_env}
        cwd = self._root / server.cwd if server.cwd else self._root
        params = StdioServerParameters(
            command=server.command or "", args=list(server.args), env=env, cwd=str(cwd)
        )
        return stdio_client(params, errlog=self._errlog(server.name))

    def _errlog(self, name: str) -> Any:
        """The server's stderr: a log file in the state dir (never our screen)."""
        if self._log_dir is not None:
            with contextlib.suppress(OSError):
                self._log_dir.mkdir(parents=True, exist_ok=True)
                return (self._log_dir / f"{name}.log").open("w", encoding="utf-8")
        return open(os.devnull, "w", encoding="utf-8")

    async def _list(self, conn: _Conn) -> list[RemoteTool]:
        tools: list[RemoteTool] = []
        cursor: str | None = None
        for _ in range(100):  # a server that pages forever must not hang us
            page = await conn.client.list_tools(cursor=cursor)
            for tool in page.tools:
                if not conn.server.offers(tool.name):
                    continue
                hints = tool.annotations
                tools.append(
                    RemoteTool(
                        conn.server.name,
                        tool.name,
                        tool.description or "",
                        tool.input_schema,
                        hints.read_only_hint if hints is not None else None,
                    )
                )
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    async def _relist(self, conn: _Conn) -> None:
        if conn.status != "ready":
            return
        try:
            tools = await self._list(conn)
        except Exception as error:
            self._warn(f"MCP server '{conn.server.name}': listing its tools failed: {error}")
            return
        with self._lock:
            conn.tools = tools
            self.generation += 1

    def _set(self, conn: _Conn, status: Status, reason: str) -> None:
        with self._lock:
            conn.status = status
            conn.reason = reason
            if status != "ready":
                conn.client = None
            self.generation += 1
        if status != "starting":
            conn.ready.set()

    def _fail(self, conn: _Conn, reason: str) -> None:
        if conn.status == "failed":
            return  # one warning per failure (a failed call, then its task ending)
        was_ready = conn.status == "ready"
        self._set(conn, "failed", reason)
        verb = "stopped" if was_ready else "failed to start"
        self._warn(f"MCP server '{conn.server.name}' {verb}: {reason} (its tools are not offered)")

    def _call_failed(self, conn: _Conn, tool: str, error: BaseException) -> str:
        if connection_closed(error):
            self._fail(conn, "the connection closed (the server exited?)")  # warns once
            return f"MCP server '{conn.server.name}' exited during the call to {tool}."
        return f"MCP tool {conn.server.name}.{tool} failed: {describe_error(error)}"

    def _describe(self, conn: _Conn, error: BaseException) -> str:
        text = describe_error(error)
        if conn.server.url is None and self._log_dir is not None:
            last = last_line(self._log_dir / f"{conn.server.name}.log")
            if last:
                text += f"; its stderr said: {last}"
        return text


class _StartError(Exception):
    """A server that cannot start (a missing token) or whose connection ended."""


def _quiet_sdk_logging() -> None:
    """The SDK logs protocol errors; they must not land on the REPL's screen."""
    logger = logging.getLogger("mcp")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
