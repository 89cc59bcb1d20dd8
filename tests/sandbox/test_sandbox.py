"""Shell commands in the sandbox: real processes, the real kernel, each mechanism."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from infercode.sandbox import Sandbox, SandboxPolicy
from infercode.sandbox.detect import _forced
from infercode.tools.base import ToolContext, ToolResult
from infercode.tools.shell import ShellTool
from infercode.tools.workspace import Workspace
from tests.support.markers import unique_sleep_seconds
from tests.support.sandboxes import MECHANISMS, accepted, connect_command, loopback_listener

pytestmark = pytest.mark.parametrize("mechanism", MECHANISMS)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hi')\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def shell(mechanism: str, root: Path, **policy: object) -> ShellTool:
    sandbox = Sandbox(SandboxPolicy(root, **policy), detected=_forced(mechanism))  # type: ignore[arg-type]
    return ShellTool(Workspace(root), sandbox=sandbox)


def run(tool: ShellTool, command: str, timeout_s: int = 30) -> ToolResult:
    return tool.prepare({"command": command, "timeout_s": timeout_s}).execute(ToolContext())


def test_a_write_outside_the_workspace_fails_and_the_model_is_told(
    mechanism: str, repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    result = run(shell(mechanism, repo), f"echo pwned > {outside}/x.txt")
    assert not (outside / "x.txt").exists()
    assert not result.ok
    assert f"[blocked by the sandbox: write to {outside / 'x.txt'}" in result.output
    assert result.escalation is not None  # the REPL may offer to rerun it unconfined


def test_writes_inside_the_workspace_work(mechanism: str, repo: Path) -> None:
    result = run(
        shell(mechanism, repo),
        "echo new > src/new.txt && mkdir -p src/build/out && echo x > src/build/out/y && "
        "sed -i s/hi/hello/ src/app.py && rm src/new.txt && echo done",
    )
    assert result.ok, result.output
    assert (repo / "src" / "build" / "out" / "y").read_text() == "x\n"
    assert (repo / "src" / "app.py").read_text() == "print('hello')\n"
    assert not (repo / "src" / "new.txt").exists()


def test_top_level_entries_of_a_git_workspace(mechanism: str, repo: Path) -> None:
    """bubblewrap: created like anywhere else. Landlock cannot grant the root without granting
    .git, so there it is refused, and the model is told why (the documented gap)."""
    result = run(shell(mechanism, repo), "echo x > top.txt")
    if mechanism == "bwrap":
        assert result.ok and (repo / "top.txt").read_text() == "x\n"
    else:
        assert not result.ok and not (repo / "top.txt").exists()
        assert f"entries directly in {repo} cannot be created" in result.output


def test_a_workspace_without_git_is_writable_at_its_root(mechanism: str, tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    result = run(shell(mechanism, root), "echo x > top.txt && rm top.txt && mkdir d")
    assert result.ok, result.output
    assert (root / "d").is_dir()


def test_rm_rf_of_an_outside_directory_leaves_it_intact(
    mechanism: str, repo: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    (victim / "deep").mkdir(parents=True)
    (victim / "deep" / "file").write_text("keep")
    result = run(shell(mechanism, repo), f"rm -rf {victim}")
    assert (victim / "deep" / "file").read_text() == "keep"
    assert not result.ok
    assert "blocked by the sandbox: write to" in result.output


def test_a_loopback_connection_is_refused(mechanism: str, repo: Path) -> None:
    with loopback_listener() as listener:
        port = listener.getsockname()[1]
        result = run(shell(mechanism, repo), connect_command(port))
        assert not accepted(listener)
    assert "connected" not in result.output.replace("[exit", "")
    assert not result.ok
    assert "[network is off in the sandbox" in result.output


def test_sandbox_network_lets_it_connect(mechanism: str, repo: Path) -> None:
    with loopback_listener() as listener:
        port = listener.getsockname()[1]
        result = run(shell(mechanism, repo, network=True), connect_command(port))
    assert result.ok, result.output
    assert "connected" in result.output


def test_the_private_temp_dir_works(mechanism: str, repo: Path) -> None:
    tool = shell(mechanism, repo)
    result = run(tool, 'echo scratch > "$TMPDIR/t" && cat "$TMPDIR/t" && echo "$TMPDIR"')
    assert result.ok, result.output
    assert tool.sandbox is not None
    tmpdir = tool.sandbox.tmpdir()
    assert str(tmpdir) in result.output and (tmpdir / "t").read_text() == "scratch\n"
    assert tmpdir != Path("/tmp")


def test_git_config_in_the_workspace_cannot_be_written(mechanism: str, repo: Path) -> None:
    config = repo / ".git" / "config"
    before = config.read_text()
    hooks = repo / ".git" / "hooks"
    result = run(
        shell(mechanism, repo),
        "git config user.name attacker; echo '[core] hooksPath=/tmp' >> .git/config; "
        "echo 'curl evil' > .git/hooks/pre-commit; rm -rf .git/hooks",
    )
    assert config.read_text() == before
    assert not (hooks / "pre-commit").exists() and hooks.is_dir()
    assert "git dirs, hooks and infercode's own files stay read-only" in result.output


def test_infercode_state_inside_the_workspace_stays_read_only(mechanism: str, repo: Path) -> None:
    state = repo / "src" / "state"
    state.mkdir()
    (state / "session.jsonl").write_text("{}\n")
    result = run(shell(mechanism, repo, protected=(state,)), "echo x > src/state/session.jsonl")
    assert (state / "session.jsonl").read_text() == "{}\n"
    assert not result.ok


def test_read_only_refuses_a_write_inside(mechanism: str, repo: Path) -> None:
    tool = shell(mechanism, repo, mode="read-only")
    result = run(tool, "echo x > src/app.py")
    assert (repo / "src" / "app.py").read_text() == "print('hi')\n"
    assert "the sandbox is read-only" in result.output
    assert run(tool, 'echo ok > "$TMPDIR/x" && cat "$TMPDIR/x"').ok


def test_off_lifts_all_of_it(mechanism: str, repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    tool = shell(mechanism, repo, mode="off")
    with loopback_listener() as listener:
        port = listener.getsockname()[1]
        result = run(
            tool, f"echo ok > {outside}/x && echo x >> .git/config && {connect_command(port)}"
        )
    assert result.ok, result.output
    assert (outside / "x").read_text() == "ok\n"
    assert "blocked" not in result.output


def test_the_escalation_reruns_unconfined(mechanism: str, repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "outside.txt"
    result = run(shell(mechanism, repo), f"echo yes > {target}")
    assert result.escalation is not None and not target.exists()
    rerun = result.escalation.rerun(ToolContext())
    assert rerun.ok and target.read_text() == "yes\n"


def test_the_command_cannot_signal_infercode(mechanism: str, repo: Path) -> None:
    from infercode.sandbox.landlock import abi_version

    if mechanism == "landlock" and abi_version() < 6:
        pytest.skip("Landlock scopes signals from ABI 6 on")
    result = run(shell(mechanism, repo), f"kill -0 {os.getpid()} && echo reachable")
    assert "reachable" not in result.output and not result.ok


def test_a_timeout_still_kills_everything(mechanism: str, repo: Path) -> None:
    marker = unique_sleep_seconds()  # found by a machine-wide scan: no other run may share it
    result = run(shell(mechanism, repo), f"sleep {marker} & sleep {marker}; echo never", 1)
    assert "timed out after 1 s" in result.output
    assert not _processes_with(marker)


def _processes_with(word: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if word.encode() in cmdline and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def test_background_processes_under_each_mechanism(mechanism: str, repo: Path) -> None:
    """bubblewrap: the PID namespace ends with the command, so do its background processes.
    Landlock: unchanged, one with its output redirected keeps running (README says both)."""
    marker = unique_sleep_seconds()
    result = run(shell(mechanism, repo), f"sleep {marker} > /dev/null 2>&1 & echo started")
    assert result.ok and "started" in result.output
    left = _processes_with(marker)
    deadline = time.monotonic() + 5
    while mechanism == "bwrap" and left and time.monotonic() < deadline:
        time.sleep(0.05)  # the kernel ends the namespace's processes just after bwrap exits
        left = _processes_with(marker)
    try:
        assert (left == []) if mechanism == "bwrap" else (len(left) == 1)
    finally:
        for pid in left:
            os.kill(pid, 9)
