"""MCP in the REPL: the prompt comes at once, ``/mcp`` shows the servers, the question shows
server, tool and arguments, and "always" covers that one tool only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.pty import Terminal, start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply
from tests.tools.mcp.support import PYTHON, fake_server_args, server_table, write_config


def outputs(body: dict[str, Any] | None) -> list[str]:
    assert body is not None
    return [str(i["output"]) for i in body["input"] if i.get("type") == "function_call_output"]


def wait_ready(term: Terminal, warning: str = "", times: int = 1) -> None:
    """Ask ``/mcp`` until the fake server was shown ready ``times`` times (and a background
    ``warning`` was shown: warnings wait for the next input line)."""
    for _ in range(60):  # generous: a loaded machine imports the SDK slowly
        term.send_line("/mcp")
        term.wait_prompt(timeout=60)
        text = term.history_text()
        if text.count("ready with 7 tools") >= times and warning in text:
            return
        term.pump(0.5)
    raise AssertionError(term.text())


def test_mcp_servers_in_the_repl(
    server: ResponsesServer, tmp_path: Path, isolated_home: Path
) -> None:
    marker = tmp_path / "fake.pid"
    write_config(
        isolated_home,
        server_table("fake", PYTHON, fake_server_args("--marker", str(marker)))
        + server_table("broken", PYTHON, ["-c", "raise SystemExit('cannot start')"]),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__shout", {"text": "hi"}, "call_1")),
        call_reply(FunctionCall("mcp__fake__shout", {"text": "again"}, "call_2")),
        call_reply(FunctionCall("mcp__fake__env_names", {}, "call_3")),
        text_reply("Done shouting."),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        wait_ready(term, "⚠ MCP server 'broken' failed to start")
        screen = term.history_text()
        assert "shout, broken, die, die_soon, nap, env_names, grow" in screen
        assert "broken  failed: Connection closed; its stderr said: cannot start" in screen
        assert term.count("⚠ MCP server 'broken' failed to start") == 1  # one warning line
        term.send_line("shout hi")
        term.wait_for("Call this MCP tool?", timeout=60)
        screen = term.text()
        assert "MCP server 'fake', tool 'shout'" in screen and '"text": "hi"' in screen
        assert "a always allow MCP tool fake.shout" in screen
        term.type("a")
        term.wait_for(re.compile(r"a always allow MCP tool fake\.env_names\s+Call this MCP tool\?"))
        assert term.count("Call this MCP tool?") == 2  # the second shout was not asked about
        term.type("n")
        term.wait_for("Message to the model")
        term.press("enter")
        term.wait_for("Done shouting.")
        term.wait_prompt()
        body = server.posts()[3]
        assert outputs(body) == ["HI", "AGAIN", "The user denied this call."]
        first_pid = marker.read_text()
        readies = term.count("ready with 7 tools")
        term.send_line("/mcp restart fake")
        term.wait_for("restarting fake")
        term.wait_prompt()
        wait_ready(term, times=readies + 1)
        assert marker.read_text() != first_pid  # a new server process
        term.press("ctrl-d")
        term.wait_exit()


def test_ctrl_c_cancels_a_running_mcp_call(
    server: ResponsesServer, tmp_path: Path, isolated_home: Path
) -> None:
    write_config(
        isolated_home,
        'allow_mcp = ["fake.nap"]\n' + server_table("fake", PYTHON, fake_server_args()),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__nap", {"seconds": 600}, "call_1")),
        text_reply("Woke up."),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        wait_ready(term)
        term.send_line("take a nap")
        term.wait_for('fake.nap {"seconds": 600}', timeout=60)
        term.pump(1.0)
        term.press("ctrl-c")
        term.wait_for("interrupted", timeout=30)
        term.wait_prompt(timeout=30)
        term.send_line("and now?")
        term.wait_for("Woke up.", timeout=60)
        (body,) = [b for b in server.posts() if "and now?" in str(b["input"])]
        assert outputs(body) == ["[interrupted by user]"]
        term.press("ctrl-d")
        term.wait_exit()


def test_a_message_sent_at_once_waits_for_the_servers_tools(
    server: ResponsesServer, tmp_path: Path, isolated_home: Path
) -> None:
    write_config(isolated_home, server_table("fake", PYTHON, fake_server_args()))
    server.enqueue(text_reply("Hello."))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("hi")  # before the server can possibly be up
        term.wait_for("Hello.", timeout=60)
        (body,) = server.posts()
        assert "mcp__fake__shout" in [t["name"] for t in body["tools"]]
        term.press("ctrl-d")
        term.wait_exit()
