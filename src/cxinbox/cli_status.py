"""`cxinbox status` with no QUERY: the server's health, for people and for monitoring.

Always asked of the running server over its socket (never the database file: a monitoring
login has no business near it). The output follows the Nagios plugin convention, so an
Icinga or Nagios check can run the command as it is:

    first line   CXINBOX OK - summary | perfdata
    exit code    0 ok · 1 warning · 2 critical · 3 unknown

A server that does not answer, or answers that its database does not (PostgreSQL stopped
or unreachable), is CRITICAL: the desk has no inbox either way. UNKNOWN is kept for what
cannot be judged from here: no config, not allowed to connect, not allowed the report. The thresholds
are in domain/health_levels.py. `--json` prints the same report as one object (its shape
is `contract/health_types.py`, versioned by its `schema` key).
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path
from typing import Any, Final

from cxinbox.domain import health_levels as grade
from cxinbox.domain.humanize import duration
from cxinbox.domain.sanitize import clean_line

REQUEST_TIMEOUT_S: Final = 15.0
"""The server answers in well under a second; a check must never hang the scheduler."""


class _Unknown(Exception):
    """We could not ask: exit 3 with this line."""


class _Down(Exception):
    """The server is not there, or not itself: exit 2 with this line."""


def run(config_path: str | None, as_json: bool) -> int:
    """Print the report (or why there is none) and return the exit code."""
    now = int(time.time())
    try:
        report = _ask(config_path)
    except _Down as exc:
        return _emit_failure("critical", str(exc), now, as_json)
    except _Unknown as exc:
        return _emit_failure("unknown", str(exc), now, as_json)
    level = report.level
    code = grade.exit_code(level)
    if as_json:
        data = report.to_dict()
        data["exit_code"] = code
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
        return code
    lines = [f"CXINBOX {level.upper()} - {_clean(report.summary)} | {_perfdata(report)}"]
    lines.append(f"server: pid {report.server_pid}, cxinbox {_clean(report.version)}, up"
                 f" {duration(max(0, report.now - report.started_at))}"
                 f" (since {_iso(report.started_at)})")
    for check in report.checks:
        lines.append(f"  {_clean(check.level).upper():8} {_clean(check.summary)}")
    staff = ", ".join(_clean(s) for s in report.staff_online) or "nobody"
    lines.append(f"staff connected: {staff}")
    sys.stdout.write("\n".join(lines) + "\n")
    return code


def _clean(text: str) -> str:
    """What the server sent, as one safe line (it is our own text, but a terminal is
    never handed escapes from across a socket)."""
    return clean_line(str(text), max_len=2000)


def _ask(config_path: str | None) -> Any:
    from cxinbox.api import wire
    from cxinbox.api.socket_probe import probe, trusted_server_uids
    from cxinbox.config import ConfigError, load_config
    from cxinbox.contract.errors import (
        ApiError,
        DatabaseUnavailable,
        Forbidden,
        ServerUnavailable,
    )
    from cxinbox.paths import resolve_config_path

    try:
        config = load_config(resolve_config_path(config_path))
    except ConfigError as exc:
        raise _Unknown(str(exc)) from None
    path = config.socket_path
    try:
        trusted = trusted_server_uids(path, (config.db_path.parent,))
        from cxinbox.wiring import same_store_as

        found = probe(path, trusted=trusted, db_path=config.store_identity,
                      same_store=same_store_as(config))
    except Forbidden as exc:
        raise _Unknown(str(exc)) from None
    except ServerUnavailable as exc:
        raise _Down(str(exc)) from None
    except ApiError as exc:
        raise _Unknown(str(exc)) from None
    if found is None:
        raise _Down(f"the cxinbox server is not running (nothing answers on {path})")
    _hello, sock = found
    try:
        return _request(sock, path, wire)
    except DatabaseUnavailable as exc:  # the server is up, the desk is not
        raise _Down(f"the cxinbox server on {path} answers, but {exc}") from None
    except ApiError as exc:
        raise _Unknown(str(exc)) from None
    finally:
        sock.close()


def _request(sock: socket.socket, path: Path, wire: Any) -> Any:
    """One `health_report` call with a deadline (a hung server must not hang the check)."""
    sock.setblocking(True)
    sock.settimeout(REQUEST_TIMEOUT_S)
    try:
        sock.sendall(wire.dumps({"id": 1, "method": "health_report", "args": [],
                                 "kwargs": {}}))
        with sock.makefile("rb") as stream:
            while line := stream.readline():
                frame = wire.loads(line, from_server=True)
                if frame.get("id") == 1:
                    if "error" in frame:
                        raise wire.decode_error(frame["error"])
                    return frame.get("result")
    except TimeoutError:
        raise _Down(f"the cxinbox server on {path} did not answer within"
                    f" {REQUEST_TIMEOUT_S:.0f} s") from None
    except (ConnectionError, OSError, ValueError, wire.WireError) as exc:
        raise _Down(f"lost the connection to the cxinbox server on {path} ({exc})") from None
    raise _Down(f"the cxinbox server on {path} closed the connection without an answer")


def _emit_failure(level: grade.Level, why: str, now: int, as_json: bool) -> int:
    from cxinbox.contract.health_types import SCHEMA, unreachable_dict

    why = clean_line(why, max_len=500)
    code = grade.exit_code(level)
    if as_json:
        data = unreachable_dict(now, why)
        data.update(level=level, exit_code=code, schema=SCHEMA)
        data["checks"][0]["level"] = level
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(f"CXINBOX {level.upper()} - {why}\n")
    return code


def _perfdata(report: Any) -> str:
    t = grade.DEFAULT
    lag = max((a.lag_s for a in report.accounts), default=0)
    sms_lag = max((s.lag_s for s in report.sms), default=0)
    o = report.outbox
    # Free disk is measured only where the database is a file on this host: on PostgreSQL
    # (or where it could not be read) it is left out, never given as 0 % free.
    disk = ""
    if report.disk_total_bytes > 0:
        pct = 100.0 * report.disk_free_bytes / report.disk_total_bytes
        disk = (f" disk_free={pct:.1f}%;{t.disk_free_warn_pct:g}:;{t.disk_free_crit_pct:g}:"
                ";0;100")
    return (f"sync_lag={lag}s;{t.sync_lag_warn_s};{t.sync_lag_crit_s};0"
            f" sms_lag={sms_lag}s;{t.sms_lag_warn_s};{t.sms_lag_crit_s};0"
            f" outbox_queued={o.queued};;;0 outbox_failed={o.failed};1;;0"
            f" outbox_unconfirmed={o.unconfirmed};1;;0{disk}"
            f" db_size={report.db_bytes}B;;;0 staff_online={len(report.staff_online)};;;0")


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
