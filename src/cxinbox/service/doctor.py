"""`cxinbox doctor`: every check an admin needs before trusting the inbox with patient mail."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cxinbox.channels.credentials import CredentialError, describe_source
from cxinbox.channels.imap import ImapError, ImapNoFolder, ImapSession
from cxinbox.channels.oauth import BearerToken, Credential
from cxinbox.channels.oauth_providers import secret_expiry
from cxinbox.channels.oauth_store import TokenStore, token_dir
from cxinbox.channels.signin import credential_for
from cxinbox.config import (
    AccountConfig,
    Config,
    ConfigError,
    load_config,
    url_password_warning,
)
from cxinbox.contract.errors import Forbidden, StoreError, StoreUnreadable
from cxinbox.contract.hook_alert import parse_setup_key
from cxinbox.domain.sanitize import clean_line
from cxinbox.paths import resolve_config_path
from cxinbox.service.notify import STDERR_DIR, NotAKeptFile, kept_stderr, stderr_path
from cxinbox.service.notify_check import (
    Hook,
    Runner,
    configured_hooks,
    hook_trouble,
    located,
    server_id,
    this_process,
    user_name,
)
from cxinbox.service.notify_record import ALERT_KEY as NOTIFY_ALERT
from cxinbox.store.interface import Store

if TYPE_CHECKING:
    from cxinbox.contract.types import Alert
    from cxinbox.service.audit_verify import AuditOpener, StoreIdentity
    from cxinbox.store.records import AlertRecord

Echo = Callable[[str], None]

WIDTH = 80
"""`cxinbox doctor` wraps its lines to fit an 80-column terminal (`wrap_line`); the lines
given to `echo` and `--json` stay whole."""

_LABELS = ("  ok    ", "  warn  ", "  FAIL  ", "        ", "config ")
"""Each line's label; a note's is blank, so its text lines up under the check above it."""


@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # "ok" | "warn" | "fail"
    text: str


def wrap_line(line: str, width: int = WIDTH) -> str:
    """One doctor line wrapped to `width`: continuation lines indented under the text after
    its label, a word too long for a line (a path) broken after a "/" where it can be."""
    label = next((lb for lb in _LABELS if line.startswith(lb)), "")
    indent = " " * len(label)
    room = width - len(indent)
    words: list[str] = []
    for word in line[len(label):].split(" "):
        words.extend(_split_long(word, room) if len(word) > room else [word])
    lines: list[str] = []
    current, empty = label, True
    for word in words:
        if not word:
            continue
        if empty:
            current, empty = current + word, False
        elif len(current) + 1 + len(word) > width:
            lines.append(current)
            current = indent + word
        else:
            current = f"{current} {word}"
    lines.append(current)
    return "\n".join(lines)


def _split_long(word: str, room: int) -> list[str]:
    pieces: list[str] = []
    while len(word) > room:
        cut = word.rfind("/", 0, room) + 1 or room
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


class _Report:
    def __init__(self, echo: Echo, findings: list[Finding] | None) -> None:
        self.echo = echo
        self.findings = findings if findings is not None else []
        self.failures = 0
        self.alerts_read = False  # the server's alerts were read (the store or its socket)
        self.server_hook_alerts: set[str] = set()
        """Keys of the alerts the server raised about hooks it cannot trust
        (`notify-setup:...`): doctor says no `ok` of its own about such a hook."""
        self.failing_hooks: set[str] = set()
        self.identify: StoreIdentity | None = None
        """The store's id, which names a PostgreSQL database's checkpoint log."""
        self.kept_stderr: dict[str, str] = {}
        """Per failing hook, where the server said it kept its last stderr (its alert)."""
        """Programs whose runs the server reports failing (`notify:PROGRAM`): doctor's
        `ok` for such a hook is said of its setup, not as if the hook worked."""

    def _add(self, level: str, label: str, what: str) -> None:
        self.findings.append(Finding(level, what))
        self.echo(f"{label}{what}")

    def ok(self, what: str) -> None:
        self._add("ok", "  ok    ", what)

    def warn(self, what: str) -> None:
        self._add("warn", "  warn  ", what)

    def fail(self, what: str) -> None:
        self.failures += 1
        self._add("fail", "  FAIL  ", what)

    def note(self, what: str) -> None:
        """A detail under the check above it (level "note"): neither passes nor fails."""
        self._add("note", "        ", what)


StoreOpener = Callable[[Path], Store]
"""Opens the store the config names (given by the CLI: the composition root chooses the
backend); raises StoreError with one line when it cannot."""

PgStoreOpener = Callable[[Config], Store]
"""Opens the PostgreSQL store `[store] url` names (given by the CLI, like StoreOpener)."""

ServerAlerts = Callable[["Config"], "Sequence[Alert] | None"]
"""Asks the server on its socket for its alerts (given by the CLI), for a doctor that
cannot read the store itself (root on the service user's data directory); None when the
server does not answer them."""

ServerCheck = Callable[[Config], "str | None"]
"""Asks the front-desk server on the config's socket whether it serves this config's
store (given by the CLI: the client side lives in api/); None when it answers, else the
reason."""


def run_doctor(config_opt: str | None, echo: Echo, *, open_store: StoreOpener,
               open_audit: AuditOpener,
               server_answers: ServerCheck | None = None,
               findings: list[Finding] | None = None,
               open_pg: PgStoreOpener | None = None,
               server_alerts: ServerAlerts | None = None,
               identify: StoreIdentity | None = None) -> bool:
    """Run every check, echoing each result as it comes and appending it to `findings`
    when given; True when none failed. `identify`: the store's id (given by the CLI),
    which names a PostgreSQL database's checkpoint log."""
    report = _Report(echo, findings)
    report.identify = identify
    path = resolve_config_path(config_opt)
    echo(f"config {path}")
    try:
        config = load_config(path)
    except ConfigError as exc:
        report.fail(str(exc))
        return False
    report.ok(f"valid: {len(config.accounts)} account(s), {len(config.staff)} staff member(s)")
    if config.store.url is not None:
        if (exposed := url_password_warning(config)) is not None:
            report.fail(exposed)
        if _check_pg_store(report, config, open_pg):
            _check_audit_trail(report, config, open_audit)
    else:
        _check_store(report, config, open_store, open_audit)
    for account in config.accounts:
        _check_account(report, config, account)
        if account.smtp_host:
            _check_smtp(report, config, account)
        else:
            report.warn(f"{account.name}: no smtp_host; replies cannot be sent from it")
    if config.sms.configured:
        _check_sms(report, config)
    if not report.alerts_read and server_alerts is not None and \
            config.server.socket is not None:
        told = server_alerts(config)  # the store was not ours to read
        if told is not None:
            _report_alerts(report, told, config)
    _check_notify(report, config)
    if server_answers is not None:
        _check_server(report, config, server_answers)
    echo("all checks passed" if not report.failures else f"{report.failures} check(s) failed")
    return report.failures == 0


def _check_modes(report: _Report, path: Path) -> bool:
    """Looked at before the database is opened, because opening it tightens the modes.
    False when this OS user may not even look at the database (the data directory is the
    service user's): said in one FAIL line, and the store's own checks are skipped."""
    for candidate in (path.parent, path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if not candidate.exists():
                continue
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except PermissionError:
            report.fail(f"{_whoami()} cannot read {candidate}: the store is not this user's"
                        " to check; run doctor as the service user (or root) for the store's"
                        " checks; the server's own checks follow")
            return False
        wanted = 0o700 if candidate.is_dir() else 0o600
        if mode & 0o077:
            report.fail(f"{candidate} has mode {mode:04o}; run chmod {wanted:o} {candidate}")
        else:
            report.ok(f"{candidate} mode {mode:04o}")
    return True


def _whoami() -> str:
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _check_store(report: _Report, config: Config, open_store: StoreOpener,
                 open_audit: AuditOpener) -> None:
    path: Path = config.db_path
    if not _check_modes(report, path):
        return
    if not path.exists():  # a new install: opening it here would make it, empty
        if _has_checkpoints(config.audit_log_path):  # it was there: gone is a verdict
            _check_audit_trail(report, config, open_audit)
            return
        report.warn(f"no cache at {path} yet: `cxinbox sync` or `cxinbox serve` makes it;"
                    " the database's checks wait until then")
        return
    try:
        store = open_store(path)
    except StoreUnreadable as exc:  # as on PostgreSQL: no verdict on what is in it
        report.fail(f"could not check the store ({exc}); no verdict")
        return
    except (StoreError, Forbidden) as exc:
        report.fail(str(exc))
        return
    try:
        findings = store.diagnose()
        for finding in findings:
            getattr(report, finding.level)(finding.text)
        if all(f.level != "fail" for f in findings):
            _check_alerts(report, store, config)
            if _check_roster(report, config, store):
                _check_teams(report, config, store)
    except StoreError as exc:
        report.fail(f"{path}: {exc}")
    finally:
        store.close()
    _check_audit_trail(report, config, open_audit)


def _check_pg_store(report: _Report, config: Config, open_pg: PgStoreOpener | None) -> bool:
    """The PostgreSQL store: connection, server version, extensions, schema, privileges
    and the event chain (the store's own `diagnose`). Never prints the URL: it may carry
    a password. False when the database could not be opened at all."""
    if open_pg is None:
        report.fail("[store] url: this doctor cannot check a PostgreSQL store")
        return False
    try:
        store = open_pg(config)
    except StoreError as exc:
        report.fail(f"{exc}{_password_hint(str(exc))}")
        return False
    try:
        findings = store.diagnose()
        for finding in findings:
            getattr(report, finding.level)(finding.text)
        if all(f.level != "fail" for f in findings):
            _check_alerts(report, store, config)
            if _check_roster(report, config, store):
                _check_teams(report, config, store)
    finally:
        store.close()
    return True


_NO_PASSWORD: Final = ("no password supplied", "password authentication failed")


def _password_hint(error: str) -> str:
    """What to do when the database asked for a password doctor does not have (staff have
    none; root and the service user are given the servers' one)."""
    if not any(said in error for said in _NO_PASSWORD):
        return ""
    return ("; the store's checks need the servers' database password (PGPASSWORD=..."
            " cxinbox doctor, or a pgpass file); without it the server's alerts are asked"
            " on its socket, which answers its staff roster")


def _has_checkpoints(log_path: Path) -> bool:
    """Whether the SQLite cache's checkpoint log holds anything (unreadable counts: then
    the audit check says why)."""
    try:
        return log_path.stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _check_audit_trail(report: _Report, config: Config, open_audit: AuditOpener) -> None:
    """The chain, its guard triggers and the signed checkpoints (`cxinbox audit verify`).
    A store it cannot reach is one line saying so, never a verdict on the trail."""
    from cxinbox.service.audit_verify import verify_trail

    trail = verify_trail(config, open_reader=open_audit, identify=report.identify)
    if trail.unchecked is not None:
        report.fail(f"audit: could not check the trail ({trail.unchecked}); no verdict")
    if trail.foreign is not None:
        report.fail(f"audit: {trail.foreign}")
    if trail.absent is not None:  # nothing made yet: as the store's own line says
        report.warn(f"audit: {trail.absent}")
    for finding in trail.findings:
        getattr(report, finding.level)(f"audit: {finding.text}")


def _check_account(report: _Report, config: Config, account: AccountConfig) -> None:
    from cxinbox.service.sync import endpoint_for

    name = account.name
    password = _credential(report, config, account)
    if password is None:
        return
    endpoint = endpoint_for(account, config)
    try:
        session = ImapSession(endpoint, account.username, password)
    except ImapError as exc:
        report.fail(f"{name}: {exc}")
        return
    try:
        tls = "certificate verified" if endpoint.verify_tls else "certificate NOT verified"
        report.ok(f"{name}: {endpoint.host}:{endpoint.port} reachable, TLS ({endpoint.tls}) {tls},"
                  f" login ok")
        caps = [c for c in ("IDLE", "CONDSTORE", "QRESYNC") if c in session.capabilities]
        report.ok(f"{name}: server offers {' '.join(caps) or 'none of IDLE/CONDSTORE/QRESYNC'}")
        for folder in account.folders:
            try:
                info = session.select(folder)
                report.ok(f"{name}/{folder}: {info.exists} message(s)")
            except ImapNoFolder as exc:
                report.fail(f"{name}: {exc}; check folders in the config")
            except ImapError as exc:
                report.fail(f"{name}/{folder}: {exc}")
        if account.smtp_host:
            _check_sent_folder(report, session, account)
    finally:
        session.close()


def _check_sent_folder(report: _Report, session: ImapSession, account: AccountConfig) -> None:
    """Where copies of replies will go; looked up only, never created by the doctor."""
    name = account.name
    try:
        folders = {folder for folder, _flags in session.list_folders()}
        sent = session.find_sent_folder(account.sent_folder, create=False)
    except ImapError as exc:
        report.fail(f"{name}: cannot list folders to find Sent: {exc}")
        return
    except LookupError:
        sent = "Sent"
    files_itself = account.append_sent == "auto" and "X-GM-EXT-1" in session.capabilities
    if account.append_sent == "never" or files_itself:
        # cxinbox appends nothing, so it creates nothing: say who files copies, if anyone
        who = ("the provider files copies of replies itself" if files_itself
               else 'replies are not copied to Sent (append_sent = "never")')
        where = f"; sent mail is read from {sent!r}" if sent in folders and \
            account.follow_sent else ""
        report.ok(f"{name}: {who}{where}")
    elif sent in folders:
        report.ok(f"{name}: copies of replies go to {sent!r}")
    else:
        report.warn(f"{name}: no {sent!r} folder yet; the first reply creates it")


def _credential(report: _Report, config: Config, account: AccountConfig) -> Credential | None:
    """The password, or for OAuth2 a token got end to end (secret, endpoint, consent), with
    what the provider's refusal says an admin must do."""
    from cxinbox.service.sync import signin_problem

    name = account.name
    cfg = account.oauth2
    if cfg is None:
        try:
            password = credential_for(account, config.db_path)
        except CredentialError as exc:
            report.fail(f"{name}: {exc}")
            return None
        report.ok(f"{name}: credentials from {describe_source(account.credentials)}")
        return password
    _check_secret_expiry(report, account)
    try:
        token = credential_for(account, config.db_path, force=True)
    except CredentialError as exc:
        report.fail(signin_problem(account, exc))
        return None
    assert isinstance(token, BearerToken)
    minutes = max(0, int(token.remaining() // 60))
    state = TokenStore(token_dir(config.db_path)).load(name)
    scopes = " ".join((state.meta or {}).get("scopes") or cfg.scopes)
    report.ok(f"{name}: OAuth2 {cfg.provider} {cfg.flow}: token ok, valid {minutes} min,"
              f" scopes {scopes}")
    return token


def _check_secret_expiry(report: _Report, account: AccountConfig) -> None:
    from datetime import UTC, datetime

    from cxinbox.service.sync import SECRET_WARN_DAYS

    expires = secret_expiry(account)
    if expires is None:
        return
    days = (expires - datetime.now(UTC).date()).days
    what = "certificate" if account.oauth2 and account.oauth2.credential == "certificate" \
        else "client secret"
    if days < 0:
        report.fail(f"{account.name}: the {what} expired on {expires}; make a new one")
    elif days <= SECRET_WARN_DAYS:
        report.warn(f"{account.name}: the {what} expires on {expires} ({days} days); make a new"
                    " one before then")
    else:
        report.ok(f"{account.name}: the {what} is valid until {expires}")


def _check_roster(report: _Report, config: Config, store: Store) -> bool:
    """The roster red flags are routed by (who is away, the team rotas), read as the
    server's red-flag round reads it: a failure is the line its health alert shows. False
    when it could not be read."""
    if not config.teams and not config.clinical_staff():
        return True
    from cxinbox.service.redflag_routing import read_roster, roster_problem

    at = datetime.now(UTC)
    try:
        with store.reading() as tx:
            away, available = read_roster(tx, config, at)
    except Exception as exc:  # noqa: BLE001 - any failure is the check's one line
        report.fail(roster_problem(exc))
        return False
    counts = f"{len(available)} available for red flags now, {len(away)} away"
    gap = _red_flag_gap(config, away, bool(available), at)
    if gap is None:
        report.ok(f"roster readable: {counts}")
        return True
    # A warning, not a failure: it is the shift's state (nurses off duty), which the next
    # shift ends by itself; the TUI's status line says the same to everyone meanwhile.
    report.warn(f"roster readable ({counts}), but {gap}: new red flags wait unassigned"
                " until someone is (the notify hook still runs)")
    return True


def _check_teams(report: _Report, config: Config, store: Store) -> None:
    """Whether each `[[teams]]` team could take a new conversation now: a WARN for each
    whose every member is away, off shift (shift-aware) or at the cap, naming why each is
    out, since what is assigned to it then stays unassigned and nothing else says so; a
    shift's or a day's state, so a warning, not a failure."""
    if not config.teams:
        return
    from cxinbox.service.teams import teams_without_anyone

    try:
        with store.reading() as tx:
            idle = teams_without_anyone(tx, config, int(datetime.now(UTC).timestamp()))
    except Exception as exc:  # noqa: BLE001 - any failure is the check's one line
        from cxinbox.domain.logfields import error_class

        report.fail(f"teams could not be checked: {error_class(exc)}")
        return
    for team, out in idle:
        report.warn(f"team {team}: nobody can take work: {', '.join(out)}; what is assigned"
                    " to the team meanwhile stays unassigned (rules included) until one of"
                    " them can")
    if not idle:
        names = ", ".join(t.name for t in config.teams)
        report.ok(f"teams: {names} can take work now" if len(config.teams) > 1
                  else f"team {names} can take work now")


def _red_flag_gap(config: Config, away: set[str], anyone: bool, at: datetime) -> str | None:
    """Where a red flag raised now would find nobody, in the TUI's words (tui/away.py):
    each team the rules send red flags to with no member available (away, or off its
    shift), or, without such rules, a roster of clinicians none of whom is on shift and
    here; None when a red flag would find someone."""
    from cxinbox.domain.teams import team_available

    teams = config.red_flag_teams()
    if teams:
        gaps = [t.name for t in teams if not team_available(t, away, at)]
        if not gaps:
            return None
        return f"nobody on shift in team {', '.join(gaps)}" if len(gaps) == 1 else \
            f"nobody on shift in teams {', '.join(gaps)}"
    if anyone or not config.clinical_staff():
        return None
    return "no clinician on shift"


def _check_alerts(report: _Report, store: Store, config: Config | None = None) -> None:
    """What the running server says is wrong (a sign-in that expired, a worker down). A
    hook alert of another server sharing the store names that server."""
    with store.reading() as tx:
        alerts = tx.alerts()
    _report_alerts(report, alerts, config)


def _report_alerts(report: _Report, alerts: Sequence[Alert | AlertRecord],
                   config: Config | None) -> None:
    report.alerts_read = True
    mine = server_id(config) if config is not None else ""
    for alert in alerts:
        who = "server"
        setup = parse_setup_key(alert.key)
        if setup is not None:
            report.server_hook_alerts.add(alert.key)
        elif alert.key.startswith(f"{NOTIFY_ALERT}:"):
            program = alert.key.removeprefix(f"{NOTIFY_ALERT}:")
            report.failing_hooks.add(program)
            kept = _KEPT_IN.search(alert.message)
            if kept is not None:
                report.kept_stderr[program] = kept.group(1)
        if setup is not None and ":" in setup.server and setup.server != mine:
            who = f"server {clean_line(setup.server, max_len=120)}"  # which of several
        if alert.severity == "error":
            report.fail(f"{who} reports: {alert.message}")
        else:
            report.warn(f"{who} reports: {alert.message}")


def _check_smtp(report: _Report, config: Config, account: AccountConfig) -> None:
    """Connect, TLS, log in and leave: nothing is sent."""
    from cxinbox.channels.smtp import SmtpError, SmtpSession
    from cxinbox.domain.compose import MAX_ATTACHMENT_BYTES
    from cxinbox.service.outbox import smtp_endpoint

    name = account.name
    endpoint = smtp_endpoint(account, config)
    try:
        password = credential_for(account, config.db_path)
    except CredentialError as exc:
        report.fail(f"{name} (SMTP): {exc}")
        return
    try:
        session = SmtpSession(endpoint, account.smtp_username or account.username, password)
    except SmtpError as exc:
        report.fail(f"{name} (SMTP): {exc}")
        return
    try:
        tls = "certificate verified" if endpoint.verify_tls else "certificate NOT verified"
        report.ok(f"{name}: SMTP {endpoint.host}:{endpoint.port} reachable, TLS ({endpoint.tls})"
                  f" {tls}, login ok")
        limit = session.size_limit()
        # Attachments grow by a third in base64, plus headers and the text.
        needed = MAX_ATTACHMENT_BYTES * 4 // 3 + 256 * 1024
        if limit is not None and limit < needed:
            report.warn(f"{name}: the SMTP server takes messages up to {limit // 1024 // 1024} MB;"
                        f" replies with {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB of attachments"
                        " will be refused")
    finally:
        session.close()


def _check_sms(report: _Report, config: Config) -> None:
    """Credentials and each clinic number, with one small list call per number."""
    from datetime import UTC, datetime

    from cxinbox.channels.sms import SmsClient, SmsError
    from cxinbox.service.sms_sync import default_token

    sms = config.sms
    # Config loading already refuses http:// to anything but a loopback host.
    if not sms.verify_tls and (sms.base_url or "").startswith("https:"):
        report.warn("SMS: verify_tls = false; the provider's certificate is not checked")
    try:
        token = default_token(sms)
        report.ok(f"SMS: token from {describe_source(sms.credentials)}")
    except CredentialError as exc:
        report.fail(f"SMS: {exc}")
        return
    try:
        client = SmsClient(sms, token, page_size=1, retries=1)
    except SmsError as exc:
        report.fail(f"SMS: {exc}")
        return
    try:
        for number in sms.numbers:
            try:
                listed = client.list_messages(datetime.now(UTC), to=number.number)
                next(iter(listed), None)
            except SmsError as exc:
                report.fail(f"SMS {number.number}: {exc}")
                return
            report.ok(f"SMS {number.number} ({number.name or 'no name'}): provider"
                      f" {sms.base_url} answers, account ok")
    finally:
        client.close()


def _check_notify(report: _Report, config: Config) -> None:
    """Each notify_command: the clinician's pager for red flags and the desk's for SLA
    escalations and rules' notify actions (service/notify_check.py): it must exist, be an
    executable file, and be writable by nobody but root or the user the server runs as.
    That user is the owner of the server's socket when one is there, else doctor's own.
    Rules with a `notify` action and no command to run (domain/rules.py `notify_hook`)
    page nobody."""
    runner = _hook_runner(config)
    for hook in configured_hooks(config):
        trouble = hook_trouble(hook, runner)
        reported = trouble is None and _server_reports(report, config, hook)
        if reported and "/" not in hook.argv[0]:
            _kept_stderr(report, config, hook)
            continue  # the server's FAIL above stands: doctor's PATH is not the server's
        if trouble is None:
            # A full path is judged as the server judges it, for its user: the server's
            # alert is then older than this look, and says so.
            older = ("; the server's alert about it above is older: a running server ends"
                     " it within a minute, a stopped one at its start") if reported else ""
            if hook.argv[0] in report.failing_hooks:
                # Next to the server's FAIL for its runs, an `ok` read as a contradiction.
                report.ok(f"{hook.key} setup only: {_where_found(hook.argv[0], runner)} is"
                          f" an executable file only {user_name(runner.uid)} or root can change,"
                          f" yet its runs fail (above): run it by hand as"
                          f" {user_name(runner.uid)} and read its own log{older}")
            else:
                report.ok(f"{hook.key}: {_where_found(hook.argv[0], runner)} is an executable"
                          f" file only {user_name(runner.uid)} ({runner.name}'s user) or root"
                          f" can change{older}")
        else:
            report.fail(trouble)
        _kept_stderr(report, config, hook)
    from cxinbox.service.rules import hook_of

    silent = [r.name for r in config.rules if r.enabled and r.action("notify") is not None
              and hook_of(r, config) is None]
    if silent:
        report.fail(f"rule(s) {', '.join(silent)} have a notify action but no command to"
                    " run (no [sla] notify_command; a red-flag rule's may be [triage]"
                    " notify_command): they page nobody")


_KEPT_IN: Final = re.compile(r"its last stderr is kept in (/\S+?\.stderr) \(")


def _kept_path(report: _Report, config: Config, program: str) -> Path:
    """Where the server keeps `program`'s last failing stderr: the file its alert names
    (under PostgreSQL, or for doctor run as root, doctor's own default data directory is
    not the server's), when that is the file for this hook in a `hook-stderr/`
    directory; else under the configured data directory."""
    mine = stderr_path(config.db_path.parent, program)
    said = report.kept_stderr.get(program)
    if said:
        named = Path(said)
        if named.is_absolute() and named.name == mine.name and \
                named.parent.name == STDERR_DIR and ".." not in named.parts:
            return named
    return mine


def _kept_stderr(report: _Report, config: Config, hook: Hook) -> None:
    """The first line of the stderr the server kept of this hook's last failing run
    (service/notify.py), under the hook's check: the line that says why a pager did not
    ring. Only for who may read it (the server's user, root); to others, where it is."""
    path = _kept_path(report, config, hook.argv[0])
    try:
        found = kept_stderr(path, width=120)
    except NotAKeptFile as exc:
        report.warn(f"{hook.key}: {path} is not read: {exc.strerror}")
        return
    except PermissionError:
        report.note(f"{hook.key}: the stderr of its last failing run, if any, is kept in"
                    f" {path}, which {_whoami()} may not read (the server's user or root"
                    " may)")
        return
    except OSError:
        return
    if found is None:
        return
    first, mtime = found
    when = datetime.fromtimestamp(mtime, UTC)
    report.note(f"{hook.key}: last failing run ({when:%Y-%m-%d %H:%M} UTC) said on stderr:"
                f" {first or '(blank lines only)'}")


def _server_reports(report: _Report, config: Config, hook: Hook) -> bool:
    """Whether this config's server (or an older server, which named only its host or
    nothing) reported this hook as one it cannot trust. A hook that runs but fails is
    another matter (`notify:PROGRAM`): doctor's word on the file still holds."""
    mine = server_id(config)
    section = hook.key.split(" ", 1)[0]
    for key in report.server_hook_alerts:
        setup = parse_setup_key(key)
        if setup is None:
            continue
        ours = setup.server in ("", mine) or ":" not in setup.server and \
            setup.server == mine.split(":", 1)[0]
        if setup.section == section and ours:
            return True
    return False


def _hook_runner(config: Config) -> Runner:
    """Whose view the hooks are judged from: the server's user (its socket's owner) when
    a socket is there, doctor's own otherwise. Doctor cannot read the server's PATH: a
    bare name is looked up on doctor's and the message says so."""
    mine = this_process("doctor")
    if config.server.socket is None:
        return mine
    try:
        owner = config.socket_path.stat().st_uid
    except OSError:
        return mine
    if owner == mine.uid:
        return mine
    return Runner(owner, mine.path, "the server", "doctor")


def _where_found(program: str, runner: Runner) -> str:
    if "/" in program:
        return program
    return (f"{program} ({located(program, runner)} on doctor's PATH; the server looks it up"
            " on its own PATH: a full path is safer)")


def _check_server(report: _Report, config: Config, server_answers: ServerCheck) -> None:
    """Whether a front-desk server is answering on the configured socket."""
    if config.server.socket is None:
        return
    path = config.socket_path
    why = server_answers(config)
    if why == "nothing answers":
        report.warn(f"no cxinbox server answers on {path}; clients work on their own"
                    " (start one with cxinbox serve)")
    elif why is not None:
        report.fail(f"cxinbox server on {path}: {why}")
    else:
        report.ok(f"cxinbox server answering on {path}")
