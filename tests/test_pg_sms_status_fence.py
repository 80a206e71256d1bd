"""The SMS poller's delivery-status follow-up writes under the clinic number's lease.

Two servers (two stores, each with its own lease session) poll one clinic number on one
PostgreSQL. The holder lists the number, then pauses while it fetches a text's status; it
loses the lease meanwhile and the other server takes the number over. When the old holder
resumes, its status write is refused (LeaseLost), so it neither marks the text undelivered
nor reopens the conversation; the new holder writes that once: nothing lost, nothing twice.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from tests.support.smsprovider import SmsProvider, write_sms_config
from tests.support.waiting import wait_until

from cxinbox.channels.sms import ProviderMessage, SmsClient
from cxinbox.config import SmsConfig, load_config
from cxinbox.service.sms_sync import SmsPoller, lease_name
from cxinbox.store.pg.store import PgStore
from cxinbox.store.records import SmsRecord

CLINIC = "+15550100100"
PATIENT = "+15557654321"


class PausingClient(SmsClient):
    """The real client, made to stop inside a status fetch when `armed`, as a server
    paused by its host (a long GC, a SIGSTOP, a VM migration) stops."""

    def __init__(self, config: SmsConfig, token: str) -> None:
        super().__init__(config, token)
        self.armed = False
        self.inside = threading.Event()
        self.go_on = threading.Event()

    def fetch(self, sid: str) -> ProviderMessage:
        if self.armed:
            self.inside.set()
            assert self.go_on.wait(60)
        return super().fetch(sid)


def _events(store: PgStore, action: str) -> list[tuple[str, dict[str, object]]]:
    return [(str(actor), json.loads(details)) for actor, details in store.conn.execute(
        "SELECT actor, details FROM events WHERE action = ? ORDER BY seq", (action,))]


def _status(store: PgStore, sid: str) -> tuple[str, int | None]:
    row = store.conn.execute("SELECT status, error_code FROM sms_messages WHERE sid = ?",
                             (sid,)).fetchone()
    return str(row[0]), None if row[1] is None else int(row[1])


def test_an_old_holders_status_write_after_takeover_is_refused(tmp_path: Path,
                                                               pg_url: str) -> None:
    with SmsProvider(numbers=[CLINIC]) as provider:
        config = load_config(write_sms_config(tmp_path, provider, [CLINIC]))
        one, two = PgStore(pg_url, max_size=3), PgStore(pg_url, max_size=3)
        clients: list[PausingClient] = []

        def pausing(sms: SmsConfig, token: str) -> PausingClient:
            clients.append(PausingClient(sms, token))
            return clients[-1]

        first = SmsPoller(one, config, client_factory=pausing)
        second = SmsPoller(two, config)
        try:
            # A reply the desk sent: queued at the provider (no sent date, so no listing
            # shows it; only the status follow-up fetches it), stored as the outbox does.
            with SmsClient(config.sms, provider.token) as client:
                sent = client.send(CLINIC, PATIENT, "Your appointment is at 3pm")
            with one.writing() as tx:
                tx.store_sms(SmsRecord(
                    provider_id=sent.sid, clinic_number=CLINIC, patient_number=PATIENT,
                    direction="out", body="Your appointment is at 3pm",
                    at=int(datetime.now(UTC).timestamp()), status=sent.status))
            assert first.poll_once().status_updates == 0  # holds the number; queued still
            assert second.poll_once().status_updates == 0 and second.unleased == [CLINIC]

            clients[0].armed = True
            outcome: list[object] = []

            def old_holder() -> None:
                try:
                    outcome.append(first.poll_once())
                except BaseException as exc:  # noqa: BLE001 - reported by the assert below
                    outcome.append(exc)

            paused = threading.Thread(target=old_holder)
            paused.start()
            assert clients[0].inside.wait(30), "the first server never fetched the status"
            # Paused inside its status follow-up, the first server loses its lease session
            # and the second takes the number over.
            pid = one._leases._conn.info.backend_pid
            two.conn.execute("SELECT pg_terminate_backend(?, 5000)", (pid,))
            wait_until(lambda: second.poll_once() is not None and not second.unleased,
                       "the second server to take the number over", timeout=30, interval=0.2)
            # The carrier gives up on the text while the first server is still paused.
            provider.set_status(sent.sid, "undelivered", 30003,
                                "Unreachable destination handset")
            clients[0].go_on.set()
            paused.join(60)
            assert not paused.is_alive()
            (result,) = outcome
            assert not isinstance(result, BaseException), result
            assert result.status_updates == 0  # type: ignore[attr-defined]
            assert first.unleased == [] and CLINIC not in first._leases  # given up
            # Refused: nothing of the old holder's write is kept.
            assert _status(two, sent.sid) == ("queued", None)
            assert _events(two, "outbox.undelivered") == []
            assert _events(two, "sms.status") == []

            # The new holder follows the status itself, once.
            assert second.poll_once().status_updates == 1
            assert _status(two, sent.sid) == ("undelivered", 30003)
            assert len(_events(two, "outbox.undelivered")) == 1
            assert len(_events(two, "sms.status")) == 1
            assert second.poll_once().status_updates == 0
            assert len(_events(two, "outbox.undelivered")) == 1
            # The lease row names the new holder's token.
            assert two.conn.execute("SELECT count(*) FROM cxinbox_lease WHERE name = ?",
                                    (lease_name(CLINIC),)).fetchone()[0] == 1
        finally:
            for client in clients:
                client.go_on.set()
            first.close()
            second.close()
            one.close()
            two.close()
