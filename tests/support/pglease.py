"""What the PostgreSQL lease tests (test_pg_lease_fence.py, test_pg_lease_release.py) do
to a store: take a lease as a server would, find its session, and leave marks whose
commit (or not) shows which writes a lease's fence let through."""

from __future__ import annotations

from tests.support.waiting import wait_until

from cxinbox.store.pg.lease import PgLease
from cxinbox.store.pg.store import PgStore


def mark(store: PgStore, key: str) -> None:
    """One committed write: the key in `cxinbox_meta`."""
    with store.write() as conn:
        conn.execute("INSERT INTO cxinbox_meta (key, value) VALUES (?, '1')", (key,))


def marks(store: PgStore, prefix: str) -> set[str]:
    """The marks starting with `prefix` that committed."""
    return {str(r[0]) for r in store.conn.execute(
        "SELECT key FROM cxinbox_meta WHERE key LIKE ?", (f"{prefix}%",))}


def lease_pid(store: PgStore) -> int:
    """The backend pid of the store's lease session (what a test kills or stops)."""
    return int(store._leases._conn.info.backend_pid)


def take(store: PgStore, name: str, timeout: float = 10.0) -> PgLease:
    """Lease `name`, trying as a server does until it is free."""
    taken: list[PgLease] = []

    def got() -> bool:
        lease = store.try_lease(name)
        if lease is not None:
            taken.append(lease)
        return bool(taken)

    wait_until(got, "the lease to be taken", timeout=timeout, interval=0.2)
    return taken[0]
