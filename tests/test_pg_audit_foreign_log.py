"""A checkpoint log of another database, named by an explicit `[audit] checkpoint_log`, on
two real PostgreSQL databases signed by one key.

Every checkpoint line names the database it signed (its store id, signed with the rest),
so `audit verify` on the other database refuses the log in one line, with exit 11 and no
verdict, instead of reading a good trail as tampered; the server refuses to append to it.
A log of an older cxinbox (lines with no store id) is read as before, also once the
server goes on writing lines that name the store.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import PgCluster
from tests.test_serve_support import ME, cx

from cxinbox.config import load_config
from cxinbox.service.anchor import checkpoint_now
from cxinbox.service.checkpoints import (
    AnchorError,
    line_digest,
    load_signing_key,
    parse_line,
    sign,
)
from cxinbox.store.pg.store import PgStore

_names = iter(range(1, 1_000_000))
EXIT_FOREIGN_LOG = 11


@pytest.fixture
def two_databases(pg_cluster: PgCluster) -> Iterator[tuple[str, str]]:
    names = [f"audit_foreign_{os.getpid()}_{next(_names)}" for _ in range(2)]
    for name in names:
        pg_cluster.create_migrated_database(name)
    try:
        yield pg_cluster.url(names[0]), pg_cluster.url(names[1])
    finally:
        for name in names:
            pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _filled(url: str, events: int) -> str:
    """The database's store id, after `events` audit events."""
    store = PgStore(url, max_size=2)
    try:
        for _ in range(events):
            with store.writing() as tx:
                tx.append_event("maria", "conversation.view", "conversation:1", {})
        return store.store_id()
    finally:
        store.close()


def _config(directory: Path, url: str, key: Path, log: Path | None) -> Path:
    from tests.test_pg_serve import pg_config

    path = pg_config(directory, directory / "cx.sock", url, {ME: "admin"})
    audit = f'key_file = "{key}"\n' + (f'checkpoint_log = "{log}"\n' if log else "")
    path.write_text(path.read_text() + f"\n[audit]\n{audit}")
    return path


def _checkpoint(url: str, cfg: Path) -> None:
    store = PgStore(url, max_size=2)
    try:
        checkpoint_now(store, load_config(cfg))
    finally:
        store.close()


def test_another_databases_log_is_refused_by_name_not_read_as_tampering(
        two_databases: tuple[str, str], tmp_path: Path) -> None:
    url_a, url_b = two_databases
    id_a, id_b = _filled(url_a, 4), _filled(url_b, 6)
    key = tmp_path / "keys" / "audit-signing.key"
    cfg_a = _config(tmp_path / "a", url_a, key, None)
    _checkpoint(url_a, cfg_a)
    log_a = key.parent / f"audit-checkpoints-{id_a}.jsonl"
    lines = log_a.read_text().splitlines()
    assert [parse_line(line).store for line in lines] == [id_a]
    assert cx("audit", "verify", "--config", str(cfg_a)).returncode == 0

    # The other database's config names A's log explicitly, with the same key.
    cfg_b = _config(tmp_path / "b", url_b, key, log_a)
    before = log_a.read_bytes()
    proc = cx("audit", "verify", "--config", str(cfg_b))
    assert proc.returncode == EXIT_FOREIGN_LOG, proc.stdout + proc.stderr
    assert proc.stdout == "", proc.stdout  # no findings, no verdict
    said = proc.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].endswith(
        f"checkpoint log {log_a} belongs to store {id_a}, not this database's {id_b};"
        " point [audit] checkpoint_log at this database's own log, or leave it unset"), said
    assert "tampered" not in proc.stderr and "cannot be trusted" not in proc.stderr

    doctor = cx("doctor", "--json", "--config", str(cfg_b))
    assert "Traceback" not in doctor.stderr, doctor.stderr
    audit = [f for f in json.loads(doctor.stdout)["findings"]
             if f["text"].startswith("audit: ")]
    assert [f["level"] for f in audit] == ["fail"], audit
    assert f"belongs to store {id_a}, not this database's {id_b}" in audit[0]["text"]

    # The server on B does not append its checkpoints to A's log either.
    with pytest.raises(AnchorError, match=f"belongs to store {id_a}, not this database's"):
        _checkpoint(url_b, cfg_b)
    assert log_a.read_bytes() == before

    # A syslog copy holding both databases' lines: each database checks its own.
    _checkpoint(url_b, _config(tmp_path / "b2", url_b, key, None))
    log_b = key.parent / f"audit-checkpoints-{id_b}.jsonl"
    both = tmp_path / "syslog.txt"
    both.write_text("".join(f"Dec  6 12:00:00 host cxinbox-audit: {line}\n"
                            for line in log_a.read_text().splitlines()
                            + log_b.read_text().splitlines()))
    proc = cx("audit", "verify", "--checkpoints", str(both), "--config", str(cfg_b))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 line(s) of other databases (another store id) left out" in proc.stdout
    only_a = tmp_path / "syslog-a.txt"
    only_a.write_text(log_a.read_text())
    proc = cx("audit", "verify", "--checkpoints", str(only_a), "--config", str(cfg_b))
    assert proc.returncode == EXIT_FOREIGN_LOG, proc.stdout + proc.stderr


def test_a_log_of_an_older_cxinbox_without_store_ids_is_read_as_before(
        two_databases: tuple[str, str], tmp_path: Path) -> None:
    url, _ = two_databases
    _filled(url, 5)
    key_path = tmp_path / "keys" / "audit-signing.key"
    log = tmp_path / "old" / "checkpoints.jsonl"
    key = load_signing_key(key_path, create=True)
    store = PgStore(url, max_size=2)
    try:
        with store.reading() as tx:
            head = tx.chain_head()
    finally:
        store.close()
    old = sign(key, seq=head.seq, hash=head.hash, count=head.count,
               at=int(time.time() * 1000) - 60_000, prev="")
    assert '"store"' not in old.line()
    log.parent.mkdir(mode=0o700)
    log.write_text(old.line() + "\n")
    log.chmod(0o600)
    cfg = _config(tmp_path / "a", url, key_path, log)
    proc = cx("audit", "verify", "--config", str(cfg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "events #1-#5 match 1 signed checkpoint(s)" in proc.stdout, proc.stdout

    _filled(url, 2)
    _checkpoint(url, cfg)  # an upgraded server goes on in the same log
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and parse_line(lines[1]).prev == line_digest(lines[0])
    assert parse_line(lines[1]).store and not parse_line(lines[0]).store
    proc = cx("audit", "verify", "--config", str(cfg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "match 2 signed checkpoint(s)" in proc.stdout, proc.stdout


def test_the_store_id_is_signed() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cxinbox.service.checkpoints import signature_ok

    key = Ed25519PrivateKey.generate()
    line = sign(key, seq=3, hash="ab" * 32, count=3, at=1, prev="", store="s-1").line()
    assert signature_ok(parse_line(line), key.public_key())
    edited = parse_line(line.replace('"store":"s-1"', '"store":"s-2"'))
    assert edited.store == "s-2" and not signature_ok(edited, key.public_key())
    with pytest.raises(ValueError):
        parse_line(line.replace('"store":"s-1"', '"store":""'))
