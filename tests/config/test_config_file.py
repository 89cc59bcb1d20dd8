"""The config file: location, precedence (defaults < file < env < profile < flags), bad values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infercode.config.file import TEMPLATE, init_config, load_settings, read_config
from infercode.config.paths import config_path
from infercode.config.settings import KNOWN_CONTEXT_WINDOWS, Settings, check_key
from infercode.errors import ConfigError
from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def write_config(isolated_home: Path, text: str) -> Path:
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_path_comes_from_the_environment(isolated_home: Path) -> None:
    assert config_path() == isolated_home / "config" / "config.toml"
    result = run_infercode(["config", "path"], cwd=isolated_home)
    assert result.returncode == 0 and result.stdout.strip() == str(config_path())


def test_no_file_means_defaults() -> None:
    assert load_settings(environ={"INFERCODE_CONFIG_DIR": "/nonexistent"}) == Settings()


def test_file_values_are_checked_and_applied(isolated_home: Path) -> None:
    write_config(
        isolated_home,
        """
model = "MiniMax-M2.7"
reasoning_effort = "high"
allow = ["read", "edit"]
allow_shell = ["pytest", "git   status"]
max_turns = 7
compact_threshold = 0.7
tool_output_limit = 5000
[context_windows]
"local-model" = 32768
[tool_output_limits]
shell = 50000
""",
    )
    settings = load_settings()
    assert settings.model == "MiniMax-M2.7" and settings.reasoning_effort == "high"
    assert settings.allow == frozenset({"read", "edit"})
    assert settings.allow_shell_prefixes == ("pytest", "git status")
    assert settings.max_turns == 7 and settings.compact_threshold == 0.7
    assert settings.context_windows == {**KNOWN_CONTEXT_WINDOWS, "local-model": 32768}
    assert settings.output_limit("shell") == 50000 and settings.output_limit("read_file") == 5000


def test_precedence_defaults_file_env_profile_flags(isolated_home: Path) -> None:
    write_config(
        isolated_home,
        """
model = "from-file"
base_url = "http://127.0.0.1:1/v1"
max_turns = 3
[profiles.other]
model = "from-profile"
base_url = "https://api.openai.com/v1"
api_key_env = "OPENAI_API_KEY"
""",
    )
    env = {
        "INFERCODE_CONFIG_DIR": str(isolated_home / "config"),
        "INFERCOM_MODEL": "from-env",
        "INFERCOM_API_KEY": "infercom-key",
        "OPENAI_API_KEY": "openai-key",
    }
    plain = load_settings(environ=env)
    assert (plain.model, plain.base_url, plain.max_turns) == (
        "from-env",
        "http://127.0.0.1:1/v1",
        3,
    )
    assert plain.api_key == "infercom-key"
    assert plain.stream_max_retries == Settings().stream_max_retries  # untouched: the default
    profiled = load_settings(profile="other", environ=env)
    assert profiled.model == "from-profile" and profiled.profile == "other"
    assert profiled.api_key == "openai-key"  # the Infercom key does not go to OpenAI
    assert profiled.with_overrides(model="from-flag").model == "from-flag"
    without_key = load_settings(profile="other", environ={**env, "OPENAI_API_KEY": ""})
    with pytest.raises(ConfigError, match="set OPENAI_API_KEY"):
        check_key(without_key)


def test_a_profile_may_need_no_key(isolated_home: Path) -> None:
    path = write_config(isolated_home, '[profiles.local]\napi_key_env = ""\n')
    settings = load_settings(profile="local", environ={"INFERCOM_API_KEY": "secret"}, path=path)
    assert settings.api_key is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('reasoning_effort = "extreme"', 'reasoning_effort = "extreme": expected one of low'),
        ("max_turns = 0", "max_turns = 0: expected a whole number of at least 1"),
        ("max_turns = true", "max_turns = true: expected a whole number"),
        ('max_turns = "5"', 'max_turns = "5": expected a whole number'),
        ("compact_threshold = 1.5", "compact_threshold = 1.5: expected a number greater than 0"),
        ('allow = ["read", "write"]', 'allow = ["read", "write"]: expected a list of \'read\''),
        ('base_url = "api.infercom.ai"', 'base_url = "api.infercom.ai": expected an http://'),
        ("allow_shell = [1]", "allow_shell = [1]: expected a list of command prefixes"),
        ('modle = "x"', "unknown key 'modle' (did you mean 'model'?)"),
        ("[context_windows]\nm = 10", 'context_windows = {"m": 10}: expected a table'),
        ('[profiles.x]\nmodel = ""', 'profiles.x.model = "": expected a non-empty string'),
        ("model = ", "invalid TOML: "),
    ],
)
def test_a_bad_value_is_one_line_naming_file_key_and_what_is_allowed(
    isolated_home: Path, text: str, message: str
) -> None:
    path = write_config(isolated_home, text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(profile="x" if "profiles.x" in text else None)
    error = str(caught.value)
    assert error.startswith(f"{path}: ") and message in error and "\n" not in error


def test_an_unknown_profile_lists_the_known_ones(isolated_home: Path) -> None:
    write_config(isolated_home, "[profiles.openai]\n[profiles.local]\n")
    with pytest.raises(ConfigError, match=r"no profile 'nope' \(profiles: local, openai\)"):
        load_settings(profile="nope")


def test_the_cli_reports_a_bad_value_and_exits_2(isolated_home: Path, workspace: Path) -> None:
    path = write_config(isolated_home, 'reasoning_effort = "max"\n')
    result = run_infercode(["-p", "hi"], cwd=workspace)
    assert result.returncode == 2
    assert result.stderr == (
        f'infercode: error: {path}: reasoning_effort = "max": expected one of low, medium, high\n'
    )


def test_file_env_and_flags_reach_the_server(
    server: ResponsesServer, isolated_home: Path, workspace: Path
) -> None:
    write_config(
        isolated_home,
        f'model = "from-file"\nbase_url = "{server.url}"\nreasoning_effort = "low"\n'
        f'[profiles.fast]\nmodel = "from-profile"\nbase_url = "{server.url}"\n',
    )
    server.enqueue(text_reply("1"), text_reply("2"), text_reply("3"), text_reply("4"))
    assert run_infercode(["-p", "a"], cwd=workspace).returncode == 0
    env = {"INFERCOM_MODEL": "from-env"}
    assert run_infercode(["-p", "b"], cwd=workspace, env=env).returncode == 0
    assert run_infercode(["--profile", "fast", "-p", "c"], cwd=workspace, env=env).returncode == 0
    flags = ["--profile", "fast", "-m", "from-flag", "--reasoning-effort", "high", "-p", "d"]
    assert run_infercode(flags, cwd=workspace, env=env).returncode == 0
    bodies = [r.body for r in server.requests if r.body is not None]
    assert [b["model"] for b in bodies] == ["from-file", "from-env", "from-profile", "from-flag"]
    assert [b["reasoning"] for b in bodies] == [{"effort": "low"}] * 3 + [{"effort": "high"}]


def test_a_bad_reasoning_effort_flag_exits_2(workspace: Path) -> None:
    result = run_infercode(["--reasoning-effort", "max", "-p", "x"], cwd=workspace)
    assert result.returncode == 2 and "use one of low, medium, high" in result.stderr


def test_config_init_writes_a_commented_file_once(isolated_home: Path) -> None:
    path = config_path()
    first = run_infercode(["config", "init"], cwd=isolated_home)
    assert first.returncode == 0 and first.stdout.strip() == str(path)
    assert path.read_text() == TEMPLATE and read_config(path) == {}  # all commented out
    second = run_infercode(["config", "init"], cwd=isolated_home)
    assert second.returncode == 2 and "already exists" in second.stderr
    with pytest.raises(ConfigError, match="already exists"):
        init_config(path)


def test_every_example_in_the_template_is_valid(isolated_home: Path) -> None:
    """Uncommenting the examples (one profile at a time is fine too) gives a valid file."""
    lines = []
    for line in TEMPLATE.splitlines():
        match = re.match(r"^# (\[.*\]|\"?[a-z_-]+\"? = .*)$", line)
        lines.append(match.group(1) if match else line)
    path = write_config(isolated_home, "\n".join(lines) + "\n")
    settings = load_settings(profile="openai", environ={"INFERCODE_CONFIG_DIR": str(path.parent)})
    assert settings.model == "gpt-5-mini" and settings.include_encrypted_reasoning is True
    assert settings.context_windows["my-local-model"] == 32768
    local = load_settings(profile="local", environ={"INFERCODE_CONFIG_DIR": str(path.parent)})
    assert local.base_url == "http://localhost:8000/v1" and local.api_key is None


def test_help_lists_the_subcommands(workspace: Path) -> None:
    result = run_infercode(["--help"], cwd=workspace)
    assert result.returncode == 0
    for text in ("infercode sessions", "config path", "--continue", "--resume", "--profile"):
        assert text in result.stdout
    assert run_infercode(["config", "--help"], cwd=workspace).returncode == 0


def test_a_per_tool_output_limit_caps_what_enters_history(
    server: ResponsesServer, isolated_home: Path, workspace: Path
) -> None:
    write_config(isolated_home, "tool_output_limit = 20000\n[tool_output_limits]\nshell = 1000\n")
    command = "python3 -c \"print('x' * 5000)\""
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": command}, call_id="call_big")),
        text_reply("done"),
    )
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "print"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    body = server.requests[-1].body
    assert body is not None
    (output,) = [i["output"] for i in body["input"] if i["type"] == "function_call_output"]
    assert len(output) < 1200 and "characters omitted" in output
