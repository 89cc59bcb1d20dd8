"""Custom commands in the REPL: /help, Tab completion, expansion, and a built-in's precedence."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import ResponsesServer, text_reply


def user_text(body: dict[str, object]) -> str:
    items = body["input"]
    assert isinstance(items, list)
    content = items[-1]["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def test_project_and_user_commands(server: ResponsesServer, tmp_path: Path) -> None:
    user = Path(os.environ["INFERCODE_CONFIG_DIR"]) / "commands"
    (user / "frontend").mkdir(parents=True)
    (user / "frontend" / "check.md").write_text("Check the frontend: $ARGUMENTS")
    (user / "help.md").write_text("shadowed by the built-in")
    server.enqueue(text_reply("reviewed it"))
    term, _ = start_repl(
        server.url,
        tmp_path,
        files={
            ".infercode/commands/review.md": (
                "---\ndescription: review a file for bugs\nargument-hint: <path>\n---\n"
                "Review @$1 please.\n"
            ),
            "app.py": "print('marker-line')\n",
            ".infercode/skills/deploy/SKILL.md": (
                "---\nname: deploy\ndescription: Ship it to staging.\n---\nsteps\n"
            ),
        },
    )
    with term:
        term.wait_for("custom command /help")
        assert "built-in command has that name" in term.history_text()
        term.wait_prompt()
        term.send_line("/help")
        term.wait_for("Exit status: 0")
        screen = term.history_text()
        assert "/review <path>" in screen
        assert "review a file for bugs (project)" in screen
        assert "/frontend:check" in screen and "(user)" in screen
        term.wait_prompt()
        term.send_line("/skills")
        term.wait_for("Ship it to staging. (project:")
        term.wait_prompt()
        term.type("/rev")
        term.press("tab")
        term.wait_until(lambda: term.cursor_line().rstrip() == "› /review", "the completion")
        term.press("enter")  # takes the completion
        term.send_line(" app.py")
        term.wait_for("reviewed it")
        term.wait_prompt()
    sent = user_text(server.posts()[0])
    assert sent.startswith("Review @app.py please.")
    assert "marker-line" in sent
    assert len(server.posts()) == 1  # /help was not sent
