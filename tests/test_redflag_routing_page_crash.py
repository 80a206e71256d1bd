"""A red flag held by caps is paged at least once, even when the server dies in the middle:
a real `cxinbox serve` is killed with SIGKILL while its notify hook pages the flag (the hook
waits on a fifo the test holds, and dies with it); the restarted server pages it again,
once, and records it gone; a restart after that pages nothing. Mail comes from Dovecot; the
team's one member holds her cap, so the flag waits. On both stores (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.waiting import wait_until
from tests.synchelp import write_config as sync_config
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.service.redflag_routing import PAGING, TOLD, WAITING
from cxinbox.service.sla_monitor import TEST_TIMEOUT_ENV

RULE = "red flags to nurses"
ROUND_S = 1
"""[triage] check_interval of these servers (the red-flag round; 5 s by default)."""


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _mail(n: int, subject: str, body: str) -> bytes:
    return (f"From: Pat {n} <pat{n}@patient.example>\r\n"
            "To: appointments@riverside-clinic.example\r\n"
            f"Subject: {subject}\r\nMessage-ID: <page-crash-{n}@patient.example>\r\n\r\n"
            f"{body}\r\n").encode()


def desk_config(tmp: Path, dovecot: Any, sock: Path, hook: Path, db: Path | str,
                team: str = "cap = 1") -> Path:
    """One nurses team of one (me), by default cap 1 and always there (`team`: its keys
    besides name and members); the rule sends red flags to it."""
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = sync_config(tmp, dovecot)
    text = cfg.read_text()
    if isinstance(db, str):  # PostgreSQL
        old = f'path = "{tmp / "data" / "cxinbox.db"}"'
        assert text.count(old) == 1
        text = text.replace(old, f'url = "{db}"')
    cfg.write_text(text + f"""
[server]
socket = "{sock}"

[triage]
notify_command = ["{hook}"]
check_interval = {ROUND_S}

[[staff]]
os_user = "{ME}"
name = "Nurse Root"
role = "admin"
clinical = true

[[teams]]
name = "nurses"
members = ["{ME}"]
{team}

[[rules]]
name = "{RULE}"
on = "arrival"
match = "is:red-flag"
actions = {{ assign = "team:nurses" }}
""")
    return cfg


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie nobody reaped yet has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def hold_first_page(tmp: Path) -> tuple[Path, Path]:
    """The hook: it reads the page; the FIRST red-flag waiting page waits on a fifo (its
    pid in held/pid) before it counts as gone (a line in paged.jsonl); others at once."""
    paged, fifo, held = tmp / "paged.jsonl", tmp / "gate.fifo", tmp / "held"
    os.mkfifo(fifo)
    hook = tmp / "hook.sh"
    hook.write_text(
        "#!/bin/sh\n"
        "line=$(cat)\n"
        f'if [ "$CXINBOX_EVENT" = red_flag_waiting ] && mkdir "{held}" 2>/dev/null; then\n'
        f'  echo $$ > "{held}/pid"\n'
        f'  read gate < "{fifo}"\n'
        "fi\n"
        f"printf '%s\\n' \"$line\" >> \"{paged}\"\n")
    hook.chmod(0o755)
    return hook, held


def events(db: Path | str, action: str) -> list[tuple[int, dict[str, Any]]]:
    """The audit events `action`, oldest first, read from the server's store."""
    if isinstance(db, Path):
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                rows = conn.execute("SELECT seq, details FROM events WHERE action = ?"
                                    " ORDER BY seq", (action,)).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            return []
    else:
        import psycopg

        with psycopg.connect(db) as pg:
            rows = pg.execute("SELECT seq, details FROM events WHERE action = %s"
                              " ORDER BY seq", (action,)).fetchall()
    return [(int(seq), d if isinstance(d, dict) else json.loads(d or "{}"))
            for seq, d in rows]


def pages(paged: Path) -> list[dict[str, Any]]:
    if not paged.exists():
        return []
    return [p for p in (json.loads(line) for line in paged.read_text().splitlines()
                        if line.strip()) if p.get("event") == "red_flag_waiting"]


def listed(cfg: Path, query: str) -> list[int]:
    done = cx("list", query, "--json", "--config", str(cfg))
    if done.returncode != 0:
        return []
    return sorted(int(r["id"]) for r in json.loads(done.stdout)["conversations"])


def routed_at_cap(cfg: Path, dovecot: Any, server: Server) -> int:
    """A question I hold (my cap), then a chest pain the rule leaves waiting: its id."""
    dovecot.deliver(_mail(1, "Bill", "Why was I billed twice for my visit?"))
    wait_until(lambda: len(listed(cfg, "")) == 1, "the first mail synced", timeout=120.0,
               detail=lambda: server.log[-3000:])
    [held] = listed(cfg, "")
    done = cx("assign", str(held), "--to", ME, "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    dovecot.deliver(_mail(2, "Question", "I have had crushing chest pain since last night."))
    wait_until(lambda: len(listed(cfg, "is:red-flag")) == 1, "the red flag synced",
               timeout=120.0, detail=lambda: server.log[-3000:])
    [flag] = listed(cfg, "is:red-flag")
    return flag


def test_a_server_killed_while_paging_a_cap_pages_again_once(
        dovecot: Any, tmp_path: Path, sockdir: Path, store_backend: str,
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # The held hook must still run when the test kills its server, however busy the
    # machine: the hooks get 10 minutes. The restarted server does not wait for that:
    # the page's record names a process of this host that is gone.
    monkeypatch.setenv(TEST_TIMEOUT_ENV, "600")
    sock = sockdir / "s.sock"
    db: Path | str = tmp_path / "data" / "cxinbox.db"
    if store_backend == "postgresql":
        db = str(request.getfixturevalue("pg_url"))
    hook, held = hold_first_page(tmp_path)
    paged = tmp_path / "paged.jsonl"
    cfg = desk_config(tmp_path, dovecot, sock, hook, db)
    held_pid: int | None = None
    try:
        server = Server(cfg, sock).start()
        try:
            flag = routed_at_cap(cfg, dovecot, server)
            wait_until(lambda: (held / "pid").exists()
                       and bool((held / "pid").read_text().strip()),
                       "the cap page is being paged", timeout=60.0,
                       detail=lambda: server.log[-3000:])
            held_pid = int((held / "pid").read_text())
            [(first_seq, first)] = events(db, WAITING)
            assert (first["conversation"], first["team"], first["cap"]) == (flag, "nurses", 1)
            assert first["pid"] == server.proc.pid if server.proc else False
            assert events(db, TOLD) == []
            server.stop(signal.SIGKILL)  # the server dies while its hook runs...
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.stop(signal.SIGKILL)
        # ...and its hook with it (killed as its server's thread ended): the page never
        # went, and no hook of a dead server pages on behind the restarted one
        pid = held_pid
        wait_until(lambda: not _running(pid), "the hook killed with its server",
                   timeout=30.0)
        held_pid = None
        assert pages(paged) == []

        with Server(cfg, sock) as server:
            wait_until(lambda: len(pages(paged)) == 1, "the restarted server paged again",
                       timeout=60.0, detail=lambda: server.log[-3000:])
            wait_until(lambda: bool(events(db, TOLD)), "and recorded it gone",
                       timeout=30.0, detail=lambda: server.log[-3000:])
            [page] = pages(paged)
            assert (page["conversation"], page["team"], page["cap"]) == (flag, "nurses", 1)
            [(resumed_seq, resumed)] = events(db, PAGING)
            assert resumed["resumed"] == first_seq and resumed["pid"] != first["pid"]
            [(_, told)] = events(db, TOLD)
            assert told["paging"] == resumed_seq and told["sent"] is True
            assert len(events(db, WAITING)) == 1  # the desk was told once: no new toast
            assert listed(cfg, "is:red-flag assignee:none") == [flag]  # it still waits
            assert "crushing" not in server.log.lower()
        # Normal life: a restart after the page went pages nothing again. What shows
        # its rounds ran: a second flag at the cap paged by them (each round looks for
        # pages owed after its own work), and still one page for the first.
        with Server(cfg, sock) as server:
            dovecot.deliver(_mail(3, "Again", "Crushing chest pain again since this morning."))
            wait_until(lambda: len(pages(paged)) == 2, "the second flag's page",
                       timeout=120.0, detail=lambda: server.log[-3000:])
            wait_until(lambda: len(events(db, TOLD)) == 2, "recorded gone", timeout=30.0,
                       detail=lambda: server.log[-3000:])
            second = max(listed(cfg, "is:red-flag"))
            assert second != flag
            assert sorted(p["conversation"] for p in pages(paged)) == [flag, second]
            assert len(events(db, PAGING)) == 1 and len(events(db, WAITING)) == 2
    finally:
        if held_pid is not None:
            try:
                os.kill(held_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
