"""Malformed model output never costs a session: the real ``infercode`` against a server that
sends lone surrogates, broken function calls, repeated items and non-streamed replies; every run
ends with a ``--continue`` that the strict server accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_infercode
from tests.support.responses_server import (
    FunctionCall,
    Message,
    RawItem,
    Reasoning,
    Reply,
    ResponsesServer,
    call_reply,
    text_reply,
)

LONE = "\ud800"
FFFD = "\ufffd"


def base(server: ResponsesServer) -> list[str]:
    return ["--base-url", server.url]


def assert_all_valid(server: ResponsesServer) -> None:
    rejected = [r.rejected for r in server.requests if r.rejected]
    assert rejected == [], rejected


def inputs(server: ResponsesServer, index: int) -> list[dict[str, Any]]:
    body = server.requests[index].body
    assert body is not None
    return list(body["input"])


def continue_is_accepted(server: ResponsesServer, workspace: Path) -> None:
    """The recorded session resumes and its next request passes the strict server."""
    server.enqueue(text_reply("resumed fine"))
    result = run_infercode([*base(server), "--continue", "-p", "and now?"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "resumed fine\n"
    assert_all_valid(server)


# -- lone surrogates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        text_reply(f"answer {LONE} here"),
        text_reply(f"answer {FFFD} here", reasoning=f"thinking \udfff{LONE}"),
        Reply([Reasoning(summary=f"summary {LONE}"), Message(f"answer {FFFD} here")]),
    ],
    ids=["message", "reasoning", "summary"],
)
def test_lone_surrogates_are_replaced_once_at_the_boundary(
    server: ResponsesServer, workspace: Path, reply: Reply
) -> None:
    server.enqueue(reply)
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"answer {FFFD} here\n"
    assert "Traceback" not in result.stderr
    continue_is_accepted(server, workspace)
    sent = json.dumps(inputs(server, 1), ensure_ascii=False)
    assert FFFD in sent and LONE not in sent


def test_lone_surrogate_in_an_edit_is_written_as_replacement(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "a.txt").write_text("old\n")
    server.enqueue(
        call_reply(
            FunctionCall(
                "edit_file", {"path": "a.txt", "old_string": "old", "new_string": f"new {LONE}"}
            )
        ),
        text_reply("edited"),
    )
    result = run_infercode([*base(server), "--yes", "-p", "edit"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "a.txt").read_text(encoding="utf-8") == f"new {FFFD}\n"
    assert_all_valid(server)
    continue_is_accepted(server, workspace)


def test_lone_surrogate_in_the_repl_does_not_end_it(
    server: ResponsesServer, tmp_path: Path
) -> None:
    from tests.support.pty import start_repl

    server.enqueue(
        text_reply(f"odd {LONE} text", reasoning=f"hmm {LONE}"), text_reply("still here")
    )
    term, workspace = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("hi")
        term.wait_for(f"odd {FFFD} text")
        term.wait_prompt()
        term.send_line("again")
        term.wait_for("still here")
        term.wait_prompt()
    assert_all_valid(server)
    server.enqueue(text_reply("resumed fine"))
    env = {"INFERCODE_STATE_DIR": str(tmp_path / "state")}
    args = [*base(server), "--continue", "-p", "and now?"]
    result = run_infercode(args, cwd=workspace, env=env)
    assert result.returncode == 0 and "resumed session" in result.stderr, result.stderr
    assert_all_valid(server)


# -- malformed function calls ---------------------------------------------------------------------

SHELL_ARGS = json.dumps({"command": "echo ran >> log.txt"})


@pytest.mark.parametrize(
    "items",
    [
        # Neither id nor call_id, and output_item.done sent twice.
        [RawItem({"type": "function_call", "name": "shell", "arguments": SHELL_ARGS}, 2)],
        # An empty call_id.
        [
            RawItem(
                {"type": "function_call", "call_id": "", "name": "shell", "arguments": SHELL_ARGS}
            )
        ],
        # Arguments as an object instead of JSON text.
        [
            RawItem(
                {
                    "type": "function_call",
                    "id": "fc_obj",
                    "call_id": "call_obj",
                    "name": "shell",
                    "arguments": {"command": "echo ran >> log.txt"},
                }
            )
        ],
        # The same call twice (repeated done events, and listed twice in the output).
        [
            RawItem(
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "shell",
                    "arguments": SHELL_ARGS,
                },
                3,
            ),
            RawItem(
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "shell",
                    "arguments": SHELL_ARGS,
                }
            ),
        ],
    ],
    ids=["no-ids-repeated", "empty-call-id", "object-arguments", "exact-duplicates"],
)
def test_a_malformed_call_runs_once_and_history_stays_valid(
    server: ResponsesServer, workspace: Path, items: list[RawItem]
) -> None:
    server.enqueue(Reply(list(items)), text_reply("done"))
    result = run_infercode([*base(server), "--yes", "-p", "run it"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "log.txt").read_text() == "ran\n"  # once, not twice
    assert_all_valid(server)
    sent = inputs(server, 1)
    calls = [i for i in sent if i["type"] == "function_call"]
    assert len(calls) == 1 and isinstance(calls[0]["arguments"], str) and calls[0]["call_id"]
    assert json.loads(calls[0]["arguments"]) == {"command": "echo ran >> log.txt"}
    continue_is_accepted(server, workspace)


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "function_call", "call_id": "call_x", "name": "", "arguments": "{}"},
        {"type": "function_call"},
    ],
    ids=["empty-name", "no-fields"],
)
def test_a_nameless_call_is_answered_with_an_error(
    server: ResponsesServer, workspace: Path, raw: dict[str, Any]
) -> None:
    server.enqueue(Reply([RawItem(raw)]), text_reply("sorry"))
    result = run_infercode([*base(server), "--yes", "-p", "go"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "sorry\n"
    assert_all_valid(server)
    sent = inputs(server, 1)
    call = next(i for i in sent if i["type"] == "function_call")
    output = next(i for i in sent if i["type"] == "function_call_output")
    assert call["name"] and call["call_id"] == output["call_id"]
    assert "no function name" in output["output"]
    continue_is_accepted(server, workspace)


def test_duplicate_call_ids_are_made_unique(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    (workspace / "b.txt").write_text("beta\n")
    server.enqueue(
        call_reply(
            FunctionCall("read_file", {"path": "a.txt"}, "call_same"),
            FunctionCall("read_file", {"path": "b.txt"}, "call_same"),
        ),
        # The next response reuses the id once more.
        call_reply(FunctionCall("read_file", {"path": "a.txt"}, "call_same")),
        text_reply("read both"),
    )
    result = run_infercode([*base(server), "--yes", "-p", "read"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert_all_valid(server)
    sent = inputs(server, 2)
    ids = [i["call_id"] for i in sent if i["type"] == "function_call"]
    assert len(ids) == 3 == len(set(ids))
    outputs = {i["call_id"]: i["output"] for i in sent if i["type"] == "function_call_output"}
    assert "alpha" in outputs[ids[0]] and "beta" in outputs[ids[1]] and "alpha" in outputs[ids[2]]
    continue_is_accepted(server, workspace)


def test_a_recorded_session_with_malformed_items_is_repaired_on_resume(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    server.enqueue(text_reply("first"))
    assert run_infercode([*base(server), "-p", "start"], cwd=workspace).returncode == 0
    (path,) = (isolated_home / "state" / "sessions").glob("*.jsonl")
    # What an older version stored as received.
    broken = [
        {"type": "function_call", "name": "shell", "arguments": {"command": "true"}},
        {"type": "function_call", "call_id": "dup", "name": "", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "dup", "output": "one"},
        {"type": "function_call", "call_id": "dup", "name": "read_file", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "dup", "output": "two"},
        {"type": "function_call_output", "call_id": "nobody", "output": "orphan"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "x"}]},
    ]
    with path.open("a", encoding="utf-8") as stream:
        for item in broken:
            stream.write(json.dumps(item) + "\n")
    server.enqueue(text_reply("resumed fine"))
    result = run_infercode([*base(server), "--continue", "-p", "and now?"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "repaired" in result.stderr
    assert_all_valid(server)
    sent = inputs(server, 1)
    assert "orphan" not in json.dumps(sent)
    # Resumed twice: the repaired ids are the same, the outputs appended last time still pair.
    continue_is_accepted(server, workspace)


# -- a server that ignores stream: true -----------------------------------------------------------


def test_a_non_streamed_json_reply_is_read_as_a_complete_response(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    server.enqueue(
        Reply([FunctionCall("read_file", {"path": "a.txt"})], ignore_stream=True),
        Reply([Reasoning("thought"), Message("whole answer")], ignore_stream=True),
    )
    result = run_infercode([*base(server), "--yes", "-p", "read"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "whole answer\n"
    assert "alpha" in json.dumps(inputs(server, 1))
    continue_is_accepted(server, workspace)


def test_a_non_streamed_failed_reply_is_an_error(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(
        Reply([Message("x")], ending="failed", error_code="invalid_prompt", ignore_stream=True)
    )
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace)
    assert result.returncode == 1
    assert "the model failed" in result.stderr and "Traceback" not in result.stderr
    continue_is_accepted(server, workspace)
