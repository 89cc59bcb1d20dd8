"""grep: both implementations (Python always, ripgrep when installed) give the same results:
ignores respected, binary files skipped, caps with a count of the rest, context, globs."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from infercode.errors import ToolError
from infercode.tools import search
from infercode.tools.base import ToolContext, ToolResult
from infercode.tools.grep import GrepTool
from infercode.tools.workspace import OutsideWorkspace, Workspace

RG = shutil.which("rg")
IMPLEMENTATIONS = [
    pytest.param(None, id="python"),
    pytest.param(
        RG or "rg", id="ripgrep", marks=pytest.mark.skipif(RG is None, reason="rg not on PATH")
    ),
]


@pytest.fixture(params=IMPLEMENTATIONS)
def rg(request: pytest.FixtureRequest) -> str | None:
    value: str | None = request.param
    return value


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def grep(root: Path, rg: str | None, **args: object) -> ToolResult:
    tool = GrepTool(Workspace(root), rg=rg, max_chars=30_000)
    return tool.prepare(dict(args)).execute(ToolContext())


def test_ignored_hidden_git_and_binary_files(tmp_path: Path, rg: str | None) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "build/\n*.log\n!keep.log\n",
            "src/app.py": "needle = 1\n",
            "src/.gitignore": "generated.py\n",
            "src/generated.py": "needle\n",
            "build/out.py": "needle\n",
            "debug.log": "needle\n",
            "keep.log": "a needle kept\n",
            ".hidden/conf": "needle hidden\n",
            ".git/config": "needle in git\n",
            "image.bin": b"needle\x00\x01\x02",
        },
    )
    result = grep(tmp_path, rg, pattern="needle")
    assert result.output.splitlines() == [
        ".hidden/conf:1:needle hidden",
        "keep.log:1:a needle kept",
        "src/app.py:1:needle = 1",
    ]
    assert result.summary == "3 matching lines in 3 files"


def test_a_subdirectory_keeps_the_roots_ignore_rules(tmp_path: Path, rg: str | None) -> None:
    write(tmp_path, {".gitignore": "*.gen\n", "src/a.py": "x\n", "src/b.gen": "x\n"})
    assert grep(tmp_path, rg, pattern="x", path="src").output == "src/a.py:1:x"


def test_cap_and_count_of_the_rest(tmp_path: Path, rg: str | None) -> None:
    write(tmp_path, {f"f{i:02}.txt": "hit\nmiss\nhit\n" for i in range(30)})
    result = grep(tmp_path, rg, pattern="hit", max_results=5)
    lines = result.output.splitlines()
    assert lines[:5] == [
        "f00.txt:1:hit",
        "f00.txt:3:hit",
        "f01.txt:1:hit",
        "f01.txt:3:hit",
        "f02.txt:1:hit",
    ]
    assert "55 more not shown" in lines[-1]
    assert "27 of them in files not shown" in lines[-1]
    assert result.summary == "60 matching lines in 30 files"


def test_context_groups_and_separators(tmp_path: Path, rg: str | None) -> None:
    text = "".join(f"line {i}\n" for i in range(1, 21)).replace("line 5\n", "MATCH 5\n")
    text = text.replace("line 7\n", "MATCH 7\n").replace("line 15\n", "MATCH 15\n")
    write(tmp_path, {"a.txt": text, "b.txt": "MATCH\n"})
    result = grep(tmp_path, rg, pattern="MATCH", context=1)
    assert result.output.splitlines() == [
        "a.txt-4-line 4",
        "a.txt:5:MATCH 5",
        "a.txt-6-line 6",
        "a.txt:7:MATCH 7",
        "a.txt-8-line 8",
        "--",
        "a.txt-14-line 14",
        "a.txt:15:MATCH 15",
        "a.txt-16-line 16",
        "--",
        "b.txt:1:MATCH",
    ]


def test_glob_filter_ignore_case_and_file_path(tmp_path: Path, rg: str | None) -> None:
    write(
        tmp_path,
        {"src/a.py": "Token\n", "src/b.ts": "token\n", "docs/c.md": "TOKEN\n", "d.py": "token\n"},
    )
    assert grep(tmp_path, rg, pattern="token", glob="*.py").output == "d.py:1:token"
    out = grep(tmp_path, rg, pattern="token", glob="*.py", ignore_case=True).output
    assert out.splitlines() == ["d.py:1:token", "src/a.py:1:Token"]
    out = grep(tmp_path, rg, pattern="token", glob="src/*.{py,ts}", ignore_case=True).output
    assert out.splitlines() == ["src/a.py:1:Token", "src/b.ts:1:token"]
    out = grep(tmp_path, rg, pattern="(?i)token", glob="!*.md").output
    assert "docs/c.md" not in out and len(out.splitlines()) == 3
    assert grep(tmp_path, rg, pattern="TOKEN", path="docs/c.md").output == "docs/c.md:1:TOKEN"


def test_no_match_says_what_was_searched(tmp_path: Path, rg: str | None) -> None:
    write(tmp_path, {"a.txt": "alpha\n"})
    result = grep(tmp_path, rg, pattern="omega")
    assert result.summary == "no matches"
    assert "No matches for /omega/ in ." in result.output


def test_symlinks_are_not_followed_out_of_the_workspace(tmp_path: Path, rg: str | None) -> None:
    outside = tmp_path / "outside"
    write(outside, {"secret.txt": "needle secret\n"})
    root = tmp_path / "ws"
    write(root, {"a.txt": "needle\n"})
    os.symlink(outside / "secret.txt", root / "link.txt")
    os.symlink(outside, root / "linkdir")
    assert grep(root, rg, pattern="needle").output == "a.txt:1:needle"
    with pytest.raises(OutsideWorkspace):
        grep(root, rg, pattern="needle", path="../outside")


def test_lookaround_works_whichever_engine(tmp_path: Path, rg: str | None) -> None:
    # rg's regex syntax has no look-arounds: the Python search takes over.
    write(tmp_path, {"a.py": "foobar\nfoobaz\n"})
    assert grep(tmp_path, rg, pattern="foo(?!bar)").output == "a.py:2:foobaz"


def test_invalid_pattern_is_the_models_error(tmp_path: Path, rg: str | None) -> None:
    write(tmp_path, {"a.py": "x\n"})
    with pytest.raises(ToolError, match="Invalid regular expression"):
        grep(tmp_path, rg, pattern="(unclosed")


def test_crlf_bom_and_lines_without_final_newline(tmp_path: Path, rg: str | None) -> None:
    write(tmp_path, {"a.txt": b"\xef\xbb\xbfstart\r\nmid\r\nend", "b.txt": "only\n\n"})
    assert grep(tmp_path, rg, pattern="^start").output == "a.txt:1:start"
    assert grep(tmp_path, rg, pattern="end$").output == "a.txt:3:end"
    assert grep(tmp_path, rg, pattern="^$").output == "b.txt:2:"


def random_tree(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "needle", "delta", "Needle", "x" * 700, ""]
    files: dict[str, str | bytes] = {".gitignore": "ignored/\n*.tmp\n"}
    for index in range(60):
        folder = rng.choice(["", "src/", "src/deep/", "ignored/", "docs/", ".cfg/"])
        ext = rng.choice([".py", ".md", ".tmp", ".txt"])
        lines = [
            " ".join(rng.choices(words, k=rng.randint(0, 4))) for _ in range(rng.randint(0, 40))
        ]
        files[f"{folder}f{index}{ext}"] = "\n".join(lines) + rng.choice(["\n", ""])
    files["src/blob.dat"] = b"needle\x00" * 10
    write(root, files)


@pytest.mark.skipif(RG is None, reason="rg not on PATH")
@pytest.mark.parametrize(
    "args",
    [
        {"pattern": "needle"},
        {"pattern": "needle", "ignore_case": True, "context": 2},
        {"pattern": "needle|gamma", "context": 1, "max_results": 7},
        {"pattern": "^alpha", "glob": "*.py"},
        {"pattern": "beta$", "path": "src", "context": 3},
        {"pattern": "^$", "max_results": 20},
    ],
)
def test_both_implementations_agree(tmp_path: Path, args: dict[str, object]) -> None:
    random_tree(tmp_path, seed=len(str(args)))
    python = grep(tmp_path, None, **args)
    ripgrep = grep(tmp_path, RG, **args)
    assert python.output == ripgrep.output
    assert python.summary == ripgrep.summary


def test_large_files_stream_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks of 64 bytes: matches and their context span block boundaries.
    text = "".join(("needle " if i % 9 == 0 else "hay ") + f"{i}\n" for i in range(1, 200))
    write(tmp_path, {"big.txt": text})
    whole = grep(tmp_path, None, pattern="needle", context=2).output
    monkeypatch.setattr(search, "BLOCK_BYTES", 64)
    assert grep(tmp_path, None, pattern="needle", context=2).output == whole
    assert "big.txt:9:needle 9" in whole and "big.txt-11-hay 11" in whole
    assert grep(tmp_path, None, pattern="hay 199$").output == "big.txt:199:hay 199"


def test_a_cancelled_search_stops(tmp_path: Path, rg: str | None) -> None:
    write(tmp_path, {f"f{i}.txt": "hit\n" for i in range(20)})
    context = ToolContext()
    context.cancelled.set()
    tool = GrepTool(Workspace(tmp_path), rg=rg)
    assert tool.prepare({"pattern": "hit"}).execute(context).summary == "no matches"


def test_infercode_grep_python_turns_ripgrep_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from infercode.tools.ripgrep import find_rg

    monkeypatch.setenv("INFERCODE_GREP", "python")
    assert find_rg() is None
    monkeypatch.delenv("INFERCODE_GREP")
    assert find_rg() == RG
