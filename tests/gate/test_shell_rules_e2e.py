"""Shell rules end to end: the scripted server sends the attacks, the real ``infercode`` runs.

Headless runs have no terminal (CI): anything not approved by a rule is denied. The REPL and the
headless terminal prompt run in a pseudo-terminal where the answer keys are the point.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infercode.config.file import load_settings
from infercode.errors import ConfigError
from tests.conftest import run_infercode
from tests.support.pty import Terminal, isolated_env, make_workspace, start_repl
from tests.support.responses_server import (
    FunctionCall,
    Message,
    Reply,
    ResponsesServer,
    call_reply,
    text_reply,
)


def write_config(isolated_home: Path, text: str) -> None:
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def outputs(server: ResponsesServer) -> dict[str, str]:
    """Every call's output, from the last request the server got."""
    body: dict[str, Any] | None = server.requests[-1].body
    assert body is not None
    return {
        item["call_id"]: str(item["output"])
        for item in body["input"]
        if item.get("type") == "function_call_output"
    }


def shell(command: str, call_id: str) -> FunctionCall:
    return FunctionCall("shell", {"command": command}, call_id)


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


ENV_ATTACKS = {
    "call_fsmonitor": (
        "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0='touch X' git status"
    ),
    "call_path": "mkdir -p evil && PATH=./evil:/usr/bin:/bin git status",
    "call_path_only": "PATH=./evil:/usr/bin:/bin git status",
    "call_home": "HOME=./evilhome git status",
    "call_global": "GIT_CONFIG_GLOBAL=f git status",
    "call_chain": "git status; touch X",
    "call_subst": "git status $(touch X)",
    "call_redirect": "git status > X",
    "call_suffix": "git statusx",
}


def test_git_status_rule_never_runs_a_changed_environment(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    """config allow_shell = ["git status"]: the plain command runs, every variant is asked
    (and with no terminal, denied), and the fsmonitor attack does not create X."""
    git_init(workspace)
    write_config(isolated_home, 'allow_shell = ["git status"]\n')
    server.enqueue(
        call_reply(
            shell("git status", "call_plain"),
            *(shell(command, call_id) for call_id, command in ENV_ATTACKS.items()),
        ),
        text_reply("Checked."),
    )
    result = run_infercode(["--base-url", server.url, "-p", "status?"], cwd=workspace)
    assert result.returncode == 3, result.stderr  # some calls were denied
    assert not (workspace / "X").exists()
    assert not (workspace / "evil").exists()
    got = outputs(server)
    assert "No commits yet" in got["call_plain"] or "On branch" in got["call_plain"]
    for call_id in ENV_ATTACKS:
        assert got[call_id].startswith("Not run:"), (call_id, got[call_id])


def test_the_fsmonitor_attack_is_real_when_approved(
    server: ResponsesServer, workspace: Path
) -> None:
    """The control for the test above: approved, the same command runs ``touch X``."""
    git_init(workspace)
    server.enqueue(
        call_reply(shell(ENV_ATTACKS["call_fsmonitor"], "call_fsmonitor")), text_reply("ok")
    )
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "status?"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "X").exists()


DENIED_TOUCHES = {
    "call_plain": "touch a",
    "call_timeout": "timeout 5 touch b",
    "call_bash_c": "bash -c 'touch c'",
    "call_env": "env X=1 touch d",
    "call_subst": "echo $(touch e)",
    "call_chain": "true && touch f",
    "call_nested": 'sh -c "bash -c \'to""uch g\'"',
}


@pytest.mark.parametrize("flags", [["--yes"], ["--allow", "shell"]])
def test_deny_rules_beat_yes_and_allow_shell(
    server: ResponsesServer, workspace: Path, isolated_home: Path, flags: list[str]
) -> None:
    write_config(isolated_home, 'deny_shell = ["touch"]\n')
    server.enqueue(
        call_reply(
            *(shell(command, call_id) for call_id, command in DENIED_TOUCHES.items()),
            shell("python3 -c \"open('h', 'w')\"", "call_python"),
            shell("echo ok > ran.txt", "call_ok"),
        ),
        text_reply("Done."),
    )
    result = run_infercode(["--base-url", server.url, *flags, "-p", "touch things"], cwd=workspace)
    assert result.returncode == 3, result.stderr
    assert sorted(p.name for p in workspace.iterdir()) == ["ran.txt"]
    got = outputs(server)
    for call_id in DENIED_TOUCHES:
        assert "deny_shell rule" in got[call_id] and "refused without asking" in got[call_id]
    # Interpreter code a deny rule cannot read: asked, and nobody can answer.
    assert "may cover this command" in got["call_python"]
    assert (workspace / "ran.txt").read_text() == "ok\n"
    assert "refused by a deny_shell rule" in result.stderr


def test_repl_always_never_widens_to_a_wrapper_or_the_program(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(
        call_reply(shell("timeout 60 git status", "call_1")),
        call_reply(shell("timeout 5 touch pwned", "call_2")),
        call_reply(shell("git --no-pager diff", "call_3")),
        call_reply(shell("git --no-pager diff --stat", "call_4")),
        call_reply(shell("git --no-pager log", "call_5")),
        text_reply("All done."),
    )
    term, workspace = start_repl(server.url, tmp_path, cols=160)
    with term:
        term.wait_prompt()
        term.send_line("look around")
        term.wait_for("$ timeout 60 git status")
        term.wait_for("Run this command?")
        assert "a always" not in term.text()  # no "always" for a wrapper
        term.type("a")  # not an answer here: ignored
        term.type("y")
        term.wait_until(lambda: term.count("Run this command?") == 2, "the second question")
        assert "$ timeout 5 touch pwned" in term.history_text()
        assert not (workspace / "pwned").exists()
        term.type("n")
        term.wait_for("Message to the model")
        term.press("enter")
        term.wait_until(lambda: term.count("Run this command?") == 3, "the third question")
        assert "a always allow commands starting with `git --no-pager diff`" in term.text()
        term.type("a")
        term.wait_for("approved commands starting with `git --no-pager diff` for this session")
        term.wait_until(lambda: term.count("Run this command?") == 4, "the fourth question")
        assert "$ git --no-pager log" in term.text()
        term.type("n")
        term.wait_for("Message to the model")
        term.press("enter")
        term.wait_for("All done.")
        term.wait_prompt()
    assert not (workspace / "pwned").exists()
    got = outputs(server)
    assert "[exit code: 0]" in got["call_1"]  # the one "y" ran it
    assert got["call_2"].startswith("The user denied")
    assert "[exit code: 0]" in got["call_4"]  # approved by the saved rule, not asked
    assert got["call_5"].startswith("The user denied")


def test_headless_terminal_prompt_ignores_keys_typed_before_it(
    server: ResponsesServer, tmp_path: Path
) -> None:
    """``y⏎`` typed while the answer streams must not approve the call that follows."""
    workspace = make_workspace(tmp_path / "ws")
    server.enqueue(
        Reply(
            [Message("Let me look. " * 40), shell("touch typed", "call_1")],
            chunk_size=2,
            delta_delay_s=0.02,
        ),
        text_reply("Finished."),
    )
    term = Terminal.spawn(
        ["--base-url", server.url, "-p", "make a file"],
        cwd=workspace,
        env=isolated_env(tmp_path),
        cols=200,
    )
    with term:
        server.wait_for_requests(1, timeout=15)
        term.pump()
        assert "^C stop" not in term.history_text()  # the keys below are typed ahead of it
        term.type("y\n")
        term.wait_for("^C stop")
        assert not (workspace / "typed").exists()
        term.type("\x1b")  # Esc: no
        status = term.wait_exit()
    assert status == 3
    assert not (workspace / "typed").exists()
    assert outputs(server)["call_1"].startswith("The user denied")


def test_headless_terminal_prompt_says_what_always_covers(
    server: ResponsesServer, tmp_path: Path
) -> None:
    workspace = make_workspace(tmp_path / "ws")
    server.enqueue(
        call_reply(shell("timeout 60 git status", "call_1")),
        call_reply(shell("git status -s", "call_2")),
        call_reply(shell("git status --porcelain", "call_3")),
        text_reply("Finished."),
    )
    term = Terminal.spawn(
        ["--base-url", server.url, "-p", "status"],
        cwd=workspace,
        env=isolated_env(tmp_path),
        cols=200,
    )
    with term:
        term.wait_for("^C stop")
        assert "always: not offered (`timeout` runs whatever command it is given)" in (
            term.history_text()
        )
        assert " a always " not in term.history_text()  # the key is not offered...
        term.type("a")  # ...nor taken
        term.type("y")
        term.wait_for("a always allow commands starting with `git status`")
        term.type("a")
        status = term.wait_exit()
    assert status == 0
    assert term.count("^C stop") == 2  # the third call is covered by the second's "always"
    got = outputs(server)
    assert "[exit code: 0]" in got["call_3"]


# --- config -------------------------------------------------------------------------------


def test_config_deny_rules_are_read_and_a_profile_only_adds(isolated_home: Path) -> None:
    write_config(
        isolated_home,
        'deny_shell = ["git push", "rm   -rf"]\n[profiles.ci]\ndeny_shell = ["curl"]\n',
    )
    assert load_settings().deny_shell_prefixes == ("git push", "rm -rf")
    assert load_settings(profile="ci").deny_shell_prefixes == ("git push", "rm -rf", "curl")


@pytest.mark.parametrize("rule", ["timeout", "bash", "env", "sudo", "python3"])
def test_config_refuses_an_allow_rule_for_a_wrapper_alone(isolated_home: Path, rule: str) -> None:
    write_config(isolated_home, f'allow_shell = ["git status", "{rule}"]\n')
    with pytest.raises(ConfigError, match="runs whatever command or code it is given"):
        load_settings()


def test_tree_sitter_is_not_loaded_to_start(workspace: Path) -> None:
    script = (
        "import sys\n"
        "from infercode.config.file import load_settings\n"
        "from infercode.cli.wiring import initial_rules\n"
        "initial_rules(load_settings())\n"
        "import infercode.ui.repl.confirm, infercode.ui.headless.tty_approver\n"
        "import infercode.engine.agent\n"
        "print('tree_sitter' in sys.modules, 'infercode.shell.parse' in sys.modules)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=workspace
    )
    assert shown.stdout.strip() == "False False"
