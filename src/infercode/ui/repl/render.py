"""Streaming text into terminal scrollback with a small live tail, in linear total work.

A reply arrives as many small deltas. Re-rendering the whole reply on each one (as a naive
``Live(Markdown(text))`` does) costs O(n²) and flickers. Instead, as in Aider's ``mdstream``:

* text up to the last *settled* block boundary (a blank line outside a code fence) is rendered
  once and printed into normal scrollback, never to be redrawn;
* only the unsettled tail is rendered again, when the live display refreshes (throttled);
* the tail is capped (lines and characters): past the cap it is cut at a line boundary, and a
  code fence cut that way is closed and reopened, so no single render grows with the reply.

``TextStream`` holds that logic; ``markdown_stream`` and ``plain_stream`` choose how text is
split and rendered. Rendering goes through a ``Console``, so ``NO_COLOR`` and dumb terminals
are handled by rich.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from infercode.ui.terminal_text import safe_text

if TYPE_CHECKING:
    from rich.markdown import Markdown

Line = list[Segment]
#: One settled piece of source text and whether a block gap (blank line) follows it.
Chunk = tuple[str, bool]
Planner = Callable[[str, int, int], tuple[list[Chunk], str]]
RenderFn = Callable[[str, int], list[Line]]

MAX_TAIL_LINES = 40
MAX_TAIL_CHARS = 4000
SETTLE_INTERVAL_S = 0.05
CODE_THEME = "monokai"

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")


@functools.cache
def markdown_type() -> type[Markdown]:
    """rich's Markdown with our code blocks and headings. Built on first use: rich.markdown
    (markdown-it, pygments' lexers) is not needed before the first reply, so the REPL imports it
    after its prompt is drawn (``warm_up``) rather than on the way to it."""
    from rich.markdown import CodeBlock, Heading, Markdown
    from rich.syntax import Syntax

    class _CodeBlock(CodeBlock):
        """A code block without padding or background: a block cut in two renders seamlessly."""

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            code = str(self.text).rstrip("\n")
            yield Syntax(
                code,
                self.lexer_name,
                theme=self.theme,
                word_wrap=True,
                padding=(0, 0, 0, 2),
                background_color="default",
            )

    class _Heading(Heading):
        # A centered title looks odd in a transcript; every level is left-aligned.
        LEVEL_ALIGN: ClassVar[dict[str, str]] = {f"h{n}": "left" for n in range(1, 7)}  # type: ignore[assignment]

    class _Markdown(Markdown):
        elements: ClassVar[dict[str, type]] = {
            **Markdown.elements,
            "fence": _CodeBlock,
            "code_block": _CodeBlock,
            "heading_open": _Heading,
        }

    return _Markdown


def warm_up(console: Console) -> None:
    """Build the Markdown type and render once, so the first reply pays no import."""
    render_markdown(console, "# w\n\n`w` *w*\n\n```python\nw = 1\n```\n", 40)


class Lines:
    """Pre-rendered lines as a renderable (printed as they are, one terminal line each)."""

    def __init__(self, lines: Iterable[Line]) -> None:
        self.lines = list(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield from line
            yield newline


def _has_background(style: Style | None) -> bool:
    return style is not None and style.bgcolor is not None and not style.bgcolor.is_default


def trim_line(line: Line) -> Line:
    """Drop trailing unstyled spaces: padded lines rewrap badly when the terminal narrows."""
    segments = list(line)
    while segments:
        last = segments[-1]
        if last.control or _has_background(last.style):
            break
        stripped = last.text.rstrip(" ")
        if stripped:
            segments[-1] = Segment(stripped, last.style)
            break
        segments.pop()
    return segments


def _blank(line: Line) -> bool:
    return not line or all(not s.text.strip() and not _has_background(s.style) for s in line)


def render_markdown(console: Console, text: str, width: int) -> list[Line]:
    # markdown-it passes control characters through (in text and code blocks alike): escape
    # them in the source. Their visible forms (a backslash and a letter) are not markdown.
    markdown = markdown_type()(safe_text(text), code_theme=CODE_THEME, hyperlinks=False)
    options = console.options.update(width=max(width, 10), height=None)
    lines = [trim_line(line) for line in console.render_lines(markdown, options, pad=False)]
    while lines and _blank(lines[-1]):
        lines.pop()
    while lines and _blank(lines[0]):
        lines.pop(0)
    return lines


def render_plain(console: Console, text: str, width: int, style: str) -> list[Line]:
    options = console.options.update(width=max(width, 10), height=None)
    rendered = Text(safe_text(text), style=style, end="")
    return [trim_line(line) for line in console.render_lines(rendered, options, pad=False)]


def _closes(line: str, opener: str) -> bool:
    stripped = line.strip()
    return (
        len(stripped) >= len(opener)
        and stripped == stripped[0] * len(stripped)
        and stripped[0] == opener[0]
    )


def _cut_long_line(line: str, max_chars: int) -> int:
    """Where to cut an overlong line: the last space before the limit, else the limit."""
    cut = line.rfind(" ", 0, max_chars)
    return cut + 1 if cut > 0 else max_chars


def plan_markdown(tail: str, max_lines: int, max_chars: int) -> tuple[list[Chunk], str]:
    """Split an unsettled markdown tail into chunks that can be printed for good, and the rest.

    A chunk ends at the last blank line outside a code fence (a block boundary). Past the caps,
    the rest is cut at a line boundary too; an open fence is closed for the settled part and
    reopened (same opener) at the start of the new tail.
    """
    lines = tail.split("\n")
    complete, partial = lines[:-1], lines[-1]
    fence: str | None = None
    opener = ""
    boundary = 0
    for index, line in enumerate(complete):
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        match = _FENCE.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
            fence, opener = match.group(1), line
        elif not line.strip():
            boundary = index + 1
    chunks: list[Chunk] = []
    if boundary:
        chunks.append(("\n".join(complete[:boundary]), True))
    rest = complete[boundary:]
    rest_chars = sum(len(line) + 1 for line in rest) + len(partial)
    if rest and (len(rest) > max_lines or rest_chars > max_chars):
        if fence is not None:
            chunks.append(("\n".join([*rest, fence]), False))
            return chunks, f"{opener}\n{partial}"
        chunks.append(("\n".join(rest), False))
        rest = []
    if not rest and len(partial) > max_chars:
        # One enormous line (no newline for thousands of characters): cut it at a space.
        cut = _cut_long_line(partial, max_chars)
        if fence is not None:
            chunks.append((f"{opener}\n{partial[:cut]}\n{fence}", False))
            return chunks, f"{opener}\n{partial[cut:]}"
        chunks.append((partial[:cut], False))
        return chunks, partial[cut:]
    return chunks, "\n".join([*rest, partial])


def plan_plain(tail: str, max_lines: int, max_chars: int) -> tuple[list[Chunk], str]:
    """Plain text settles at every newline; an overlong line is cut at a space."""
    del max_lines  # complete lines always settle
    head, newline, partial = tail.rpartition("\n")
    chunks: list[Chunk] = [(head, False)] if newline else []
    if len(partial) > max_chars:
        cut = _cut_long_line(partial, max_chars)
        chunks.append((partial[:cut], False))
        partial = partial[cut:]
    return chunks, partial


@dataclass
class RenderStats:
    """Work done, for tests and benchmarks: render calls and source characters rendered."""

    calls: int = 0
    chars: int = 0


class TextStream:
    """One streamed text (a message or a reasoning item): settled output plus a live tail.

    ``feed`` is called from the main thread; ``tail_lines`` from whichever thread refreshes the
    live display (rich's refresh thread); a lock keeps them consistent. ``emit`` prints lines
    into scrollback and is always called without the lock held.
    """

    def __init__(
        self,
        render: RenderFn,
        emit: Callable[[list[Line]], None],
        plan: Planner,
        *,
        width: Callable[[], int],
        gaps: bool,
        max_lines: int = MAX_TAIL_LINES,
        max_chars: int = MAX_TAIL_CHARS,
        settle_interval: float = SETTLE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._render = render
        self._emit = emit
        self._plan = plan
        self._width = width
        self._gaps = gaps
        self._max_lines = max_lines
        self._max_chars = max_chars
        self._settle_interval = settle_interval
        self._clock = clock
        self._settled_at = float("-inf")
        self._newline = False
        self._lock = threading.Lock()
        self._tail = ""
        self._gap_pending = False
        self._printed_any = False
        self._version = 0
        self._cache: tuple[int, int, list[Line]] = (-1, -1, [])
        self.stats = RenderStats()

    @property
    def active(self) -> bool:
        return bool(self._tail) or self._printed_any

    def feed(self, text: str) -> None:
        if not text:
            return
        with self._lock:
            self._tail += text
            self._version += 1
            # Settling needs a newline (a line or block ended) or a tail over the cap. When text
            # pours in, settle at most every ``settle_interval``: one render then covers several
            # blocks (each render has a fixed cost).
            self._newline = self._newline or "\n" in text
            now = self._clock()
            if len(self._tail) <= self._max_chars and (
                not self._newline or now - self._settled_at < self._settle_interval
            ):
                return
            self._newline = False
            self._settled_at = now
            chunks, self._tail = self._plan(self._tail, self._max_lines, self._max_chars)
        for chunk, gap_after in chunks:
            self._print_chunk(chunk, gap_after)

    def finish(self, width: int) -> None:
        """Print whatever is left; the stream is then empty (and reusable)."""
        with self._lock:
            tail, self._tail = self._tail, ""
            self._version += 1
        if tail.strip():
            self._print_chunk(tail, False, width)
        self._gap_pending = False
        self._printed_any = False

    def discard(self) -> bool:
        """Drop the unprinted tail (a retried response); True if part of it was printed."""
        with self._lock:
            self._tail = ""
            self._version += 1
        printed, self._printed_any = self._printed_any, False
        self._gap_pending = False
        return printed

    def tail_lines(self, width: int) -> list[Line]:
        """The rendered tail (cached until the text or the width changes)."""
        with self._lock:
            version, cached_width, lines = self._cache
            if version == self._version and cached_width == width:
                return lines
            lines = self._rendered(self._tail, width) if self._tail.strip() else []
            if lines and self._gap_pending:
                lines = [[], *lines]
            self._cache = (self._version, width, lines)
            return lines

    def _rendered(self, text: str, width: int) -> list[Line]:
        self.stats.calls += 1
        self.stats.chars += len(text)
        return self._render(text, width)

    def _print_chunk(self, chunk: str, gap_after: bool, width: int | None = None) -> None:
        lines = self._rendered(chunk, width or self._width()) if chunk.strip() else []
        if lines:
            if self._gap_pending:
                lines = [[], *lines]
            self._emit(lines)
            self._printed_any = True
            self._gap_pending = False
        if gap_after and self._gaps and self._printed_any:
            self._gap_pending = True


def markdown_stream(
    console: Console,
    emit: Callable[[list[Line]], None],
    settle_interval: float = SETTLE_INTERVAL_S,
) -> TextStream:
    def render(text: str, width: int) -> list[Line]:
        return render_markdown(console, text, width)

    return TextStream(
        render,
        emit,
        plan_markdown,
        width=lambda: console.width,
        gaps=True,
        settle_interval=settle_interval,
    )


def plain_stream(
    console: Console,
    emit: Callable[[list[Line]], None],
    style: str = "dim italic",
    settle_interval: float = SETTLE_INTERVAL_S,
) -> TextStream:
    def render(text: str, width: int) -> list[Line]:
        return render_plain(console, text, width, style)

    return TextStream(
        render,
        emit,
        plan_plain,
        width=lambda: console.width,
        gaps=False,
        settle_interval=settle_interval,
    )
