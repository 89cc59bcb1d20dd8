"""The REPL rings the terminal when a long turn ends: BEL, or OSC 9 where the terminal shows it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import ResponsesServer, text_reply

OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def _repl_turn(server: ResponsesServer, tmp_path: Path, config: str, **env: str) -> bytes:
    config_dir = tmp_path / "cfg"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text(config)
    server.enqueue(text_reply("Answered."))
    term, _ = start_repl(
        server.url, tmp_path, env={"INFERCODE_CONFIG_DIR": str(config_dir), **env}, cols=80
    )
    with term:
        term.wait_prompt()
        before = len(term.raw)
        term.send_line("hello")
        term.wait_for("Answered.")
        term.wait_prompt()
        return bytes(term.raw[before:])


def test_a_long_turn_rings_the_bell(server: ResponsesServer, tmp_path: Path) -> None:
    # Every turn counts as long with notify_after_s = 0.01.
    written = _repl_turn(server, tmp_path, "notify_after_s = 0.01\n")
    assert b"\x07" in OSC.sub(b"", written)  # a bell of its own, not the end of an OSC


def test_osc_9_where_the_terminal_shows_it(server: ResponsesServer, tmp_path: Path) -> None:
    written = _repl_turn(server, tmp_path, "notify_after_s = 0.01\n", TERM_PROGRAM="WezTerm")
    assert b"\x1b]9;infercode: the turn finished\x07" in written


def test_a_short_turn_or_notify_off_stays_quiet(server: ResponsesServer, tmp_path: Path) -> None:
    written = _repl_turn(server, tmp_path / "a", "", TERM_PROGRAM="WezTerm")  # default: 10 s
    assert b"\x1b]9;" not in written and b"\x07" not in OSC.sub(b"", written)
    written = _repl_turn(
        server, tmp_path / "b", "notify = false\nnotify_after_s = 0.01\n", TERM_PROGRAM="WezTerm"
    )
    assert b"\x1b]9;" not in written and b"\x07" not in OSC.sub(b"", written)


def test_an_approval_waiting_after_a_long_while_notifies(
    server: ResponsesServer, tmp_path: Path
) -> None:
    from tests.support.responses_server import FunctionCall, call_reply

    config_dir = tmp_path / "cfg"
    config_dir.mkdir()
    (config_dir / "config.toml").write_text("notify_after_s = 0.01\n")
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "echo hi"}, "call_1")),
        text_reply("Ran it."),
    )
    env = {"INFERCODE_CONFIG_DIR": str(config_dir), "TERM_PROGRAM": "WezTerm"}
    term, _ = start_repl(server.url, tmp_path, env=env, cols=80)
    with term:
        term.wait_prompt()
        term.send_line("run it")
        term.wait_for("Run this command?")
        assert b"\x1b]9;infercode: an approval is waiting\x07" in term.raw
        term.type("y")
        term.wait_for("Ran it.")
        term.wait_prompt()
