"""A small stdio MCP server for the tests, written with the SDK's server API.

Run as ``python fake_server.py [--marker FILE]``: ``--marker`` writes FILE at start (so a test can
prove the server ran, or did not); its tools echo, fail, die mid-call and sleep.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from mcp.server.mcpserver import MCPServer

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


@server.tool(description="Sleeps for the given seconds, then answers.")
def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"


@server.tool(description="Tells which environment variables it got.")
def env_names() -> str:
    return " ".join(sorted(os.environ))


if __name__ == "__main__":
    if "--marker" in sys.argv:
        Path(sys.argv[sys.argv.index("--marker") + 1]).write_text(str(os.getpid()))
    server.run("stdio")
