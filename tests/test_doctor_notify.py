"""`cxinbox doctor`'s notify hook check says "only its owner can change" and means it: a
hook (or its directory) its group can write, or one owned by another user, FAILs; a bare
name says which PATH it was found on; rules that notify with no hook to run FAIL."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest

from cxinbox.config import load_config_text
from cxinbox.service.doctor import Finding, _check_notify, _Report
from cxinbox.service.notify_check import user_name

OTHER_UID = 54321  # owns nothing on this machine: neither root nor doctor's user


def _findings(text: str) -> list[Finding]:
    found: list[Finding] = []
    _check_notify(_Report(lambda _line: None, found), load_config_text(text))
    return found


def _hook(tmp_path: Path) -> Path:
    where = tmp_path / "bin"
    where.mkdir(mode=0o755)
    where.chmod(0o755)
    hook = where / "page"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o700)
    return hook


def _one(tmp_path: Path, hook: Path | str, key: str = "triage") -> Finding:
    [finding] = _findings(f'[{key}]\nnotify_command = ["{hook}"]\n')
    return finding


def test_only_the_owner_may_change_the_hook_or_its_directory(tmp_path: Path) -> None:
    hook = _hook(tmp_path)
    ok = _one(tmp_path, hook)
    assert (ok.level, ok.text) == (
        "ok", (f"[triage] notify_command: {hook} is an executable file only"
              f" {user_name(os.geteuid())} (doctor's user) or root can change"))
    hook.chmod(0o770)
    bad = _one(tmp_path, hook)
    assert (bad.level, bad.text) == (
        "fail", (f"[triage] notify_command: {hook} is writable by its group (chmod g-w {hook})"
                ": others can change it to silence red flags"))
    hook.chmod(0o700)
    hook.parent.chmod(0o775)
    assert _one(tmp_path, hook).text.startswith(
        f"[triage] notify_command: {hook.parent} is writable by its group")
    hook.parent.chmod(0o755)
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chown(hook, OTHER_UID, -1)
    owned = _one(tmp_path, hook, "sla")
    assert owned.level == "fail"
    assert owned.text.startswith(f"[sla] notify_command: {hook} is owned by uid {OTHER_UID},"
                                 " not root or ")
    os.chown(hook, 0, -1)
    os.chown(hook.parent, OTHER_UID, -1)
    assert f"{hook.parent} is owned by uid {OTHER_UID}" in _one(tmp_path, hook).text


def test_a_bare_name_says_which_path_it_was_found_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = _hook(tmp_path)
    monkeypatch.setenv("PATH", str(hook.parent))
    found = _one(tmp_path, "page")
    assert found.level == "ok"
    assert f"page ({hook} on doctor's PATH; the server looks it up on its own PATH" in found.text
    monkeypatch.setenv("PATH", str(tmp_path))
    missing = _one(tmp_path, "page")
    assert (missing.level, missing.text) == (
        "fail", (f"[triage] notify_command: page is not on doctor's PATH ({tmp_path}); the"
                " server looks it up on its own PATH: give the full path: red flags page"
                " nobody"))


def test_rules_that_notify_with_no_hook_to_run_fail(tmp_path: Path) -> None:
    rules = ('[[rules]]\nname = "tell the desk"\non = "arrival"\n'
             'actions = { notify = "new mail" }\n')
    [silent] = _findings(rules)
    assert (silent.level, silent.text) == (
        "fail", ("rule(s) tell the desk have a notify action but no command to run (no [sla]"
                " notify_command; a red-flag rule's may be [triage] notify_command): they"
                " page nobody"))
    hook = _hook(tmp_path)
    [ok] = _findings(f'[sla]\nnotify_command = ["{hook}"]\n' + rules)
    assert ok.level == "ok"
    # a red-flag rule's notify runs the clinician's pager when [triage] has one; a desk
    # rule's does not, so it still pages nobody beside it
    flagged = ('[[rules]]\nname = "page the nurse"\non = "arrival"\nmatch = "is:red-flag"\n'
               'actions = { notify = "red flag" }\n')
    found = _findings(f'[triage]\nnotify_command = ["{hook}"]\n' + flagged + rules)
    failing = [f.text for f in found if f.level == "fail"]
    assert len(failing) == 1 and failing[0].startswith("rule(s) tell the desk have"), failing


def test_with_a_server_socket_the_hook_is_judged_for_the_servers_user(
        tmp_path: Path) -> None:
    """An admin runs doctor as root (or as themselves) while the server runs as its own
    user: what matters is who the SERVER trusts. The socket's owner says who that is."""
    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root")
    hook = _hook(tmp_path)
    sock = tmp_path / "cx.sock"
    sock.write_text("")
    os.chown(sock, OTHER_UID, -1)
    config = f'[server]\nsocket = "{sock}"\n[triage]\nnotify_command = ["{hook}"]\n'
    os.chown(hook, OTHER_UID, -1)  # the server's user's own hook: fine
    [ok] = _findings(config)
    assert (ok.level, ok.text) == (
        "ok", (f"[triage] notify_command: {hook} is an executable file only uid {OTHER_UID}"
              " (the server's user) or root can change"))
    os.chown(hook, OTHER_UID + 1, -1)  # a third user's: they could silence the pager
    hook.chmod(0o755)  # (that the server's user may run it does not make it safe)
    [bad] = _findings(config)
    assert (bad.level, bad.text) == (
        "fail", (f"[triage] notify_command: {hook} is owned by uid {OTHER_UID + 1}, not root"
                f" or uid {OTHER_UID} (the server's user): others can change it to"
                " silence red flags"))


def test_a_symlinked_hook_is_judged_by_its_file_and_the_links_folder(tmp_path: Path) -> None:
    """A link is only a name: what runs is its target, which whoever can write the
    target's folder can replace, and whoever can write the link's folder can point
    elsewhere. Both folders count; the link's own mode does not."""
    real = _hook(tmp_path)
    links = tmp_path / "links"
    links.mkdir(mode=0o755)
    links.chmod(0o755)
    link = links / "pager"
    link.symlink_to(real)
    assert _one(tmp_path, link).level == "ok"
    real.parent.chmod(0o775)  # the target's folder: its group may swap the script
    bad = _one(tmp_path, link)
    assert (bad.level, bad.text) == (
        "fail", (f"[triage] notify_command: {real.parent} is writable by its group"
                f" (chmod g-w {real.parent}): others can change it to"
                " silence red flags"))
    real.parent.chmod(0o755)
    links.chmod(0o757)  # the link's folder: anyone may repoint the link
    assert _one(tmp_path, link).text.startswith(
        f"[triage] notify_command: {links} is writable by anyone")
    links.chmod(0o755)
    hop = tmp_path / "hop"  # a link to a link: each link's folder counts
    hop.mkdir(mode=0o755)
    hop.chmod(0o755)
    (hop / "again").symlink_to(link)
    assert _one(tmp_path, hop / "again").level == "ok"
    links.chmod(0o775)
    assert _one(tmp_path, hop / "again").text.startswith(
        f"[triage] notify_command: {links} is writable by its group")


def test_doctor_does_not_vouch_for_a_hook_the_servers_user_cannot_run(
        tmp_path: Path) -> None:
    """Judged for the server's user by the bits the kernel would use: the owner's when
    that user owns the file, the group's only when the user is in its group, else
    everyone's. A root-only 0744 hook does not run as `mail`."""
    import grp
    import pwd

    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root")
    mail = pwd.getpwnam("mail")
    news_gid = grp.getgrnam("news").gr_gid
    assert mail.pw_name not in grp.getgrgid(news_gid).gr_mem and mail.pw_gid != news_gid
    hook = _hook(tmp_path)
    sock = tmp_path / "cx.sock"
    sock.write_text("")
    os.chown(sock, mail.pw_uid, -1)
    config = f'[server]\nsocket = "{sock}"\n[triage]\nnotify_command = ["{hook}"]\n'

    def judged(uid: int, gid: int, mode: int) -> Finding:
        os.chown(hook, uid, gid)
        hook.chmod(mode)
        [finding] = _findings(config)
        return finding

    cannot = f"{hook} is not executable by {user_name(mail.pw_uid)}"
    assert cannot in judged(0, 0, 0o744).text  # root's bits only
    assert judged(0, 0, 0o745).level == "ok"  # everyone may run it
    assert judged(0, mail.pw_gid, 0o750).level == "ok"  # mail's own group may
    assert cannot in judged(0, news_gid, 0o750).text  # a group mail is not in
    assert judged(0, news_gid, 0o705).level == "ok"  # not in the group: everyone's bits
    assert cannot in judged(mail.pw_uid, mail.pw_gid, 0o650).text  # owner bits decide
    assert judged(mail.pw_uid, 0, 0o700).level == "ok"


def test_no_ok_of_doctors_own_for_a_hook_the_server_reports_it_cannot_trust(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """qa26 F7: a bare name on doctor's PATH but not on the server's. The server (its own
    PATH) raises its alert; doctor prints the server's FAIL and no `ok` of its own for the
    same hook, while another server's alert about its hook names that server and leaves
    doctor's word on this one."""
    from cxinbox.service.doctor import _check_alerts
    from cxinbox.service.health import Health
    from cxinbox.service.notify_check import HookWatch
    from cxinbox.store.db import Database

    hook = _hook(tmp_path)
    sock = tmp_path / "serve.sock"
    config = load_config_text(f'[sla]\nnotify_command = ["page"]\n'
                              f'[server]\nsocket = "{sock}"\n')
    store = Database(tmp_path / "data" / "cxinbox.db", synchronous="OFF")
    try:
        monkeypatch.setenv("PATH", str(tmp_path))  # the server's PATH: no `page` on it
        HookWatch(config, Health(store, config)).check()
        monkeypatch.setenv("PATH", str(hook.parent))  # doctor's: `page` is there

        def doctor() -> list[Finding]:
            found: list[Finding] = []
            report = _Report(lambda _line: None, found)
            _check_alerts(report, store, config)
            _check_notify(report, config)
            return found

        found = doctor()
        assert [(f.level, f.text.split(":", 1)[0]) for f in found] == \
            [("fail", "server reports")], found
        assert "page is not on the server's PATH" in found[0].text
        # another server (another socket) cannot trust its own `page`: not this one's
        other = load_config_text(f'[sla]\nnotify_command = ["page"]\n'
                                 f'[server]\nsocket = "{tmp_path / "other.sock"}"\n')
        Health(store, config).start_fresh()
        monkeypatch.setenv("PATH", str(tmp_path))
        HookWatch(other, Health(store, other)).check()
        monkeypatch.setenv("PATH", str(hook.parent))
        found = doctor()
        assert [f.level for f in found] == ["fail", "ok"], found
        assert found[0].text.startswith(f"server {socket.gethostname()}:{tmp_path}/other.sock"
                                         " reports: [sla] notify_command: page is not on")
    finally:
        store.close()


def test_a_full_path_mended_since_the_servers_alert_says_the_alert_is_older(
        tmp_path: Path) -> None:
    """A full path is judged by doctor as the server judges it: mended since the server's
    alert, doctor's `ok` says the alert above is older, not a bare contradiction."""
    from cxinbox.service.doctor import _check_alerts
    from cxinbox.service.health import Health
    from cxinbox.service.notify_check import HookWatch
    from cxinbox.store.db import Database

    hook = _hook(tmp_path)
    hook.chmod(0o770)
    config = load_config_text(f'[sla]\nnotify_command = ["{hook}"]\n'
                              f'[server]\nsocket = "{tmp_path / "serve.sock"}"\n')
    store = Database(tmp_path / "data" / "cxinbox.db", synchronous="OFF")
    try:
        HookWatch(config, Health(store, config)).check()
        hook.chmod(0o700)  # mended after the server's last look
        found: list[Finding] = []
        report = _Report(lambda _line: None, found)
        _check_alerts(report, store, config)
        _check_notify(report, config)
    finally:
        store.close()
    assert [f.level for f in found] == ["fail", "ok"], found
    assert found[1].text.endswith("the server's alert about it above is older: a running"
                                  " server ends it within a minute, a stopped one at its"
                                  " start"), found[1].text


def test_a_hook_whose_runs_fail_gets_its_setup_said_as_setup(tmp_path: Path) -> None:
    """qa27 F7: `FAIL server reports: notify_command failed 3 time(s) ...` then `ok
    [sla] notify_command: ... is an executable file` read as a contradiction, and the FAIL
    sent the reader to doctor, where they already were. The alert says what to do; the
    `ok` is said of the setup alone and points at the hook's own run."""
    from cxinbox.contract.types import Alert
    from cxinbox.service.doctor import _report_alerts
    from cxinbox.service.health import Health
    from cxinbox.service.notify import run_notify, set_failure_sink
    from cxinbox.service.notify_record import NotifyRecorder
    from cxinbox.store.db import Database

    hook = _hook(tmp_path)
    hook.write_text("#!/bin/sh\nexit 3\n")
    config = load_config_text(f'[store]\npath = "{tmp_path / "db" / "cx.db"}"\n'
                              f'[sla]\nnotify_command = ["{hook}"]\n')
    db = Database(config.db_path)
    set_failure_sink(NotifyRecorder(db, Health(db, config)))
    try:
        assert not run_notify([str(hook)], env={}, details={"state": "breached"},
                              log=logging.getLogger("cxinbox.test"),
                              what="sla notify_command", conversation=4)
        with db.reading() as tx:
            alerts = [Alert(a.key, a.severity, a.message, 0) for a in tx.alerts()]
    finally:
        set_failure_sink(None)
        db.close()
    [alert] = alerts
    assert "run cxinbox doctor" not in alert.message
    assert "its last stderr is kept (doctor prints its first line)" in alert.message
    assert "run it by hand as the server's user" in alert.message
    found: list[Finding] = []
    report = _Report(lambda _line: None, found)
    _report_alerts(report, alerts, config)
    _check_notify(report, config)
    assert [f.level for f in found] == ["fail", "ok"]
    me = user_name(os.geteuid())
    assert found[1].text == (
        f"[sla] notify_command setup only: {hook} is an executable file only {me} or root"
        f" can change, yet its runs fail (above): run it by hand as {me} and read its own log")
    assert not found[1].text.startswith("[sla] notify_command: ")


def _kept_in_place(tmp_path: Path, make: str) -> tuple[str, list[Finding]]:
    """Doctor's findings for a hook whose kept stderr file was replaced by `make`
    ("symlink" to a secret file, "fifo", or a "foreign" owner's copy), doctor run in a thread that must end."""
    import threading

    from cxinbox.service.notify import stderr_path

    hook = _hook(tmp_path)
    data = tmp_path / "db"
    data.mkdir()
    kept = stderr_path(data, str(hook))
    kept.parent.mkdir(mode=0o700)
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secrethash:19000:0:99999:7:::\n")
    if make == "symlink":
        kept.symlink_to(secret)
    elif make == "foreign":  # a regular file, but not of the directory's owner
        kept.write_text(secret.read_text())
        os.chown(kept, OTHER_UID, -1)
    else:
        os.mkfifo(kept)
    text = f'[store]\npath = "{data / "cx.db"}"\n[sla]\nnotify_command = ["{hook}"]\n'
    found: list[Finding] = []
    doctor = threading.Thread(target=lambda: found.extend(_findings(text)), daemon=True)
    doctor.start()
    doctor.join(timeout=20)
    if doctor.is_alive():  # unblock the FIFO's reader so the thread can end
        with open(kept, "wb"):
            pass
        pytest.fail("doctor hung on the FIFO in the kept file's place")
    return str(kept), found


@pytest.mark.parametrize("make", ["symlink", "fifo", "foreign"])
def test_doctor_does_not_follow_what_replaced_the_kept_stderr(tmp_path: Path,
                                                               make: str) -> None:
    """Doctor may run as root: a symlink in the kept file's place must not make it print
    the first line of the file it points at, nor a FIFO make it hang."""
    kept, found = _kept_in_place(tmp_path, make)
    texts = [f.text for f in found]
    assert not any("secrethash" in t or "root:" in t for t in texts), texts
    warned = [f for f in found if f.level == "warn" and kept in f.text]
    assert len(warned) == 1 and "is not read" in warned[0].text, texts


def test_doctor_reads_the_kept_stderr_where_the_servers_alert_says_it_is(
        tmp_path: Path) -> None:
    """Under PostgreSQL (no [store] path) or for doctor run as root, doctor's own default
    data directory is not the server's: the hook-failure alert names the kept file, and
    doctor reads that one (only a hook-stderr/ file of this hook's name)."""
    from cxinbox.contract.types import Alert
    from cxinbox.service.doctor import _report_alerts
    from cxinbox.service.health import Health
    from cxinbox.service.notify import run_notify, set_failure_sink, set_stderr_dir
    from cxinbox.service.notify_record import NotifyRecorder
    from cxinbox.store.db import Database

    hook = _hook(tmp_path)
    hook.write_text("#!/bin/sh\necho 'pager gateway refused: 503' >&2\nexit 1\n")
    served = tmp_path / "server-state"  # the server's data directory
    config = load_config_text(f'[store]\npath = "{tmp_path / "db" / "cx.db"}"\n'
                              f'[sla]\nnotify_command = ["{hook}"]\n')
    db = Database(config.db_path)
    set_failure_sink(NotifyRecorder(db, Health(db, config)))
    set_stderr_dir(served)
    try:
        assert not run_notify([str(hook)], env={}, details={"state": "breached"},
                              log=logging.getLogger("cxinbox.test"),
                              what="sla notify_command", conversation=4)
        with db.reading() as tx:
            alerts = [Alert(a.key, a.severity, a.message, 0) for a in tx.alerts()]
    finally:
        set_failure_sink(None)
        set_stderr_dir(None)
        db.close()
    [alert] = alerts
    kept = served / "hook-stderr"
    assert f"its last stderr is kept in {kept}/" in alert.message, alert.message
    assert not (config.db_path.parent / "hook-stderr").exists()

    def notes(said: Alert) -> list[str]:
        found: list[Finding] = []
        report = _Report(lambda _line: None, found)
        _report_alerts(report, [said], config)
        _check_notify(report, config)
        return [f.text for f in found if f.level == "note"]

    [note] = notes(alert)
    assert note.endswith("said on stderr: pager gateway refused: 503"), note
    # A path of another name, or outside a hook-stderr/ directory, is not read.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in (next(kept.iterdir()).name, "passwd.stderr"):
        (elsewhere / name).write_text("not the hook's\n")
        forged = Alert(alert.key, alert.severity,
                       alert.message.replace(str(kept), str(elsewhere)), 0)
        assert notes(forged) == [], name
