"""A small stdio MCP server for the tests, written with the SDK's server API.

Run as ``python fake_server.py [--marker FILE]``: ``--marker`` writes FILE at start (so a test can
prove the server ran, or did not); its tools echo, fail, die mid-call and sleep.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("fake")


@server.tool(description="Echo the text back, upper-cased.")
def shout(text: str) -> str:
    return text.upper()


@server.tool(description="Always reports an error.")
def broken() -> str:
    raise ValueError("the fake tool is broken")


@server.tool(description="Exits the server process in the middle of the call.")
def die() -> str:
    os._exit(7)


@server.tool(description="Answers, then the server exits a moment later.")
def die_soon() -> str:
    threading.Timer(0.2, os._exit, (9,)).start()
    return "bye"


@server.tool(description="Sleeps for the given seconds, then answers.")
async def nap(seconds: float) -> str:
    await anyio.sleep(seconds)  # cancellable: a cancelled call ends it
    return "rested"


@server.tool(description="Tells which environment variables it got.")
def env_names() -> str:
    return " ".join(sorted(os.environ))


@server.tool(description="Adds the tool 'sprout' and tells the client its tools changed.")
async def grow(ctx: Context) -> str:
    def sprout() -> str:
        """A tool that appeared later."""
        return "sprouted"

    server.add_tool(sprout, description="A tool that appeared later.")
    await ctx.session.send_tool_list_changed()
    return "grown"


if __name__ == "__main__":
    if "--marker" in sys.argv:
        Path(sys.argv[sys.argv.index("--marker") + 1]).write_text(str(os.getpid()))
    server.run("stdio")
