"""The fake Responses server, driven over loopback by the real `openai` client."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import openai
import pytest
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
    ResponseStreamEvent,
)

from tests.support.responses_server import (
    NO_REPLY_MESSAGE,
    FunctionCall,
    HttpError,
    Message,
    Reasoning,
    Reply,
    ResponsesServer,
    StreamTiming,
    Usage,
    bench_markdown,
    call_reply,
    load_script,
    reply_from_dict,
    text_reply,
    validate_request,
)

MODEL = "MiniMax-M2.7"
USER: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
SERVER_SCRIPT = Path(__file__).parent / "support" / "responses_server.py"


@pytest.fixture
def server() -> Iterator[ResponsesServer]:
    with ResponsesServer() as running:
        yield running


@pytest.fixture
def client(server: ResponsesServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url, api_key="test", max_retries=0) as api:
        yield api


def stream(client: openai.OpenAI, items: Any = USER, **extra: Any) -> list[ResponseStreamEvent]:
    with client.responses.create(
        model=MODEL, input=cast(Any, items), stream=True, extra_body=extra or None
    ) as events:
        return list(events)


def raw_stream(server: ResponsesServer, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The SSE data objects exactly as sent (the SDK's models blur absent and null fields)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("POST", "/v1/responses", json.dumps(body))
        raw = conn.getresponse().read().decode()
    finally:
        conn.close()
    return [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: ")]


def dumps(events: list[ResponseStreamEvent]) -> list[dict[str, Any]]:
    return [e.model_dump() for e in events]


def joined(events: list[dict[str, Any]], kind: str) -> str:
    return "".join(e["delta"] for e in events if e["type"] == kind)


def squeezed_types(events: list[dict[str, Any]]) -> list[str]:
    """Event types with runs of the same delta type collapsed, for order checks."""
    kinds: list[str] = []
    for e in events:
        if not (kinds and kinds[-1] == e["type"] and e["type"].endswith(".delta")):
            kinds.append(e["type"])
    return kinds


def test_text_and_reasoning_stream_in_hosted_order(
    server: ResponsesServer, client: openai.OpenAI
) -> None:
    server.enqueue(text_reply("Hello, streaming world!", reasoning="User greets; answer."))
    raw = stream(client)
    events = dumps(raw)
    assert squeezed_types(events) == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.reasoning_text.delta",
        "response.reasoning_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert joined(events, "response.reasoning_text.delta") == "User greets; answer."
    assert joined(events, "response.output_text.delta") == "Hello, streaming world!"
    assert isinstance(raw[-1], ResponseCompletedEvent)
    response = raw[-1].response
    assert response.id.startswith("resp_") and response.status == "completed"
    assert response.output_text == "Hello, streaming world!"
    done_items = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert [item.model_dump() for item in response.output] == done_items
    reasoning, message = done_items
    assert reasoning["id"].startswith("rs_") and reasoning["summary"] == []
    assert reasoning["content"] == [{"type": "reasoning_text", "text": "User greets; answer."}]
    assert reasoning.get("encrypted_content") is None
    assert message["id"].startswith("msg_") and message["role"] == "assistant"
    usage = response.usage
    assert usage is not None and usage.input_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.output_tokens_details.reasoning_tokens == len("User greets; answer.") // 4


def test_summary_reasoning_is_openai_style_with_encrypted_content(
    server: ResponsesServer, client: openai.OpenAI
) -> None:
    server.enqueue(Reply(items=[Reasoning(summary="**Plan** read then edit", encrypted=True)]))
    events = dumps(stream(client))
    assert squeezed_types(events)[2:8] == [
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
    ]
    assert joined(events, "response.reasoning_summary_text.delta") == "**Plan** read then edit"
    item = events[-2]["item"]
    assert item["summary"] == [{"type": "summary_text", "text": "**Plan** read then edit"}]
    assert item["encrypted_content"] and item["content"] is None


def test_function_calls_stream_arguments(server: ResponsesServer, client: openai.OpenAI) -> None:
    server.enqueue(
        call_reply(
            FunctionCall("read_file", {"path": "src/a.py"}, call_id="call_1"),
            FunctionCall("shell", '{"command": "ls"'),  # malformed on purpose
            text="Looking.",
        )
    )
    events = dumps(stream(client))
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    assert added[1]["arguments"] == "" and added[1]["status"] == "in_progress"
    done = [e for e in events if e["type"] == "response.function_call_arguments.done"]
    assert [e["arguments"] for e in done] == ['{"path": "src/a.py"}', '{"command": "ls"']
    for d in done:
        deltas = [e for e in events if e.get("item_id") == d["item_id"] and "delta" in e]
        assert "".join(e["delta"] for e in deltas) == d["arguments"]
    final = events[-1]["response"]["output"]
    assert [o["type"] for o in final] == ["message", "function_call", "function_call"]
    assert final[1]["call_id"] == "call_1" and final[1]["name"] == "read_file"
    assert final[1]["id"].startswith("fc_") and final[2]["call_id"].startswith("call_")


def test_usage_details_can_be_omitted_or_usage_dropped(server: ResponsesServer) -> None:
    server.enqueue(
        Reply(items=[Message("a")], include_usage_details=False),
        Reply(items=[Message("b")], usage=None),
        Reply(items=[Message("c")], usage=Usage(input_tokens=100, output_tokens=7)),
    )
    body = {"model": MODEL, "input": "hi", "stream": True}
    usages = [raw_stream(server, body)[-1]["response"]["usage"] for _ in range(3)]
    assert "input_tokens_details" not in usages[0] and usages[0]["output_tokens"] >= 1
    assert usages[1] is None
    assert usages[2]["total_tokens"] == 107
    assert usages[2]["input_tokens_details"] == {"cached_tokens": 0}


def test_non_stream_request_gets_a_response_object(
    server: ResponsesServer, client: openai.OpenAI
) -> None:
    server.enqueue(text_reply("plain"))
    response = client.responses.create(model=MODEL, input="hi")
    assert response.status == "completed" and response.output_text == "plain"
    assert response.model == MODEL


def test_models_are_listed(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["MiniMax-M2.5", "MiniMax-M2.7", "gpt-oss-120b"]


@pytest.mark.parametrize(
    ("status", "code", "exc"),
    [
        (400, None, openai.BadRequestError),
        (401, "invalid_api_key", openai.AuthenticationError),
        (429, "rate_limit_exceeded", openai.RateLimitError),
        (503, None, openai.InternalServerError),
    ],
)
def test_http_errors_raise_the_sdk_class(
    server: ResponsesServer,
    client: openai.OpenAI,
    status: int,
    code: str | None,
    exc: type[openai.APIStatusError],
) -> None:
    server.enqueue(HttpError(status, "scripted failure"))
    with pytest.raises(exc) as info:
        stream(client)
    assert info.value.status_code == status and info.value.code == code
    assert info.value.message == f"Error code: {status} - scripted failure"


def test_empty_queue_falls_back_to_a_500(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError, match=NO_REPLY_MESSAGE):
        stream(client)


def test_wrong_api_key_is_refused() -> None:
    with (
        ResponsesServer(api_key="right") as server,
        openai.OpenAI(base_url=server.url, api_key="wrong", max_retries=0) as client,
    ):
        with pytest.raises(openai.AuthenticationError):
            client.models.list()
        assert server.requests[0].rejected and server.requests[0].headers["authorization"]


def test_failure_endings_arrive_as_events(server: ResponsesServer, client: openai.OpenAI) -> None:
    server.enqueue(
        Reply(items=[Message("partial")], ending="failed", error_message="overloaded"),
        Reply(items=[Message("long")], ending="incomplete"),
        Reply(items=[Message("x")], ending="error_event", error_message="boom"),
    )
    failed = stream(client)[-1]
    assert isinstance(failed, ResponseFailedEvent) and failed.response.error is not None
    assert failed.response.status == "failed" and failed.response.error.message == "overloaded"
    incomplete = stream(client)[-1]
    assert isinstance(incomplete, ResponseIncompleteEvent)
    details = incomplete.response.incomplete_details
    assert details is not None and details.reason == "max_output_tokens"
    error = stream(client)[-1]
    assert isinstance(error, ResponseErrorEvent) and error.message == "boom"


def test_cut_breaks_the_stream_after_n_deltas(
    server: ResponsesServer, client: openai.OpenAI
) -> None:
    server.enqueue(Reply(items=[Message("abcdefghijklmnop")], ending="cut", cut_after_deltas=2))
    seen: list[str] = []
    with (
        pytest.raises(openai.APIConnectionError),
        client.responses.create(model=MODEL, input="hi", stream=True) as events,
    ):
        seen.extend(e.type for e in events)
    assert seen.count("response.output_text.delta") == 2
    assert "response.completed" not in seen


def test_stall_times_out_the_client_and_stop_interrupts_it() -> None:
    server = ResponsesServer().start()
    server.enqueue(Reply(items=[Message("late")], ending="stall", stall_s=30))
    api = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0, timeout=0.3)
    with api, pytest.raises(openai.APITimeoutError):
        stream(api)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.5


def test_stop_closes_idle_keep_alive_connections() -> None:
    threads_before = threading.active_count()
    server = ResponsesServer().start()
    api = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
    api.models.list()  # leaves a pooled keep-alive connection open on the server
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 0.5
    assert threading.active_count() == threads_before
    api.close()


def test_delta_delay_paces_and_client_close_is_harmless(
    server: ResponsesServer, client: openai.OpenAI
) -> None:
    server.enqueue(Reply(items=[Message("a" * 400)], delta_delay_s=0.02), text_reply("next"))
    started = time.monotonic()
    with client.responses.create(model=MODEL, input="hi", stream=True) as events:
        for event in events:
            if event.type == "response.output_text.delta":
                break  # like Ctrl-C: stop reading and close the connection
    assert time.monotonic() - started < 1.0
    assert dumps(stream(client))[-1]["response"]["output"][0]["content"][0]["text"] == "next"


CALL = {"type": "function_call", "call_id": "call_A", "name": "ls", "arguments": "{}"}
OUTPUT = {"type": "function_call_output", "call_id": "call_A", "output": "ok"}
REASONING = {"type": "reasoning", "id": "rs_X", "summary": []}
NOT_PERSISTED = (
    "Item with id 'rs_X' not found. Items are not persisted when `store` is set to false. "
    "Try again with `store` set to true, or remove this item from your input."
)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([*USER, CALL], "No tool output found for function call call_A."),
        (
            [*USER, OUTPUT, CALL],
            "No tool call found for function call output with call_id call_A.",
        ),
        ([*USER, REASONING], NOT_PERSISTED),
    ],
)
def test_broken_history_is_rejected_like_the_hosted_api(
    server: ResponsesServer, client: openai.OpenAI, history: list[Any], message: str
) -> None:
    server.enqueue(text_reply("unused"))
    with pytest.raises(openai.BadRequestError) as info:
        stream(client, history)
    body = cast(dict[str, Any], info.value.body)
    assert body == {
        "message": message,
        "type": "invalid_request_error",
        "param": "input",
        "code": None,
    }
    assert server.requests[-1].rejected == message
    assert server.remaining == 1  # a rejection does not consume the scripted reply


def test_valid_histories_pass() -> None:
    encrypted = {**REASONING, "encrypted_content": "gAAA"}
    assistant = {"role": "assistant", "content": [{"type": "output_text", "text": "x"}]}
    history = [*USER, encrypted, assistant, CALL, OUTPUT]
    assert validate_request({"model": MODEL, "input": history}) is None
    assert validate_request({"model": MODEL, "input": [REASONING], "store": True}) is None
    assert validate_request({"model": MODEL, "input": "just text"}) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": "hi"}, "Missing required parameter: 'model'."),
        ({"model": MODEL, "input": {"role": "user"}}, "expected one of a string or array"),
        ({"model": MODEL, "input": "x", "tools": [{"type": "web_search"}]}, "'web_search'"),
        ({"model": MODEL, "input": [{"type": "message", "content": "x"}]}, "'input[0].role'"),
        ({"model": MODEL, "input": [{**CALL, "arguments": {}}, OUTPUT]}, "expected a string"),
        (
            {"model": MODEL, "input": [{"role": "assistant", "content": [{"type": "input_text"}]}]},
            "Invalid value: 'input_text'",
        ),
    ],
)
def test_malformed_requests_are_rejected(body: dict[str, Any], message: str) -> None:
    rejection = validate_request(body)
    assert rejection is not None and message in rejection


def test_requests_are_recorded_and_awaitable(
    server: ResponsesServer, client: openai.OpenAI
) -> None:
    server.enqueue(text_reply("one"))
    stream(client, USER, store=False)
    recorded = server.wait_for_requests(1, timeout=1)[0]
    assert (recorded.method, recorded.path, recorded.rejected) == ("POST", "/v1/responses", None)
    assert recorded.body is not None and recorded.body["store"] is False
    assert recorded.headers["authorization"] == "Bearer test"
    with pytest.raises(TimeoutError):
        server.wait_for_requests(2, timeout=0.05)


def test_concurrent_requests_each_take_one_reply(server: ResponsesServer) -> None:
    texts = {f"reply {i}" for i in range(8)}
    server.enqueue(*(text_reply(t) for t in sorted(texts)))
    got: list[str] = []

    def ask() -> None:
        with openai.OpenAI(base_url=server.url, api_key="t", max_retries=0) as api:
            got.append(api.responses.create(model=MODEL, input="hi").output_text)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(got) == texts and len(server.requests) == 8


def test_dict_replies_and_script_files(server: ResponsesServer, tmp_path: Path) -> None:
    script: list[dict[str, Any]] = [
        {"items": [{"type": "reasoning", "text": "t"}, {"type": "message", "text": "m"}]},
        {"items": [{"type": "function_call", "name": "f", "arguments": {"a": 1}}]},
        {"http_error": 500, "message": "down"},
    ]
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script))
    replies = load_script(path)
    assert replies[0] == Reply(items=[Reasoning("t"), Message("m")])
    assert replies[2] == HttpError(500, "down")
    with pytest.raises(ValueError, match="unknown keys"):
        reply_from_dict({"itmes": []})
    server.enqueue(*script)
    assert server.remaining == 3


def test_bench_markdown_is_deterministic_and_streams_fast(server: ResponsesServer) -> None:
    text = bench_markdown(50)
    assert text == bench_markdown(50) and len(text) == 50 * 1024
    assert all(marker in text for marker in ("## Part", "\n- step", "```python", "**"))
    server.enqueue(Reply(items=[Message(text)], chunk_size=4))
    events = raw_stream(server, {"model": MODEL, "input": "x", "stream": True})
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) == 12_800 and "".join(deltas) == text


@pytest.mark.parametrize("delay", [0.0, 0.001])
def test_stream_timings_are_reported_in_order(delay: float) -> None:
    timings: list[StreamTiming] = []
    with ResponsesServer(on_stream=timings.append) as server:
        server.enqueue(Reply(items=[Message("abcdefgh" * 4)], delta_delay_s=delay))
        body = {"model": MODEL, "input": "x", "stream": True}
        events = raw_stream(server, body)
    assert events[-1]["type"] == "response.completed"
    [timing] = timings
    assert 0 < timing.received <= timing.first_delta <= timing.ended
    assert timing.body_bytes == len(json.dumps(body))


def test_demo_cli_answers_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT), "--demo"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("listening on ")
        with openai.OpenAI(base_url=url, api_key="test", max_retries=0) as api:
            prompt = [{"role": "user", "content": "Create notes.txt saying hello there"}]
            call = api.responses.create(model=MODEL, input=cast(Any, prompt)).output[0]
            assert call.type == "function_call" and call.name == "edit_file"
            arguments = {"path": "notes.txt", "old_string": "", "new_string": "hello there\n"}
            assert json.loads(call.arguments) == arguments
            history = [*prompt, call.model_dump(exclude_none=True)]
            history.append(
                {"type": "function_call_output", "call_id": call.call_id, "output": "ok\nmore"}
            )
            answer = api.responses.create(model=MODEL, input=cast(Any, history))
            assert answer.output_text == "Done: ok"
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
        if proc.stdout is not None:
            proc.stdout.close()
