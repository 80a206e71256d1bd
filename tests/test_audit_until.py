"""`cxinbox audit --until WHEN` (polish29 #3): the same grammar as --since (a duration back
from now, a day, a date), a bare day read to its end, a future --until taken as "all so
far", an --until not after --since refused in one line; on both stores, through the real
command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.support.clirun import cx_here
from tests.test_bulk_cli import ME, one_line_error, write_config
from tests.test_pg_serve import pg_config
from tests.test_serve_support import socket_dir

from cxinbox.config import load_config
from cxinbox.store.db import append_event

AGES_DAYS = (10, 5, 2)


@pytest.fixture
def desk(store_backend: str, tmp_path: Path,
         request: pytest.FixtureRequest) -> Iterator[tuple[Path, datetime]]:
    """A config on a store whose trail holds three events 10, 5 and 2 days old (one
    `old.N` action each, N its age); and the time they were counted from."""
    now = datetime.now(UTC)
    if store_backend == "sqlite":
        from cxinbox.store.db import Database

        cfg = write_config(tmp_path, {ME: "admin"})
        store: object = Database(load_config(cfg).db_path)
    else:
        from cxinbox.store.pg.store import PgStore

        url = str(request.getfixturevalue("pg_url"))
        store = PgStore(url, max_size=1)
        sockdir_cm = socket_dir()
        sockdir = sockdir_cm.__enter__()
        request.addfinalizer(lambda: sockdir_cm.__exit__(None, None, None))
        cfg = pg_config(tmp_path / "desk", sockdir / "none.sock", url, {ME: "admin"})
    try:
        with store.writing() as tx:  # type: ignore[attr-defined]
            for days in AGES_DAYS:
                at = int((now - timedelta(days=days)).timestamp() * 1000)
                append_event(tx.conn, "jo", f"old.{days}", "", {"n": days}, at=at)
    finally:
        store.close()  # type: ignore[attr-defined]
    yield cfg, now


def _actions(cfg: Path, *args: str) -> list[str]:
    done = cx_here("audit", "--json", *args, "--config", str(cfg))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return [e["action"] for e in json.loads(done.stdout) if e["action"].startswith("old.")]


def test_until_bounds_the_trail_on_both_stores(desk: tuple[Path, datetime]) -> None:
    cfg, now = desk
    tz = ZoneInfo(load_config(cfg).clinic.timezone)  # the clinic's days
    assert _actions(cfg) == ["old.10", "old.5", "old.2"]
    assert _actions(cfg, "--until", "7d") == ["old.10"]
    assert _actions(cfg, "--since", "7d", "--until", "3d") == ["old.5"]
    assert _actions(cfg, "--until", "1d") == ["old.10", "old.5", "old.2"]
    # A future --until is all so far (a future --since stays refused).
    assert _actions(cfg, "--until", "tomorrow") == ["old.10", "old.5", "old.2"]
    # A bare day is read to its end: the event of that day is inside.
    day = (now - timedelta(days=5)).astimezone(tz).date().isoformat()
    assert _actions(cfg, "--until", day) == ["old.10", "old.5"]
    # A moment is exclusive: [since, until) meets the next range without overlap.
    at5 = (now - timedelta(days=5)).astimezone(tz).replace(microsecond=0)
    before = _actions(cfg, "--until", at5.isoformat())
    after = _actions(cfg, "--since", at5.isoformat())
    assert before + after == ["old.10", "old.5", "old.2"], (before, after)
    # The read itself is audited with the bound it used.
    done = cx_here("audit", "--json", "--until", "7d", "--config", str(cfg))
    reads = [e for e in json.loads(cx_here("audit", "--json", "--config", str(cfg)).stdout)
             if e["action"] == "audit.read"]
    assert done.returncode == 0 and reads, reads
    until_ms = reads[-1]["details"]["until"]
    assert isinstance(until_ms, int)
    assert abs(until_ms / 1000 - (now - timedelta(days=7)).timestamp()) < 600


def test_until_before_since_and_bad_times_are_one_line(desk: tuple[Path, datetime]) -> None:
    cfg, _now = desk
    line = one_line_error(cx_here("audit", "--since", "3d", "--until", "7d",
                                  "--config", str(cfg)), 2)
    assert "--until '7d'" in line and "is not after --since '3d'" in line, line
    line = one_line_error(cx_here("audit", "--since", "2d", "--until", "2d",
                                  "--config", str(cfg)), 2)
    assert "is not after" in line, line
    line = one_line_error(cx_here("audit", "--until", "last blue moon",
                                  "--config", str(cfg)), 2)
    assert "last blue moon" in line, line


def test_plain_audit_sends_no_until_to_the_server(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A server older than `--until` checks its arguments strictly: a plain `cxinbox
    audit` must not send `until` (not even None), or every audit fails there."""
    from tests.test_serve_support import Server

    from cxinbox.api import wire

    frames: list[dict[str, Any]] = []
    real_dumps = wire.dumps

    def recording(frame: dict[str, Any]) -> bytes:
        line = real_dumps(frame)
        frames.append(wire.loads(line))
        return line

    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = write_config(tmp_path, {ME: "admin"})
        cfg.write_text(cfg.read_text().replace(
            f'socket = "{tmp_path / "data" / "serve.sock"}"', f'socket = "{sock}"'))
        with Server(cfg, sock):
            monkeypatch.setattr(wire, "dumps", recording)
            plain = cx_here("audit", "--json", "--config", str(cfg))
            bounded = cx_here("audit", "--json", "--until", "1d", "--config", str(cfg))
            monkeypatch.undo()
    assert plain.returncode == 0 and bounded.returncode == 0, plain.stderr + bounded.stderr
    audits = [f for f in frames if f.get("method") == "audit"]
    assert len(audits) == 2, frames
    plain_kwargs, bounded_kwargs = audits[0]["kwargs"], audits[1]["kwargs"]
    assert "until" not in plain_kwargs, plain_kwargs
    assert isinstance(bounded_kwargs.get("until"), datetime), bounded_kwargs
