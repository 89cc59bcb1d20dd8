"""Write-time confinement through the real command (issue 10, item 4).

The attack: an earlier approved shell command leaves a background process behind; while the user
looks at the diff of a new file in ``sub/``, it renames ``sub`` away and puts a symlink to another
directory in its place. The approved create must not land in that other directory.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

import pexpect

from tests.conftest import INFERCODE
from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

#: These tests are about another layer (signals, escaped processes, a racing background process,
#: infercode's own environment); under bubblewrap's PID namespace the commands' pids, background
#: processes and /proc/$PPID are the sandbox's own, so the tests run their commands unsandboxed.
NO_SANDBOX = ("--sandbox", "off")

MENU = "\\^C stop"  # the end of the approval menu's one line (a regex)


def outputs(server: ResponsesServer) -> dict[str, str]:
    found: dict[str, str] = {}
    for request in server.requests:
        for item in (request.body or {}).get("input", []):
            if item.get("type") == "function_call_output":
                found[item["call_id"]] = str(item["output"])
    return found


def create(path: str, call_id: str) -> FunctionCall:
    args = {"path": path, "old_string": "", "new_string": "import os  # planted\n"}
    return FunctionCall("edit_file", args, call_id)


def wait_for_file(path: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_background_swapper_cannot_redirect_an_approved_create(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"  # where the attacker wants the file: e.g. a site-packages dir
    target.mkdir()
    (workspace / "sub").mkdir()
    flag, swapped = tmp_path / "flag", tmp_path / "swapped"
    swapper = (
        f"(while [ ! -e {flag} ]; do sleep 0.02; done; mv sub sub.real; "
        f"ln -s {target} sub; touch {swapped}) >/dev/null 2>&1 &"
    )
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": swapper}, "call_s")),
        call_reply(create("sub/sitecustomize.py", "call_e")),
        text_reply("done"),
    )
    command = " ".join(
        shlex.quote(p)
        for p in [*INFERCODE, "--base-url", server.url, *NO_SANDBOX, "--allow", "shell"]
    )
    child = pexpect.spawn(
        "bash",
        ["-c", f"echo go | {command}"],
        cwd=str(workspace),
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
    )
    child.expect(r"\+import os  # planted")
    child.expect(MENU)
    # The diff is on screen and approved next; the background process strikes in between.
    flag.touch()
    wait_for_file(swapped)
    child.send("y")
    child.expect(pexpect.EOF)
    child.close()
    assert list(target.iterdir()) == []
    assert not (workspace / "sub.real" / "sitecustomize.py").exists()
    output = outputs(server)["call_e"]
    assert "Nothing was read or written" in output and "no longer what it was" in output


def test_repl_swap_during_the_question_is_refused(server: ResponsesServer, tmp_path: Path) -> None:
    target, target2 = tmp_path / "target", tmp_path / "target2"
    target.mkdir()
    target2.mkdir()
    (target / "app.py").write_text("x = 1\n")  # same bytes as the approved file
    server.enqueue(
        call_reply(
            FunctionCall(
                "edit_file",
                {"path": "pkg/app.py", "old_string": "x = 1", "new_string": "x = 2"},
                "call_e",
            )
        ),
        call_reply(create("lib/deep/new.py", "call_c")),  # lib/ exists, deep/ is made
        text_reply("done"),
    )
    files = {"pkg/app.py": "x = 1\n", "lib/keep.txt": ""}
    term, workspace = start_repl(server.url, tmp_path, *NO_SANDBOX, files=files)
    with term:
        term.wait_prompt()
        term.send_line("bump x")
        term.wait_for("Apply this edit?")
        (workspace / "pkg").rename(workspace / "pkg.real")
        (workspace / "pkg").symlink_to(target, target_is_directory=True)
        term.type("y")
        term.wait_until(lambda: term.count("Apply this edit?") == 2, "the second question")
        assert "+import os  # planted" in term.text()
        (workspace / "lib").rename(workspace / "lib.real")
        (workspace / "lib").symlink_to(target2, target_is_directory=True)
        term.type("y")
        term.wait_for("done")
        term.wait_prompt()
    assert (target / "app.py").read_text() == "x = 1\n"
    assert (workspace / "pkg.real" / "app.py").read_text() == "x = 1\n"
    assert list(target2.iterdir()) == []  # neither deep/ nor new.py
    got = outputs(server)
    assert "no longer what it was" in got["call_e"]
    assert "no longer what it was" in got["call_c"]
