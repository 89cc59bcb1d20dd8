"""edit_file: exact replacement, creation, a helpful no-match error, and faithful bytes on disk."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import ToolContext, ToolResult
from infercode.tools.edit import EditFileTool
from infercode.tools.workspace import OutsideWorkspace, ProtectedPath, Workspace

APP = "def f():\n    return 1\n\n\ndef g():\n    return 2\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    (path / ".git").mkdir(parents=True)
    (path / ".git" / "config").write_text("[core]\n")
    (path / "app.py").write_text(APP)
    return path


@pytest.fixture
def tool(root: Path) -> EditFileTool:
    return EditFileTool(Workspace(root))


def edit(tool: EditFileTool, path: str, old: str, new: str, **extra: object) -> ToolResult:
    args: JSON = {"path": path, "old_string": old, "new_string": new, **extra}
    return tool.prepare(args).execute(ToolContext())


def error(tool: EditFileTool, args: JSON) -> str:
    with pytest.raises(ToolError) as info:
        tool.prepare(args).execute(ToolContext())
    return str(info.value)


def test_spec(tool: EditFileTool) -> None:
    assert tool.spec.name == "edit_file"
    assert tool.spec.kind == "edit" and tool.spec.mutating is True
    assert tool.spec.parameters["required"] == ["path", "old_string", "new_string"]


def test_replace_once_prepares_a_diff_and_writes_on_execute(tool: EditFileTool, root: Path) -> None:
    call = tool.prepare({"path": "app.py", "old_string": "return 2", "new_string": "return 3"})
    assert call.kind == "edit" and call.paths == ("app.py",)
    assert call.summary == "edit app.py (+1 -1)"
    assert call.detail.startswith("--- a/app.py\n+++ b/app.py\n@@ -3,4 +3,4 @@\n")
    assert "-    return 2\n+    return 3\n" in call.detail
    assert (root / "app.py").read_text() == APP  # nothing written before approval
    result = call.execute(ToolContext())
    assert result.ok and result.output == call.detail
    assert result.summary == "edit app.py (+1 -1)"
    assert (root / "app.py").read_text() == APP.replace("return 2", "return 3")


def test_multiple_matches_need_context_or_replace_all(tool: EditFileTool, root: Path) -> None:
    args: JSON = {"path": "app.py", "old_string": "    return", "new_string": "    yield"}
    message = error(tool, args)
    assert "occurs 2 times" in message and "lines 2, 6" in message
    assert "replace_all" in message
    result = edit(tool, "app.py", "    return", "    yield", replace_all=True)
    assert result.summary == "edit app.py (+2 -2)"
    assert (root / "app.py").read_text().count("yield") == 2


def test_identical_strings_are_an_error(tool: EditFileTool) -> None:
    assert "identical" in error(tool, {"path": "app.py", "old_string": "x", "new_string": "x"})


def test_create_a_file_with_parent_folders(tool: EditFileTool, root: Path) -> None:
    call = tool.prepare({"path": "notes/deep/todo.md", "old_string": "", "new_string": "a\nb\n"})
    assert call.summary == "create notes/deep/todo.md (+2)"
    assert call.detail.startswith("--- /dev/null\n+++ b/notes/deep/todo.md\n")
    assert not (root / "notes").exists()
    call.execute(ToolContext())
    created = root / "notes" / "deep" / "todo.md"
    assert created.read_text() == "a\nb\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(created.stat().st_mode) == 0o666 & ~umask


def test_missing_file_with_old_string_explains_how_to_create(tool: EditFileTool) -> None:
    message = error(tool, {"path": "app.pyy", "old_string": "x", "new_string": "y"})
    assert "does not exist" in message and "app.py" in message
    assert "empty old_string" in message


def test_empty_old_string_on_a_non_empty_file(tool: EditFileTool) -> None:
    message = error(tool, {"path": "app.py", "old_string": "", "new_string": "y"})
    assert "not empty" in message


def test_empty_old_string_fills_an_empty_file(tool: EditFileTool, root: Path) -> None:
    (root / "empty.txt").write_bytes(b"")
    assert edit(tool, "empty.txt", "", "hello\n").summary == "edit empty.txt (+1 -0)"
    assert (root / "empty.txt").read_text() == "hello\n"


def test_no_match_shows_the_closest_region(tool: EditFileTool, root: Path) -> None:
    (root / "big.py").write_text("".join(f"value_{n} = compute({n})\n" for n in range(200)))
    old = "value_120 = compute(121)\nvalue_121 = compute(122)\n"
    message = error(tool, {"path": "big.py", "old_string": old, "new_string": "x"})
    assert "old_string was not found in big.py" in message
    assert "lines 121-122" in message and "% similar" in message
    assert "   121\tvalue_120 = compute(120)\n   122\tvalue_121 = compute(121)" in message


def test_no_match_and_nothing_similar(tool: EditFileTool) -> None:
    message = error(tool, {"path": "app.py", "old_string": "zzzz qqqq", "new_string": "x"})
    assert "No similar text" in message


def test_no_match_ignoring_indentation_names_the_cause(tool: EditFileTool, root: Path) -> None:
    (root / "tabs.py").write_text("class A:\n\tdef f(self):\n\t\treturn 1\n")
    old = "    def f(self):\n        return 1\n"
    message = error(tool, {"path": "tabs.py", "old_string": old, "new_string": "x"})
    assert "matches lines 2-3 if whitespace is ignored" in message
    assert "indents with tabs" in message
    assert "     2\t\tdef f(self):" in message


def test_crlf_file_stays_crlf(tool: EditFileTool, root: Path) -> None:
    (root / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    result = edit(tool, "win.txt", "one\ntwo\n", "one\n1.5\ntwo\n")
    assert (root / "win.txt").read_bytes() == b"one\r\n1.5\r\ntwo\r\nthree\r\n"
    assert "\r" not in result.output and "+1.5\n" in result.output


def test_mixed_line_endings_are_named(tool: EditFileTool, root: Path) -> None:
    (root / "mixed.txt").write_bytes(b"a\r\nb\r\nc\nd\r\n")
    message = error(tool, {"path": "mixed.txt", "old_string": "b\nc\nd", "new_string": "x"})
    assert "line endings are ignored" in message and "3 CRLF and 1 LF" in message


def test_bom_is_kept(tool: EditFileTool, root: Path) -> None:
    (root / "bom.txt").write_bytes(b"\xef\xbb\xbfhello\n")
    edit(tool, "bom.txt", "hello", "bye")
    assert (root / "bom.txt").read_bytes() == b"\xef\xbb\xbfbye\n"


def test_mode_is_kept_and_no_temp_files_remain(tool: EditFileTool, root: Path) -> None:
    script = root / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    edit(tool, "run.sh", "hi", "there")
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert sorted(p.name for p in root.iterdir()) == [".git", "app.py", "run.sh"]


def test_symlinked_file_is_edited_through_the_link(tool: EditFileTool, root: Path) -> None:
    (root / "alias.py").symlink_to(root / "app.py")
    assert edit(tool, "alias.py", "return 1", "return 0").summary == "edit app.py (+1 -1)"
    assert (root / "alias.py").is_symlink()
    assert "return 0" in (root / "app.py").read_text()


def test_missing_final_newline_is_marked_in_the_diff(tool: EditFileTool, root: Path) -> None:
    (root / "n.txt").write_text("a\nb")
    assert "+c\n\\ No newline at end of file\n" in edit(tool, "n.txt", "b", "c").output


def test_file_changed_between_prepare_and_execute(tool: EditFileTool, root: Path) -> None:
    call = tool.prepare({"path": "app.py", "old_string": "return 1", "new_string": "return 9"})
    (root / "app.py").write_text(APP + "# edited by the user\n")
    with pytest.raises(ToolError, match="changed on disk"):
        call.execute(ToolContext())
    assert (root / "app.py").read_text() == APP + "# edited by the user\n"


def test_same_content_rewritten_between_prepare_and_execute_is_fine(
    tool: EditFileTool, root: Path
) -> None:
    call = tool.prepare({"path": "app.py", "old_string": "return 1", "new_string": "return 9"})
    (root / "app.py").write_text(APP)
    os.utime(root / "app.py", (time.time() + 5, time.time() + 5))
    call.execute(ToolContext())
    assert "return 9" in (root / "app.py").read_text()


def test_file_deleted_or_created_between_prepare_and_execute(
    tool: EditFileTool, root: Path
) -> None:
    call = tool.prepare({"path": "app.py", "old_string": "return 1", "new_string": "return 9"})
    (root / "app.py").unlink()
    with pytest.raises(ToolError, match="deleted"):
        call.execute(ToolContext())
    create = tool.prepare({"path": "new.txt", "old_string": "", "new_string": "mine\n"})
    (root / "new.txt").write_text("theirs\n")
    with pytest.raises(ToolError, match="created by something else"):
        create.execute(ToolContext())
    assert (root / "new.txt").read_text() == "theirs\n"


def test_binary_and_directories_are_refused(tool: EditFileTool, root: Path) -> None:
    (root / "blob.bin").write_bytes(b"abc\x00def")
    assert "binary" in error(tool, {"path": "blob.bin", "old_string": "abc", "new_string": "x"})
    (root / "latin.txt").write_bytes("é".encode("latin-1"))
    assert "binary" in error(tool, {"path": "latin.txt", "old_string": "a", "new_string": "x"})
    (root / "src").mkdir()
    assert "directory" in error(tool, {"path": "src", "old_string": "a", "new_string": "x"})


def test_outside_and_git_paths_are_refused(tool: EditFileTool, root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s\n")
    (root / "link").symlink_to(tmp_path / "secret.txt")
    (root / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    for path in ("../secret.txt", str(tmp_path / "secret.txt"), "link", "dirlink/new.txt"):
        with pytest.raises(OutsideWorkspace):
            tool.prepare({"path": path, "old_string": "", "new_string": "x"})
    with pytest.raises(ProtectedPath):
        tool.prepare({"path": ".git/config", "old_string": "[core]", "new_string": "x"})
    assert (tmp_path / "secret.txt").read_text() == "s\n"
    assert not (tmp_path / "new.txt").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"old_string": "a", "new_string": "b"}, "'path' is required"),
        ({"path": "app.py", "new_string": "b"}, "'old_string' is required"),
        ({"path": "app.py", "old_string": "a", "new_string": 3}, "'new_string' is required"),
        ({"path": "app.py", "old_string": ["a"], "new_string": "b"}, "must be a string"),
        (
            {"path": "app.py", "old_string": "f", "new_string": "g", "replace_all": "yes"},
            "'replace_all' must be true or false",
        ),
    ],
)
def test_bad_arguments(tool: EditFileTool, args: JSON, fragment: str) -> None:
    assert fragment in error(tool, args)


def test_closest_region_search_is_fast_on_large_files(tool: EditFileTool, root: Path) -> None:
    (root / "huge.py").write_text(
        "".join(f"    item_{n} = make({n}, 'x')\n" for n in range(20_000))
    )
    old = "    item_5 = make(6, 'x')\n    item_6 = make(7, 'x')\n    item_7 = make(8, 'x')\n"
    started = time.monotonic()
    message = error(tool, {"path": "huge.py", "old_string": old, "new_string": "x"})
    assert time.monotonic() - started < 3
    assert "% similar" in message
