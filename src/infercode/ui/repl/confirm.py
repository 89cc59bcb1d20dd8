"""The REPL's approver: show what a tool call will do, then take a single key.

y runs it; n denies it (then an optional message for the model); a approves it and everything in
the same narrow scope for the rest of the session (``always_rule``); e edits a shell command
before it runs. Ctrl-C denies and stops the turn: ``decide`` raises ``KeyboardInterrupt``, which
the engine treats as the user stopping (the call gets a "not run" output, history stays valid).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.shortcuts import prompt
from prompt_toolkit.styles import Style
from rich.console import Console
from rich.text import Text

from infercode.engine.approval import ApprovalRequest, Decision, Rule
from infercode.ui.headless.tty_approver import always_rule
from infercode.ui.repl.render import colored_diff
from infercode.ui.terminal_text import safe_line, safe_rich

QUESTIONS = {
    "read": "Read it?",
    "edit": "Apply this edit?",
    "shell": "Run this command?",
    "mcp": "Call this MCP tool?",
}
STYLE = Style.from_dict(
    {"question": "bold", "key": "bold", "answer": "bold", "dim": "#888888", "warn": "bold #ff5f5f"}
)


def flush_typeahead() -> None:
    """Drop keys typed while the reply streamed: a stray "y" must not approve anything."""
    try:
        import termios

        if sys.stdin.isatty():
            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    except (ImportError, OSError):
        pass


def ask_key(question: StyleAndTextTuples, keys: dict[str, str]) -> str:
    """Show ``question`` and wait for one of ``keys`` (case-insensitive); returns the key.

    The chosen word stays on the line afterwards. Ctrl-C (or Ctrl-D) raises KeyboardInterrupt.
    """
    chosen: list[str] = []

    def text() -> StyleAndTextTuples:
        answer = [("class:answer", chosen[0])] if chosen else []
        return [*question, *answer]

    bindings = KeyBindings()

    def choose(key: str) -> Callable[[KeyPressEvent], None]:
        def handler(event: KeyPressEvent) -> None:
            chosen.append(keys[key])
            event.app.exit(result=key)

        return handler

    for key in keys:
        bindings.add(key)(choose(key))
        if key.upper() != key:
            bindings.add(key.upper())(choose(key))

    @bindings.add("c-c")
    @bindings.add("c-d")
    @bindings.add("<sigint>")
    def _interrupt(event: KeyPressEvent) -> None:
        chosen.append("denied, stopping")
        event.app.exit(exception=KeyboardInterrupt())

    @bindings.add("<any>")
    def _ignore(event: KeyPressEvent) -> None:
        pass  # anything else: keep waiting (Enter must not pick a default)

    app: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl(text), wrap_lines=True, dont_extend_height=True)),
        key_bindings=bindings,
        style=STYLE,
        full_screen=False,
        mouse_support=False,
    )
    return app.run()


class ConfirmApprover:
    """``Approver`` for the REPL. ``pause`` stops the live display before anything is asked."""

    def __init__(self, console: Console, pause: Callable[[], None]) -> None:
        self.console = console
        self.pause = pause

    def decide(self, request: ApprovalRequest) -> Decision:
        self.pause()
        if request.kind == "escalate":
            return self._escalate(request)
        self._show(request)
        rule = always_rule(request)
        flush_typeahead()
        key = ask_key(self._question(request, rule), self._keys(request, rule))
        if key == "y":
            return Decision(allow=True)
        if key == "a" and rule is not None:
            self.console.print(
                Text(f"  approved {safe_line(rule.describe())} for this session", "dim")
            )
            return Decision(allow=True, remember=rule)
        if key == "e" and request.shell_command is not None:
            return self._edit(request.shell_command)
        message = prompt(
            [("class:dim", "  Message to the model (Enter to skip): ")], style=STYLE
        ).strip()
        return Decision(allow=False, message=message or None)

    def _escalate(self, request: ApprovalRequest) -> Decision:
        """A separate yes for this one command, unconfined: no "always", no edit."""
        for line in request.detail.splitlines():
            self.console.print(Text(f"  {line}", style="bold yellow"), highlight=False)
        flush_typeahead()
        question: StyleAndTextTuples = [
            ("", "  "),
            ("class:warn", "Run it without the sandbox?"),
            ("", "  "),
            ("class:key", "y"),
            ("", " yes, this once  "),
            ("class:key", "n"),
            ("", " no  "),
            ("class:dim", "Ctrl-C stop"),
            ("", " › "),
        ]
        key = ask_key(question, {"y": "yes", "n": "no"})
        return Decision(allow=key == "y")

    def _edit(self, command: str) -> Decision:
        edited = prompt(
            [("class:dim", "  edit, then Enter to run: "), ("bold", "$ ")],
            default=command,
            style=STYLE,
        ).strip()
        if not edited:
            return Decision(
                allow=False, message="The user cleared the command instead of running it."
            )
        if edited == command.strip():
            return Decision(allow=True)
        return Decision(allow=True, edited_command=edited)

    def _show(self, request: ApprovalRequest) -> None:
        if request.outside_workspace:
            self.console.print(
                Text("  ⚠ this path is OUTSIDE the workspace", style="bold red"), highlight=False
            )
        if request.note:
            self.console.print(Text(f"  ⚠ asked because {request.note}", "yellow"), highlight=False)
        if request.kind == "edit" and request.detail:
            for line in colored_diff(request.detail).split("\n"):
                self.console.print(Text("  ") + line, highlight=False, soft_wrap=True)
        elif request.kind == "shell":
            # Split at newlines only: splitlines() would also break at a CR or a form feed and
            # show one command as two innocent-looking lines.
            lines = request.detail.rstrip("\n").split("\n")
            where = lines.pop() if len(lines) > 1 and lines[-1].startswith("(") else ""
            if lines == [request.summary]:
                lines = []  # the tool line above already shows the whole command
            for command in lines:
                line = Text("  ") + safe_rich(command, "bold")
                self.console.print(line, highlight=False, soft_wrap=True)
            if where:
                self.console.print(Text("  ") + safe_rich(where, "dim"), highlight=False)
        elif request.kind == "mcp":  # server, tool and the whole arguments
            for text in request.detail.splitlines():
                line = Text("  ") + safe_rich(text, "dim")
                self.console.print(line, highlight=False, soft_wrap=True)
        elif request.outside_workspace and request.detail:
            line = Text("  ") + safe_rich(request.detail, "bold red")
            self.console.print(line, highlight=False)

    @staticmethod
    def _keys(request: ApprovalRequest, rule: Rule | None) -> dict[str, str]:
        keys = {"y": "yes", "n": "no"}
        if rule is not None:
            keys["a"] = "always"
        if request.shell_command is not None:
            keys["e"] = "edit"
        return keys

    @staticmethod
    def _question(request: ApprovalRequest, rule: Rule | None) -> StyleAndTextTuples:
        parts: StyleAndTextTuples = [
            ("", "  "),
            ("class:question", QUESTIONS.get(request.kind, "Allow it?")),
            ("", "  "),
            ("class:key", "y"),
            ("", " yes  "),
            ("class:key", "n"),
            ("", " no (+ message)  "),
        ]
        if rule is not None:
            parts += [("class:key", "a"), ("", f" always allow {safe_line(rule.describe())}  ")]
        if request.shell_command is not None:
            parts += [("class:key", "e"), ("", " edit  ")]
        parts += [("class:dim", "Ctrl-C stop"), ("", " › ")]
        return parts
