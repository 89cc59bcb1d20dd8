"""``--resume`` without an id on a terminal: an arrow-key picker of recent sessions.

Each row: first prompt, age, turns, size. Typing filters (by prompt or id); ↑/↓ move; Enter
picks; Esc or Ctrl-C cancels; Tab shows or hides the sessions that never got an answer
(hidden at first: a prompt that went nowhere is rarely worth resuming). Drawn on and read from
``/dev/tty``, so it works when stdin is a pipe.
"""

from __future__ import annotations

import time
from typing import TextIO

from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input import create_input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.output import create_output
from prompt_toolkit.styles import Style

from infercode.formatting import age, size_text
from infercode.store.session_files import SessionInfo
from infercode.ui.terminal_text import safe_line

STYLE = Style.from_dict({"title": "bold", "dim": "#888888", "current": "reverse"})
#: Rows shown at once (the list scrolls with the selection).
ROWS = 12


class Picker:
    """The picker's state, apart from drawing: tested without a terminal."""

    def __init__(self, infos: list[SessionInfo]) -> None:
        self.infos = infos
        self.query = ""
        self.show_unanswered = False
        self.index = 0

    def visible(self) -> list[SessionInfo]:
        query = self.query.lower()
        return [
            info
            for info in self.infos
            if (self.show_unanswered or info.answered)
            and (not query or query in info.first_prompt.lower() or info.id.startswith(query))
        ]

    def move(self, step: int) -> None:
        count = len(self.visible())
        self.index = min(max(self.index + step, 0), max(count - 1, 0))

    def type(self, text: str) -> None:
        self.query += text
        self.index = 0

    def erase(self) -> None:
        self.query = self.query[:-1]
        self.index = 0

    def toggle(self) -> None:
        self.show_unanswered = not self.show_unanswered
        self.index = 0

    def chosen(self) -> SessionInfo | None:
        shown = self.visible()
        return shown[self.index] if shown else None

    def hidden(self) -> int:
        return sum(1 for info in self.infos if not info.answered)


def row(info: SessionInfo, now: float, width: int) -> str:
    """First prompt, then age · turns · size, cut to ``width``."""
    turns = f"{info.turns} turn{'s' if info.turns != 1 else ''}"
    facts = f"  {age(now - info.modified)} · {turns} · {size_text(info.size_bytes)}"
    if not info.answered:
        facts += " · no answer"
    prompt = safe_line(info.first_prompt or "(no prompt)")
    room = max(width - len(facts) - 4, 10)
    if len(prompt) > room:
        prompt = prompt[: room - 1] + "…"
    return prompt.ljust(room) + facts


def pick_session(infos: list[SessionInfo], tty: TextIO) -> SessionInfo | None:
    """Run the picker on ``tty``; the chosen session, or None when the user cancels."""
    picker = Picker(infos)
    output = create_output(stdout=tty)
    now = time.time()

    def text() -> StyleAndTextTuples:
        width = output.get_size().columns
        hidden = picker.hidden()
        lines: StyleAndTextTuples = [
            ("class:title", "Resume a session"),
            ("class:dim", "  type to filter · ↑↓ · Enter picks · Esc cancels\n"),
        ]
        if hidden:
            verb = "hide" if picker.show_unanswered else "show"
            lines.append(("class:dim", f"  Tab: {verb} {hidden} without an answer\n"))
        lines.append(("", f"› {safe_line(picker.query)}\n"))
        shown = picker.visible()
        start = max(0, picker.index - ROWS + 1)
        for number, info in enumerate(shown[start : start + ROWS], start):
            style = "class:current" if number == picker.index else ""
            lines.append((style, "  " + row(info, now, width - 2)))
            lines.append(("", "\n"))
        if not shown:
            lines.append(("class:dim", "  (no session matches)\n"))
        return lines

    bindings = KeyBindings()

    @bindings.add("up")
    def _up(event: KeyPressEvent) -> None:
        picker.move(-1)

    @bindings.add("down")
    def _down(event: KeyPressEvent) -> None:
        picker.move(1)

    @bindings.add("tab")
    def _toggle(event: KeyPressEvent) -> None:
        picker.toggle()

    @bindings.add("backspace")
    def _erase(event: KeyPressEvent) -> None:
        picker.erase()

    @bindings.add("enter")
    def _pick(event: KeyPressEvent) -> None:
        if picker.chosen() is not None:
            event.app.exit(result=picker.chosen())

    @bindings.add("escape")
    @bindings.add("c-c")
    @bindings.add("c-d")
    def _cancel(event: KeyPressEvent) -> None:
        event.app.exit(result=None)

    @bindings.add("<any>")
    def _type(event: KeyPressEvent) -> None:
        typed = "".join(press.data for press in event.key_sequence)
        if typed.isprintable():
            picker.type(typed)

    app: Application[SessionInfo | None] = Application(
        layout=Layout(Window(FormattedTextControl(text), dont_extend_height=True)),
        key_bindings=bindings,
        style=STYLE,
        full_screen=False,
        mouse_support=False,
        input=create_input(stdin=tty),
        output=output,
        erase_when_done=True,
    )
    return app.run()
