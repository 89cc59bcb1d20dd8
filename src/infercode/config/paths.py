"""Where infercode keeps its files: the config dir (config.toml) and the state dir (sessions,
checkpoints, input history). Both can be moved with an environment variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CONFIG_ENV = "INFERCODE_CONFIG_DIR"
STATE_ENV = "INFERCODE_STATE_DIR"
FILE_NAME = "config.toml"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$INFERCODE_CONFIG_DIR`` or the platform's user config dir (``~/.config/infercode``)."""
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # lazily: --help and --version do not need it

    return Path(platformdirs.user_config_dir("infercode"))


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    return config_dir(environ) / FILE_NAME


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where sessions live: ``$INFERCODE_STATE_DIR`` or the platform's user state dir."""
    env = os.environ if environ is None else environ
    override = env.get(STATE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # lazily: only needed once a session is opened

    return Path(platformdirs.user_state_dir("infercode"))
