"""The model's plan in the REPL: a compact checklist, printed when it changed.

Step texts come from the model: they are plain ``Text`` (never parsed as rich markup), with
control characters replaced so a step cannot move the cursor or recolor the terminal.
"""

from __future__ import annotations

import re

from rich.text import Text

from infercode.engine.events import PlanStep

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MARKS = {"completed": ("✓", "green"), "in_progress": ("▶", "bold cyan"), "pending": ("○", "dim")}


def _plain(text: str) -> str:
    return _CONTROL.sub(" ", text)


def plan_lines(explanation: str | None, steps: tuple[PlanStep, ...]) -> list[Text]:
    done = sum(step.status == "completed" for step in steps)
    header = Text("Plan", style="bold")
    header.append(f" · {done}/{len(steps)} done", style="dim")
    lines = [header]
    if explanation:
        lines.append(Text(f"  {_plain(explanation)}", style="dim"))
    for step in steps:
        mark, style = MARKS[step.status]
        line = Text(f"  {mark} ", style=style)
        text_style = {"completed": "dim", "in_progress": "bold", "pending": ""}[step.status]
        line.append(_plain(step.step), style=text_style)
        lines.append(line)
    return lines
