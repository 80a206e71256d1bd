"""A failing hook's kept stderr in the deployment the README recommends for several
servers: the store on PostgreSQL, `cxinbox serve` as its own service user, `cxinbox
doctor` run by root, by the service user and by a member of staff.

Under PostgreSQL the data directory holding `hook-stderr/` is the service user's default
one (its home's `.local/share/cxinbox`), not root's: root's doctor must read the file the
server's alert names. The database asks for a password, which the server, its user and
root are given and staff are not: a member of staff reads the alert from the server's
socket and is named the file, never shown what is in it.

The server and the non-root doctors are child processes of this test started as those
users, with a Python interpreter they may run (tests/test_serve_service_user.py says why).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.osusers import OsUser, OsUsers, os_users
from tests.support.pgcluster import SUPERUSER, PgCluster, PgClusterError
from tests.support.waiting import wait_until
from tests.test_rules import patient_mail
from tests.test_serve_service_user import _interpreter_for, _service_env, service_user
from tests.test_serve_support import cx

from cxinbox.service.notify import stderr_path

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create OS users")

PATIENT = "Brunhilde Quackenbush"
GATEWAY = "pager gateway refused: 503"


@dataclass(frozen=True)
class Site:
    base: Path
    home: Path  # the service user's home: its default data directory is under it
    config: Path
    sock: Path
    hook: Path
    log: Path

    @property
    def kept(self) -> Path:
        return stderr_path(self.home / ".local" / "share" / "cxinbox", str(self.hook))


def _reload(cluster: PgCluster) -> None:
    """`pg_ctl reload` as the cluster's own user (no connection needed)."""
    owner = cluster.datadir.stat()
    subprocess.run([str(cluster.bindir / "pg_ctl"), "-D", str(cluster.datadir), "reload"],
                   user=owner.st_uid, group=owner.st_gid, extra_groups=[], cwd="/",
                   check=True, capture_output=True, timeout=60)


def _refused_without_password(cluster: PgCluster) -> bool:
    try:
        cluster.psql("SELECT 1")
    except PgClusterError as exc:
        return "no password supplied" in str(exc)
    return False


@contextlib.contextmanager
def password_only(cluster: PgCluster) -> Iterator[str]:
    """The session's cluster as a database host is run: local connections by password
    (scram-sha-256), which the servers are given and staff are not; its socket directories
    searchable by all (0711). The password; everything is put back as it was after."""
    password = secrets.token_hex(12)
    hba = cluster.datadir / "pg_hba.conf"
    trusting = hba.read_text()
    dirs = (cluster.socket_dir.parent, cluster.socket_dir)
    modes = [(d, stat.S_IMODE(d.stat().st_mode)) for d in dirs]
    cluster.psql(f"ALTER ROLE \"{SUPERUSER}\" PASSWORD '{password}'")
    try:
        hba.write_text("local all all scram-sha-256\n")
        _reload(cluster)
        wait_until(lambda: _refused_without_password(cluster), "the cluster asking for a"
                   " password", timeout=60, interval=0.05)
        for d, _mode in modes:
            d.chmod(0o711)
        yield password
    finally:
        for d, mode in modes:
            d.chmod(mode)
        hba.write_text(trusting)
        _reload(cluster)
        wait_until(lambda: not _refused_without_password(cluster), "the cluster trusting"
                   " its socket again", timeout=60, interval=0.05)
        cluster.psql(f"ALTER ROLE \"{SUPERUSER}\" PASSWORD NULL")


@contextlib.contextmanager
def site(users: OsUsers, svc: OsUser, dovecot: Any, url: str) -> Iterator[Site]:
    base = Path(tempfile.mkdtemp(prefix="cxhp-", dir="/tmp"))
    try:
        base.chmod(0o755)
        for name, mode in {"run": 0o750, "home": 0o700, "audit": 0o700, "log": 0o700}.items():
            (base / name).mkdir()
            os.chown(base / name, svc.uid, users.gid)
            (base / name).chmod(mode)
        (base / "bin").mkdir(mode=0o755)
        hook = base / "bin" / "page.sh"  # root's, as an admin installs it
        hook.write_text(f"#!/bin/sh\necho '{GATEWAY}' >&2\ncat >&2\nexit 1\n")
        hook.chmod(0o755)
        secret = base / "appointments.pass"
        secret.write_text(dovecot.password + "\n")
        os.chown(secret, svc.uid, users.gid)
        secret.chmod(0o600)
        sock = base / "run" / "serve.sock"
        config = base / "config.toml"  # root's, readable by all, as in /etc/cxinbox
        config.write_text(f'''[clinic]
name = "Riverside Clinic"
timezone = "UTC"

[store]
url = "{url}"

[server]
socket = "{sock}"

[audit]
key_file = "{base / "audit" / "audit-signing.key"}"
checkpoint_log = "{base / "log" / "audit-checkpoints.jsonl"}"

[sla]
notify_command = ["{hook}"]

[[accounts]]
name = "appointments"
host = "127.0.0.1"
port = {dovecot.imaps_port}
tls = "implicit"
ca_file = "{dovecot.ca_file}"
username = "{dovecot.user}"
address = "appointments@riverside-clinic.example"
folders = ["INBOX"]
password_file = "{secret}"

[[rules]]
name = "page on arrival"
on = "arrival"
actions = {{ notify = "new mail" }}

[[staff]]
os_user = "root"
name = "Desk Admin"
role = "admin"

[[staff]]
os_user = "{users.agent.name}"
name = "Agent Desk"
role = "agent"
''')
        config.chmod(0o644)
        yield Site(base, base / "home", config, sock, hook, base / "serve.log")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _env_of(user: OsUser, home: Path | str, password: str | None) -> dict[str, str]:
    env = {**_service_env(), "USER": user.name, "LOGNAME": user.name, "HOME": str(home)}
    if password is not None:
        env["PGPASSWORD"] = password  # as the unit's EnvironmentFile= gives it
    return env


def _serve(python: str, svc: OsUser, password: str, where: Site) -> subprocess.Popen[bytes]:
    """`cxinbox serve` as the service user, as the unit runs it (UMask=0077)."""
    with open(where.log, "wb") as out:
        return subprocess.Popen(
            [python, "-m", "cxinbox", "serve", "--config", str(where.config)],
            user=svc.uid, group=svc.gid, extra_groups=[], umask=0o077,
            env=_env_of(svc, where.home, password), cwd="/", stdout=out, stderr=out)


def _cli(python: str, user: OsUser, home: Path | str, password: str | None,
         *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line run as `user`."""
    return subprocess.run([python, "-m", "cxinbox", *args], user=user.uid, group=user.gid,
                          extra_groups=[g for g in user.groups if g != user.gid],
                          env=_env_of(user, home, password), cwd="/",
                          capture_output=True, text=True, timeout=180, check=False)


def _notes(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in done.stderr + done.stdout, done
    assert done.returncode == 1, done  # the failing hook is a FAIL, whoever asks
    findings = json.loads(done.stdout)["findings"]
    reports = [f["text"] for f in findings if f["level"] == "fail"
               and f["text"].startswith("server reports: notify_command failed")]
    assert len(reports) == 1, findings
    return [f["text"] for f in findings if f["level"] == "note"]


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


def test_a_pg_server_as_its_own_user_keeps_the_stderr_root_and_it_read_staff_are_named(
        users: OsUsers, dovecot: Any, pg_cluster: PgCluster, pg_url: str) -> None:
    with service_user(users) as svc, password_only(pg_cluster) as password, \
            site(users, svc, dovecot, pg_url) as where:
        python = _interpreter_for(svc)
        assert str(where.kept).startswith(str(where.home))  # not root's data directory
        dovecot.deliver(patient_mail("Refill", message_id="hp1@patients.example",
                                     body=f"{PATIENT} here, my refill please."))
        proc = _serve(python, svc, password, where)
        try:
            def log() -> str:
                assert proc.poll() is None, where.log.read_text(errors="replace")
                return where.log.read_text(errors="replace")

            # The alert is written before its log line: once the line is there, the
            # store and the socket both have it.
            wait_until(lambda: f"notify:{where.hook}: notify_command failed" in log(),
                       "the server's alert for the failing hook", timeout=240,
                       interval=0.1, detail=lambda: log()[-3000:])
            assert where.kept.exists(), log()[-3000:]
            given = {"PGPASSWORD": password}
            as_root = cx("doctor", "--json", "--config", str(where.config), extra_env=given)
            root_text = cx("doctor", "--config", str(where.config), extra_env=given)
            as_svc = _cli(python, svc, where.home, password, "doctor", "--json",
                          "--config", str(where.config))
            staff = users.agent
            as_staff = _cli(python, staff, "/nonexistent", None, "doctor", "--json",
                            "--config", str(where.config))
            staff_audit = _cli(python, staff, "/nonexistent", None, "audit", "verify",
                               "--config", str(where.config))
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(60)
        served = where.log.read_text(errors="replace")
        kept = where.kept.stat()
        kept_dir = where.kept.parent.stat()
        kept_text = where.kept.read_text()

    assert code == 0 and "Traceback" not in served, served[-3000:]
    # The file: the service user's, 0600 in a 0700 directory, under its own data directory.
    assert (kept.st_uid, stat.S_IMODE(kept.st_mode)) == (svc.uid, 0o600)
    assert (kept_dir.st_uid, stat.S_IMODE(kept_dir.st_mode)) == (svc.uid, 0o700)
    assert kept_text.startswith(f"{GATEWAY}\n{{")  # then the details the hook was given
    # The log names the file; what the hook wrote is not in it.
    assert f"its stderr is kept in {where.kept}" in served
    assert GATEWAY not in served and PATIENT not in served

    said = f"said on stderr: {GATEWAY}"
    # Root reads the store itself and the file the alert names (its own default data
    # directory is another one).
    notes = _notes(as_root)
    assert len(notes) == 1 and notes[0].startswith("[sla] notify_command: last failing run (")
    assert notes[0].endswith(said), notes
    # In text, the note sits indented under the hook's own check.
    lines = root_text.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "last failing run" in line)
    assert lines[at].startswith("        [sla] notify_command: last failing run"), lines
    assert lines[at - 1].startswith("  ") and "notify_command" in " ".join(lines[at - 4:at])
    # The service user: its own store, its own file.
    notes = _notes(as_svc)
    assert len(notes) == 1 and notes[0].endswith(said), notes
    # A member of staff has no database password: told what it would take, the server's
    # alert comes from its socket, and the file is named, not read.
    findings = json.loads(as_staff.stdout)["findings"]
    refused = [f["text"] for f in findings if f["level"] == "fail"
               and f["text"].startswith("PostgreSQL store:")]
    assert len(refused) == 1 and "no password supplied" in refused[0], findings
    assert refused[0].endswith("; the store's checks need the servers' database password"
                               " (PGPASSWORD=... cxinbox doctor, or a pgpass file); without it"
                               " the server's alerts are asked on its socket, which answers"
                               " its staff roster"), refused
    notes = _notes(as_staff)
    assert notes == [(f"[sla] notify_command: the stderr of its last failing run, if any, is"
                      f" kept in {where.kept}, which {staff.name} may not read (the server's"
                      f" user or root may)")], notes
    assert GATEWAY not in as_staff.stdout + as_staff.stderr
    # Their `audit verify`: without the database password nothing was compared (exit
    # 10, no verdict), and the key's directory is the server's, said in the same line.
    assert "Traceback" not in staff_audit.stderr + staff_audit.stdout, staff_audit
    assert staff_audit.returncode == 10 and staff_audit.stdout == "", staff_audit
    assert staff_audit.stderr.startswith("cxinbox: could not check the audit trail: ")
    assert "trusted" not in staff_audit.stderr and staff_audit.stderr.count("\n") == 1
    assert (f"{where.base / 'audit' / 'audit-signing.key'}: this user may not look into"
            f" {where.base / 'audit'}, which belongs to another user; run the command as"
            f" {svc.name}, the server's user") in staff_audit.stderr, staff_audit
