"""A custom command in a headless prompt: expanded, with its @path attached."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_infercode
from tests.support.responses_server import ResponsesServer, text_reply


def user_text(body: dict[str, object]) -> str:
    items = body["input"]
    assert isinstance(items, list)
    content = items[-1]["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def test_headless_expands_a_project_command(server: ResponsesServer, workspace: Path) -> None:
    commands = workspace / ".infercode" / "commands"
    commands.mkdir(parents=True)
    (commands / "review.md").write_text(
        "---\ndescription: review a file\n---\nReview @$1 for bugs. Focus: $2\n"
    )
    (workspace / "app.py").write_text("print('marker-line')\n")
    server.enqueue(text_reply("looks fine"))
    result = run_infercode(["--base-url", server.url, "-p", "/review app.py naming"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "looks fine\n"
    sent = user_text(server.posts()[0])
    assert sent.startswith("Review @app.py for bugs. Focus: naming")
    assert "marker-line" in sent  # the @path was attached
    assert "$1" not in sent and "/review" not in sent


def test_headless_unknown_slash_prompt_is_sent_as_is(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "/nothing here"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "/nothing here" in user_text(server.posts()[0])


def test_a_command_file_model_is_used_for_its_prompt(
    server: ResponsesServer, workspace: Path
) -> None:
    commands = workspace / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "quick.md").write_text("---\nmodel: MiniMax-M2.7\n---\nBe quick: $ARGUMENTS\n")
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "/quick tidy up"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert server.posts()[0]["model"] == "MiniMax-M2.7"
    assert user_text(server.posts()[0]) == "Be quick: tidy up"
