"""Outside paths are asked about every time, per kind (issue 10, item 3).

The attack: the model reads ``/outside/secret.txt`` (the user says yes to that read), then edits
it. Before, the read's yes made the path count as inside, so ``--yes``, ``--allow edit`` or
"always edits" overwrote it unasked. A read yes now covers reads of that one path; every outside
edit asks for the path and then shows its diff, and nothing is remembered.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import pexpect
import pytest

from infercode.tools.workspace import OutsideWorkspace, Workspace
from tests.conftest import INFERCODE, run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

SECRET = "TOKEN=keep-me\n"

MENU = "\\^C stop"  # the end of the approval menu's one line (a regex)


def outputs(server: ResponsesServer) -> dict[str, str]:
    """Every function_call_output the model was sent, by call id."""
    found: dict[str, str] = {}
    for request in server.requests:
        body = request.body or {}
        for item in body.get("input", []):
            if item.get("type") == "function_call_output":
                found[item["call_id"]] = str(item["output"])
    return found


def script_read_then_edits(server: ResponsesServer, secret: Path, edits: int = 1) -> None:
    calls: list[Any] = [call_reply(FunctionCall("read_file", {"path": str(secret)}, "call_r"))]
    for n in range(edits):
        old = "keep-me" if n == 0 else f"stolen{n - 1}"
        args = {"path": str(secret), "old_string": old, "new_string": f"stolen{n}"}
        calls.append(call_reply(FunctionCall("edit_file", args, f"call_e{n}")))
    server.enqueue(*calls, text_reply("done"))


def spawn_piped(server: ResponsesServer, cwd: Path, *flags: str) -> pexpect.spawn:
    """``echo go | infercode FLAGS`` on a terminal: the prompt is piped, questions use /dev/tty."""
    command = " ".join(shlex.quote(p) for p in [*INFERCODE, "--base-url", server.url, *flags])
    return pexpect.spawn(
        "bash",
        ["-c", f"echo go | {command}"],
        cwd=str(cwd),
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
    )


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "secret.txt"
    path.write_text(SECRET)
    return path


def test_a_read_grant_is_not_an_edit_grant(tmp_path: Path, secret: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.grant(secret)
    assert ws.resolve(str(secret)) == secret  # reading it again is remembered
    with pytest.raises(OutsideWorkspace):
        ws.resolve(str(secret), write=True)
    with ws.allow_once(secret):
        assert ws.resolve(str(secret), write=True) == secret
    with pytest.raises(OutsideWorkspace):  # the one edit's allowance is gone afterwards
        ws.resolve(str(secret), write=True)


@pytest.mark.parametrize("flags", [("--yes",), ("--allow", "read,edit")])
def test_after_a_read_yes_the_edit_is_asked_on_the_terminal(
    server: ResponsesServer, workspace: Path, secret: Path, flags: tuple[str, ...]
) -> None:
    script_read_then_edits(server, secret)
    child = spawn_piped(server, workspace, *flags)
    child.expect("OUTSIDE the workspace")
    child.expect(MENU)
    child.send("y")  # yes to reading the secret
    child.expect("edit_file")  # the edit is asked about, not run under the flag
    child.expect("OUTSIDE the workspace")
    before = child.before
    child.expect(MENU)
    assert "always: not offered" in (before or "") + (child.before or "")
    child.send("\x1b")  # Esc: no
    child.expect(pexpect.EOF)
    child.close()
    assert secret.read_text() == SECRET
    got = outputs(server)
    assert "keep-me" in got["call_r"] and "denied" in got["call_e0"]


def test_an_allowed_outside_path_still_shows_the_diff_and_asks_again(
    server: ResponsesServer, workspace: Path, secret: Path
) -> None:
    script_read_then_edits(server, secret)
    child = spawn_piped(server, workspace, "--yes")
    child.expect(MENU)
    child.send("y")  # the read
    child.expect("OUTSIDE the workspace")
    child.expect(MENU)
    child.send("y")  # the path of the edit
    child.expect("-TOKEN=keep-me")  # then its diff, asked about on its own
    child.expect(r"\+TOKEN=stolen0")
    child.expect(MENU)
    child.send("\x1b")  # Esc: no
    child.expect(pexpect.EOF)
    child.close()
    assert secret.read_text() == SECRET


def test_headless_without_a_terminal_refuses_both(
    server: ResponsesServer, workspace: Path, secret: Path
) -> None:
    script_read_then_edits(server, secret)
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "go"], cwd=workspace)
    assert result.returncode == 3, result.stderr
    assert secret.read_text() == SECRET
    got = outputs(server)
    assert "outside the workspace" in got["call_r"] and "keep-me" not in got["call_r"]
    assert "outside the workspace" in got["call_e0"]


def test_repl_asks_for_every_outside_edit_even_with_yes(
    server: ResponsesServer, tmp_path: Path, secret: Path
) -> None:
    script_read_then_edits(server, secret, edits=2)
    term, _ = start_repl(server.url, tmp_path, "--yes")
    with term:
        term.wait_prompt()
        term.send_line("look at the secret")
        term.wait_for("Read it?")
        assert "OUTSIDE" in term.text()
        term.type("y")
        term.wait_for("Apply this edit?")  # the path of the first edit
        assert "always" not in term.lines()[-1] and "OUTSIDE" in term.text()
        term.type("y")
        term.wait_until(lambda: term.count("Apply this edit?") == 2, "the diff question")
        assert "+TOKEN=stolen0" in term.text()
        assert "a always" not in term.text()
        term.type("y")
        term.wait_until(lambda: term.count("Apply this edit?") == 3, "the second edit asked")
        assert secret.read_text() == "TOKEN=stolen0\n"
        term.type("n")
        term.wait_for("Message to the model")
        term.send_line("")
        term.wait_for("done")
        term.wait_prompt()
    assert secret.read_text() == "TOKEN=stolen0\n"  # the second edit was asked and refused
    assert "denied" in outputs(server)["call_e1"]
