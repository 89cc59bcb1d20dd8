"""Redrawing a resumed conversation into scrollback, the way the live session showed it.

``--continue``, ``--resume`` and ``/resume`` load a history; without this the user would face an
empty screen and have to remember where things stood. The last turns are drawn: the user's
messages, the answers (Markdown, as when they streamed), reasoning (dimmed, if shown), each tool
call as one line with a short note of its output, and a marker where the history was compacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from infercode.engine.compaction import SUMMARY_PREFIX
from infercode.engine.events import JSON, MessageDone, ReasoningDelta, ReasoningDone
from infercode.engine.history import message_text, reasoning_text
from infercode.ui.repl.view import TurnView

#: User turns redrawn after a resume; older ones are summarised in one line.
RECAP_TURNS = 10
SUMMARY_WIDTH = 100


def turn_starts(items: list[JSON]) -> list[int]:
    """Indexes of the user messages: where each turn begins."""
    return [i for i, item in enumerate(items) if _role(item) == "user"]


def redraw(
    console: Console,
    items: list[JSON],
    *,
    show_reasoning: bool,
    model_name: Callable[[], str],
    turns: int = RECAP_TURNS,
) -> None:
    """Print the last ``turns`` user turns of ``items`` (a resumed history) into scrollback."""
    starts = turn_starts(items)
    first = starts[-turns] if len(starts) > turns else 0
    if first > 0:
        earlier = len(starts) - turns
        console.print(Text(f"… {earlier} earlier turn(s) not shown", style="dim"))
    view = TurnView(console, show_reasoning=lambda: show_reasoning, model_name=model_name)
    try:
        for item in items[first:]:
            _draw(console, view, item, show_reasoning)
    finally:
        view.close()
    console.print(Text("─" * min(console.width, 40), style="dim"))


def _draw(console: Console, view: TurnView, item: JSON, show_reasoning: bool) -> None:
    kind = item.get("type")
    if kind == "message" and _role(item) == "user":
        view.pause()
        text = message_text(item)
        if text.startswith(SUMMARY_PREFIX):
            console.print(Text("compacted: the earlier conversation was summarised", "dim"))
            return
        console.print()
        console.print(Text("› ", style="bold") + Text(text), highlight=False)
    elif kind == "message":
        view(MessageDone(message_text(item)))
    elif kind == "reasoning" and show_reasoning:
        text = reasoning_text(item)
        if text:
            view(ReasoningDelta(text))
            view(ReasoningDone(text))
    elif kind == "function_call":
        view.pause()
        line = Text("● ", style="bold cyan")
        line.append(call_summary(item), style="bold")
        console.print(line, highlight=False, soft_wrap=False)
    elif kind == "function_call_output":
        view.pause()
        console.print(Text(f"  {output_summary(item)}", style="dim"), highlight=False)


def call_summary(item: JSON) -> str:
    """One line for a recorded call: ``$ cmd``, ``read path``, ``edit path``, or name + args."""
    name = str(item.get("name") or "?")
    raw = item.get("arguments")
    try:
        args = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except ValueError:
        args = {}
    if not isinstance(args, dict):
        args = {}
    if name == "shell" and isinstance(args.get("command"), str):
        text = f"$ {args['command']}"
    elif name == "read_file" and isinstance(args.get("path"), str):
        text = f"read {args['path']}"
    elif name == "edit_file" and isinstance(args.get("path"), str):
        text = f"edit {args['path']}"
    else:
        text = f"{name} {json.dumps(args, ensure_ascii=False)}" if args else name
    return _one_line(text)


def output_summary(item: JSON) -> str:
    output = item.get("output")
    text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
    lines = text.strip().splitlines()
    if not lines:
        return "↳ (no output)"
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return _one_line(f"↳ {lines[0]}") + more


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_WIDTH else flat[: SUMMARY_WIDTH - 1] + "…"


def _role(item: JSON) -> str | None:
    role = item.get("role")
    return role if item.get("type") == "message" and isinstance(role, str) else None
