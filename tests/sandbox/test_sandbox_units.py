"""The sandbox's pure parts: the macOS profile text, denial messages, git dirs, settings."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infercode.config.file import load_settings
from infercode.config.settings import SANDBOX_MODES
from infercode.errors import ConfigError
from infercode.sandbox import MODES, Sandbox, SandboxPolicy
from infercode.sandbox.bwrap import bwrap_argv
from infercode.sandbox.detect import FORCE_ENV, detect
from infercode.sandbox.explain import blocked_writes, network_refused
from infercode.sandbox.policy import git_dirs, paths_for
from infercode.sandbox.seatbelt import profile, quote, seatbelt_argv

WS = Path("/work/ws")


def test_the_seatbelt_profile_allows_writes_only_beneath_the_roots_minus_git() -> None:
    text = profile(
        writable=[WS, Path("/tmp/t")],
        protected=[WS / ".git"],
        devices=["/dev/null"],
        network=False,
    )
    lines = text.splitlines()
    assert lines[:2] == ["(version 1)", "(deny default)"]
    assert "(allow file-read*)" in lines
    assert (
        '(allow file-write* (require-all (subpath "/work/ws") '
        '(require-not (subpath "/work/ws/.git"))))'
    ) in lines
    assert '(allow file-write* (subpath "/tmp/t"))' in lines
    assert '(allow file-write* (literal "/dev/null"))' in lines
    assert "(allow network*)" not in lines
    assert sum("file-write*" in line for line in lines) == 3
    with_net = profile(writable=[WS], protected=[], devices=[], network=True)
    assert "(allow network*)" in with_net.splitlines()


def test_seatbelt_quotes_paths_and_builds_its_argv() -> None:
    assert quote('/a "b"\\c') == '"/a \\"b\\"\\\\c"'
    assert seatbelt_argv(["bash", "-c", "ls"], "(version 1)") == [
        "/usr/bin/sandbox-exec",
        "-p",
        "(version 1)",
        "--",
        "bash",
        "-c",
        "ls",
    ]


def test_bwrap_binds_writable_roots_then_protected_paths_read_only() -> None:
    argv = bwrap_argv(
        "bwrap",
        ["bash", "-c", "x"],
        cwd=WS,
        writable=[Path("/tmp/t"), WS],
        protected=[WS / ".git"],
        network=False,
    )
    assert argv[:3] == ["bwrap", "--die-with-parent", "--unshare-pid"]
    assert "--unshare-net" in argv
    joined = " ".join(argv)
    assert joined.index("--bind /work/ws /work/ws") < joined.index(
        "--ro-bind /work/ws/.git /work/ws/.git"
    )
    assert argv[-4:] == ["--", "bash", "-c", "x"]
    assert "--unshare-net" not in bwrap_argv(
        "bwrap", ["true"], cwd=WS, writable=[], protected=[], network=True
    )


@pytest.mark.parametrize(
    "line",
    [
        "bash: line 1: /etc/x: Read-only file system",
        "touch: cannot touch '/etc/x': Read-only file system",
        "mkdir: cannot create directory ‘/etc/x’: Permission denied",
        "PermissionError: [Errno 13] Permission denied: '/etc/x'",
        "sh: 1: cannot create /etc/x: Permission denied",
    ],
)
def test_a_refused_write_names_its_path(line: str) -> None:
    assert blocked_writes(line, cwd=WS, writable=[WS], protected=[]) == [Path("/etc/x")]


def test_refusals_the_sandbox_did_not_cause_are_not_blamed_on_it() -> None:
    inside = "touch: cannot touch '/work/ws/a': Permission denied"
    assert blocked_writes(inside, cwd=WS, writable=[WS], protected=[]) == []
    assert blocked_writes("cat: /etc/x: No such file", cwd=WS, writable=[WS], protected=[]) == []
    git = "bash: line 1: .git/config: Read-only file system"
    assert blocked_writes(git, cwd=WS, writable=[WS], protected=[WS / ".git"]) == [
        WS / ".git" / "config"
    ]


def test_refused_connections_are_recognised() -> None:
    assert network_refused("curl: (7) Failed to connect to 127.0.0.1 port 8: Connection refused")
    assert network_refused("socket.connect(sa)\nPermissionError: [Errno 13] Permission denied")
    assert not network_refused("tests passed")
    assert not network_refused("touch: cannot touch '/x': Permission denied")


def test_git_dirs_follow_a_gitdir_file_and_a_worktrees_common_dir(tmp_path: Path) -> None:
    main = tmp_path / "main"
    subprocess.run(["git", "init", "-q", str(main)], check=True)
    subprocess.run(["git", "-C", str(main), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    linked = tmp_path / "linked"
    subprocess.run(["git", "-C", str(main), "worktree", "add", "-q", str(linked)], check=True)
    found = git_dirs(linked)
    assert linked / ".git" in found
    assert (main / ".git" / "worktrees" / "linked").resolve() in found
    assert (main / ".git").resolve() in found
    assert git_dirs(tmp_path) == []


def test_paths_for_read_only_leaves_only_the_temp_dir(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    paths = paths_for(SandboxPolicy(tmp_path, mode="read-only"), tmp)
    assert paths.writable == (tmp.resolve(),)
    paths = paths_for(SandboxPolicy(tmp_path, writable=(tmp_path / "nope",)), tmp)
    assert paths.writable == (tmp.resolve(), tmp_path.resolve())
    assert paths.protected == ((tmp_path / ".git").resolve(),)


def test_a_forced_mechanism_skips_the_probe() -> None:
    assert detect({FORCE_ENV: "none"}).mechanism == "none"
    assert detect({FORCE_ENV: "landlock"}).mechanism == "landlock"
    assert detect({FORCE_ENV: "bogus"}).mechanism == "none"


def test_the_warning_is_there_only_when_nothing_can_confine(tmp_path: Path) -> None:
    none = Sandbox(SandboxPolicy(tmp_path), environ={FORCE_ENV: "none"})
    warning = none.warning()
    assert warning is not None and "no sandbox works here" in warning
    none.set_mode("off")
    assert none.warning() is None
    assert Sandbox(SandboxPolicy(tmp_path), environ={FORCE_ENV: "landlock"}).warning() is None


def test_the_modes_agree_and_the_config_keys_parse(tmp_path: Path) -> None:
    assert SANDBOX_MODES == MODES
    config = tmp_path / "config.toml"
    config.write_text(
        'sandbox = "read-only"\nsandbox_network = true\nsandbox_writable = ["~/.cache"]\n'
    )
    settings = load_settings(path=config, environ={})
    assert settings.sandbox == "read-only"
    assert settings.sandbox_network is True
    assert settings.sandbox_writable == ("~/.cache",)
    config.write_text('sandbox = "none"\n')
    with pytest.raises(ConfigError, match="sandbox"):
        load_settings(path=config, environ={})


def test_a_read_refused_by_the_system_is_not_blamed_on_the_sandbox(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        line = f"touch: cannot touch '{locked}/x': Permission denied"
        writable = blocked_writes(line, cwd=WS, writable=[WS], protected=[])
        import os

        # As root, DAC does not stop us, so the sandbox is the only explanation.
        assert writable == ([locked / "x"] if os.geteuid() == 0 else [])
    finally:
        locked.chmod(0o700)
