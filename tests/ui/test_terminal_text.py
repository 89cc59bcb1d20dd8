"""The terminal choke point (``ui/terminal_text.py``) and the front-end code that must use it.

The pty tests (``test_terminal_screen.py``) attack the real program; these check the rules one
by one and every printer with text that no console could make safe afterwards: a console
without color writes no ESC of its own, so any ESC in its output came from the content.
"""

from __future__ import annotations

import ast
import io
import sys
import unicodedata
from pathlib import Path

import pytest
from rich.console import Console
from rich.control import Control

from infercode.engine.approval import ApprovalRequest
from infercode.engine.events import (
    Notice,
    ToolCall,
    ToolDecided,
    ToolFinished,
    ToolRequested,
    TurnFinished,
)
from infercode.ui.diff_view import colored_diff
from infercode.ui.headless.runner import ProgressPrinter, report_end
from infercode.ui.repl.confirm import ConfirmApprover
from infercode.ui.repl.render import render_markdown, render_plain
from infercode.ui.repl.shell_output import clean_output_line
from infercode.ui.repl.toolbar import toolbar_text
from infercode.ui.repl.view import TurnView
from infercode.ui.terminal_text import ansi_diff, safe_console, safe_line, safe_rich, safe_text

ESC = "\x1b"
ATTACK = f"a{ESC}[2K{ESC}[1G● b{ESC}]0;T{ESC}\\ c{ESC}]52;c;eA==\x07 d\x9b2J e\u202ef\rg\x00h\x7f"
SRC = Path(__file__).resolve().parents[2] / "src" / "infercode"


def test_control_characters_are_shown_escaped_never_passed() -> None:
    shown = safe_text(ATTACK)
    assert shown == (
        "a\\x1b[2K\\x1b[1G● b\\x1b]0;T\\x1b\\ c\\x1b]52;c;eA==\\x07 "
        "d\\x9b2J e\\u202ef\\rg\\x00h\\x7f"
    )
    assert safe_text(shown) == shown  # escaping is idempotent: nothing left to escape
    assert safe_text("line\r\nnext\ttab") == "line\nnext\ttab"  # CR LF is just a line end
    assert safe_text("lone\r") == "lone\\r"


@pytest.mark.parametrize("char", ["\u202a", "\u202d", "\u2066", "\u2069", "\u200e", "\u2028"])
def test_bidi_and_separators_are_escaped_everywhere(char: str) -> None:
    assert char not in safe_text(f"x{char}y")


def test_every_control_and_format_character_is_covered() -> None:
    """Strict text (commands, paths, diffs) shows every Cc and Cf character escaped; answers
    keep the zero-width joiner (emoji need it) but no Cc character."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cc" and char not in "\n\t":
            assert char not in safe_text(char), hex(code)
        if category in ("Cc", "Cf") and char not in "\n\t":
            assert char not in safe_text(char, strict=True), hex(code)
            assert char not in safe_line(char), hex(code)
    assert "\u200d" in safe_text("👩\u200d💻")
    assert safe_line("a\nb\tc") == "a\\nb\\tc"  # a file name with a newline stays on its line


def test_safe_rich_marks_escapes_apart_from_look_alike_text() -> None:
    text = safe_rich(f"x{ESC}y \\x1b", "bold")
    assert text.plain == "x\\x1by \\x1b"
    styles = [(text.plain[s.start : s.end], str(s.style)) for s in text.spans]
    assert styles == [("\\x1b", "reverse")]  # only the real ESC, not the typed one


def _plain_console(**kwargs: object) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=100, color_system=None, **kwargs), out  # type: ignore[arg-type]


def test_the_safe_console_interprets_no_markup_and_writes_no_raw_control() -> None:
    out = io.StringIO()
    console = safe_console(file=out, width=100, force_terminal=True, color_system="truecolor")
    console.print(f"[red]x[/red] [link=https://e.example]y[/link] :smile: {ATTACK}")
    console.control(Control.move_to(0, 0))  # rich's own control segments still pass
    written = out.getvalue()
    assert "[red]x[/red] [link=https://e.example]y[/link] :smile:" in written
    assert f"{ESC}]" not in written and "\x9b" not in written and "\u202e" not in written
    assert f"{ESC}[1;1H" in written


def test_markdown_and_plain_rendering_escape_in_text_and_code() -> None:
    console, _ = _plain_console()
    source = f"para {ESC}]0;T\x07\n\n```\ncode {ESC}]52;c;eA==\x07\n```\n\n`span {ESC}[2K`\n"
    for render in (render_markdown(console, source, 80), render_plain(console, ATTACK, 80, "")):
        text = "".join(segment.text for line in render for segment in line)
        assert ESC not in text and "\x07" not in text and "\x9b" not in text
    shown = "\n".join(
        "".join(s.text for s in line) for line in render_markdown(console, source, 80)
    )
    assert "para \\x1b]0;T\\x07" in shown and "code \\x1b]52;c;eA==\\x07" in shown


def test_diffs_show_escapes_in_every_front_end() -> None:
    diff = f"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new {ESC}[2K{ESC}[1G+fake\r\n"
    assert "+new \\x1b[2K\\x1b[1G+fake" in colored_diff(diff).plain
    colored = ansi_diff(diff)
    assert "\\x1b[2K" in colored and f"{ESC}[2K" not in colored
    assert f"{ESC}[32m+new" in colored  # its own colors only


def test_command_output_lines_keep_progress_bars_but_escape_the_rest() -> None:
    assert clean_output_line("10%\r50%\r100%") == "100%"
    assert clean_output_line(f"{ESC}[31mred{ESC}[0m") == "red"
    # An unterminated OSC loses its introducer with the colors; C1 and bidi show escaped.
    assert clean_output_line(f"x {ESC}]52;c;eA== \x9b2J \u202e") == "x 52;c;eA== \\x9b2J \\u202e"
    assert clean_output_line(f"{ESC}{ESC}x") == "\\x1b\\x1bx"


def _call() -> ToolCall:
    return ToolCall("call_1", "shell", "{}")


def test_the_turn_view_prints_no_control_character_from_events() -> None:
    console, out = _plain_console()
    view = TurnView(console, show_reasoning=lambda: True, model_name=lambda: "m")
    summary = f"$ touch X #{ESC}[2K{ESC}[1G● $ ls"
    view(ToolRequested(_call(), "shell", summary, summary))
    view(ToolDecided(_call(), "denied", f"no {ESC}]0;T\x07"))
    view(ToolFinished(_call(), False, f"boom {ESC}[2J\nsecond", "error"))
    view(Notice(f"server says {ESC}]52;c;eA==\x07"))
    view(TurnFinished("failed", error=f"HTTP 500: {ESC}]0;T\x07 [red]x[/red]"))
    view.close()
    written = out.getvalue()
    assert ESC not in written and "\x07" not in written
    assert "touch X #\\x1b[2K\\x1b[1G● $ ls" in written and "[red]x[/red]" in written


def test_the_confirmation_shows_commands_whole_and_escaped() -> None:
    console, out = _plain_console()
    command = f"touch X #\r{ESC}[2K● $ ls\x0cmore"
    request = ApprovalRequest(
        call=_call(),
        kind="shell",
        summary="$ touch X",
        detail=f"$ {command}\n$ second\n(in /ws\n/x, timeout 5s)",
        shell_command=command,
    )
    ConfirmApprover(console, lambda: None)._show(request)
    written = out.getvalue()
    assert ESC not in written and "\r" not in written and "\x0c" not in written
    assert "$ touch X #\\r\\x1b[2K● $ ls\\x0cmore" in written  # one line, as bash sees it


class FakeTty:
    """Written to like a terminal; reads come from ``typed``."""

    def __init__(self, typed: str) -> None:
        self.out = io.StringIO()
        self.typed = io.StringIO(typed)

    def write(self, text: str) -> int:
        return self.out.write(text)

    def flush(self) -> None:
        pass

    def readline(self) -> str:
        return self.typed.readline()

    def getvalue(self) -> str:
        return self.out.getvalue()


def test_the_headless_terminal_prompt_and_progress_escape_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rich.console import Console

    from infercode.ui import approval_menu

    tty = FakeTty("")
    monkeypatch.setattr(approval_menu, "ask_key", lambda *args: "escape")
    request = ApprovalRequest(
        call=ToolCall("c", f"shell{ESC}]0;T\x07", "{}"),
        kind="edit",
        summary="edit a\nb.py",
        detail=f"+x {ESC}[2K{ESC}[1G+y\n",
    )
    console = Console(file=tty, force_terminal=False)  # type: ignore[arg-type]
    # What TtyApprover builds on /dev/tty, here on a fake one.
    assert not approval_menu.MenuApprover(console, lambda: None, stream=tty).decide(request).allow
    err = io.StringIO()
    progress = ProgressPrinter(err)
    progress(ToolRequested(_call(), "edit", "edit a\nb.py", ""))
    progress(ToolFinished(_call(), False, f"{ESC}]52;c;eA==\x07 failed", "error"))
    progress(Notice(f"notice {ESC}[2J"))
    report_end(TurnFinished("failed", error=f"{ESC}]0;T\x07"), err)
    for written in (tty.getvalue(), err.getvalue()):
        assert ESC not in written and "\x07" not in written
    assert "edit a\\nb.py" in err.getvalue()  # the progress line names the call; the menu does not
    assert "+x \\x1b[2K\\x1b[1G+y" in tty.getvalue()


def test_the_toolbar_escapes_directory_and_branch_names() -> None:
    text = toolbar_text("m", Path(f"/w/a{ESC}]0;T\x07"), f"b{ESC}[2J\n", 1, 10)
    assert ESC not in text and "\n" not in text and "\\x1b]0;T\\x07" in text


# -- no raw writes -------------------------------------------------------------------------------

#: Functions whose result is safe to write to a terminal.
SAFE_CALLS = {"safe_text", "safe_line", "ansi_diff", "format_sessions", "str", "len"}
#: Files whose terminal writes this test checks: the front-ends and the CLI around them.
CHECKED = [
    "ui/headless/runner.py",
    "ui/headless/tty_approver.py",
    "ui/notify.py",
    "cli/wiring.py",
    "cli/subcommands.py",
    "cli/main.py",
    "cli/launch.py",
]
#: Writes checked by hand: fixed text or data formats (JSON lines are escaped by json.dumps).
ALLOWED = {
    ("ui/headless/runner.py", "shown.rstrip('\\n') + '\\n'"),  # the answer: safe_text on a terminal
    ("ui/headless/runner.py", "mask.mask(json_line(answer)) + '\\n'"),  # JSON, see json_line
    ("ui/headless/output_formats.py", "line"),
    ("cli/main.py", "HELP_FILE.read_text(encoding='utf-8')"),
    ("ui/notify.py", "notification(self.env, text)"),  # BEL or OSC 9 around a fixed text
}


def _safe(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(
            _safe(v.value) if isinstance(v, ast.FormattedValue) else True for v in node.values
        )
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in SAFE_CALLS
    if isinstance(node, ast.Attribute):
        # Numbers and fixed strings of our own (counts, the version, the store's directory).
        return node.attr in {"denied_calls", "directory", "strerror"}
    if isinstance(node, ast.Name):
        return node.id in {
            "where",
            "why",
            "timing",
            "mark",
            "outside",
            "scope",
            "infos",
            "__version__",
        }
    return False


def test_front_ends_write_nothing_to_a_terminal_but_through_the_choke_point() -> None:
    """Every ``.write(...)`` in the front-ends writes fixed text or passes ``safe_*``."""
    unsafe = []
    checked = 0
    for name in CHECKED:
        tree = ast.parse((SRC / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "write"
                and node.args
            ):
                continue
            arg = node.args[0]
            checked += 1
            if not _safe(arg) and (name, ast.unparse(arg)) not in ALLOWED:
                unsafe.append(f"{name}:{node.lineno}: {ast.unparse(arg)}")
    assert unsafe == [], "\n".join(unsafe)
    assert checked > 20


def test_the_repl_console_is_the_safe_console(tmp_path: Path) -> None:
    """Everything the REPL prints goes through one console; it is the safe one."""
    source = (SRC / "ui" / "repl" / "app.py").read_text(encoding="utf-8")
    assert "safe_console(" in source
    constructed = [
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if "Console(" in path.read_text(encoding="utf-8").replace("SafeConsole(", "")
    ]
    # Only ui/repl/app.py builds a plain one, writing to a StringIO, to warm up the renderer.
    assert constructed == ["ui/repl/app.py"]
    assert source.count("Console(") == 1 and "Console(file=io.StringIO()" in source
