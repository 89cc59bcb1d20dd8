"""--approval-mode, headless against the local server, with nobody to ask (no terminal): what
each mode runs, refuses and still asks about (and so denies here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def outputs(server: ResponsesServer) -> dict[str, str]:
    body = server.posts()[-1]
    return {
        str(i["call_id"]): str(i["output"])
        for i in body["input"]
        if i.get("type") == "function_call_output"
    }


@pytest.mark.parametrize(
    ("args", "ran", "code"),
    [
        (["--approval-mode", "ask"], set(), 3),
        (["--approval-mode", "auto-edit"], {"read", "edit"}, 3),
        (["--approval-mode", "plan", "--allow", "read"], {"read"}, 3),
        (["--approval-mode", "full"], {"read", "edit", "shell"}, 3),
    ],
    ids=["ask", "auto-edit", "plan", "full"],
)
def test_each_mode_headless(
    server: ResponsesServer, tmp_path: Path, args: list[str], ran: set[str], code: int
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "a.txt").write_text("one\n")
    (tmp_path / "outside.txt").write_text("secret\n")
    server.enqueue(
        call_reply(
            FunctionCall("read_file", {"path": "a.txt"}, "read"),
            FunctionCall(
                "edit_file", {"path": "a.txt", "old_string": "one", "new_string": "two"}, "edit"
            ),
            FunctionCall("shell", {"command": "echo ran > made.txt"}, "shell"),
            FunctionCall("read_file", {"path": "../outside.txt"}, "outside"),
        ),
        text_reply("Done."),
    )
    result = run_infercode(["--base-url", server.url, *args, "-p", "go"], cwd=workspace)
    assert result.returncode == code, result.stderr  # the outside read is always denied here
    got = outputs(server)
    assert ("1\tone" in got["read"]) == ("read" in ran)
    assert (workspace / "a.txt").read_text() == ("two\n" if "edit" in ran else "one\n")
    assert (workspace / "made.txt").exists() == ("shell" in ran)
    assert "secret" not in got["outside"] and "outside the workspace" in got["outside"]
    instructions = str(server.posts()[0].get("instructions", ""))
    assert ("PLAN MODE" in instructions) == ("plan" in args)
    if "plan" in args:
        assert "plan mode" in got["edit"] and "plan mode" in got["shell"]
        assert result.stderr.count("refused: plan mode is read-only") == 2


def test_config_key_and_bad_value(server: ResponsesServer, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    bad = run_infercode(
        ["--base-url", server.url, "--approval-mode", "yolo", "-p", "x"], cwd=workspace
    )
    assert bad.returncode == 2 and "ask, auto-edit, plan, full" in bad.stderr
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('approval_mode = "auto-edit"\n')
    server.enqueue(
        call_reply(
            FunctionCall(
                "edit_file", {"path": "a.txt", "old_string": "one", "new_string": "two"}, "e"
            )
        ),
        text_reply("Done."),
    )
    (workspace / "a.txt").write_text("one\n")
    result = run_infercode(
        ["--base-url", server.url, "-p", "go"],
        cwd=workspace,
        env={"INFERCODE_CONFIG_DIR": str(config)},
    )
    assert result.returncode == 0, result.stderr
    assert (workspace / "a.txt").read_text() == "two\n"
