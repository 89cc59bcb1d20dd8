"""Keys at the REPL prompt: Ctrl-G opens $VISUAL on the input; ``!cmd`` runs the user's command."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import ResponsesServer, text_reply


def _user_texts(body: dict[str, object]) -> list[str]:
    texts = []
    for item in body["input"]:  # type: ignore[attr-defined]
        if item.get("role") == "user":
            content = item["content"]
            texts.append(
                content if isinstance(content, str) else "".join(p["text"] for p in content)
            )
    return texts


def test_ctrl_g_edits_the_input_in_visual(server: ResponsesServer, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    # The fake editor appends to what was typed, as a user would in a real one.
    editor.write_text('#!/bin/sh\nprintf "%s and from the editor\\n" "$(cat "$1")" > "$1"\n')
    editor.chmod(0o755)
    server.enqueue(text_reply("Got it."))
    term, _ = start_repl(server.url, tmp_path, env={"VISUAL": str(editor)}, cols=80)
    with term:
        term.wait_prompt()
        term.type("typed here")
        term.type("\x07")  # Ctrl-G
        term.wait_for("typed here and from the editor")
        term.type("\r")
        term.wait_for("Got it.")
        term.wait_prompt()
    assert _user_texts(server.posts()[0])[-1] == "typed here and from the editor"


def test_bang_runs_a_command_and_attaches_its_output(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(text_reply("I see hi."))
    term, workspace = start_repl(server.url, tmp_path, cols=80)
    with term:
        term.wait_prompt()
        term.send_line("!echo hi; pwd; touch made-by-user")
        term.wait_for("output attached to your next message")
        screen = term.text()
        assert "\nhi\n" in screen and str(workspace.resolve()) in screen
        assert "Run this command?" not in screen  # the user's own command: nothing to approve
        assert server.posts() == []  # nothing was sent yet
        term.send_line("what did it print?")
        term.wait_for("I see hi.")
        term.wait_prompt()
    assert (workspace / "made-by-user").exists()
    sent = _user_texts(server.posts()[0])[-1]
    assert "I ran `echo hi; pwd; touch made-by-user`" in sent and "hi\n" in sent
    assert sent.endswith("what did it print?")
