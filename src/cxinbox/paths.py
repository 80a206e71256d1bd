"""Where cxinbox's files are by default, and which config file a command reads.

Kept apart from config.py so the command line can find its config file without loading
the validator (config.py re-exports these names).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

APP_NAME: Final = "cxinbox"
CONFIG_ENV_VAR: Final = "CXINBOX_CONFIG"
CONFIG_FILE_NAME: Final = "config.toml"


def default_config_path() -> Path:
    """The per-user config file location for this platform (e.g. ~/.config/cxinbox/config.toml)."""
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / CONFIG_FILE_NAME


def default_db_path() -> Path:
    """The per-user database location for this platform (e.g. ~/.local/share/cxinbox/...)."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "cxinbox.db"


def default_socket_path() -> Path:
    """Where `cxinbox serve` listens when [server] socket is not set: next to the database."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "serve.sock"


def resolve_config_path(cli_path: str | os.PathLike[str] | None) -> Path:
    """Which config file to read: `--config`, else $CXINBOX_CONFIG, else the platform default.

    An empty value counts as unset, so `CXINBOX_CONFIG= cxinbox …` falls back to the default.
    """
    if cli_path:
        return Path(cli_path).expanduser()
    from_env = os.environ.get(CONFIG_ENV_VAR, "")
    if from_env:
        return Path(from_env).expanduser()
    return default_config_path()


def run_as_owner(uid: int) -> str:
    """For a file that belongs to another user (the server's key or password file read by
    root or an admin): how to run the command as its owner."""
    import pwd

    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"run the command as uid {uid}, the server's user"
    return f"run the command as {name}, the server's user: runuser -u {name} -- cxinbox ..."
