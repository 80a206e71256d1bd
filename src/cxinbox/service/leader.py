"""Background work on a store several servers share (PostgreSQL): who runs what.

Every server runs the mail sync (each folder under its own lease, service/sync.py) and the
outbox (any server may send; the claim decides, service/outbox.py). Work that must happen
once for the whole desk (the SLA monitor, scheduled jobs) runs under a named leader lease
(`Store.try_lease("job:NAME")`): one server holds it and runs the job; the others try
again every `RETRY_S`. The database frees the lease when its holder dies (its session
ends), so another server takes the job over within that time (30 s at most).

A worker whose store operations this backend does not run yet (NotImplementedError, see
store/pg/store.py NOT_YET) says so in one line and then idles until the server stops:
it neither takes the server down nor is restarted over and over.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from cxinbox.contract.errors import LeaseLost
from cxinbox.service import heartbeat
from cxinbox.service.runtime import Worker
from cxinbox.store.interface import Store, SyncLease

log = logging.getLogger(__name__)

RETRY_S: Final = 5.0
"""How often a server without the lease tries it again, and how often the holder checks
that it still holds it."""
LEASE_PREFIX: Final = "job:"


class NotYetHere:
    """Runs `worker`; a store operation this backend lacks stops it, in one log line."""

    def __init__(self, worker: Worker) -> None:
        self.inner = worker
        self.name = worker.name

    def run(self, stop: threading.Event) -> None:
        try:
            self.inner.run(stop)
        except NotImplementedError as exc:
            log.warning("%s: not yet available on PostgreSQL (%s); it stays off until this"
                        " server is upgraded", self.name, exc)
            stop.wait()


class Leader:
    """Runs `worker` only while this server holds the lease `job:NAME`."""

    def __init__(self, worker: Worker, store: Store, *, retry_s: float = RETRY_S) -> None:
        self.inner = worker
        self.name = worker.name
        self.store = store
        self.retry_s = retry_s
        self.lease_name = LEASE_PREFIX + worker.name

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            lease = self.store.try_lease(self.lease_name)
            if lease is None:
                stop.wait(self.retry_s)
                continue
            try:
                log.info("%s: this server runs it (leader lease %s)", self.name,
                         self.lease_name)
                heartbeat.leading(self.name, True)
                if not self._lead(lease, stop):
                    return  # the job ended by itself: `supervise` notices and restarts
            finally:
                heartbeat.leading(self.name, False)
                lease.release()

    def _lead(self, lease: SyncLease, stop: threading.Event) -> bool:
        """Run the job on a thread of its own until the server stops or the lease is lost
        (True); False when the job returned by itself, and an error the job raised is
        raised here (for `supervise` to log and restart)."""
        inner_stop = threading.Event()
        failed: list[BaseException] = []
        lost: list[LeaseLost] = []

        def job() -> None:
            try:
                with lease.fencing():  # a paused leader that lost the lease commits nothing
                    self.inner.run(inner_stop)
            except LeaseLost as exc:
                lost.append(exc)
            except BaseException as exc:  # noqa: BLE001 - handed to the leader's thread
                failed.append(exc)

        thread = threading.Thread(target=job, name=f"job-{self.name}", daemon=True)
        thread.start()
        ended_by_lease = False
        try:
            while not stop.wait(self.retry_s):
                if not thread.is_alive():
                    break
                if not lease.held():
                    ended_by_lease = True
                    log.warning("%s: leader lease lost; stopping it here", self.name)
                    break
        finally:
            inner_stop.set()
            thread.join()
        if failed:
            raise failed[0]
        if lost and not ended_by_lease:
            log.warning("%s: another server took the leader lease while this one was not"
                        " answering; stopping it here", self.name)
        return stop.is_set() or ended_by_lease or bool(lost)
