"""What a command going through the server needs from the config, remembered per file.

A call through `cxinbox serve` needs three facts from the config: the socket, the database
(the server reached must serve it; its directory's owner may run the server) and the
clinic's time zone. Validating the whole
file costs more than the rest of such a call (some forty dataclasses, the query and SLA
parsers), so after a full, successful load the facts are kept in the user's cache
directory, keyed by the config file's identity (device, inode, size, mtime, ctime), the
cxinbox version and config module, and the environment the default paths depend on.
Any change to any of those, or anything odd about the cache file, means a full load
again: a config that would now fail validation never gets past the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxinbox.config import Config

_ENV_KEYS = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR")
"""What platformdirs' default database and socket paths are computed from."""


class Facts:
    """The config as a socket client sees it."""

    __slots__ = ("data_dir", "database", "db_path", "socket", "timezone")

    def __init__(self, socket: Path, db_path: Path, timezone: str, database: str = "") -> None:
        self.socket = socket
        self.db_path = db_path
        self.database = database
        """The PostgreSQL database the config names (`pg_database_name`), "" for SQLite."""
        self.data_dir = db_path.parent
        self.timezone = timezone

    @property
    def store(self) -> Path | str:
        """The database the config names: the server reached must serve this one."""
        return self.database or self.db_path

    @classmethod
    def of(cls, cfg: Config) -> Facts:
        return cls(cfg.socket_path, cfg.db_path, cfg.clinic.timezone, cfg.store.database or "")


def _cache_file(config_path: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    tag = zlib.crc32(str(config_path).encode("utf-8", "surrogateescape"))
    return Path(base) / "cxinbox" / f"client-{tag:08x}.json"


def _key(config_path: Path) -> list[Any] | None:
    """Everything that, changed, could change what loading `config_path` gives."""
    from cxinbox import __version__

    try:
        st = os.stat(config_path)
        code = os.stat(Path(__file__).with_name("config.py"))
    except OSError:
        return None
    return [str(config_path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
            __version__, code.st_mtime_ns, code.st_size,
            [os.environ.get(name, "") for name in _ENV_KEYS]]


def cached(config_path: Path) -> Facts | None:
    """The facts remembered for this very file, or None (then load it in full)."""
    key = _key(config_path)
    if key is None:
        return None
    try:
        fd = os.open(_cache_file(config_path), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid() or st.st_mode & 0o077 or st.st_size > 65536:
            return None
        data = json.loads(os.read(fd, 65536))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        return Facts(Path(data["socket"]), Path(data["db_path"]), str(data["timezone"]),
                     str(data.get("database", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    finally:
        os.close(fd)


def remember(config_path: Path, cfg: Config) -> Facts:
    """Keep the facts of a config that has just been loaded and validated in full."""
    facts = Facts.of(cfg)
    key = _key(config_path)
    if key is None:
        return facts
    path = _cache_file(config_path)
    data = {"key": key, "socket": str(facts.socket), "db_path": str(facts.db_path),
            "timezone": facts.timezone, "database": facts.database}
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except OSError:  # a read-only or foreign home: the next call loads in full again
        with contextlib.suppress(OSError):
            tmp.unlink()
    return facts
