"""One approval menu at 80 columns: the REPL and ``echo ... | infercode`` on a terminal.

Both show what the call does, say what "always" covers on its own line, and ask on one line of
single keys that fits 80 columns; Esc denies, and backs out of editing a command.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pexpect

from tests.support.pty import COMMAND, Terminal, isolated_env, make_workspace, start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

QUESTION = "Run this command?"


def _outputs(server: ResponsesServer) -> dict[str, str]:
    body = server.posts()[-1]
    return {
        item["call_id"]: item["output"]
        for item in body["input"]
        if item.get("type") == "function_call_output"
    }


def _question_line(term: Terminal, question: str) -> str:
    lines = [line for line in term.history_text().split("\n") if question in line]
    assert lines, term.text()
    return lines[-1]


def test_the_repl_menu_fits_80_columns_and_esc_denies_or_backs_out(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "git status -s"}, "call_1")),
        call_reply(FunctionCall("shell", {"command": "touch made"}, "call_2")),
        text_reply("Done."),
    )
    term, workspace = start_repl(server.url, tmp_path, cols=80)
    with term:
        term.wait_prompt()
        term.send_line("look")
        term.wait_for(QUESTION)
        line = _question_line(term, QUESTION)
        # The whole menu on one row: keys, Esc and Ctrl-C; nothing wrapped onto the next row.
        for part in ("y yes", "n no", "a always", "e edit", "Esc no", "^C stop ›"):
            assert part in line, line
        assert "a always allow commands starting with `git status`" in term.text()
        term.type("\x1b")  # Esc: no, without a message prompt
        term.wait_for(re.compile(r"Run this command\?.*› no"))
        term.wait_for("touch made")
        term.wait_for(re.compile(r"(?s)touch made.*Run this command\?"))
        term.type("e")
        term.wait_for("edit, then Enter to run (Esc back)")
        term.type("\x1b")  # back out of editing: asked again, nothing ran
        term.wait_until(lambda: term.count(QUESTION) == 3, "the question again")
        assert not (workspace / "made").exists()
        term.type("y")
        term.wait_for("Done.")
        term.wait_prompt()
    assert (workspace / "made").exists()
    got = _outputs(server)
    assert got["call_1"].startswith("The user denied")
    assert "exit code: 0" in got["call_2"]
    assert all(r.rejected is None for r in server.requests)


def test_a_piped_prompt_asks_with_the_same_menu_on_the_terminal(
    server: ResponsesServer, tmp_path: Path
) -> None:
    workspace = make_workspace(tmp_path / "ws", {"a.txt": "old\n"})
    edit = {"path": "a.txt", "old_string": "old", "new_string": "new"}
    server.enqueue(
        call_reply(FunctionCall("edit_file", edit, "call_e")),
        text_reply("Edited."),
    )
    command = " ".join(shlex.quote(part) for part in [*COMMAND, "--base-url", server.url])
    child = pexpect.spawn(
        "bash",
        ["-c", f"echo 'change it' | {command}"],
        cwd=str(workspace),
        env=isolated_env(tmp_path),
        dimensions=(40, 80),
        encoding=None,
    )
    with Terminal(child, 40, 80) as term:
        term.wait_for("Apply this edit?")
        line = _question_line(term, "Apply this edit?")
        for part in ("y yes", "n no", "a always", "Esc no", "^C stop ›"):
            assert part in line, line
        screen = term.history_text()
        assert screen.count("edit_file") == 1  # the progress line; the menu does not repeat it
        assert "[y]" not in screen and "Allow?" not in screen
        # The diff is coloured as in the REPL: the added line is not in the default colour.
        row = next(y for y, text in enumerate(term.lines()) if text.strip() == "+new")
        cells = term.screen.buffer[row]
        plus = next(x for x in range(term.cols) if cells[x].data == "+")
        assert cells[plus].fg != "default"
        term.type("y")
        assert term.wait_exit() == 0
        assert "Edited." in term.history_text()
    assert (workspace / "a.txt").read_text() == "new\n"
