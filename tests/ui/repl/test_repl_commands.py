"""Slash commands in the REPL: each one, and that none of them talks to the model."""

from __future__ import annotations

from pathlib import Path

from tests.support.pty import start_repl
from tests.support.responses_server import (
    Message,
    Reasoning,
    Reply,
    ResponsesServer,
    Usage,
    text_reply,
)


def test_help_lists_commands_keys_and_exit_status(server: ResponsesServer, tmp_path: Path) -> None:
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("/help")
        term.wait_for("Exit status: 0")
        screen = term.history_text()
        for command in ("/clear", "/model [NAME]", "/usage", "/reasoning [on|off]", "/exit"):
            assert command in screen
        assert "Alt-Enter" in screen and "@path" in screen
        term.wait_prompt()
    assert server.posts() == []


def test_unknown_command_is_a_hint_and_sends_nothing(
    server: ResponsesServer, tmp_path: Path
) -> None:
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("/frobnicate now")
        term.wait_for("Unknown command /frobnicate")
        term.wait_prompt()
    assert server.requests == []


def test_model_lists_the_server_models_and_switches(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(text_reply("ok"))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("/model")
        term.wait_for("gpt-oss-120b")
        assert "* MiniMax-M2.5" in term.history_text()
        term.send_line("/model no-such-model")
        term.wait_for("Unknown model 'no-such-model'")
        term.wait_for("using it anyway")
        term.wait_until(lambda: "no-such-model ·" in term.text(), "the toolbar to show it")
        term.send_line("/model MiniMax-M2.7")
        term.wait_for("Model: MiniMax-M2.7 (192k context)")
        term.wait_until(lambda: "MiniMax-M2.7 ·" in term.text(), "the toolbar to show the model")
        term.send_line("hi")
        term.wait_for("ok")
        term.wait_prompt()
    assert [r.path for r in server.requests if r.method == "GET"] == ["/v1/models"]
    assert server.posts()[0]["model"] == "MiniMax-M2.7"


def test_usage_reports_session_tokens_and_context_left(
    server: ResponsesServer, tmp_path: Path
) -> None:
    usage = Usage(input_tokens=12_000, output_tokens=4_000, reasoning_tokens=500)
    server.enqueue(Reply(items=[Message("counted")], usage=usage))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("count")
        term.wait_for("counted")
        term.wait_prompt()
        toolbar = "16k / 160k tokens (10%)"
        term.wait_until(lambda: toolbar in term.text(), "the toolbar to count the reply")
        term.send_line("/usage")
        term.wait_for("Context:")
        screen = term.history_text()
        assert "12,000 input tokens" in screen and "4,000 output (500 reasoning)" in screen
        assert "16,000 of 160,000 tokens (10%)" in screen and "144,000 left" in screen


def test_clear_starts_a_new_conversation(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(text_reply("first answer"), text_reply("second answer"))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("first question")
        term.wait_for("first answer")
        term.wait_prompt()
        term.send_line("/clear")
        term.wait_for("Started a new conversation")
        term.send_line("second question")
        term.wait_for("second answer")
    second = server.posts()[1]["input"]
    assert len(second) == 1 and second[0]["content"][0]["text"] == "second question"


def test_reasoning_off_hides_it_but_keeps_it_in_history(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        Reply(items=[Reasoning("secret plan alpha"), Message("answer one")]),
        Reply(items=[Reasoning("visible plan beta"), Message("answer two")]),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("/reasoning off")
        term.wait_for("Reasoning is hidden")
        term.send_line("one")
        term.wait_for("answer one")
        term.wait_prompt()
        assert "secret plan alpha" not in term.history_text()
        term.send_line("/reasoning on")
        term.wait_for("Reasoning is shown")
        term.send_line("two")
        term.wait_for("answer two")
        assert "visible plan beta" in term.history_text()
    second = server.posts()[1]["input"]
    reasoning = [i for i in second if i.get("type") == "reasoning"]
    assert reasoning and "secret plan alpha" in str(reasoning[0])


def test_exit_leaves_with_status_0(server: ResponsesServer, tmp_path: Path) -> None:
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("/exit")
        assert term.wait_exit() == 0


def test_tab_completes_commands_and_their_arguments(
    server: ResponsesServer, tmp_path: Path
) -> None:
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.type("/reas")
        term.press("tab")
        term.wait_until(lambda: term.cursor_line().startswith("› /reasoning"), "/reasoning")
        term.type(" of")
        # the menu is computed in a thread: a Tab before it is there can be lost on a busy machine
        term.wait_until(lambda: "off" in term.text().split("/reasoning of", 1)[-1], "the menu")
        term.press("tab")
        term.wait_until(lambda: term.cursor_line().rstrip() == "› /reasoning off", "the argument")
        term.press("enter")  # takes the highlighted completion
        term.press("enter")  # sends
        term.wait_for("Reasoning is hidden")
