"""A command pointed at a SQLite cache that is not there says so in one line and makes
nothing; `doctor` on a new install warns and goes on; the commands that make the cache
(`sync`, `serve`) still make it.

Before, `rules test` with `path = "bad/x.db"` left an empty database there (and the
directory `bad/`), and every later command read that empty inbox as if it were the
clinic's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.support.mailgen import generate_corpus
from tests.synchelp import write_config
from tests.test_cli import assert_one_line_error
from tests.test_serve_support import cx

from cxinbox.config import load_config

RULE = '''
[[rules]]
name = "flag"
on = "arrival"
match = "is:red-flag"
actions = { tag = ["seen"] }
'''


def _config(tmp_path: Path) -> tuple[Path, Path]:
    missing = tmp_path / "bad" / "x.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{missing}"\n' + RULE)
    return config, missing


@pytest.mark.parametrize("command", [
    ("list",), ("show", "1"), ("list", "--json", "is:red-flag"), ("rules", "test", "flag"),
    ("audit",), ("report", "volume"), ("reindex",), ("kb", "list"), ("teams",),
    ("outbox",), ("tag", "1", "--add", "x", "--yes"), ("audit", "verify"),
])
def test_a_reading_command_on_no_cache_is_one_line_and_makes_nothing(
        tmp_path: Path, command: tuple[str, ...]) -> None:
    config, missing = _config(tmp_path)
    proc = cx_here("--local", "-c", str(config), *command)
    # audit verify: nothing to check and no checkpoint saying there was: no verdict (10)
    assert proc.returncode == (10 if command == ("audit", "verify") else 1), \
        (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stdout == "", proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0] == (f"cxinbox: no cache at {missing}: run `cxinbox sync` or"
                        " `cxinbox serve` first"), proc.stderr
    assert not missing.parent.exists(), sorted(tmp_path.rglob("*"))


def test_as_a_shell_sees_it_and_without_local(tmp_path: Path) -> None:
    config, missing = _config(tmp_path)
    proc = cx("-c", str(config), "rules", "test", "flag", "--since", "30d")
    line = assert_one_line_error(proc, 1)
    assert line.startswith(f"cxinbox: no cache at {missing}:"), line
    assert not missing.parent.exists()


def test_doctor_on_a_new_install_warns_and_makes_nothing(tmp_path: Path) -> None:
    config, missing = _config(tmp_path)
    proc = cx_here("-c", str(config), "doctor", "--json")
    assert "Traceback" not in proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert {"level": "warn", "text": f"no cache at {missing} yet: `cxinbox sync` or"
            " `cxinbox serve` makes it; the database's checks wait until then"} in findings
    assert not missing.parent.exists()


@pytest.mark.dovecot
def test_sync_makes_the_cache_where_there_was_none(dovecot: Any, tmp_path: Path) -> None:
    dovecot.deliver_many(generate_corpus(3, seed=5), "INBOX")
    cfg = write_config(tmp_path, dovecot)
    cache = load_config(cfg).db_path
    assert not cache.exists()
    before = cx_here("--local", "list", "--config", str(cfg))
    assert "no cache at" in assert_one_line_error(before, 1) and not cache.exists()
    synced = cx("sync", "--once", "--config", str(cfg))
    assert synced.returncode == 0, synced.stderr
    assert cache.is_file()
    listed = cx_here("--local", "list", "--json", "--config", str(cfg))
    assert listed.returncode == 0, listed.stderr
