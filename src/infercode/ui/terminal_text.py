"""The one choke point between untrusted text and the terminal.

Every string that came from the model, a tool, a file or a server (answers, reasoning, commands,
diffs, paths, tool output, error texts) passes ``safe_text`` (multi-line text) or ``safe_line``
(one-line fields) before it is printed. A terminal *interprets* control characters: ``ESC [2K``
erases a line, ``ESC ] 0;`` retitles the window, ``ESC ] 52;`` writes the clipboard, a lone
``\\r`` returns to column 0 and lets later text overwrite earlier text, bidi overrides reorder
what is read. Such a character is shown visibly escaped (``\\x1b``, ``\\r``, ``\\u202e``), never
passed through, so what is shown is what runs.

``SafeConsole`` is the REPL's console: it never interprets markup or emoji codes, and it escapes
any control character left in a printed segment (rich's own cursor movements are control
segments and pass). The REPL code still sanitises at the source, so that rich measures the
escaped text when it wraps lines; the console is the net under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.segment import Segment
    from rich.text import Text

    from infercode.redact import SecretMask

#: Characters a terminal acts on instead of showing: C0 but newline and tab, DEL, C1, and the
#: invisible characters that reorder or separate text (bidi embeddings, overrides, isolates and
#: marks, line and paragraph separators).
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
#: Invisible format characters (Unicode category Cf: zero-width spaces and joiners, the soft
#: hyphen, word joiners, the BOM, tag characters...). In a command or a path they make two
#: different strings look the same, so ``strict`` text shows them too. Answers keep them: the
#: zero-width joiner builds emoji.
_FORMAT = (
    "\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200d\u2060-\u2064"
    "\u206a-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"\r\n|[{_CONTROL}]")
_UNSAFE_STRICT = re.compile(f"\r\n|[{_CONTROL}{_FORMAT}]")
_UNSAFE_LINE = re.compile(f"[\n\t{_CONTROL}{_FORMAT}]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def escape_char(char: str) -> str:
    """The visible form of an unsafe character: ``\\r``, ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _replace(match: re.Match[str]) -> str:
    found = match.group()
    # CR LF is a line ending; nothing can hide behind a CR that a newline follows at once.
    return "\n" if found == "\r\n" else escape_char(found)


def safe_text(text: str, *, strict: bool = False) -> str:
    """``text`` with every control character shown escaped; newlines and tabs stay.

    ``strict`` (commands, paths, diffs) escapes invisible format characters too.
    """
    pattern = _UNSAFE_STRICT if strict else _UNSAFE
    return pattern.sub(_replace, text) if pattern.search(text) else text


def safe_line(text: str) -> str:
    """One-line fields (a summary, a path, a rule): newlines and tabs are escaped as well, so a
    file name with a newline cannot fake a second line."""
    return _UNSAFE_LINE.sub(lambda m: escape_char(m.group()), text)


def pieces(text: str, *, strict: bool = False, line: bool = False) -> Iterator[tuple[str, bool]]:
    """``text`` as (piece, escaped) pairs: the escaped pieces are the visible forms of unsafe
    characters, for front-ends that style them apart from text that looks the same."""
    pattern = _UNSAFE_LINE if line else _UNSAFE_STRICT if strict else _UNSAFE
    start = 0
    for match in pattern.finditer(text):
        if match.start() > start:
            yield text[start : match.start()], False
        found = match.group()
        if found == "\r\n":
            yield "\n", False
        else:
            yield escape_char(found), True
        start = match.end()
    if start < len(text):
        yield text[start:], False


def safe_rich(text: str, style: str = "", *, strict: bool = True, line: bool = False) -> Text:
    """A rich ``Text`` of untrusted ``text`` (never markup), escapes shown in reverse video so
    that a real ESC and the four characters ``\\x1b`` typed by the model look different."""
    from rich.text import Text

    out = Text(style=style, end="")
    for piece, escaped in pieces(text, strict=strict, line=line):
        out.append(piece, style="reverse" if escaped else None)
    return out


def ansi_diff(diff: str) -> str:
    """A unified diff for a plain terminal stream, sanitised, colored by line kind."""
    lines = []
    for line in safe_text(diff, strict=True).split("\n"):
        if line.startswith(("+++", "---")):
            code = "1"
        elif line.startswith("@@"):
            code = "36"
        elif line.startswith("+"):
            code = "32"
        elif line.startswith("-"):
            code = "31"
        else:
            lines.append(line)
            continue
        lines.append(f"\x1b[{code}m{line}\x1b[0m")
    return "\n".join(lines)


def _safe_segments(buffer: Iterable[Segment], mask: SecretMask | None) -> Iterator[Segment]:
    from rich.segment import Segment

    for segment in buffer:
        text, style, control = segment
        if control:
            yield segment
            continue
        masked = mask.mask(text) if mask else text
        if masked == text and not _UNSAFE.search(text):
            yield segment
        else:
            yield Segment(safe_text(masked), style, control)


def safe_console(mask: SecretMask | None = None, **kwargs: Any) -> Console:
    """A rich Console that never interprets markup or emoji codes in what it prints and never
    writes a control character it was not asked to write as a control segment; ``mask`` hides
    the API key in any printed text (tools mask it at the source already; this is the net)."""
    from rich.console import Console

    class SafeConsole(Console):
        def _render_buffer(self, buffer: Iterable[Segment]) -> str:
            return super()._render_buffer(_safe_segments(buffer, mask))

    options: dict[str, Any] = {"markup": False, "emoji": False, "highlight": False, **kwargs}
    return SafeConsole(**options)
