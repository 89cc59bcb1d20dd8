"""The streaming renderer: linear work, everything printed once, fences cut cleanly."""

from __future__ import annotations

import io

from rich.console import Console
from rich.segment import Segment

from infercode.ui.diff_view import colored_diff
from infercode.ui.repl.render import (
    Line,
    Lines,
    TextStream,
    markdown_stream,
    plain_stream,
    plan_markdown,
    plan_plain,
    render_markdown,
)
from tests.support.responses_demo import bench_markdown


def _console(width: int = 80, **kwargs: object) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, color_system=None, **kwargs), out  # type: ignore[arg-type]


def _stream_all(text: str, chunk: int = 4) -> tuple[TextStream, str]:
    """Feed ``text`` in ``chunk``-sized deltas, rendering the tail after every one (the worst
    case: no throttle at all). Returns the stream and what went into scrollback."""
    console, out = _console()
    stream = markdown_stream(console, lambda lines: console.print(Lines(lines)), settle_interval=0)
    for start in range(0, len(text), chunk):
        stream.feed(text[start : start + chunk])
        stream.tail_lines(80)
    stream.finish(80)
    return stream, out.getvalue()


def _count_work(text: str, chunk: int = 4) -> TextStream:
    """Like ``_stream_all`` with a renderer that only counts (the algorithm, not rich's speed)."""

    def render(source: str, width: int) -> list[Line]:
        return [[Segment(source[:width])]]

    stream = TextStream(
        render, lambda lines: None, plan_markdown, width=lambda: 80, gaps=True, settle_interval=0
    )
    for start in range(0, len(text), chunk):
        stream.feed(text[start : start + chunk])
        stream.tail_lines(80)
    stream.finish(80)
    return stream


def test_render_work_stays_linear_in_reply_length() -> None:
    small = _count_work(bench_markdown(10))
    large = _count_work(bench_markdown(50))
    # Re-rendering the whole reply per delta would make 5x the text cost 25x; linear is 5x.
    ratio = large.stats.chars / small.stats.chars
    assert 4.5 < ratio < 5.5
    # Even unthrottled (a render after every 4-character delta), each character of a 50 KB
    # reply is rendered a bounded number of times: the tail, never the whole reply.
    assert large.stats.chars < 30 * 50 * 1024
    assert large.stats.calls <= 50 * 1024 // 4 + 50 * 1024 // 40


def test_one_huge_code_block_stays_linear_too() -> None:
    code = "".join(f"    x_{n} = compute({n})\n" for n in range(2000))  # ~50 KB, no blank line
    large = _count_work(f"```python\n{code}```\n")
    small = _count_work(f"```python\n{code[: len(code) // 5]}```\n")
    assert large.stats.chars / small.stats.chars < 5.5


def test_every_block_reaches_scrollback_exactly_once() -> None:
    text = bench_markdown(6)
    _, printed = _stream_all(text, chunk=9)
    sections = text.count("## Part ")
    for n in range(1, sections):
        assert printed.count(f"Part {n}: ") == 1, n
        assert printed.count(f"def handle_{n}(") == 1, n


def test_streamed_output_matches_rendering_the_whole_reply_at_once() -> None:
    text = (
        "# Title\n\nSome *text* here.\n\n- one\n- two\n\n```python\nx = 1\n\ny = 2\n```\n\nEnd.\n"
    )
    console, whole = _console()
    console.print(Lines(render_markdown(console, text, 80)))
    for chunk in (1, 3, 7):
        _, streamed = _stream_all(text, chunk)
        assert streamed == whole.getvalue()


def test_a_blank_line_inside_a_fence_is_not_a_boundary() -> None:
    chunks, tail = plan_markdown("intro\n\n```\na\n\nb\n", 40, 4000)
    assert chunks == [("intro\n", True)]
    assert tail == "```\na\n\nb\n"


def test_a_long_code_block_is_cut_and_reopened_at_the_cap() -> None:
    code = "".join(f"line {n}\n" for n in range(50))
    chunks, tail = plan_markdown("```python\n" + code + "partial", 40, 4000)
    ((settled, gap),) = chunks
    assert settled.startswith("```python\nline 0") and settled.endswith("line 49\n```")
    assert not gap
    assert tail == "```python\npartial"


def test_a_cut_code_block_renders_without_seams() -> None:
    code = "".join(f"value_{n} = {n}\n" for n in range(100))
    text = f"```python\n{code}```\n"
    console, whole = _console()
    console.print(Lines(render_markdown(console, text, 80)))
    _, streamed = _stream_all(text, 11)
    assert streamed == whole.getvalue()


def test_one_enormous_line_is_cut_at_spaces() -> None:
    line = "word " * 2000
    chunks, tail = plan_markdown(line, 40, 4000)
    assert len(chunks) == 1 and len(chunks[0][0]) <= 4000 and chunks[0][0].endswith(" ")
    assert chunks[0][0] + tail == line


def test_plain_text_settles_at_newlines() -> None:
    assert plan_plain("a\nb\nc", 40, 4000) == ([("a\nb", False)], "c")
    assert plan_plain("abc", 40, 4000) == ([], "abc")


def test_reasoning_stream_prints_lines_once() -> None:
    console, out = _console()
    stream = plain_stream(console, lambda lines: console.print(Lines(lines)), settle_interval=0)
    for word in ("first line\nsec", "ond line\nthi", "rd"):
        stream.feed(word)
    assert out.getvalue() == "first line\nsecond line\n"
    stream.finish(80)
    assert out.getvalue() == "first line\nsecond line\nthird\n"


def test_no_color_output_has_no_color_codes() -> None:
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, no_color=True)
    console.print(Lines(render_markdown(console, "# Hi\n\n```python\nx = 'y'\n```\n", 80)))
    console.print(colored_diff("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"))
    assert "\x1b[3" not in out.getvalue() and "\x1b[38" not in out.getvalue()


def test_lines_carry_no_trailing_padding() -> None:
    console, _ = _console(width=60)
    for line in render_markdown(console, "short paragraph\n\n- item\n", 60):
        text = "".join(segment.text for segment in line)
        assert text == text.rstrip()


def test_diff_colors() -> None:
    text = colored_diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same\n")
    styles = {text.plain[span.start : span.end].strip(): str(span.style) for span in text.spans}
    assert styles["-old"] == "red" and styles["+new"] == "green"
    assert styles["@@ -1 +1 @@"] == "cyan" and styles["--- a/x"] == "bold"
