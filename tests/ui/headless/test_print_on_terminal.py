"""``infercode -p`` on a terminal streams the answer as the REPL does; into a pipe, stdout gets
the finished answer alone (test_headless_e2e covers that side)."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import Terminal, isolated_env, make_workspace
from tests.support.responses_server import (
    FunctionCall,
    Message,
    Reply,
    ResponsesServer,
    call_reply,
)

ANSWER = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda"


def test_the_answer_streams_to_the_terminal_once(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "echo ran"}), text="Let me check."),
        Reply(items=[Message(ANSWER)], chunk_size=6, delta_delay_s=0.15),
    )
    workspace = make_workspace(tmp_path / "ws")
    args = ["--base-url", server.url, "--yes", "--sandbox", "off", "-p", "go"]
    with Terminal.spawn(args, cwd=workspace, env=isolated_env(tmp_path)) as term:
        # The first words are on the screen while the rest of the reply is still streaming.
        term.wait_for("alpha beta")
        assert "lambda" not in term.history_text()
        assert term.wait_exit() == 0
        screen = term.history_text()
    assert screen.count(ANSWER) == 1  # streamed, not printed again at the end
    assert screen.count("Let me check.") == 1  # commentary once, not repeated on stderr
    assert screen.index("Let me check.") < screen.index("→ shell") < screen.index("alpha")
