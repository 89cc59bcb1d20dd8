"""The sandbox through the real ``infercode``: headless and in the REPL, each mechanism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infercode.sandbox import FORCE_ENV
from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import (
    FunctionCall,
    ResponsesServer,
    call_reply,
    text_reply,
)
from tests.support.sandboxes import MECHANISMS, connect_command


def _outputs(server: ResponsesServer) -> dict[str, str]:
    found: dict[str, str] = {}
    for request in server.requests:
        body: dict[str, Any] | None = request.body
        for item in (body or {}).get("input", []):
            if item.get("type") == "function_call_output":
                found[item["call_id"]] = item["output"]
    return found


def _shell(command: str, call_id: str) -> FunctionCall:
    return FunctionCall("shell", {"command": command}, call_id)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_headless_blocks_writes_outside_and_the_network_and_tells_the_model(
    mechanism: str, server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    target = tmp_path / "outside.txt"
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    server.enqueue(
        call_reply(_shell(f"echo pwned > {target}", "call_w")),
        call_reply(_shell(connect_command(port), "call_n")),
        call_reply(_shell("echo fine > inside.txt", "call_i")),
        text_reply("Done."),
    )
    result = run_infercode(
        ["--base-url", server.url, "--yes", "-p", "go"],
        cwd=workspace,
        env={FORCE_ENV: mechanism},
    )
    assert result.returncode == 0, result.stderr
    assert not target.exists()
    assert (workspace / "inside.txt").read_text() == "fine\n"
    outputs = _outputs(server)
    assert f"[blocked by the sandbox: write to {target}" in outputs["call_w"]
    assert "[network is off in the sandbox" in outputs["call_n"]
    assert "without the sandbox" not in outputs["call_w"]  # headless never escalates
    # The server on loopback got exactly the model's four requests: the command's never came.
    assert len([r for r in server.requests if r.method == "POST"]) == 4


def test_sandbox_off_lifts_it(server: ResponsesServer, workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "outside.txt"
    server.enqueue(call_reply(_shell(f"echo ok > {target}", "call_w")), text_reply("Done."))
    result = run_infercode(
        ["--base-url", server.url, "--yes", "--sandbox", "off", "-p", "go"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert target.read_text() == "ok\n"


def test_read_only_refuses_a_write_inside(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(call_reply(_shell("echo x > inside.txt", "call_w")), text_reply("Done."))
    result = run_infercode(
        ["--base-url", server.url, "--yes", "--sandbox", "read-only", "-p", "go"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert not (workspace / "inside.txt").exists()
    assert "the sandbox is read-only" in _outputs(server)["call_w"]


def test_no_mechanism_refuses_headless_and_says_so_once(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(
        call_reply(_shell("echo x > a.txt", "call_1")),
        call_reply(_shell("echo x > b.txt", "call_2")),
        text_reply("Done."),
    )
    result = run_infercode(
        ["--base-url", server.url, "--yes", "--output-format", "stream-json", "-p", "go"],
        cwd=workspace,
        env={FORCE_ENV: "none"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("no sandbox works here") == 1
    first = json.loads(result.stdout.splitlines()[0])
    assert first["type"] == "notice" and "no sandbox works here" in first["text"]
    assert not (workspace / "a.txt").exists() and not (workspace / "b.txt").exists()
    outputs = _outputs(server)
    assert outputs["call_1"].startswith("Not run: no sandbox works on this system")
    assert "--sandbox off" in outputs["call_2"]


def test_no_mechanism_with_sandbox_off_runs(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(call_reply(_shell("echo x > a.txt", "call_1")), text_reply("Done."))
    result = run_infercode(
        ["--base-url", server.url, "--yes", "--sandbox", "off", "-p", "go"],
        cwd=workspace,
        env={FORCE_ENV: "none"},
    )
    assert result.returncode == 0, result.stderr
    assert "no sandbox works" not in result.stderr
    assert (workspace / "a.txt").read_text() == "x\n"


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_the_repl_asks_to_rerun_a_blocked_command_and_reruns_only_on_yes(
    mechanism: str, server: ResponsesServer, tmp_path: Path
) -> None:
    target = tmp_path / "outside.txt"
    server.enqueue(
        call_reply(_shell(f"echo first > {target}", "call_1")),
        call_reply(_shell(f"echo second > {target}", "call_2")),
        text_reply("Done."),
    )
    # --yes approves the commands themselves; it never answers the escalation question.
    term, _workspace = start_repl(server.url, tmp_path, "--yes", env={FORCE_ENV: mechanism})
    with term:
        term.wait_prompt()
        term.send_line("write outside")
        term.wait_for("Run it without the sandbox?")
        assert "blocked by the sandbox: write to" in term.text()
        assert not target.exists()
        term.type("n")
        term.wait_until(
            lambda: term.count("Run it without the sandbox?") >= 2, "the second question"
        )
        assert not target.exists()
        term.type("y")
        term.wait_for("Done.")
        term.wait_prompt()
    assert target.read_text() == "second\n"
    outputs = _outputs(server)
    assert "declined to run it without the sandbox" in outputs["call_1"]
    assert "approved running it without the sandbox" in outputs["call_2"]


def test_the_repl_warns_without_a_mechanism_and_asks_before_the_first_command(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(_shell("echo one > one.txt", "call_1")),
        call_reply(_shell("echo two > two.txt", "call_2")),
        text_reply("Done."),
    )
    term, workspace = start_repl(server.url, tmp_path, "--yes", env={FORCE_ENV: "none"})
    with term:
        term.wait_prompt()
        assert "no sandbox works here" in term.text()
        term.send_line("run things")
        term.wait_for("UNCONFINED?")
        assert not (workspace / "one.txt").exists()
        term.type("y")
        term.wait_for("Done.")
        term.wait_prompt()
        assert term.history_text().count("UNCONFINED?") == 1  # asked once per session
    assert (workspace / "one.txt").read_text() == "one\n"
    assert (workspace / "two.txt").read_text() == "two\n"


def test_slash_sandbox_shows_and_changes_the_mode(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        call_reply(_shell("echo x > inside.txt", "call_1")),
        text_reply("Done."),
    )
    term, workspace = start_repl(server.url, tmp_path, "--yes")
    with term:
        term.wait_prompt()
        term.send_line("/sandbox")
        term.wait_for("sandbox: workspace-write")
        term.wait_for("read-only inside:")
        assert f"{workspace.resolve() / '.git'}" in term.text().replace("\n", "")
        term.send_line("/sandbox read-only")
        term.wait_for("sandbox: read-only")
        term.send_line("write it")
        term.wait_for("Run it without the sandbox?")
        term.type("n")
        term.wait_for("Done.")
        term.wait_prompt()
    assert not (workspace / "inside.txt").exists()
    assert "the sandbox is read-only" in _outputs(server)["call_1"]
