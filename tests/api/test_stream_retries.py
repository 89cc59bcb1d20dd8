"""Dropped streams, stalls and overloads are retried: the real ``infercode`` against a server that
cuts, stalls, sends only keep-alives, reports overload or answers 5xx/429. The answer appears
once, the user sees each retry, the same request is resent, and ``--continue`` is accepted."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import INFERCODE, run_infercode
from tests.support.responses_server import (
    HttpError,
    Message,
    Reply,
    ResponsesServer,
    text_reply,
)

FAST = {"INFERCODE_RETRY_BASE_DELAY_S": "0.05"}
PARTIAL = "partial words that must not show twice " * 10


def base(server: ResponsesServer) -> list[str]:
    return ["--base-url", server.url]


def assert_all_valid(server: ResponsesServer) -> None:
    rejected = [r.rejected for r in server.requests if r.rejected]
    assert rejected == [], rejected


def bodies(server: ResponsesServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.method == "POST" and r.body is not None]


def continue_is_accepted(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(text_reply("resumed fine"))
    result = run_infercode([*base(server), "--continue", "-p", "and now?"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert_all_valid(server)
    last = bodies(server)[-1]["input"]
    assert [i["content"][0]["text"] for i in last if i.get("role") == "user"][-1] == "and now?"


def cut() -> Reply:
    return Reply([Message(PARTIAL)], ending="cut", cut_after_deltas=5)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (cut(), "connection dropped"),
        (Reply([Message(PARTIAL)], ending="error_event", error_message="Overloaded"), "overloaded"),
        (
            Reply([Message(PARTIAL)], ending="error_event", error_code="server_error"),
            "server error",
        ),
        (Reply([Message(PARTIAL)], ending="failed", error_code="server_error"), "server failed"),
        (HttpError(503, "busy"), "HTTP 503"),
        (HttpError(500, "oops"), "HTTP 500"),
        (HttpError(429, "slow down", headers={"retry-after": "0"}), "rate limited"),
    ],
    ids=["cut", "overloaded", "error-event", "failed", "503", "500", "429"],
)
def test_a_retryable_fault_is_retried_and_the_answer_appears_once(
    server: ResponsesServer, workspace: Path, fault: Reply | HttpError, reason: str
) -> None:
    server.enqueue(fault, fault, text_reply("the answer"))
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "the answer\n"
    retries = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert len(retries) == 2 and reason in retries[0] and "retrying 1/4 in" in retries[0]
    assert "retrying 2/4 in" in retries[1]
    sent = bodies(server)
    assert len(sent) == 3 and sent[0] == sent[1] == sent[2]  # the same request, resent
    continue_is_accepted(server, workspace)
    # Nothing of the broken attempts reached the history.
    assert PARTIAL.split()[0] not in json.dumps(bodies(server)[-1]["input"])


def test_retry_after_is_honoured(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(HttpError(503, "busy", headers={"retry-after": "1"}), text_reply("ok"))
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=FAST)
    assert result.returncode == 0, result.stderr
    assert "HTTP 503 from the server, retrying 1/4 in 1 s" in result.stderr
    continue_is_accepted(server, workspace)


@pytest.mark.parametrize(
    "fault",
    [
        Reply([Message("x")], ending="failed", error_code="invalid_prompt"),
        Reply(
            [Message("x")], ending="error_event", error_code="invalid_request", error_message="no"
        ),
        HttpError(400, "bad request"),
        Reply([Message("x")], ending="incomplete"),
    ],
    ids=["failed", "error-event", "400", "incomplete"],
)
def test_a_final_fault_is_not_retried(
    server: ResponsesServer, workspace: Path, fault: Reply | HttpError
) -> None:
    server.enqueue(fault)
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=FAST)
    assert result.returncode == 1
    assert "retrying" not in result.stderr and len(bodies(server)) == 1
    continue_is_accepted(server, workspace)


def test_retries_run_out_with_one_error(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(*[cut() for _ in range(3)])
    env = {**FAST, "INFERCODE_STREAM_MAX_RETRIES": "2"}
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("retrying") == 2 and "retrying 2/2" in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("infercode: error")]
    assert len(errors) == 1 and ("broke mid-reply" in errors[0] or "ended before" in errors[0])
    assert len(bodies(server)) == 3
    continue_is_accepted(server, workspace)
    # The failed turn left its user message once, nothing else; the new one follows it.
    users = [i for i in bodies(server)[-1]["input"] if i.get("role") == "user"]
    assert [u["content"][0]["text"] for u in users] == ["hi", "and now?"]


def test_stream_json_reports_retries(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(cut(), text_reply("the answer"))
    args = [*base(server), "--output-format", "stream-json", "-p", "hi"]
    result = run_infercode(args, cwd=workspace, env=FAST)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [r["type"] for r in records]
    retry = records[kinds.index("retry")]
    assert retry["attempt"] == 1 and retry["max_attempts"] == 4
    assert retry["reason"] == "connection dropped" and retry["delay_ms"] >= 0
    assert "text_delta" in kinds[: kinds.index("retry")]  # the broken attempt's deltas came first
    assert [r["text"] for r in records if r["type"] == "message"] == ["the answer"]
    assert records[-1]["result"] == "the answer"
    continue_is_accepted(server, workspace)


# -- stalls ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("keepalive_s", [0.0, 0.1], ids=["silent", "keep-alives-only"])
def test_a_stall_is_detected_and_retried(
    server: ResponsesServer, workspace: Path, keepalive_s: float
) -> None:
    stall = Reply([Message("late")], ending="stall", stall_s=30, keepalive_s=keepalive_s)
    server.enqueue(stall, text_reply("the answer"))
    env = {**FAST, "INFERCODE_STREAM_IDLE_TIMEOUT_S": "1"}
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=env, timeout=25)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "the answer\n"
    assert "stream stalled (1 s without data), retrying 1/4" in result.stderr
    continue_is_accepted(server, workspace)


def test_the_request_deadline_ends_a_stream_of_keep_alives(
    server: ResponsesServer, workspace: Path
) -> None:
    stall = Reply([Message("late")], ending="stall", stall_s=30, keepalive_s=0.1)
    server.enqueue(stall)
    env = {**FAST, "INFERCODE_STREAM_IDLE_TIMEOUT_S": "60", "INFERCODE_REQUEST_DEADLINE_S": "1.5"}
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=env, timeout=25)
    assert result.returncode == 1
    assert "request_deadline_s" in result.stderr and "retrying" not in result.stderr
    continue_is_accepted(server, workspace)


def test_bad_timeout_settings_are_usage_errors(workspace: Path) -> None:
    env = {"INFERCODE_STREAM_IDLE_TIMEOUT_S": "soon"}
    result = run_infercode(
        ["--base-url", "http://127.0.0.1:9/v1", "-p", "x"], cwd=workspace, env=env
    )
    assert result.returncode == 2 and "INFERCODE_STREAM_IDLE_TIMEOUT_S" in result.stderr


# -- Ctrl-C ---------------------------------------------------------------------------------------


def test_a_reply_stopped_with_ctrl_c_is_kept_with_a_note(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(Reply([Message("word " * 400)], delta_delay_s=0.01))
    child = subprocess.Popen(
        [*INFERCODE, *base(server), "-p", "go"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    server.wait_for_requests(1, timeout=30)
    time.sleep(1.0)  # well into the slow stream
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 130, stderr
    continue_is_accepted(server, workspace)
    replies = [i for i in bodies(server)[-1]["input"] if i.get("role") == "assistant"]
    assert len(replies) == 1
    text = replies[0]["content"][0]["text"]
    assert text.startswith("word word") and text.endswith(
        "interrupted this reply before it was finished.]"
    )
