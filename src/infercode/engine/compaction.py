"""Keeping the conversation inside the context window.

Before each request the engine asks the ``Compactor`` (its request hook) whether the input would
pass ``threshold`` of the window. The estimate is the last response's input + output tokens (what
the server counted) plus chars/4 of the items appended since, or chars/4 of everything when no
response has been counted yet (a resumed session). Past the threshold, the model writes a handoff
summary (same client, no tools), and the history becomes that summary as a user message followed
by the most recent turns. The cut is at a user message, so every call keeps its output; only when
the current turn alone is too big is it cut inside, at a point no call/output pair straddles.

Between compactions the history is only appended to, which keeps every request a byte prefix of
the next one (upstream prompt caches depend on that).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from infercode.engine.agent import Agent
from infercode.engine.events import JSON, Compacted, Event, Notice, TextDelta
from infercode.engine.history import (
    INTERRUPTED_OUTPUT,
    function_call_output,
    message_text,
    to_input_item,
    unanswered_calls,
    user_message,
)
from infercode.engine.model import ItemDone, ModelRequest, StreamCompleted
from infercode.errors import ModelError
from infercode.formatting import format_tokens

CHARS_PER_TOKEN = 4
#: Share of the window the kept recent turns may fill after a compaction.
KEEP_SHARE = 0.2

SUMMARY_PROMPT = """\
The conversation is about to be compacted to fit the context window: everything above will be \
replaced by your summary plus the latest turns. Write a handoff summary for yourself, to carry on \
from it alone:
- the user's goals, requests and constraints (quote their exact words where they matter);
- what was done and found: files read or changed (paths), commands run and what they showed, \
errors and how they were resolved;
- decisions made and why;
- what remains to do, and the very next step.
Be specific and concise. Do not call tools. Reply with the summary only."""

SUMMARY_PREFIX = """\
[The earlier conversation was compacted to fit the context window. Below is the summary you \
wrote of it; the most recent turns follow unchanged.]

"""

LATEST_REQUEST = "\n\n[The user's latest request, which you are still working on:]\n"

OnCompacted = Callable[[list[JSON], int, int], None]


def chars(items: list[JSON]) -> int:
    return sum(len(json.dumps(item, ensure_ascii=False)) for item in items)


def estimate_tokens(agent: Agent) -> int:
    """Tokens the next request's input would take (see the module docstring)."""
    items = agent.history.items
    mark = agent.usage_mark
    last = agent.last_usage
    if last.input_tokens > 0 and 0 < mark <= len(items):
        return last.input_tokens + last.output_tokens + chars(items[mark:]) // CHARS_PER_TOKEN
    fixed = len(agent.options.instructions or "") + len(json.dumps(agent.tools.api_tools()))
    return (fixed + chars(items)) // CHARS_PER_TOKEN


def compacted_text(event: Compacted) -> str:
    """``compacted: 120k → 18k tokens``, as every front-end shows it."""
    return (
        f"compacted: {format_tokens(event.before_tokens)} → {format_tokens(event.after_tokens)} "
        "tokens"
    )


def _is_user_message(item: JSON) -> bool:
    return item.get("type") == "message" and item.get("role") == "user"


def clean_cuts(items: list[JSON]) -> list[bool]:
    """``clean[i]``: cutting before ``items[i]`` separates no call from its output."""
    call_at: dict[object, int] = {}
    straddled = [0] * (len(items) + 1)  # difference array over the cut positions
    for index, item in enumerate(items):
        if item.get("type") == "function_call":
            call_at[item.get("call_id")] = index
        elif item.get("type") == "function_call_output" and item.get("call_id") in call_at:
            straddled[call_at[item.get("call_id")] + 1] += 1
            straddled[index + 1] -= 1
    clean, open_pairs = [], 0
    for index in range(len(items) + 1):
        open_pairs += straddled[index]
        clean.append(open_pairs == 0)
    return clean


def choose_cut(items: list[JSON], budget_chars: int, *, manual: bool = False) -> int:
    """Index of the first kept item: the most history that fits ``budget_chars`` and cuts cleanly.

    Automatic: the earliest user message after the first whose turns fit. Manual (``/compact``):
    only the last user turn is a candidate. Otherwise a clean point inside the last turn, and at
    worst ``len(items)`` (keep nothing but the summary).
    """
    clean = clean_cuts(items)
    sizes = [len(json.dumps(item, ensure_ascii=False)) for item in items]
    suffix = [0] * (len(items) + 1)
    for index in range(len(items) - 1, -1, -1):
        suffix[index] = suffix[index + 1] + sizes[index]
    users = [i for i in range(1, len(items)) if _is_user_message(items[i]) and clean[i]]
    if manual:
        users = users[-1:]
    for index in users:
        if suffix[index] <= budget_chars:
            return index
    last_user = max((i for i, item in enumerate(items) if _is_user_message(item)), default=0)
    for index in range(last_user + 1, len(items)):
        if clean[index] and suffix[index] <= budget_chars:
            return index
    return len(items)


class Compactor:
    """The engine's request hook: compacts when the next request would overfill the window."""

    def __init__(
        self,
        window: int,
        threshold: float = 0.85,
        *,
        on_compacted: OnCompacted | None = None,
        keep_share: float = KEEP_SHARE,
    ) -> None:
        self.window = window
        self.threshold = threshold
        self.on_compacted = on_compacted
        self.keep_share = keep_share

    def set_window(self, window: int) -> None:
        """The model changed (``/model``): compact against its window from now on."""
        self.window = window

    def before_request(self, agent: Agent) -> Iterator[Event]:
        estimate = estimate_tokens(agent)
        if estimate > self.threshold * self.window:
            yield Notice(
                f"context {estimate / self.window:.0%} full ({format_tokens(estimate)} of "
                f"{format_tokens(self.window)} tokens): compacting the conversation"
            )
            yield from self.compact(agent)

    def compact(self, agent: Agent, *, manual: bool = False) -> Iterator[Event]:
        """Summarize and replace the history; yields a Notice on failure, Compacted on success."""
        items = agent.history.items
        before = estimate_tokens(agent)
        budget = int(self.window * self.keep_share) * CHARS_PER_TOKEN
        cut = choose_cut(items, budget, manual=manual)
        if cut == 0 or not items:
            yield Notice("nothing to compact yet")
            return
        try:
            summary = self._summarize(agent, items)
        except ModelError as error:
            yield Notice(f"compaction failed ({error}); continuing with the full history")
            return
        if not summary.strip():
            yield Notice("compaction failed (the model wrote no summary); history kept as is")
            return
        text = SUMMARY_PREFIX + summary.strip()
        kept = items[cut:]
        if not any(_is_user_message(item) for item in kept):
            latest = [item for item in items if _is_user_message(item)]
            if latest:
                text += LATEST_REQUEST + message_text(latest[-1])
        new_items = [user_message(text), *kept]
        agent.reset(new_items)
        after = estimate_tokens(agent)
        if self.on_compacted is not None:
            self.on_compacted(new_items, before, after)
        yield Compacted(before, after)

    def _summarize(self, agent: Agent, items: list[JSON]) -> str:
        """One request without tools; returns the text of the reply."""
        answered = [*items]
        for call_id in unanswered_calls(items):  # never the case between requests; be safe
            answered.append(function_call_output(call_id, INTERRUPTED_OUTPUT))
        request = ModelRequest(
            model=agent.options.model,
            input=[*answered, user_message(SUMMARY_PROMPT)],
            instructions=agent.options.instructions,
            reasoning_effort=agent.options.reasoning_effort,
            include_encrypted_reasoning=agent.options.include_encrypted_reasoning,
        )
        stream = agent.model.stream(request)
        streamed: list[str] = []
        messages: list[str] = []
        try:
            for event in stream:
                if isinstance(event, TextDelta):
                    streamed.append(event.text)
                elif isinstance(event, ItemDone):
                    stored = to_input_item(event.item)
                    if stored is not None and stored.get("type") == "message":
                        messages.append(message_text(stored))
                elif isinstance(event, StreamCompleted):
                    agent.count_usage(event.usage)
        finally:
            stream.close()  # also on Ctrl-C, which the engine handles above us
        return "\n\n".join(messages) if messages else "".join(streamed)
