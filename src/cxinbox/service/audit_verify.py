"""`cxinbox audit verify` and the audit part of `doctor`: may the trail be trusted, and up to
which event.

It reads the database file itself (read-only) together with the checkpoint log and the
key, never through the server being checked, so it runs as the server's user (or root).
Three witnesses are compared:

- the chain inside the database (every event hashes the one before): catches an event
  edited without recomputing the hashes, and rows taken out of the middle;
- the guard triggers that make the table append-only: gone means someone worked on the
  file with their own SQL, so nothing after the last checkpoint is vouched for;
- the signed checkpoints: catch the newest events deleted, all events deleted, the whole
  chain rewritten and rehashed, and an older copy of the database put back.

Each problem is one line that ends with the first event from which the trail cannot be
trusted. Events newer than the last checkpoint are reported as not yet anchored: nothing
outside the database speaks for them (the window between two checkpoints).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cxinbox.config import Config
from cxinbox.contract.errors import StoreError, StoreUnreadable
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.checkpoints import (
    AnchorError,
    Checkpoint,
    check_log_file,
    choose_log,
    foreign_log_line,
    foreign_store,
    key_id,
    line_digest,
    load_signing_key,
    parse_line,
    parse_public_key,
    public_key_text,
    read_log,
    signature_ok,
)
from cxinbox.store.interface import AuditReader
from cxinbox.store.records import AuditKeyRecord
from cxinbox.store.records import ChainHeadRecord as ChainHead
from cxinbox.store.records import ChainWalkRecord as ChainWalk

Level = Literal["ok", "warn", "fail"]

AuditOpener = Callable[[Config], AuditReader]
"""Opens a read-only look at the audit trail of the configured store (given by the caller:
the composition root chooses the backend); raises StoreError with one line when it cannot."""


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    text: str
    untrusted_from: int | None = None
    """The first event this problem takes trust away from (fail only)."""


StoreIdentity = Callable[[Config], "str | None"]
"""The id of the configured store (None for a SQLite file, or a database without one
yet); raises StoreUnreadable when the store cannot be reached."""


@dataclass(slots=True)
class TrailReport:
    findings: list[Finding] = field(default_factory=list)
    unchecked: str | None = None
    """Why nothing could be compared (the database unreachable, a refused login): then
    there is no verdict, and `findings` say nothing about the trail."""
    foreign: str | None = None
    """Why the checkpoint log was not read: it is another database's (its lines name
    another store id, `foreign_log_line`). No verdict: that log says nothing about this
    trail, and this one's were not compared."""
    absent: str | None = None
    """No SQLite cache at the configured path and no checkpoint saying there was one:
    the "no cache at PATH" every reading command says; nothing to check, no verdict."""
    access: str | None = None
    """Why this user cannot read the signing key's directory (said with `unchecked` too:
    who may run the check)."""

    def ok(self, text: str) -> None:
        self.findings.append(Finding("ok", text))

    def warn(self, text: str) -> None:
        self.findings.append(Finding("warn", text))

    def fail(self, text: str, untrusted_from: int | None = None) -> None:
        if untrusted_from is not None:
            text = f"{text}; the trail cannot be trusted from event #{untrusted_from} on"
        self.findings.append(Finding("fail", text, untrusted_from))

    def cannot_check(self, why: str) -> TrailReport:
        """Nothing was compared: whatever was found on the way is no verdict either."""
        self.findings.clear()
        self.unchecked = why if self.access is None else f"{why}; {self.access}"
        return self

    def refuse_log(self, why: str) -> TrailReport:
        """The log is another database's: not read, no verdict."""
        self.findings.clear()
        self.foreign = why
        return self

    def no_cache(self, path: Path) -> TrailReport:
        """Nothing was ever made at `path` and no checkpoint says otherwise."""
        self.findings.clear()
        self.absent = f"no cache at {path}: run `cxinbox sync` or `cxinbox serve` first"
        return self

    @property
    def passed(self) -> bool:
        return self.unchecked is None and self.foreign is None and self.absent is None \
            and not any(f.level == "fail" for f in self.findings)

    @property
    def untrusted_from(self) -> int | None:
        """The earliest event any problem reaches back to (None when none does)."""
        points = [f.untrusted_from for f in self.findings if f.untrusted_from is not None]
        return min(points) if points else None


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    checkpoint: Checkpoint


def verify_trail(config: Config, *, open_reader: AuditOpener,
                 log_path: Path | None = None,
                 identify: StoreIdentity | None = None) -> TrailReport:
    """Check the database named by `config` against its checkpoints (or those in
    `log_path`, e.g. a copy kept by a remote syslog host). `identify` gives the store's
    id, which names a PostgreSQL database's log (None: a SQLite store's log).

    A store that cannot be reached at all gives `unchecked` and no verdict."""
    report = TrailReport()
    shared = config.store.url is not None
    key_path = config.audit_key_path
    key_there = _key_exists(report, key_path)
    public = _public_key(report, config, key_path, key_there)
    try:
        store_id = identify(config) if identify is not None else None
    except StoreUnreadable as exc:
        return report.cannot_check(str(exc))
    if shared and store_id is None and config.audit.checkpoint_log is None:
        # No server has opened this database yet (a `store copy` target): it has no log
        # of its own, and no other file (the SQLite cache's log at the same default
        # place) speaks for it.
        if log_path is None:
            report.ok(_unnamed_database(config))
            log_path, own_log, lines = None, True, None
        else:
            own_log, lines = False, _read_log(report, log_path)
    else:
        choice = choose_log(config, store_id,
                            key_id(public) if public is not None else None,
                            kept=lambda: _kept_lines(config, open_reader))
        own_log = log_path is None or log_path == choice.path
        log_path = log_path or choice.path
        if own_log and choice.moved:
            report.warn(choice.move_hint())
        elif own_log and choice.legacy is not None:
            report.ok(f"{choice.legacy} (the checkpoint log at an older cxinbox's shared"
                      " default) is not this server's log for this database: not read")
        lines = _read_log(report, log_path)  # before the database: all here it must hold
    if lines is not None and not own_log:  # a syslog copy: "... cxinbox-audit: {json}"
        lines = [text[text.find("{"):] if "{" in text else text for text in lines]
    theirs = foreign_store(lines or [], store_id)
    if theirs is not None and not own_log:
        # A syslog copy may hold several databases' lines: this one's are checked.
        ours = [text for text in lines or [] if foreign_store([text], store_id) is None]
        if ours:
            report.ok(f"{log_path}: {len(lines or []) - len(ours)} line(s) of other"
                      " databases (another store id) left out")
            lines, theirs = ours, None
    if theirs is not None and log_path is not None:
        return report.refuse_log(foreign_log_line(log_path, theirs, store_id,
                                                  config.store_identity))
    if not shared and not lines and not _cache_there(config.db_path):
        # Nothing was ever made here and no checkpoint says otherwise: nothing to check.
        return report.no_cache(config.db_path)
    if lines is not None and own_log and log_path is not None:
        try:
            check_log_file(log_path)
        except AnchorError as exc:
            report.warn(str(exc))
    if lines is None and key_there and own_log and not shared:
        report.fail(f"{log_path}: the checkpoint log is missing while the signing key exists"
                    " (deleted or moved?)", 1)
    elif lines is None and key_there and own_log and log_path is not None:
        # One key may sign several databases (a copy, a test database): each has its own
        # log, and the database keeps every line too.
        report.warn(f"{log_path}: no checkpoint log of this server for this database"
                    " (it never signed here, or the file was deleted); the database's"
                    " copy of the checkpoints is checked")
    tz = ZoneInfo(config.clinic.timezone)
    own = _own_key(public)
    try:
        reader = open_reader(config)
    except StoreUnreadable as exc:
        return report.cannot_check(str(exc))
    except StoreError as exc:
        checkpoints = _read_checkpoints(report, lines or [], own, str(log_path or ""), tz)
        newest = max((c.checkpoint for c in checkpoints), key=lambda c: c.seq, default=None)
        if newest is not None and newest.seq > 0:
            report.fail(f"{exc}, but a checkpoint signed {_when(newest.at, tz)} saw"
                        f" {newest.seq} event(s)", 1)
        else:
            report.fail(str(exc))
        return report
    with reader:
        try:
            walk = reader.walk()
            trusted = _trusted_keys(report, reader, own, walk.start_seq)
            checkpoints = _read_checkpoints(report, lines or [], trusted, str(log_path or ""),
                                            tz)
            kept = reader.kept_checkpoints()
            if kept:
                checkpoints = _merge(checkpoints, _read_checkpoints(
                    report, kept, trusted, "the database's copy of the checkpoints", tz,
                    loose_start=True))
            _name_keys(report, trusted, checkpoints, tz)
            head = reader.head()
            missing_guards = reader.missing_guards()
            _compare(report, checkpoints, walk, head, reader.hash_at, missing_guards, tz,
                     enabled=config.audit.checkpoints, log_path=log_path,
                     logged=len(lines or []) + len(kept))
        except StoreUnreadable as exc:
            return report.cannot_check(str(exc))
        except StoreError as exc:
            report.fail(str(exc), 1)
    return report


def _read_log(report: TrailReport, path: Path) -> list[str] | None:
    """The lines of the checkpoint log at `path` (None when there is none)."""
    try:
        return read_log(path)
    except AnchorError as exc:
        report.fail(str(exc))
        return None


def _unnamed_database(config: Config) -> str:
    """What a PostgreSQL database no server has given a store id says of its log."""
    legacy = config.legacy_checkpoint_log
    other = f"; {legacy} is another store's log: not read" \
        if legacy is not None and legacy.exists() else ""
    return ("no checkpoint log for this database yet: no server has signed it (it has no"
            f" store id yet; the first `cxinbox serve` on it starts its own log){other}")


def _kept_lines(config: Config, open_reader: AuditOpener) -> list[str]:
    """The checkpoint lines the configured database keeps, on a short read of its own
    (only asked when an older cxinbox's log might be this database's); none when it
    cannot be read (the check that follows says why)."""
    try:
        with open_reader(config) as reader:
            return reader.kept_checkpoints()
    except StoreError:
        return []


def _cache_there(path: Path) -> bool:
    """Whether anything is at the SQLite cache's path (a file, or something else there
    that opening it names)."""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return True


@dataclass(frozen=True, slots=True)
class _Trusted:
    """A key checkpoints are taken on the word of, and from which event on."""

    public: Ed25519PublicKey
    first_seq: int
    label: str
    own: bool = False


def _own_key(public: Ed25519PublicKey | None) -> dict[str, _Trusted]:
    """The key beside this config (or pinned in it): trusted for the whole trail."""
    if public is None:
        return {}
    return {key_id(public): _Trusted(public, 0, "this server's key", own=True)}


def _trusted_keys(report: TrailReport, reader: AuditReader, own: dict[str, _Trusted],
                  start_seq: int) -> dict[str, _Trusted]:
    """This server's key, and every key registered in a shared store whose registration
    event is in the chain: each is trusted for events from its registration on, so a key
    registered later cannot vouch for the past."""
    trusted = dict(own)
    for row in reader.audit_keys():
        # Shown in the report: the registry may have been written outside cxinbox.
        host, kid = clean_line(row.host, 200), clean_line(row.key_id, 200)
        try:
            public = parse_public_key(row.public_key)
        except AnchorError:
            public = None
        if public is None or key_id(public) != row.key_id:
            report.fail(f"registered key {kid} ({host}) does not match its public"
                        " key: the key registry was written outside cxinbox")
            continue
        details = reader.registration(row.first_seq)
        released = details is None and row.first_seq < start_seq
        carried = released and _carried(reader, row, start_seq)
        if released and not carried and row.carried_seq >= start_seq:
            report.fail(f"key {kid} ({host}) names event #{row.carried_seq} as its"
                        " registration carried past retention, but that event does not"
                        f" register it as of event #{row.first_seq}: the key registry was"
                        " written outside cxinbox")
            continue
        if not released and not _registers(details, row.key_id, row.public_key):
            report.fail(f"key {kid} ({host}) is registered as of event"
                        f" #{row.first_seq}, but that event does not register it: the key"
                        " registry was written outside cxinbox")
            continue
        if row.key_id in trusted:
            continue  # this server's own key: trusted for the whole trail already
        if released and not carried:
            # Nothing inside the trail vouches for the row any more: say so, do not fail.
            report.warn(f"key {kid} ({host}) is trusted on the key registry alone: its"
                        f" registration, event #{row.first_seq}, was released by retention;"
                        " nothing in the trail vouches for that row now (a database writer"
                        " could have put it there)")
        trusted[row.key_id] = _Trusted(public, row.first_seq, f"{host}'s key")
    return trusted


def _registers(details: str | None, key: str, public_key: str) -> bool:
    from cxinbox.domain.audit_registry import registers

    return registers(details, key, public_key)


def _carried(reader: AuditReader, row: AuditKeyRecord, start_seq: int) -> bool:
    """Whether retention carried the key's released registration into the kept trail: an
    `audit.key` event there registers this very key, as first registered at `first_seq`."""
    import json

    if not row.carried_seq or row.carried_seq < start_seq:
        return False
    details = reader.registration(row.carried_seq)
    if not _registers(details, row.key_id, row.public_key):
        return False
    assert details is not None
    return bool(json.loads(details).get("first_seq") == row.first_seq)


def _merge(first: list[_Line], second: list[_Line]) -> list[_Line]:
    """Both sources' checkpoints, each once, in the order of the events they signed."""
    seen = {line.checkpoint.sig for line in first}
    merged = first + [line for line in second if line.checkpoint.sig not in seen]
    return sorted(merged, key=lambda line: (line.checkpoint.seq, line.checkpoint.at))


def _name_keys(report: TrailReport, trusted: dict[str, _Trusted], lines: list[_Line],
               tz: ZoneInfo) -> None:
    """One line per key that signed checkpoints (only when more than this server's key
    is in play, so a single server's report reads as it always did)."""
    if not any(not t.own for t in trusted.values()):
        return
    for kid, trust in trusted.items():
        signed = [line.checkpoint for line in lines if line.checkpoint.key == kid]
        since = "" if trust.own else f", registered at event #{trust.first_seq}"
        if signed:
            span = f"#{min(c.seq for c in signed)}-#{max(c.seq for c in signed)}"
            report.ok(f"key {kid} ({trust.label}{since}) signed {len(signed)} checkpoint(s)"
                      f" of events {span}, the last {_when(max(c.at for c in signed), tz)}")
        else:
            report.ok(f"key {kid} ({trust.label}{since}) signed no checkpoint yet")


def _key_exists(report: TrailReport, key_path: Path) -> bool:
    """Whether the signing key is there. A directory this user may not even look into
    (the server's 0700 one, for a member of staff) is one FAIL saying whose it is, not a
    traceback; the checks that need no key still run."""
    try:
        return key_path.exists()
    except PermissionError:
        import os

        from cxinbox.paths import run_as_owner

        shut = key_path.parent
        while shut != shut.parent:
            try:
                owner = os.stat(shut).st_uid
                break
            except PermissionError:
                shut = shut.parent
        else:
            owner = 0
        report.access = (f"{key_path}: this user may not look into {shut}, which belongs"
                         f" to another user; {run_as_owner(owner)}")
        report.fail(report.access)
        return False


def _public_key(report: TrailReport, config: Config, key_path: Path,
                key_there: bool) -> Ed25519PublicKey | None:
    pinned = parse_public_key(config.audit.public_key) if config.audit.public_key else None
    from_file: Ed25519PublicKey | None = None
    if key_there:
        try:
            from_file = load_signing_key(key_path, create=False).public_key()
        except AnchorError as exc:
            report.fail(str(exc))
    if pinned is not None:
        if from_file is not None and public_key_text(from_file) != public_key_text(pinned):
            report.fail(f"{key_path}: not the key pinned in [audit] public_key (replaced?)")
        return pinned
    if from_file is not None:
        report.warn(f"the signing key is not pinned; put public_key ="
                    f' "{public_key_text(from_file)}" under [audit] in a config the server'
                    " cannot write, so a replaced key is noticed")
    return from_file


def _read_checkpoints(report: TrailReport, lines: list[str], trusted: dict[str, _Trusted],
                      source: str, tz: ZoneInfo, *, loose_start: bool = False) -> list[_Line]:
    """The lines that are genuine checkpoints, each problem with the log one finding.

    Each key's lines must follow one another (`prev`); with `loose_start` (the database's
    copy, kept from when the server was upgraded) a key's first line may follow lines the
    copy never held."""
    good: list[_Line] = []
    if lines and not trusted:
        report.fail(f"{source}: {len(lines)} checkpoint(s) but no trusted key to check them"
                    " with (no usable signing key, no [audit] public_key pinned)", 1)
        return good
    registry = any(not t.own for t in trusted.values())
    prev_digest: dict[str, str] = {}
    last_of: dict[str, _Line] = {}
    damaged: int | None = None
    for number, text in enumerate(lines, 1):
        try:
            checkpoint = parse_line(text)
        except ValueError as exc:
            damaged = number
            if number == len(lines):
                report.warn(f"{source} line {number} is damaged ({exc}); a crash while"
                            " writing it?")
            continue
        trust = trusted.get(checkpoint.key)
        if trust is None and registry:
            report.fail(f"{source} line {number}: signed by key {checkpoint.key}, which is"
                        " not registered (forged?)")
            continue
        if trust is None or not signature_ok(checkpoint, trust.public):
            whose = "the server's key" if trust is None or trust.own else \
                f"key {checkpoint.key}"
            report.fail(f"{source} line {number}: not signed by {whose} (forged or edited)")
            continue
        if checkpoint.seq < trust.first_seq:
            report.fail(f"{source} line {number}: key {checkpoint.key} ({trust.label}) was"
                        f" registered at event #{trust.first_seq} and cannot vouch for"
                        f" event #{checkpoint.seq} before it (the past re-signed?)")
            continue
        before = last_of.get(checkpoint.key)
        expected = prev_digest.get(checkpoint.key, "")
        if checkpoint.prev != expected and not (loose_start and before is None):
            after = f"line {before.number}" if before else "the start of the log"
            report.fail(f"{source} line {number} does not follow {after}: checkpoints were"
                        " removed, inserted or reordered")
        elif damaged is not None:
            report.warn(f"{source} line {damaged} is damaged (a crash while writing it?);"
                        " the checkpoints after it continue the sequence")
        if before is not None and checkpoint.seq < before.checkpoint.seq:
            report.fail(f"the checkpoint signed {_when(checkpoint.at, tz)} saw"
                        f" #{checkpoint.seq}, the one before it #{before.checkpoint.seq}:"
                        " the database went back (an older copy was put back or the newest"
                        " events deleted while no server ran)", checkpoint.seq + 1)
        line = _Line(number, checkpoint)
        good.append(line)
        last_of[checkpoint.key] = line
        prev_digest[checkpoint.key] = line_digest(text)
        damaged = None
    return good


def _compare(report: TrailReport, lines: list[_Line], walk: ChainWalk, head: ChainHead,
             hash_at: Callable[[int], str | None], missing_guards: list[str], tz: ZoneInfo,
             *, enabled: bool, log_path: Path | None, logged: int = 0) -> None:
    """`logged`: the checkpoint lines there are, checked or not (none checked while some
    are there is a failure said already, not "no signed checkpoints")."""
    if walk.bad_seq is not None:
        report.fail(walk.problem, walk.bad_seq)
    chain_good_to = walk.head_seq if walk.bad_seq is not None else head.seq

    signed_start = lines[-1].checkpoint.start if lines else 1
    _check_start(report, lines, walk, head)

    matched: list[Checkpoint] = []
    gone: list[Checkpoint] = []
    rewritten: list[Checkpoint] = []
    for line in lines:
        cp = line.checkpoint
        if cp.seq == 0:
            continue
        stored = hash_at(cp.seq)
        if stored is None and cp.seq < signed_start:
            continue  # released under a signed retention checkpoint
        if stored is None:
            gone.append(cp)
        elif stored != cp.hash:
            rewritten.append(cp)
        else:
            matched.append(cp)

    def anchored_below(seq: int) -> int:
        return max((c.seq for c in matched if c.seq < seq), default=0)

    if rewritten:
        first = min(rewritten, key=lambda c: c.seq)
        report.fail(f"event #{first.seq} is not the event the checkpoint signed"
                    f" {_when(first.at, tz)} saw: the trail was rewritten and its hashes"
                    " recomputed", anchored_below(first.seq) + 1)
    if gone:
        newest = max(gone, key=lambda c: c.seq)
        earliest = min(gone, key=lambda c: c.seq)
        if head.count == 0:
            what = f"all events are gone: the database holds none, but a checkpoint signed" \
                   f" {_when(newest.at, tz)} saw #{newest.seq}"
        else:
            span = f"event #{newest.seq} is" if newest.seq == head.seq + 1 else \
                f"events #{head.seq + 1}-#{newest.seq} are"
            what = (f"{span} gone: the database ends at"
                    f" #{head.seq}, but a checkpoint signed {_when(newest.at, tz)} saw"
                    f" #{newest.seq} (the newest events were deleted or an older copy of the"
                    " database was put back)")
        report.fail(what, anchored_below(earliest.seq) + 1)

    anchored = max((c.seq for c in matched if c.seq <= chain_good_to), default=0)
    if missing_guards:
        last = max((c.seq for c in matched), default=0)
        report.fail(f"the append-only trigger(s) {', '.join(missing_guards)} are gone or"
                    " changed: the database was written outside cxinbox, and nothing vouches"
                    f" for events after the last checkpoint (#{last})", last + 1)
    else:
        report.ok("the append-only triggers are in place")

    if walk.bad_seq is None:
        since = f" from #{walk.start_seq}" if walk.start_seq > 1 else ""
        report.ok(f"{walk.count} event(s){since}, hash chain intact")
    if not lines:
        if head.count and not logged:
            why = "cxinbox serve writes them" if enabled else \
                "[audit] checkpoints = false"
            where = f"in {log_path}" if log_path is not None else "yet"
            report.warn(f"no signed checkpoints {where} ({why}): only the chain in the"
                        " database speaks for the trail, which a database writer can rewrite")
        return
    newest_line = lines[-1].checkpoint
    if anchored:
        report.ok(f"events #1-#{anchored} match {len(matched)} signed checkpoint(s); the"
                  f" newest checkpoint was signed {_when(newest_line.at, tz)}")
    if report.passed and head.seq > anchored:
        report.warn(f"{head.seq - anchored} event(s) after #{anchored} are not anchored yet"
                    " (newer than the last checkpoint)")


def _check_start(report: TrailReport, lines: list[_Line], walk: ChainWalk,
                 head: ChainHead) -> None:
    """Events missing from the start are fine only when retention released them: the
    database records the new start (an `audit.truncate` event inside the chain) and the
    newest signed checkpoint vouches for it; without checkpoints only the record speaks."""
    start = walk.start_seq
    if not lines:
        if start > 1:
            report.ok(f"events before #{start} were released by retention (recorded in the"
                      " trail itself; no signed checkpoint to confirm it)")
        return
    signed = lines[-1].checkpoint
    if head.count and walk.lowest_seq > signed.start:
        gap = f"#{signed.start}" if walk.lowest_seq == signed.start + 1 else \
            f"#{signed.start}-#{walk.lowest_seq - 1}"
        report.fail(f"event(s) {gap} are gone from the start of the trail, but no signed"
                    f" checkpoint released them (the newest says the trail starts at"
                    f" #{signed.start})", signed.start)
    elif start < signed.start:
        report.fail(f"the database says the trail starts at #{start}, a signed checkpoint"
                    f" says #{signed.start}: the retention record was changed", start)
    elif start == signed.start > 1 and walk.start_prev != signed.start_prev:
        report.fail(f"event #{start} does not link to the start the signed checkpoints"
                    " recorded", start)
    elif start > signed.start:
        report.warn(f"retention released the events before #{start}; they stay in the"
                    " table until a checkpoint signs the new start")
    elif start > 1:
        report.ok(f"events before #{start} were released by retention under a signed"
                  " checkpoint")


def _when(at_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(tz).strftime(
        "%Y-%m-%d %H:%M:%S %Z")
