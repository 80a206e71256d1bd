"""Servers on a PostgreSQL primary and its standby: what `doctor` says about where it got.

High availability is PostgreSQL's own: a streaming-replication standby, promoted when the
primary dies. The servers follow it through libpq's multi-host URL
(`postgresql://h1:5432,h2:5432/db?target_session_attrs=read-write`): every new session,
pooled, listening or holding leases, goes to whichever host takes writes, so after a
promotion the reconnects that follow any outage find the new primary. Without
`target_session_attrs=read-write` a session may land on the read-only standby.
"""

from __future__ import annotations

from typing import Any

from cxinbox.store.records import Diagnosis

_WRITABLE = frozenset({"read-write", "primary"})


def url_hosts(url: str) -> int:
    """How many hosts a `[store] url` names (libpq's comma-separated list)."""
    from psycopg.conninfo import conninfo_to_dict

    hosts = str(conninfo_to_dict(url).get("host") or "")
    return max(1, sum(1 for host in hosts.split(",") if host.strip()))


def reached(raw: Any, url: str) -> list[Diagnosis]:
    """Which host the session `raw` reached and whether it is the primary; with several
    hosts in the URL, whether it asks for the writable one."""
    from psycopg.conninfo import conninfo_to_dict

    info = raw.info
    where = f"{info.host}:{info.port}" if info.host and not str(info.host).startswith("/") \
        else f"the socket in {info.host or 'the default directory'}, port {info.port}"
    standby = bool(raw.execute("SELECT pg_is_in_recovery()").fetchone()[0])
    count = url_hosts(url)
    of = f" (of {count} hosts in [store] url)" if count > 1 else ""
    found = [Diagnosis("fail", f"PostgreSQL reached at {where}{of} is a standby (read-only):"
                       " the servers cannot write there; point [store] url at the primary,"
                       " or list both with ?target_session_attrs=read-write")
             if standby else
             Diagnosis("ok", f"PostgreSQL reached at {where}{of}: the primary (takes writes)")]
    attrs = str(conninfo_to_dict(url).get("target_session_attrs") or "any")
    if count > 1 and attrs not in _WRITABLE:
        found.append(Diagnosis("warn", f"[store] url names {count} hosts with"
                               f" target_session_attrs={attrs}: after a failover a server may"
                               " connect to the read-only standby; add"
                               " ?target_session_attrs=read-write"))
    return found
