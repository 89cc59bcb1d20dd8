"""@path completion and attachment, and the workspace file listing behind it."""

from __future__ import annotations

from pathlib import Path

from infercode.ui.repl.completion import FileIndex, expand_attachments, walk_files
from tests.support.pty import make_workspace, start_repl
from tests.support.responses_server import ResponsesServer, text_reply


def test_at_path_completes_a_file_and_attaches_it(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(text_reply("I see the notes."))
    files = {"docs/notes.md": "# Notes\nremember ```this```\n", "build.log": "noise\n"}
    files[".gitignore"] = "*.log\n"
    term, _ = start_repl(server.url, tmp_path, files=files)
    with term:
        term.wait_prompt()
        term.type("summarize @not")
        term.press("tab")
        term.wait_until(
            lambda: term.cursor_line().rstrip() == "› summarize @docs/notes.md", "the completion"
        )
        term.press("enter")  # takes the completion
        term.press("enter")  # sends
        term.wait_for("attached docs/notes.md (2 lines)")
        term.wait_for("I see the notes.")
    text = server.posts()[0]["input"][-1]["content"][0]["text"]
    assert text.startswith("summarize @docs/notes.md\n\nContents of `docs/notes.md`:\n````\n")
    assert text.endswith("# Notes\nremember ```this```\n````")


def test_completion_skips_ignored_files(tmp_path: Path) -> None:
    root = make_workspace(
        tmp_path / "ws",
        {
            ".gitignore": "*.log\nbuild/\n",
            "src/app.py": "",
            "src/.gitignore": "generated.py\n",
            "src/generated.py": "",
            "build/out.txt": "",
            "debug.log": "",
            "README.md": "",
        },
    )
    assert walk_files(root) == [".gitignore", "README.md", "src/.gitignore", "src/app.py"]
    assert FileIndex(root).match("app") == ["src/app.py"]
    assert walk_files(root, limit=2) == [".gitignore", "README.md"]


def test_attachments_refuse_binary_huge_and_outside_files(tmp_path: Path) -> None:
    root = make_workspace(
        tmp_path / "ws", {"img.png": b"\x89PNG\0\0data", "big.txt": "x" * 300_000, "ok.txt": "fine"}
    )
    (tmp_path / "secret.txt").write_text("secret")
    text = "look at @img.png, @big.txt and @../secret.txt and @ok.txt. Also @decorator"
    message, notes = expand_attachments(text, root)
    assert notes == [
        "@img.png not attached: it is a binary file",
        "@big.txt not attached: 292 KB is over the 256 KB limit"
        " (ask the model to read parts of it)",
        "@../secret.txt not attached: it is outside the workspace",
        "attached ok.txt (1 line)",
    ]
    assert message == text + "\n\nContents of `ok.txt`:\n```\nfine\n```"
    assert "secret" not in message.split("\n\n", 1)[1]


def test_a_message_without_mentions_is_unchanged(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", {"a.txt": "a"})
    assert expand_attachments("email me at me@a.txt", root) == ("email me at me@a.txt", [])
