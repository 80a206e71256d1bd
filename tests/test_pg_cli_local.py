"""Commands without a server on a `[store] url`: the CLI opens the PostgreSQL database in
its own process (as it opens the SQLite file), so an admin can list, show, change, audit
and sync on it with no `cxinbox serve` running. What the PostgreSQL store does not run yet
is said in one line with a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.support.pgcluster import SUPERUSER, PgCluster
from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.test_bulk_cli import fill
from tests.test_pg_serve import pg_config
from tests.test_serve_support import ME, cx, socket_dir

from cxinbox.store.pg.store import PgStore

CLINIC = "+15550100100"


@pytest.fixture
def pg_url(pg_url: str) -> str:
    """The fresh database of conftest.py, with five conversations in it."""
    store = PgStore(pg_url, max_size=2)
    try:
        fill(store, 5)  # type: ignore[arg-type]  # the ingest module runs on both
    finally:
        store.close()
    return pg_url


@pytest.fixture
def config(tmp_path: Path, pg_url: str) -> Iterator[Path]:
    """A config on the database with a socket nobody serves."""
    with socket_dir() as sockdir:
        yield pg_config(tmp_path / "desk", sockdir / "none.sock", pg_url, {ME: "admin"})


def _one_line_failure(proc: object, *words: str) -> None:
    code, out, err = proc.returncode, proc.stdout, proc.stderr  # type: ignore[attr-defined]
    assert code != 0 and out == "" and "Traceback" not in err, (code, out, err)
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err


def test_list_show_change_and_audit_without_a_server(config: Path, pg_url: str) -> None:
    listed = cx("list", "--json", "-c", str(config))
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)["conversations"]
    assert sorted(i["id"] for i in items) == [1, 2, 3, 4, 5]
    shown = cx_here("show", "1", "-c", str(config))  # the rest in this process
    assert shown.returncode == 0 and "Question 1 about my visit" in shown.stdout, shown.stderr
    tagged = cx_here("tag", "id:2", "--add", "labs", "-y", "-c", str(config))
    assert tagged.returncode == 0, tagged.stderr
    store = PgStore(pg_url, max_size=1)
    try:
        tags = [str(r[0]) for r in store.conn.execute(
            "SELECT tag FROM conversation_tags WHERE conversation_id = 2")]
        assert tags == ["labs"]
        actors = {str(r[0]) for r in store.conn.execute(
            "SELECT actor FROM events WHERE action = 'conversation.tag'")}
        assert actors == {ME}
    finally:
        store.close()
    audit = cx_here("audit", "id:2", "--json", "-c", str(config))
    assert audit.returncode == 0, audit.stderr
    assert any(e["action"] == "conversation.tag" for e in json.loads(audit.stdout)), audit.stdout


def test_sync_polls_sms_into_postgresql(tmp_path: Path, pg_url: str) -> None:
    with SmsProvider(numbers=[CLINIC]) as provider:
        provider.inject_inbound("+15557654321", CLINIC, "Can I move my appointment?",
                                at=datetime.now(UTC) - timedelta(minutes=5))
        path = write_sms_config(tmp_path, provider, [CLINIC])
        text = path.read_text().replace(f'path = "{tmp_path / "data" / "cxinbox.db"}"',
                                        f'url = "{pg_url}"')
        with socket_dir() as sockdir:
            path.write_text(text + f'\n[server]\nsocket = "{sockdir / "none.sock"}"\n'
                            f'\n[[staff]]\nos_user = "{ME}"\nname = "Me"\nrole = "admin"\n')
            synced = cx("sync", "--once", "-c", str(path))
        assert "sms: 1 new text(s)" in synced.stdout, (synced.stdout, synced.stderr)
        assert "Traceback" not in synced.stderr and 'File "' not in synced.stderr
        # The replies step (the outbox) may not run on PostgreSQL yet: then one line says so.
        assert synced.returncode == 0 or (
            synced.returncode == 1 and synced.stderr.splitlines()[-1].startswith(
                "cxinbox: not available on this store yet")), synced.stderr
        store = PgStore(pg_url, max_size=1)
        try:
            assert int(store.conn.execute("SELECT count(*) FROM messages WHERE channel = 'sms'"
                                          ).fetchone()[0]) == 1
            assert store.conn.execute("SELECT date_sent_max FROM sms_cursors"
                                      ).fetchone() is not None
        finally:
            store.close()


def test_what_postgresql_does_not_run_yet_is_one_line(config: Path) -> None:
    # reindex runs (PostgreSQL's search columns follow each row; the messages are re-parsed)
    done = cx("reindex", "-c", str(config))
    assert done.returncode == 0 and "reindexed" in done.stdout, (done.stdout, done.stderr)
    _one_line_failure(cx_here("backup", "-c", str(config)), "on PostgreSQL", "pg_dump -Fc")
    _one_line_failure(cx_here("restore", "x.db.gz.age", "--identity", "key.txt", "-c", str(config)),
                      "on PostgreSQL", "pg_restore --no-owner")


def test_staff_without_database_credentials_hear_that_the_server_is_down(
        tmp_path: Path, pg_url: str) -> None:
    """Staff reach the database only through the server: with none running, the command
    says so (as `status` words it), not the database's refusal of their login alone."""
    no_role = pg_url.replace(f"postgresql://{SUPERUSER}@", "postgresql://front_desk_tom@", 1)
    assert "front_desk_tom" in no_role  # a login the database does not know
    with socket_dir() as sockdir:
        cfg = pg_config(tmp_path / "desk", sockdir / "none.sock", no_role, {ME: "admin"})
        for args in (("list",), ("show", "1")):
            done = cx(*args, "-c", str(cfg))
            _one_line_failure(done, "the cxinbox server is not running", "ask IT to start it")
            assert done.returncode == 5, done.stderr
            assert done.stderr.index("not running") < done.stderr.index("front_desk_tom")


def test_a_bad_url_is_one_line(tmp_path: Path, pg_cluster: PgCluster) -> None:
    with socket_dir() as sockdir:
        cfg = pg_config(tmp_path / "desk", sockdir / "none.sock",
                        pg_cluster.url("no_such_database"), {ME: "admin"})
        _one_line_failure(cx("list", "-c", str(cfg)), "PostgreSQL store")
