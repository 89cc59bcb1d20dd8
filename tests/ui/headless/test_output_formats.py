"""Headless output for scripts: json, stream-json, --output-schema, -o (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_infercode
from tests.support.responses_server import (
    FunctionCall,
    HttpError,
    ResponsesServer,
    call_reply,
    text_reply,
)

SCHEMA = {
    "title": "Verdict",
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["ok", "reason"],
    "additionalProperties": False,
}


def tool_session(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    server.enqueue(
        call_reply(FunctionCall("read_file", {"path": "a.txt"}, call_id="call_r")),
        call_reply(FunctionCall("shell", {"command": "echo hi"}, call_id="call_s")),
        text_reply("It says alpha.", reasoning="checked"),
    )


def test_json_is_one_object_with_the_run(server: ResponsesServer, workspace: Path) -> None:
    tool_session(server, workspace)
    result = run_infercode(
        ["--base-url", server.url, "--allow", "read", "--output-format", "json", "-p", "what?"],
        cwd=workspace,
    )
    assert result.returncode == 3, result.stderr
    data = json.loads(result.stdout)
    assert data["result"] == "It says alpha."
    assert data["is_error"] is False and data["exit_code"] == 3
    assert data["turns"] == 3
    assert data["usage"]["input_tokens"] > 0 and data["usage"]["output_tokens"] > 0
    assert set(data["usage"]) >= {"input_tokens", "output_tokens", "reasoning_tokens"}
    assert data["tool_calls"] == [
        {"name": "read_file", "call_id": "call_r", "decision": "approved_by_rule", "ok": True},
        {"name": "shell", "call_id": "call_s", "decision": "denied_no_approver", "ok": False},
    ]
    assert isinstance(data["duration_ms"], int) and "session_id" in data


def test_stream_json_lines_each_parse_and_end_with_result(
    server: ResponsesServer, workspace: Path
) -> None:
    tool_session(server, workspace)
    result = run_infercode(
        ["--base-url", server.url, "--yes", "--output-format", "stream-json", "-p", "what?"],
        cwd=workspace,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    types = [line["type"] for line in lines]
    assert types[0] == "turn_started" and types[-1] == "result"
    for expected in (
        "tool_requested",
        "tool_decided",
        "tool_output",
        "usage",
        "text_delta",
        "message",
        "reasoning",
        "tool_output_delta",
    ):
        assert expected in types, expected
    requested = next(line for line in lines if line["type"] == "tool_requested")
    assert requested["arguments"] == {"path": "a.txt"} and requested["kind"] == "read"
    shell_out = [x for x in lines if x["type"] == "tool_output" and x["name"] == "shell"]
    assert "hi" in shell_out[0]["output"]
    assert "".join(x["text"] for x in lines if x["type"] == "text_delta") == "It says alpha."
    assert lines[-1]["result"] == "It says alpha." and lines[-1]["is_error"] is False


def test_output_schema_reaches_the_request_and_is_checked(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    schema_file = tmp_path / "verdict.json"
    schema_file.write_text(json.dumps(SCHEMA))
    server.enqueue(text_reply('{"ok": true, "reason": "tests pass"}'))
    last = tmp_path / "out" / "last.txt"
    result = run_infercode(
        ["--base-url", server.url, "--output-schema", str(schema_file), "-o", str(last), "-p", "?"],
        cwd=workspace,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": True, "reason": "tests pass"}
    body = server.requests[0].body
    assert body is not None
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "Verdict", "schema": SCHEMA, "strict": True}
    }
    assert last.read_text() == '{"ok": true, "reason": "tests pass"}\n'


def test_answer_violating_the_schema_exits_1(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    schema_file = tmp_path / "verdict.json"
    schema_file.write_text(json.dumps(SCHEMA))
    for reply, why in (('{"ok": "yes"}', "does not match"), ("Sure! It passes.", "not JSON")):
        server.enqueue(text_reply(reply))
        result = run_infercode(
            [
                "--base-url",
                server.url,
                "--output-schema",
                str(schema_file),
                "--output-format",
                "json",
                "-p",
                "?",
            ],
            cwd=workspace,
        )
        assert result.returncode == 1
        data = json.loads(result.stdout)
        assert data["is_error"] is True and why in data["error"]
        assert why in result.stderr


def test_broken_schema_file_exits_2_before_any_request(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    cases = {"not-json.json": "{oops", "bad-schema.json": json.dumps({"type": "nonsense"})}
    for name, text in cases.items():
        schema_file = tmp_path / name
        schema_file.write_text(text)
        result = run_infercode(
            ["--base-url", server.url, "--output-schema", str(schema_file), "-p", "?"],
            cwd=workspace,
        )
        assert result.returncode == 2, name
        assert "--output-schema" in result.stderr and "Traceback" not in result.stderr
    assert server.requests == []


def test_api_error_in_json_mode_is_still_json(server: ResponsesServer, workspace: Path) -> None:
    for fmt in ("json", "stream-json"):
        server.enqueue(HttpError(401, "Incorrect API key provided"))
        result = run_infercode(
            ["--base-url", server.url, "--output-format", fmt, "-p", "hi"], cwd=workspace
        )
        assert result.returncode == 1
        last = json.loads(result.stdout.splitlines()[-1])
        assert last["is_error"] is True and "401" in last["error"] and last["exit_code"] == 1
        for line in result.stdout.splitlines():
            json.loads(line)


def test_usage_error_in_json_mode_is_json(workspace: Path) -> None:
    result = run_infercode(["--output-format", "json", "-p", "hi"], cwd=workspace)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["is_error"] is True and "INFERCOM_API_KEY" in data["error"]


def test_unknown_output_format_is_a_usage_error(workspace: Path) -> None:
    result = run_infercode(["--output-format", "yaml", "-p", "hi"], cwd=workspace)
    assert result.returncode == 2 and "text, json, stream-json" in result.stderr
