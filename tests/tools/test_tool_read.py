"""read_file: numbered lines, slices, and a clear refusal for everything that is not a text file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import ToolContext, ToolResult
from infercode.tools.read import ReadFileTool
from infercode.tools.workspace import OutsideWorkspace, Workspace


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


@pytest.fixture
def tool(root: Path) -> ReadFileTool:
    return ReadFileTool(Workspace(root))


def read(tool: ReadFileTool, **args: object) -> ToolResult:
    return tool.prepare(dict(args)).execute(ToolContext())


def error(tool: ReadFileTool, args: JSON) -> str:
    with pytest.raises(ToolError) as info:
        tool.prepare(args).execute(ToolContext())
    return str(info.value)


def test_spec(tool: ReadFileTool) -> None:
    assert tool.spec.name == "read_file"
    assert tool.spec.kind == "read" and tool.spec.mutating is False
    params = tool.spec.parameters
    assert params["required"] == ["path"]
    properties = params["properties"]
    assert isinstance(properties, dict)
    assert set(properties) == {"path", "offset", "limit"}


def test_numbered_like_cat_n(tool: ReadFileTool, root: Path) -> None:
    (root / "a.py").write_text("import os\n\n    x = 1\n")
    call = tool.prepare({"path": "a.py"})
    assert call.kind == "read"
    assert call.summary == "read a.py (3 lines)"
    assert call.paths == ("a.py",)
    result = call.execute(ToolContext())
    assert result.output == "     1\timport os\n     2\t\n     3\t    x = 1"
    assert result.ok and result.summary == "3 lines"


def test_last_line_without_newline_counts(tool: ReadFileTool, root: Path) -> None:
    (root / "a.txt").write_text("one\ntwo")
    assert read(tool, path="a.txt").output == "     1\tone\n     2\ttwo"


def test_offset_and_limit_with_continuation_note(root: Path) -> None:
    tool = ReadFileTool(Workspace(root), max_chars=1_000_000)
    (root / "big.txt").write_text("".join(f"line {n}\n" for n in range(1, 5313)))
    first = read(tool, path="big.txt")
    assert first.output.startswith("     1\tline 1\n")
    assert "  2000\tline 2000\n" in first.output
    assert "line 2001" not in first.output
    assert first.output.endswith(
        "[showing lines 1-2000 of 5312; call read_file with offset=2001 to read on]"
    )
    middle = tool.prepare({"path": "big.txt", "offset": 10, "limit": 3})
    assert middle.summary == "read big.txt (lines 10-12 of 5312)"
    assert tool.prepare({"path": "big.txt"}).summary == "read big.txt (lines 1-2000 of 5312)"
    result = middle.execute(ToolContext())
    assert result.output.splitlines()[:3] == [
        "    10\tline 10",
        "    11\tline 11",
        "    12\tline 12",
    ]
    assert "offset=13" in result.output
    tail = read(tool, path="big.txt", offset=5311)
    assert tail.output == "  5311\tline 5311\n  5312\tline 5312"  # no note: nothing left


def test_character_budget_stops_early_and_says_where_to_go_on(root: Path) -> None:
    (root / "wide.txt").write_text("".join(f"{n:03d}" + "x" * 96 + "\n" for n in range(100)))
    tool = ReadFileTool(Workspace(root), max_chars=1000)
    output = read(tool, path="wide.txt").output
    assert len(output) < 1200
    assert "[showing lines 1-9 of 100; call read_file with offset=10 to read on]" in output


def test_offset_past_the_end(tool: ReadFileTool, root: Path) -> None:
    (root / "a.txt").write_text("1\n2\n3\n")
    assert "past the end of a.txt: it has 3 lines" in error(tool, {"path": "a.txt", "offset": 4})


def test_empty_file(tool: ReadFileTool, root: Path) -> None:
    (root / "empty.txt").write_bytes(b"")
    result = read(tool, path="empty.txt")
    assert result.ok and "empty" in result.output


def test_long_lines_are_cut_with_a_marker(tool: ReadFileTool, root: Path) -> None:
    (root / "min.js").write_text("a" * 2500 + "\nshort\n")
    lines = read(tool, path="min.js").output.split("\n")
    assert lines[0] == "     1\t" + "a" * 2000 + "… [line truncated, 500 more characters]"
    assert lines[1] == "     2\tshort"


def test_crlf_and_bom_are_not_shown(tool: ReadFileTool, root: Path) -> None:
    (root / "win.txt").write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    assert read(tool, path="win.txt").output == "     1\tone\n     2\ttwo"


def test_multibyte_character_across_the_sniff_boundary_is_text(
    tool: ReadFileTool, root: Path
) -> None:
    # The sniff reads 8192 bytes; "é" is two bytes, the first of them the 8192nd.
    (root / "u.txt").write_bytes(b"x\n" * 4095 + b"a" + "é\n".encode())
    assert read(tool, path="u.txt", offset=4096).output == "  4096\taé"


def test_missing_file_suggests_close_names(tool: ReadFileTool, root: Path) -> None:
    (root / "src").mkdir()
    (root / "src" / "config.py").write_text("")
    (root / "src" / "configure.py").write_text("")
    message = error(tool, {"path": "src/confg.py"})
    assert "src/confg.py does not exist" in message
    assert "src/config.py" in message


def test_missing_directory(tool: ReadFileTool) -> None:
    assert "does not exist" in error(tool, {"path": "nope/x.py"})


def test_directory_is_refused_with_a_hint(tool: ReadFileTool, root: Path) -> None:
    (root / "src").mkdir()
    message = error(tool, {"path": "src"})
    assert "is a directory" in message and "glob" in message and "`src`" in message


def test_binary_with_nul_is_refused(tool: ReadFileTool, root: Path) -> None:
    (root / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    message = error(tool, {"path": "img.png"})
    assert "binary" in message and "116 bytes" in message


def test_invalid_utf8_is_refused_as_binary(tool: ReadFileTool, root: Path) -> None:
    (root / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    assert "binary" in error(tool, {"path": "latin1.txt"})


def test_fifo_is_refused(tool: ReadFileTool, root: Path) -> None:
    os.mkfifo(root / "pipe")
    assert "not a regular file" in error(tool, {"path": "pipe"})


def test_outside_paths_are_refused(tool: ReadFileTool, root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s\n")
    (root / "link").symlink_to(tmp_path / "secret.txt")
    for path in ("../secret.txt", str(tmp_path / "secret.txt"), "link"):
        with pytest.raises(OutsideWorkspace):
            tool.prepare({"path": path})


def test_file_removed_after_prepare(tool: ReadFileTool, root: Path) -> None:
    (root / "a.txt").write_text("x\n")
    call = tool.prepare({"path": "a.txt"})
    (root / "a.txt").unlink()
    with pytest.raises(ToolError, match=r"Cannot read a\.txt"):
        call.execute(ToolContext())


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "'path' is required"),
        ({"path": 3}, "'path' is required and must be a string"),
        ({"path": ""}, "'path' must not be empty"),
        ({"path": "a.txt", "offset": 0}, "'offset' must be at least 1"),
        ({"path": "a.txt", "offset": "2"}, "'offset' must be an integer"),
        ({"path": "a.txt", "limit": 2.5}, "'limit' must be an integer"),
        ({"path": "a.txt", "limit": True}, "'limit' must be an integer"),
        ({"path": "a.txt", "limit": 0}, "'limit' must be at least 1"),
    ],
)
def test_bad_arguments(tool: ReadFileTool, root: Path, args: JSON, fragment: str) -> None:
    (root / "a.txt").write_text("x\n")
    assert fragment in error(tool, args)


def test_the_tool_line_counts_a_small_file(tool: ReadFileTool, root: Path) -> None:
    (root / "ops.py").write_text("".join(f"x{n} = {n}\n" for n in range(8)))
    (root / "one.txt").write_text("only")
    (root / "none.txt").write_text("")
    assert tool.prepare({"path": "ops.py"}).summary == "read ops.py (8 lines)"
    assert tool.prepare({"path": "one.txt"}).summary == "read one.txt (1 line)"
    assert tool.prepare({"path": "none.txt"}).summary == "read none.txt (empty)"
    past = tool.prepare({"path": "ops.py", "offset": 20}).summary
    assert past == "read ops.py (from line 20, past its 8 lines)"
