"""The one approval menu: the REPL and a headless run on a terminal ask the same way.

What the call will do is shown first (a coloured diff, the command, the outside path as one
warning line), then one short line of single keys that fits 80 columns: y runs it; n denies it
(then an optional message for the model); a approves it and everything in the same narrow scope
for the rest of the session (``always_rule``); e edits a shell command before it runs; Esc denies
(and backs out of editing a command). Ctrl-C denies and stops the turn: ``decide`` raises
``KeyboardInterrupt``, which the engine treats as the user stopping.

The REPL passes its console; a headless run passes a console and prompt-toolkit input/output
bound to ``/dev/tty`` (its stdin is the pipe the prompt came through).
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.output import Output
from prompt_toolkit.shortcuts import PromptSession
from prompt_toolkit.styles import Style
from rich.console import Console
from rich.text import Text

from infercode.engine.approval import ApprovalRequest, Decision, Rule
from infercode.ui.approval_scope import always_rule, always_text, flush_typeahead
from infercode.ui.diff_view import colored_diff
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
ESCAPE = "escape"
__all__ = ["MenuApprover", "always_rule", "always_text", "ask_key", "flush_typeahead"]


def ask_key(
    question: StyleAndTextTuples,
    keys: dict[str, str],
    pt_input: Input | None = None,
    pt_output: Output | None = None,
) -> str:
    """Show ``question`` and wait for one of ``keys`` (case-insensitive); returns the key.

    ``keys`` may hold ``ESCAPE``. The chosen word stays on the line afterwards. Ctrl-C (or
    Ctrl-D) raises KeyboardInterrupt.
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
        if len(key) == 1 and key.upper() != key:
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
        input=pt_input,
        output=pt_output,
    )
    return app.run()


class MenuApprover:
    """``Approver`` showing the menu. ``pause`` stops a live display before anything is asked;
    ``stream`` is what typeahead is flushed from (None: this process's stdin)."""

    def __init__(
        self,
        console: Console,
        pause: Callable[[], None],
        pt_input: Input | None = None,
        pt_output: Output | None = None,
        stream: object = None,
    ) -> None:
        self.console = console
        self.pause = pause
        self.pt_input = pt_input
        self.pt_output = pt_output
        self.stream = stream

    def decide(self, request: ApprovalRequest) -> Decision:
        self.pause()
        if request.kind == "escalate":
            return self._escalate(request)
        self._show(request)
        rule = always_rule(request)
        offered = "a " if rule is not None else ""  # the key, as on the question line
        line = Text("  ") + safe_rich(offered + always_text(request, rule), "dim")
        self.console.print(line, highlight=False, soft_wrap=True)
        while True:
            flush_typeahead(self.stream)
            key = self._ask(self._question(request, rule), self._keys(request, rule))
            if key == "y":
                return Decision(allow=True)
            if key == ESCAPE:
                return Decision(allow=False)
            if key == "a" and rule is not None:
                self.console.print(
                    Text(f"  approved {safe_line(rule.describe())} for this session", "dim")
                )
                return Decision(allow=True, remember=rule)
            if key == "e" and request.shell_command is not None:
                decision = self._edit(request.shell_command)
                if decision is None:
                    continue  # Esc while editing: back to the question
                return decision
            message = self._prompt(
                [("class:dim", "  Message to the model (Enter to skip): ")], ""
            ).strip()
            return Decision(allow=False, message=message or None)

    def _ask(self, question: StyleAndTextTuples, keys: dict[str, str]) -> str:
        return ask_key(question, keys, self.pt_input, self.pt_output)

    def _prompt(self, message: StyleAndTextTuples, default: str, escape: bool = False) -> str:
        bindings = KeyBindings()
        if escape:

            @bindings.add("escape", eager=True)
            def _back(event: KeyPressEvent) -> None:
                event.app.exit(exception=EOFError())

        session: PromptSession[str] = PromptSession(
            input=self.pt_input, output=self.pt_output, key_bindings=bindings
        )
        return session.prompt(message, default=default, style=STYLE)

    def _escalate(self, request: ApprovalRequest) -> Decision:
        """A separate yes for this one command, unconfined: no "always", no edit."""
        for line in request.detail.splitlines():
            self.console.print(Text("  ") + safe_rich(line, "bold yellow"), highlight=False)
        flush_typeahead(self.stream)
        question: StyleAndTextTuples = [
            ("", "  "),
            ("class:warn", "Run it without the sandbox?"),
            ("", "  "),
            ("class:key", "y"),
            ("", " yes, this once  "),
            ("class:key", "n"),
            ("", " no  "),
            ("class:dim", "^C stop"),
            ("", " › "),
        ]
        key = self._ask(question, {"y": "yes", "n": "no", ESCAPE: "no"})
        return Decision(allow=key == "y")

    def _edit(self, command: str) -> Decision | None:
        """The edited command, or None when the user backed out with Esc."""
        try:
            edited = self._prompt(
                [("class:dim", "  edit, then Enter to run (Esc back): "), ("bold", "$ ")],
                command,
                escape=True,
            ).strip()
        except EOFError:
            return None
        if not edited:
            return Decision(
                allow=False, message="The user cleared the command instead of running it."
            )
        if edited == command.strip():
            return Decision(allow=True)
        return Decision(allow=True, edited_command=edited)

    def _show(self, request: ApprovalRequest) -> None:
        if request.outside_workspace:  # one warning line, with the path when it is not a diff
            where = (
                ": " + request.detail.strip().split("\n")[0]
                if request.kind == "read" and request.detail
                else ""
            )
            self.console.print(
                Text("  ⚠ OUTSIDE the workspace", style="bold red") + safe_rich(where, "bold red"),
                highlight=False,
                soft_wrap=True,
            )
        if request.note:
            line = Text("  ⚠ asked because ", "yellow") + safe_rich(request.note, "yellow")
            self.console.print(line, highlight=False)
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

    @staticmethod
    def _keys(request: ApprovalRequest, rule: Rule | None) -> dict[str, str]:
        keys = {"y": "yes", "n": "no", ESCAPE: "no"}
        if rule is not None:
            keys["a"] = "always"
        if request.shell_command is not None:
            keys["e"] = "edit"
        return keys

    @staticmethod
    def _question(request: ApprovalRequest, rule: Rule | None) -> StyleAndTextTuples:
        """One line that fits 80 columns: what "always" covers is on the line above."""
        parts: StyleAndTextTuples = [
            ("", "  "),
            ("class:question", QUESTIONS.get(request.kind, "Allow it?")),
            ("", "  "),
            ("class:key", "y"),
            ("", " yes  "),
            ("class:key", "n"),
            ("", " no  "),
        ]
        if rule is not None:
            parts += [("class:key", "a"), ("", " always  ")]
        if request.shell_command is not None:
            parts += [("class:key", "e"), ("", " edit  ")]
        parts += [("class:dim", "Esc no  ^C stop"), ("", " › ")]
        return parts
