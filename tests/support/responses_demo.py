"""Responders for demos and benchmarks: a rule-based "model" and a fixed-size markdown reply."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.responses_replies import FunctionCall, Message, Reply, call_reply, text_reply

Responder = Callable[[dict[str, Any]], Reply]

_CREATE = re.compile(r"create\s+(?P<path>\S+)\s+saying\s+(?P<text>.+)", re.IGNORECASE | re.DOTALL)


def demo_responder(body: dict[str, Any]) -> Reply:
    """`create FILE saying TEXT` → an edit_file call; a tool output → "Done: ..."; else echo."""
    items = body.get("input")
    last: Any = items[-1] if isinstance(items, list) and items else items
    if isinstance(last, dict) and last.get("type") == "function_call_output":
        output = last.get("output")
        first_line = (output if isinstance(output, str) else str(output)).splitlines()
        return text_reply(f"Done: {first_line[0] if first_line else ''}")
    prompt = _user_text(last)
    match = _CREATE.search(prompt)
    if match:
        text = match.group("text").strip()
        arguments = {"path": match.group("path"), "old_string": "", "new_string": text + "\n"}
        return call_reply(FunctionCall("edit_file", arguments))
    return text_reply(f"You said: {prompt}")


def _user_text(item: object) -> str:
    """The text of a user message in any of the API's input shapes."""
    if isinstance(item, str):
        return item
    if not isinstance(item, dict) or item.get("role") != "user":
        return ""
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def bench_responder(kb: int, chunk_size: int) -> Responder:
    """Every request gets the same `kb`-KB markdown reply in `chunk_size`-character deltas."""
    reply = Reply(items=[Message(bench_markdown(kb))], chunk_size=chunk_size)
    return lambda _body: reply


def bench_markdown(kb: int) -> str:
    """Deterministic markdown of exactly `kb` * 1024 characters.

    Cycles headings, paragraphs, bullet lists and fenced code, so renderers meet every block
    type (and a fence left open by the cut at the end, which they must also survive).
    """
    target = kb * 1024
    parts: list[str] = []
    size = 0
    section = 0
    while size < target:
        section += 1
        block = _section(section)
        parts.append(block)
        size += len(block)
    return "".join(parts)[:target]


def _section(n: int) -> str:
    words = ["stream", "render", "token", "buffer", "latency", "scrollback", "markdown", "delta"]
    sentence = " ".join(words[(n + i) % len(words)] for i in range(12))
    paragraph = f"Section {n} explains how the **{words[n % len(words)]}** stage works. "
    paragraph += f"{sentence.capitalize()}. Use `item_{n}` to track it.\n\n"
    bullets = "".join(f"- step {n}.{i}: {words[(n * i) % len(words)]} check\n" for i in range(1, 5))
    code = (
        "```python\n"
        f"def handle_{n}(events: list[str]) -> int:\n"
        f"    # section {n}: count the deltas\n"
        f"    return sum(len(e) for e in events) + {n}\n"
        "```\n\n"
    )
    return f"## Part {n}: {words[n % len(words)]}\n\n{paragraph}{bullets}\n{code}"
