"""Hook tables: the README's example parses; mistakes are one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infercode.errors import ConfigError
from infercode.hooks.config import parse_hooks, read_hooks

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_parses(tmp_path: Path) -> None:
    section = README.read_text().split("### Hooks", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert block is not None
    config = tmp_path / "config.toml"
    config.write_text(block.group(1))
    specs = read_hooks(config, "user")
    assert [s.event for s in specs] == ["PreToolUse", "PostToolUse", "UserPromptSubmit"]
    assert specs[0].matches("shell") and not specs[0].matches("shell_x")
    assert specs[1].matches("edit_file") and specs[0].timeout_s == 30


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"PreToolUze": [{"command": "x"}]}, "unknown event"),
        ({"Stop": {"command": "x"}}, "[[hooks.Stop]]"),
        ({"Stop": [{"command": ""}]}, "command"),
        ({"Stop": [{"command": "x", "timeout_s": 0}]}, "timeout_s"),
        ({"PreToolUse": [{"command": "x", "matcher": "("}]}, "matcher"),
        ({"Stop": [{"command": "x", "extra": 1}]}, "keys are"),
    ],
)
def test_bad_tables(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_hooks(table, Path("config.toml"), "user")
