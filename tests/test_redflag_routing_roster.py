"""A roster the server cannot read (who is away, the team rotas) is a health alert on
everyone's status line, with its reason in one line, and `cxinbox doctor` fails on it;
both clear once it reads again. A real `cxinbox serve` on SQLite and PostgreSQL; the
roster's table is made unreadable by renaming it under the running server."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.waiting import wait_until
from tests.test_redflag_routing_page_crash import desk_config
from tests.test_serve_support import Server, cx, socket_dir

from cxinbox.service.redflag_routing import ROSTER_ALERT


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _sql(db: Path | str, statement: str) -> None:
    if isinstance(db, Path):
        conn = sqlite3.connect(db, timeout=30)
        try:
            conn.execute(statement)
            conn.commit()
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(db, autocommit=True) as pg:
            pg.execute(statement)


def _alerts(cfg: Path) -> dict[str, str]:
    done = cx("status", "--json", "--config", str(cfg))
    if not done.stdout.strip().startswith("{"):
        return {}
    return {c.get("name", ""): c.get("summary", "")
            for c in json.loads(done.stdout).get("checks", [])}


def test_an_unreadable_roster_is_an_alert_until_it_reads_again(
        dovecot: Any, tmp_path: Path, sockdir: Path, store_backend: str,
        request: pytest.FixtureRequest) -> None:
    sock = sockdir / "s.sock"
    db: Path | str = tmp_path / "data" / "cxinbox.db"
    if store_backend == "postgresql":
        db = str(request.getfixturevalue("pg_url"))
    hook = tmp_path / "hook.sh"
    hook.write_text("#!/bin/sh\ncat > /dev/null\n")
    hook.chmod(0o755)
    cfg = desk_config(tmp_path, dovecot, sock, hook, db)
    with Server(cfg, sock) as server:
        wait_until(lambda: bool(_alerts(cfg)),
                   "the server answers status", timeout=60.0,
                   detail=lambda: server.log[-3000:])
        assert ROSTER_ALERT not in _alerts(cfg)
        _sql(db, "ALTER TABLE staff_away RENAME TO staff_away_gone")
        try:
            wait_until(lambda: ROSTER_ALERT in _alerts(cfg), "the roster alert",
                       timeout=60.0, detail=lambda: server.log[-3000:])
            line = _alerts(cfg)[ROSTER_ALERT]
            assert line.startswith("red flags not routed: roster unreadable"), line
            assert "staff_away" in line and "\n" not in line
            doctor = cx("doctor", "--config", str(cfg))
            assert doctor.returncode != 0
            said = " ".join(doctor.stdout.split())  # its lines wrap at the terminal's width
            assert "FAIL red flags not routed: roster unreadable" in said, doctor.stdout
        finally:
            _sql(db, "ALTER TABLE staff_away_gone RENAME TO staff_away")
        wait_until(lambda: ROSTER_ALERT not in _alerts(cfg), "the alert cleared",
                   timeout=60.0, detail=lambda: server.log[-3000:])
        doctor = cx("doctor", "--config", str(cfg))
        assert "roster unreadable" not in doctor.stdout, doctor.stdout
        said = " ".join(doctor.stdout.split())
        assert "ok roster readable: 1 available for red flags now, 0 away" in said, said
