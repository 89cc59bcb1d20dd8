"""Units behind stream resilience: the SSE decoder's text rule and linearity, item
normalisation, session repair, and the retry policy."""

from __future__ import annotations

import json

import pytest

from infercode.api.client import _only_comments
from infercode.api.sse import iter_sse_json
from infercode.engine.events import Retrying
from infercode.engine.output_items import NAMELESS, ItemNormaliser, repair_items
from infercode.engine.retry import MAX_DELAY_S, RetryPolicy, retry_after
from infercode.engine.valid_text import loads_text


def sse(*events: object) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def test_lone_surrogates_become_replacement_characters_and_pairs_survive() -> None:
    body = sse({"type": "d", "delta": "a\ud800b\udfffc", "list": ["\udc00"]}, {"e": "😀"})
    events = list(iter_sse_json([body]))
    assert events[0] == {"type": "d", "delta": "a\ufffdb\ufffdc", "list": ["\ufffd"]}
    assert events[1] == {"e": "😀"}  # an escaped pair is one valid character
    for event in events:
        json.dumps(event, ensure_ascii=False).encode("utf-8")  # encodable: no surrogate left


def test_arguments_get_the_same_rule() -> None:
    arguments = json.dumps({"new_string": "x\ud800"})  # escaped twice on the wire
    assert loads_text(arguments) == {"new_string": "x\ufffd"}
    with pytest.raises(ValueError):
        loads_text("{not json")


@pytest.mark.timeout(20)
def test_one_huge_event_line_is_decoded_in_linear_time() -> None:
    # 16 MB in 512-byte chunks: joining the pending line on every chunk (the old decoder) copies
    # ~260 GB and cannot finish within the timeout; one join per line takes milliseconds.
    text = "x" * (16 * 1024 * 1024)
    body = sse({"type": "response.output_text.delta", "delta": text})
    chunks = [body[i : i + 512] for i in range(0, len(body), 512)]
    (event,) = iter_sse_json(chunks)
    assert event["delta"] == text


def test_keep_alive_chunks_are_not_progress() -> None:
    assert _only_comments(b": keep-alive\n\n")
    assert _only_comments(b"\n: ping\n\n: ping\n\n")
    assert not _only_comments(b': ping\n\ndata: {"type": "x"}\n\n')
    assert not _only_comments(b'data: {"type": "x"}\n\n')


def call(**fields: object) -> dict[str, object]:
    return {"type": "function_call", **fields}


def test_the_normaliser_makes_every_call_valid_and_unique() -> None:
    normaliser = ItemNormaliser(used_call_ids={"call_old"})
    kept = [
        normaliser.take(call(name="shell", arguments={"command": "ls"})),
        normaliser.take(call(name="shell", arguments={"command": "ls"})),  # repeat: dropped
        normaliser.take(call(call_id="call_old", name="read_file", arguments="{}")),
        normaliser.take(call(id="fc_1", call_id="call_1", name="", arguments=None)),
        normaliser.take(call(id="fc_1", call_id="call_1", name="", arguments=None)),  # dropped
        normaliser.take(call()),
    ]
    assert kept[1] is None and kept[4] is None
    items = [n for n in kept if n is not None]
    ids = [n.item["call_id"] for n in items]
    assert len(set(ids)) == 4 and "call_old" not in ids and all(ids)
    assert items[0].item["arguments"] == '{"command": "ls"}' and items[0].problem is None
    assert items[2].item["name"] == NAMELESS and items[2].item["arguments"] == "{}"
    assert items[2].problem is not None and items[3].problem is not None


def test_repair_is_deterministic_and_pairs_renamed_outputs() -> None:
    recorded: list[dict[str, object]] = [
        call(call_id="a", name="shell", arguments="{}"),
        {"type": "function_call_output", "call_id": "a", "output": "1"},
        call(call_id="a", name="shell", arguments={"x": 1}),
        {"type": "function_call_output", "call_id": "a", "output": "2"},
        {"type": "function_call_output", "call_id": "a", "output": "3"},  # answers nothing
        call(name=""),
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "\ud800"}],
        },
    ]
    first, fixes = repair_items(recorded)
    again, _ = repair_items(recorded)
    assert first == again and fixes > 0
    calls = [i for i in first if i["type"] == "function_call"]
    outputs = [i for i in first if i["type"] == "function_call_output"]
    assert [c["call_id"] for c in calls][:2] == ["a", "call_repaired_2"]
    assert [(o["call_id"], o["output"]) for o in outputs] == [("a", "1"), ("call_repaired_2", "2")]
    assert calls[2]["name"] == NAMELESS and calls[2]["call_id"]
    assert first[-1]["content"][0]["text"] == "\ufffd"  # type: ignore[index]
    assert repair_items(first) == (first, 0)  # a valid history is left alone


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    low = RetryPolicy(base_delay_s=1.0, jitter=lambda: 0.0)
    high = RetryPolicy(base_delay_s=1.0, jitter=lambda: 1.0)
    assert [low.delay(n) for n in (1, 2, 3)] == pytest.approx([0.8, 1.6, 3.2])
    assert [high.delay(n) for n in (1, 2, 3)] == pytest.approx([1.2, 2.4, 4.8])
    assert low.delay(1, retry_after_s=7) == 7 and low.delay(30) == MAX_DELAY_S
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None


def test_the_retry_line_reads_well() -> None:
    assert Retrying(1, 4, 2.0, "connection dropped").text() == (
        "connection dropped, retrying 1/4 in 2 s"
    )
    assert Retrying(2, 4, 0.25, "x").text() == "x, retrying 2/4 in 0.2 s"
    assert Retrying(3, 4, 12.4, "x").text() == "x, retrying 3/4 in 12 s"
