"""Each tool of a running MCP server as a registry tool of kind ``mcp``.

The list is rebuilt only when the manager says something changed (a server became ready,
failed, or sent ``tools/list_changed``), and a tool keeps its function name and spec object for
the session: the ``tools`` of consecutive requests stay byte-identical (prompt caches).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import PreparedCall, Tool, ToolContext, ToolResult, ToolSpec
from infercode.tools.mcp.client import INTERRUPTED, McpManager, RemoteTool
from infercode.tools.mcp.names import function_name
from infercode.tools.mcp.schema import to_parameters
from infercode.tools.output import cap_middle

ARGS_SHOWN = 200


class McpTool:
    def __init__(
        self, manager: McpManager, remote: RemoteTool, name: str, output_limit: int
    ) -> None:
        self.manager = manager
        self.remote = remote
        self.output_limit = output_limit
        description = remote.description or f"Tool '{remote.name}' of MCP server '{remote.server}'."
        self.spec = ToolSpec(
            name=name,
            description=description,
            parameters=to_parameters(remote.input_schema),
            kind="mcp",
            mutating=remote.read_only is not True,
        )

    def prepare(self, args: JSON) -> PreparedCall:
        server, tool = self.remote.server, self.remote.name
        try:
            shown = json.dumps(args, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as error:  # pragma: no cover - args came from JSON
            raise ToolError(f"The arguments cannot be sent: {error}") from None
        brief = shown if len(shown) <= ARGS_SHOWN else shown[:ARGS_SHOWN] + "…"
        hint = "\n(the server describes it as read-only)" if self.remote.read_only else ""
        detail = (
            f"MCP server '{server}', tool '{tool}'\narguments: "
            f"{json.dumps(args, ensure_ascii=False, indent=2)}{hint}"
        )

        def execute(context: ToolContext) -> ToolResult:
            text, ok = self.manager.call(server, tool, dict(args), context.cancelled)
            if text == INTERRUPTED:
                return ToolResult(text, ok=False, summary="interrupted")
            # "error": front-ends show a failure's first line (the server's message)
            summary = f"ok · {len(text)} chars" if ok else "error"
            return ToolResult(cap_middle(text, self.output_limit), ok=ok, summary=summary)

        return PreparedCall(
            kind="mcp",
            summary=f"{server}.{tool} {brief}",
            detail=detail,
            execute=execute,
            mcp_server=server,
            mcp_tool=tool,
        )


class McpTools:
    """The registry's source of MCP tools; ``taken`` are the built-in tools' names."""

    def __init__(
        self,
        manager: McpManager,
        output_limit: Callable[[str], int],
        taken: Collection[str] = (),
    ) -> None:
        self.manager = manager
        self._limit = output_limit
        self._names: dict[tuple[str, str], str] = {}
        self._taken = set(taken)
        self._cache: dict[str, McpTool] = {}
        self._generation = -1
        self._tools: list[Tool] = []

    def tools(self) -> list[Tool]:
        generation = self.manager.generation
        if generation != self._generation:
            self._generation = generation
            self._tools = [self._tool(remote) for remote in self.manager.tools()]
        return self._tools

    def _tool(self, remote: RemoteTool) -> McpTool:
        key = (remote.server, remote.name)
        name = self._names.get(key)
        if name is None:
            name = function_name(remote.server, remote.name, self._taken)
            self._taken.add(name)
            self._names[key] = name
        cached = self._cache.get(name)
        if cached is not None and cached.remote == remote:
            return cached  # the same spec object: the request body stays byte-stable
        tool = McpTool(self.manager, remote, name, self._limit(remote.server))
        self._cache[name] = tool
        return tool
