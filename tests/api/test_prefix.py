"""Append-only history: every request's input starts with the previous request's input.

Upstream prompt caches key on the longest common prefix of the prompt, so a history that is
rewritten between requests (ids dropped late, items reordered, outputs re-capped) pays for the
whole context again on every turn. Checked over a 25-request tool session through the real
client, and across a resume from the session file.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from infercode.cli.wiring import build_agent
from infercode.config.settings import Settings
from infercode.engine.events import TurnFinished
from infercode.store.recorder import open_session
from infercode.store.session_files import SessionStore
from tests.support.items import ApproveAll
from tests.support.responses_server import (
    FunctionCall,
    Reasoning,
    Reply,
    ReplyLike,
    ResponsesServer,
    text_reply,
)

TURNS = 5


def script() -> list[ReplyLike]:
    replies: list[ReplyLike] = []
    for turn in range(TURNS):
        steps = [
            FunctionCall("read_file", {"path": "notes.txt"}),
            FunctionCall("shell", {"command": f"echo turn {turn}; ls"}),
            FunctionCall(
                "edit_file",
                {"path": "notes.txt", "old_string": "", "new_string": f"turn {turn}\n"}
                if turn == 0
                else {
                    "path": "notes.txt",
                    "old_string": f"turn {turn - 1}",
                    "new_string": f"turn {turn}",
                },
            ),
            FunctionCall("read_file", {"path": "missing.txt"}),  # a tool error is history too
        ]
        for step in steps:
            replies.append(Reply(items=[Reasoning(f"thinking about {step.name}"), step]))
        replies.append(text_reply(f"turn {turn} finished", reasoning="wrap up"))
    return replies


def serialized(body: dict[str, Any] | None) -> str:
    assert body is not None
    return json.dumps(body["input"], ensure_ascii=False)


def assert_prefix_chain(bodies: list[dict[str, Any] | None]) -> None:
    for before, after in itertools.pairwise(bodies):
        assert before is not None and after is not None
        previous = serialized(before)[:-1]  # without the closing bracket
        assert serialized(after).startswith(previous), "a request rewrote earlier input"
        for key in ("model", "instructions", "tools", "store"):
            assert after.get(key) == before.get(key), key


def test_every_request_extends_the_previous_one(server: ResponsesServer, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    server.enqueue(*script())
    settings = Settings(base_url=server.url, yes=True, stream_max_retries=0)
    store = SessionStore(tmp_path / "sessions")
    opened = open_session(
        store, model=settings.model, base_url=settings.base_url, root=root, api_key=None
    )
    agent = build_agent(
        settings, root, ApproveAll(), history=opened.history, session=opened.recorder
    )
    path = opened.file.path
    try:
        for turn in range(TURNS):
            finished = list(agent.run_turn(f"user turn {turn}"))[-1]
            assert isinstance(finished, TurnFinished) and finished.status == "done"
    finally:
        opened.recorder.close()
    requests = server.requests
    assert len(requests) == TURNS * 5 >= 20
    assert all(r.rejected is None for r in requests)
    assert_prefix_chain([r.body for r in requests])

    # A new process resuming the session file sends the same bytes first.
    resumed = open_session(
        store,
        model=settings.model,
        base_url=settings.base_url,
        root=root,
        api_key=None,
        resume=path,
    )
    server.enqueue(text_reply("still here"))
    again = build_agent(
        settings, root, ApproveAll(), history=resumed.history, session=resumed.recorder
    )
    try:
        list(again.run_turn("after the resume"))
    finally:
        resumed.recorder.close()
    assert_prefix_chain([requests[-1].body, server.requests[-1].body])
