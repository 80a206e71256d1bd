"""The weekly digest: the desk's figures mailed to staff through the outbox.

Supervisors and admins only. The figures are the service-level reports (ReportService)
run over the period and the one before it; the run is audited once, as `report.digest`
(the period, whether a filter was given, the recipients, the outbox item), never the
filter's text. The mail is an outbox item of channel `staff`: it leaves exactly once
like a reply (claim, data-started, sent; retried on a temporary SMTP failure), but it
belongs to no conversation, so it touches no SLA clock and no report, and it is not
copied to a synced Sent folder (it would come back as a conversation). A period's digest
goes to each recipient once: run again (a cron job retried, two admins), it leaves out
those it was already queued for, unless asked `again`; the same period narrowed by
another filter is another digest.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Final

from cxinbox.config import AccountConfig
from cxinbox.contract.errors import BadRequest
from cxinbox.contract.report_types import DigestResult
from cxinbox.domain import digest as dg
from cxinbox.domain.compose import ComposeError, check_address, new_message_id
from cxinbox.domain.report_tables import ReportTable
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.inbox import PRIVILEGED_ROLES, InboxService
from cxinbox.service.outbox import STAFF_CHANNEL
from cxinbox.service.reports import MAX_SPAN_S, ReportService

MAX_RECIPIENTS: Final = 20
def _filter_key(query: str) -> str | None:
    """A digest's filter as its outbox item keeps it: a SHA-256 of its words (None for
    none), so two differently filtered digests of one period are two digests. It is kept
    in the item's draft only, never in the audit trail (which says `filtered` alone)."""
    words = " ".join(query.split())
    return hashlib.sha256(words.encode()).hexdigest() if words else None


def _same_period(kept: dict[str, object], key: dict[str, object]) -> bool:
    """An item `kept` is this period's digest `key`: same bounds, same filter (an item
    from before filters were told apart matches any filter, as it did then)."""
    if any(kept.get(k) != key[k] for k in ("since", "until", "filtered")):
        return False
    return "filter" not in kept or kept["filter"] == key["filter"]


class DigestService:
    def __init__(self, inbox: InboxService, *, worker: object = None) -> None:
        self.inbox = inbox
        self.config = inbox.config
        self.worker = worker

    def sender(self) -> AccountConfig:
        """The mailbox that sends the digest: [reports] digest_from, else the first one
        that can send mail."""
        name = self.config.reports.digest_from
        for account in self.config.accounts:
            if (account.name == name if name else account.smtp_host and account.address):
                return account
        raise BadRequest("no mailbox can send the digest: give one an address and an"
                         " smtp_host, or name one in [reports] digest_from")

    def recipients(self, mail_to: list[str]) -> tuple[str, ...]:
        """The staff addresses, checked; one line names the first bad one."""
        if not mail_to:
            raise BadRequest("--mail-to needs at least one address")
        if len(mail_to) > MAX_RECIPIENTS:
            raise BadRequest(f"at most {MAX_RECIPIENTS} --mail-to addresses")
        synced = {a.address.lower() for a in self.config.accounts if a.address}
        out: list[str] = []
        for typed in mail_to:
            try:
                address = check_address(typed)
            except ComposeError:
                raise BadRequest(f"--mail-to: not an email address:"
                                 f" {clean_line(typed, max_len=80)!r}") from None
            if address.lower() in synced:
                raise BadRequest(f"--mail-to: {address} is a mailbox cxinbox syncs; the digest"
                                 " would come back as a conversation. Send it to staff")
            if address.lower() not in (a.lower() for a in out):
                out.append(address)
        return tuple(out)

    def run(self, mail_to: list[str], query: str = "", start: int | None = None,
            end: int | None = None, dry_run: bool = False,
            again: bool = False) -> DigestResult:
        self.inbox.require_role("sending the digest", PRIVILEGED_ROLES)
        to = self.recipients(mail_to)
        account = self.sender()
        tz = self.inbox.tz
        now = int(time.time())
        if start is None and end is None:
            since, until = dg.default_period(now, tz)
        else:
            until = now if end is None else end
            since = until - dg.DEFAULT_DAYS * 86400 if start is None else start
        if since >= until:
            raise BadRequest("--since must be before --until")
        if 2 * (until - since) > MAX_SPAN_S:
            raise BadRequest("a digest covers at most a year and a half; narrow --since/--until")
        before_since, _ = dg.previous_period(since, until)
        period: dict[str, object] = {"since": since, "until": until,
                                     "filtered": bool(query.strip())}
        key = {**period, "filter": _filter_key(query)}
        already = () if dry_run or again else self._already_sent(key, to)
        if already:
            done = {a.lower() for a, _ in already}
            to = tuple(a for a in to if a.lower() not in done)
        if not to:
            self.inbox.record_read("report.digest", "", {
                **period, "previous_since": before_since, "to": [], "dry_run": False,
                "outbox": None, "already_sent": [i for _, i in already]})
            return DigestResult(since, until, before_since, tz.key,
                                dg.subject(since, until, tz), account.address, (), "", "",
                                (), (), None, False, already)
        reports = ReportService(self.inbox)
        current = {name: reports.compute(name, query, since, until)[0].tables
                   for name in dg.REPORTS}
        previous = {name: reports.compute(name, query, before_since, since)[0].tables
                    for name in dg.REPORTS}
        names = {m.os_user: m.name for m in self.config.staff}
        built = dg.build(current, previous, since=since, until=until,
                         previous_since=before_since, timezone=tz.key,
                         filtered=bool(query.strip()), names=names,
                         clinician_waits=(self._clinician_waits(current["red-flags"], until),
                                          self._clinician_waits(previous["red-flags"], since)))
        clinic = self.config.clinic.name
        message_id = new_message_id(account.address)
        try:
            raw = dg.build_email(built, clinic=clinic, from_addr=account.address, to=to,
                                 message_id=message_id, now=datetime.now(UTC))
        except ComposeError as exc:
            raise BadRequest(str(exc)) from None
        subject = dg.subject(since, until, tz)
        outbox_id = None if dry_run else self._queue(account, to, subject, message_id, raw,
                                                     key)
        self.inbox.record_read("report.digest", f"outbox:{outbox_id}" if outbox_id else "", {
            "since": since, "until": until, "previous_since": before_since,
            "filtered": bool(query.strip()), "to": list(to), "dry_run": dry_run,
            "outbox": outbox_id, "again": again,
            **({"already_sent": [i for _, i in already]} if already else {})})
        return DigestResult(since, until, before_since, tz.key, subject, account.address, to,
                            dg.render_text(built, clinic), dg.render_html(built, clinic),
                            built.figures, built.staff, outbox_id, dry_run, already)

    def _already_sent(self, key: dict[str, object],
                      to: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
        """The recipients of `to` this period's digest was queued for before (its outbox
        item names the period; one that failed or was cancelled does not count), each
        with that item. The same period is the same bounds and the same filter (a digest
        of the filter's words, `_filter_key`; an item queued before the digest was kept
        names only whether there was one). Every staff-channel item is read: years of
        weekly digests are a few hundred small rows."""
        wanted = {a.lower(): a for a in to}
        found: dict[str, tuple[str, int]] = {}
        with self.inbox.store.reading() as tx:
            items = tx.outbox_drafts(STAFF_CHANNEL)
        for item_id, state, draft, recipients_json in reversed(items):  # newest first
            if state in ("failed", "cancelled"):
                continue
            try:
                kept = json.loads(draft or "{}").get("digest")
                recipients = json.loads(recipients_json or "[]")
            except (ValueError, AttributeError):
                continue
            if not isinstance(kept, dict) or not _same_period(kept, key):
                continue
            for address in recipients:
                k = str(address).lower()
                if k in wanted and k not in found:
                    found[k] = (wanted[k], item_id)
        return tuple(found[a.lower()] for a in to if a.lower() in found)

    def _clinician_waits(self, tables: tuple[ReportTable, ...], until: int
                         ) -> list[int | None]:
        """For each red-flag case the report lists: how long until a clinical staff
        member first acted on it (None: nobody yet), as the report itself computes it."""
        cases = next((t for t in tables if t.name == "red-flags"), None)
        if cases is None:
            return []
        wait = cases.columns.index("clinician_wall_s")
        return [None if row[wait] is None else int(str(row[wait])) for row in cases.rows]

    def _queue(self, account: AccountConfig, to: tuple[str, ...], subject: str,
               message_id: str, raw: bytes, period: dict[str, object]) -> int:
        """The outbox row, committed before any network call; due at once (nobody waits
        at a cron job's undo window)."""
        store = self.inbox.store
        with store.writing() as tx:
            now = store.now_ms()
            item_id = tx.insert_outbox_item(
                channel=STAFF_CHANNEL, account=account.name, sender=account.address,
                recipients=to, subject=subject, message_id=message_id, raw=raw, body="",
                author=self.inbox.actor, conversation_id=None, now_ms=now, send_after_ms=now,
                draft={"digest": period})
            tx.append_event(self.inbox.actor, "outbox.queued", f"outbox:{item_id}",
                            {"outbox": item_id, "channel": STAFF_CHANNEL, "to": list(to),
                             "undo_s": 0, "kind": "digest"})
        if self.worker is not None:
            wake = getattr(self.worker, "wake", None)
            if callable(wake):
                wake()
        else:
            from cxinbox.service.outbox import wake_running

            wake_running()
        return item_id
