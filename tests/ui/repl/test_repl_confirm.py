"""Confirmations in the REPL: what is shown before a call runs, and each answer's effect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def _outputs(body: dict[str, Any]) -> dict[str, str]:
    return {
        item["call_id"]: item["output"]
        for item in body["input"]
        if item.get("type") == "function_call_output"
    }


def _edit(path: str, old: str, new: str, call_id: str) -> FunctionCall:
    return FunctionCall("edit_file", {"path": path, "old_string": old, "new_string": new}, call_id)


def test_an_edit_shows_its_diff_and_yes_applies_it(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        call_reply(_edit("app.py", "print('old')", "print('new')", "call_e1")),
        text_reply("Changed it."),
    )
    term, workspace = start_repl(server.url, tmp_path, files={"app.py": "print('old')\n"})
    with term:
        term.wait_prompt()
        term.send_line("change app.py")
        term.wait_for("Apply this edit?")
        screen = term.text()
        assert "-print('old')" in screen and "+print('new')" in screen
        assert "a always allow all file edits" in screen
        assert (workspace / "app.py").read_text() == "print('old')\n"  # nothing before the yes
        term.type("y")
        term.wait_for("Changed it.")
        term.wait_prompt()
        assert (workspace / "app.py").read_text() == "print('new')\n"
        assert "✓ applied" in term.history_text()
        assert all(r.rejected is None for r in server.requests)


def test_no_with_a_message_reaches_the_model(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "rm -rf build"}, "call_s1")),
        text_reply("Understood, I will not delete it."),
    )
    term, workspace = start_repl(server.url, tmp_path, files={"build/keep.txt": "x"})
    with term:
        term.wait_prompt()
        term.send_line("clean up")
        term.wait_for("Run this command?")
        assert "$ rm -rf build" in term.text()
        term.type("n")
        term.wait_for("Message to the model")
        term.send_line("keep the build dir, use make clean")
        term.wait_for("Understood, I will not delete it.")
        term.wait_prompt()
    assert (workspace / "build" / "keep.txt").exists()
    output = _outputs(server.posts()[1])["call_s1"]
    assert "denied" in output and "keep the build dir, use make clean" in output


def test_always_for_reads_stops_asking_for_reads_but_not_for_edits(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(FunctionCall("read_file", {"path": "a.txt"}, "call_r1")),
        call_reply(FunctionCall("read_file", {"path": "b.txt"}, "call_r2")),
        call_reply(_edit("a.txt", "alpha", "ALPHA", "call_e1")),
        text_reply("All done."),
    )
    term, workspace = start_repl(
        server.url, tmp_path, files={"a.txt": "alpha\n", "b.txt": "beta\n"}
    )
    with term:
        term.wait_prompt()
        term.send_line("read both, then edit")
        term.wait_for("Read it?")
        assert "a always allow all file reads" in term.text()
        term.type("a")
        term.wait_for("Apply this edit?")
        assert term.count("Read it?") == 1  # the second read ran without a question
        assert "read b.txt" in term.history_text()
        term.type("y")
        term.wait_for("All done.")
        term.wait_prompt()
    assert (workspace / "a.txt").read_text() == "ALPHA\n"
    outputs = _outputs(server.posts()[2])
    assert "beta" in outputs["call_r2"]


def test_e_edits_the_shell_command_before_it_runs(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "echo from-model"}, "call_s1")),
        text_reply("Ran it."),
    )
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("run something")
        term.wait_for("Run this command?")
        assert "a always allow commands starting with `echo`" in term.text()
        term.type("e")
        term.wait_for("edit, then Enter to run")
        term.press("ctrl-u")  # the command is prefilled: clear it and type another
        term.send_line("echo from-user")
        term.wait_for("Ran it.")
        term.wait_prompt()
    output = _outputs(server.posts()[1])["call_s1"]
    assert "from-user" in output and "from-model" not in output.split("ran as:")[0]
    assert "edited the command" in output


def test_ctrl_c_at_a_question_denies_and_returns_to_the_prompt(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(
            FunctionCall("read_file", {"path": "a.txt"}, "call_r1"),
            FunctionCall("read_file", {"path": "a.txt"}, "call_r2"),
        ),
        text_reply("Fresh start."),
    )
    term, _ = start_repl(server.url, tmp_path, files={"a.txt": "alpha\n"})
    with term:
        term.wait_prompt()
        term.send_line("read it twice")
        term.wait_for("Read it?")
        term.press("ctrl-c")
        term.wait_for("interrupted")
        term.wait_prompt()
        assert term.count("Read it?") == 1  # the second call was not asked about
        term.send_line("again")
        term.wait_for("Fresh start.")
    second = server.posts()[1]
    outputs = _outputs(second)
    assert set(outputs) == {"call_r1", "call_r2"}
    assert all("Not run" in text for text in outputs.values())
    assert all(r.rejected is None for r in server.requests)


def test_several_calls_are_confirmed_one_by_one_in_order(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(
            _edit("a.txt", "one", "ONE", "call_a"),
            _edit("b.txt", "two", "TWO", "call_b"),
        ),
        text_reply("Did one of two."),
    )
    files = {"a.txt": "one\n", "b.txt": "two\n"}
    term, workspace = start_repl(server.url, tmp_path, files=files)
    with term:
        term.wait_prompt()
        term.send_line("edit both")
        term.wait_for("Apply this edit?")
        assert "+ONE" in term.text() and "+TWO" not in term.text()
        term.type("y")
        term.wait_until(lambda: term.count("Apply this edit?") == 2, "the second question")
        assert "+TWO" in term.text()
        term.type("n")
        term.wait_for("Message to the model")
        term.press("enter")
        term.wait_for("Did one of two.")
    assert (workspace / "a.txt").read_text() == "ONE\n"
    assert (workspace / "b.txt").read_text() == "two\n"
    outputs = _outputs(server.posts()[1])
    assert list(outputs) == ["call_a", "call_b"] and "denied" in outputs["call_b"]
