"""Compaction: where to cut, when to compact, and a long session against the strict server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infercode.cli.wiring import build_agent
from infercode.config.settings import Settings
from infercode.engine.agent import Agent, AgentOptions
from infercode.engine.compaction import (
    SUMMARY_PREFIX,
    SUMMARY_PROMPT,
    Compactor,
    choose_cut,
    clean_cuts,
    estimate_tokens,
)
from infercode.engine.events import Compacted, Event, Notice, TurnFinished, Usage
from infercode.engine.history import (
    History,
    assistant_message,
    function_call_output,
    unanswered_calls,
    user_message,
)
from infercode.errors import ModelError
from infercode.store.recorder import open_session
from infercode.store.session_files import SessionStore, read_session
from infercode.tools.registry import ToolRegistry
from tests.support.items import ApproveAll, call_item
from tests.support.responses_server import (
    FunctionCall,
    HttpError,
    ReplyLike,
    ResponsesServer,
    call_reply,
    text_reply,
)
from tests.support.scripted_model import ScriptedModel, done, message

ITEMS: list[dict[str, object]] = [
    user_message("one"),  # 0
    call_item("c1"),  # 1
    function_call_output("c1", "x"),  # 2
    assistant_message("done one"),  # 3
    user_message("two"),  # 4
    call_item("c2"),  # 5
    call_item("c3"),  # 6
    function_call_output("c2", "y"),  # 7
    function_call_output("c3", "z"),  # 8
    assistant_message("done two"),  # 9
]


def size(items: list[dict[str, object]]) -> int:
    return sum(len(json.dumps(i, ensure_ascii=False)) for i in items)


def test_clean_cuts_never_separate_a_call_from_its_output() -> None:
    clean = clean_cuts(ITEMS)
    assert [i for i, ok in enumerate(clean) if not ok] == [2, 6, 7, 8]


def test_the_cut_keeps_the_most_recent_turns_that_fit() -> None:
    assert choose_cut(ITEMS, size(ITEMS[4:])) == 4  # the last turn fits: cut at its user message
    assert choose_cut(ITEMS, size(ITEMS)) == 4  # never keep from 0: that compacts nothing
    assert choose_cut(ITEMS, size(ITEMS[9:])) == 9  # only inside the last turn, at a clean point
    assert choose_cut(ITEMS, 0) == len(ITEMS)
    assert choose_cut([*ITEMS, user_message("three")], 10**6, manual=True) == 10


def test_the_estimate_uses_the_last_usage_plus_what_came_after() -> None:
    agent = Agent(
        ScriptedModel([]), ToolRegistry(), ApproveAll(), History(ITEMS), AgentOptions("m")
    )
    no_tools = len("[]")
    assert estimate_tokens(agent) == (size(ITEMS) + no_tools) // 4  # nothing counted yet
    agent.last_usage = Usage(input_tokens=1000, output_tokens=50)
    agent.usage_mark = 4
    assert estimate_tokens(agent) == 1050 + size(ITEMS[4:]) // 4


def test_manual_compaction_keeps_the_last_turn() -> None:
    model = ScriptedModel([[*message("SUMMARY"), *done()]])
    agent = Agent(model, ToolRegistry(), ApproveAll(), History(ITEMS), AgentOptions("m"))
    recorded: list[tuple[int, int, int]] = []
    compactor = Compactor(100_000, on_compacted=lambda it, b, a: recorded.append((len(it), b, a)))
    events = list(compactor.compact(agent, manual=True))
    assert isinstance(events[-1], Compacted)
    items = agent.history.items
    assert items[0] == user_message(SUMMARY_PREFIX + "SUMMARY")
    assert items[1:] == ITEMS[4:]
    assert recorded and recorded[0][0] == len(items)
    request = model.requests[0]
    assert request.tools == [] and request.input[-1] == user_message(SUMMARY_PROMPT)
    assert request.input[:-1] == ITEMS


def test_a_cut_inside_the_turn_repeats_the_users_request() -> None:
    model = ScriptedModel([[*message("SUMMARY"), *done()]])
    agent = Agent(model, ToolRegistry(), ApproveAll(), History(ITEMS[:9]), AgentOptions("m"))
    list(Compactor(10, keep_share=0.0).compact(agent))
    (only,) = agent.history.items
    text = json.dumps(only)
    assert "SUMMARY" in text and "latest request" in text and text.endswith('two"}]}')


def test_a_failed_summary_keeps_the_history() -> None:
    model = ScriptedModel([[ModelError("boom", kind="http")]])
    agent = Agent(model, ToolRegistry(), ApproveAll(), History(ITEMS), AgentOptions("m"))
    events = list(Compactor(100).compact(agent))
    assert isinstance(events[-1], Notice) and "compaction failed" in events[-1].text
    assert agent.history.items == ITEMS


BIG = "".join(f"line {n:03d} " + "abcdefghij" * 4 + "\n" for n in range(80))  # ~4 KB


def script() -> list[ReplyLike]:
    """Three user turns, each reading three ~4 KB files one call at a time."""
    replies: list[ReplyLike] = []
    for turn in range(3):
        for n in range(3):
            path = f"f{(turn * 3 + n) % 5}.txt"
            replies.append(call_reply(FunctionCall("read_file", {"path": path})))
        replies.append(text_reply(f"turn {turn} done"))
    return replies


def respond(replies: list[ReplyLike]) -> Any:
    def responder(body: dict[str, Any]) -> ReplyLike:
        if not body.get("tools"):  # the summary request carries no tools
            return text_reply("SUMMARY: read f0..f4, all fine")
        return replies.pop(0) if replies else HttpError(500, "script exhausted")

    return responder


def run_turn(agent: Agent, text: str) -> list[Event]:
    events = list(agent.run_turn(text))
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.status == "done", finished
    return events


@pytest.fixture
def long_session(tmp_path: Path) -> Iterator[tuple[ResponsesServer, Agent, Path]]:
    root = tmp_path / "repo"
    root.mkdir()
    for n in range(5):
        (root / f"f{n}.txt").write_text(BIG)
    server = ResponsesServer(responder=respond(script())).start()
    settings = Settings(
        base_url=server.url,
        yes=True,
        stream_max_retries=0,
        context_windows={"MiniMax-M2.5": 12_000},
    )
    opened = open_session(
        SessionStore(tmp_path / "sessions"),
        model=settings.model,
        base_url=settings.base_url,
        root=root,
        api_key=None,
    )
    agent = build_agent(
        settings, root, ApproveAll(), history=opened.history, session=opened.recorder
    )
    try:
        yield server, agent, opened.file.path
    finally:
        opened.recorder.close()
        server.stop()


def test_a_long_session_compacts_keeps_calls_paired_and_shrinks(
    long_session: tuple[ResponsesServer, Agent, Path],
) -> None:
    server, agent, path = long_session
    events = [e for n in range(3) for e in run_turn(agent, f"turn {n}: read the files")]
    compactions = [e for e in events if isinstance(e, Compacted)]
    assert compactions, "the window is small enough that the session must compact"
    for compacted in compactions:
        assert compacted.after_tokens < compacted.before_tokens / 2
    requests = server.requests
    assert all(r.rejected is None for r in requests)  # every call had its output, every time
    bodies = [r.body for r in requests if r.body is not None]
    summary_at = [n for n, b in enumerate(bodies) if not b.get("tools")]
    assert len(summary_at) == len(compactions)
    for n in summary_at:
        before, after = bodies[n - 1], bodies[n + 1]
        assert bodies[n]["input"][-1] == user_message(SUMMARY_PROMPT)
        assert after["input"][0]["content"][0]["text"].startswith(SUMMARY_PREFIX)
        assert len(json.dumps(after["input"])) < len(json.dumps(before["input"])) / 2
        assert after["tools"] == before["tools"]
        assert after["instructions"] == before["instructions"]
    window = 12_000
    for body in bodies:  # no request came near overflowing the window
        sent = [body["input"], body["instructions"], body.get("tools")]
        assert len(json.dumps(sent)) // 4 < window
    assert unanswered_calls(agent.history.items) == []
    assert read_session(path).items == agent.history.items  # the session file honours it


def test_a_compacted_session_resumes_compacted(
    long_session: tuple[ResponsesServer, Agent, Path], tmp_path: Path
) -> None:
    server, agent, path = long_session
    for n in range(3):
        run_turn(agent, f"turn {n}")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert any(record.get("type") == "infercode.compacted" for record in records)
    loaded = read_session(path)  # as a resume reads it (store.open: that writer still holds it)
    assert loaded.items == agent.history.items
    assert loaded.items[0]["content"][0]["text"].startswith(SUMMARY_PREFIX)  # type: ignore[index]
    assert server.remaining == 0


def test_auto_compaction_waits_for_the_threshold() -> None:
    model = ScriptedModel([[*message("fine"), *done(100, 10)]])
    agent = Agent(
        model,
        ToolRegistry(),
        ApproveAll(),
        History(ITEMS),
        AgentOptions("m"),
        request_hook=Compactor(100_000),
    )
    events = list(agent.run_turn("small"))
    assert not any(isinstance(e, (Compacted, Notice)) for e in events)
    assert len(model.requests) == 1
