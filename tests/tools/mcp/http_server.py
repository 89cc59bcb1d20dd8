"""A streamable-HTTP MCP server on loopback for the tests (the SDK's server API + uvicorn).

``python http_server.py PORT LOG``: every request's Authorization and X-Team headers are
appended to LOG, one JSON line each, so a test can check what the client sent.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer

server = MCPServer("web")


@server.tool(description="Add two numbers.")
def add(a: int, b: int) -> str:
    return str(a + b)


def main() -> None:
    port, log = int(sys.argv[1]), sys.argv[2]
    app = server.streamable_http_app()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            seen = {k: headers.get(k) for k in ("authorization", "x-team")}
            with open(log, "a", encoding="utf-8") as stream:
                stream.write(json.dumps(seen) + "\n")
        await app(scope, receive, send)

    uvicorn.run(recording, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
