"""What the change feed may tell each client: that something changed, never the audit trail.

The event table is both the audit trail and the change feed. Clients follow the feed to
know when to reload a view, so it tells them *what kind* of change happened *where*
(conversation ids, the kind, who did it) and the few details a view shows anyway. Everything
else in an event's details (recipients, addresses, subjects, queries, who looked at what)
is audit detail: supervisors and admins read it through the audited `audit` call.

This is an allowlist. An action missing from `_SHARED` never reaches a client, so a new
kind of event stays private until someone decides here what it may say and to whom. Reads,
refusals and the like (`AUDIT_ONLY_ACTIONS`) are audit records, not changes: nobody is woken
by them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cxinbox.contract.types import Event

AUDIT_ONLY_ACTIONS: Final = frozenset({
    "conversation.list", "conversation.view", "bulk.preview", "contact.view",
    "attachment.export", "drafts.view", "outbox.view", "canned.render", "mentions.view",
    "audit.read", "access.denied", "export", "sms.rejected", "backup.made", "backup.failed",
    "backup.restored", "retention.purge", "retention.scheduled", "audit.truncate", "audit.key",
    "store.copy", "kb.insert", "kb.refused", "canned.refused", "canned.carried",
    "rule.applied", "rule.failed", "rules.test", "notify.failed",
    "sla.backlog", "sla.backlog_paging", "sla.backlog_told", "sla.recomputed",
})
"""Who saw what, refusals, provider input turned away: the audit trail's own records,
never in the feed (`for_client` drops them like any action it does not list)."""

_COUNTED = ("count", "conversations")
_CONTACT = ("contact", "conversations")
_OUTBOX = ("outbox", "author")

_SHARED: Final[Mapping[str, tuple[str, ...]]] = {
    # mail and texts arriving or going: which conversations moved
    "mail.received": _COUNTED, "mail.gone": _COUNTED,
    "sms.received": _COUNTED, "sms.status": _COUNTED,
    "sms.opt_out": (), "sms.opt_in": (), "sms.help": (),  # never the patient's number
    "sync.quarantine": (), "sync.identity_reset": (), "store.reindex": (),
    # once per run, so lists reload once (a batch's retention.purge wakes nobody)
    "retention.run": ("conversations",),
    # staff state, as every list shows it (never the query a bulk change used); `waited`: a
    # red flag that waited unassigned, now taken up (the one it lands on is told)
    "conversation.tag": ("add", "remove"), "conversation.status": ("from", "to", "until"),
    "conversation.assign": ("from", "to", "waited"), "conversation.priority": ("from", "to"),
    "conversation.read": (),
    "conversation.note": ("note",), "conversation.note.retract": ("note",),
    "conversation.merge": ("other",), "conversation.merged": ("into",),
    "conversation.unmerge": ("other",), "conversation.unmerged": ("from",),
    "conversation.split": ("new",), "conversation.split_from": ("from",),
    "contact.create": _CONTACT, "contact.attach": _CONTACT, "contact.link": _CONTACT,
    "contact.unlink": _CONTACT, "contact.merge": _CONTACT,
    # escalations and the server's own health: every staff member must see these
    "sla.at_risk": ("conversation", "assignee", "state"),
    "sla.breached": ("conversation", "assignee", "state"),
    "health.alert": ("severity", "message"), "health.ok": (),
    # a red flag raised at ingest (category only: the matched words stay in the thread) and
    # a clinician clearing it (the reason is audit detail)
    "redflag.raised": ("conversation", "category"), "redflag.cleared": ("conversation",),
    # a red flag left unassigned with everyone on shift in its team at the cap (once per
    # raise: the whole desk must see it), and a clinician whose shift started while some wait
    "redflag.waiting": ("conversation", "team", "cap"), "redflag.offered": ("user", "count"),
    # replies: the outbox screen reloads; recipients stay in the audit trail
    "draft.started": ("draft",), "draft.discarded": ("draft",),
    "outbox.queued": ("outbox", "channel"), "outbox.guard_stopped": ("draft",),
    "outbox.sending": _OUTBOX, "outbox.sent": _OUTBOX, "outbox.failed": _OUTBOX,
    "outbox.unconfirmed": _OUTBOX, "outbox.requeued": _OUTBOX,
    "outbox.retry_scheduled": _OUTBOX, "outbox.retry": _OUTBOX,
    "outbox.cancelled": _OUTBOX, "outbox.sent_copy": ("outbox",),
    "outbox.undelivered": ("outbox", "author", "conversation"),
    "send": ("outbox", "channel"),
    "mentions.read": (),
    # someone away or back: rosters, pickers and the status line show it
    "staff.away": ("user", "away"),
    # a rota opened or closed (the server's round): the roster's on-shift marks changed
    "staff.shift": ("on", "off"),
    # the knowledge base: an open article or search refreshes (articles hold no patient text)
    "kb.add": ("slug", "revision"), "kb.edit": ("slug", "revision"),
    "kb.sync": ("added", "changed", "retired"),
    # rules (service/rules.py): the changes themselves are the conversation.* events above
    "conversation.sla_policy": ("from", "to"), "rule.acknowledged": ("outbox", "channel"),
}

_AUTHOR_ONLY: Final = ("reason", "error", "status")
"""Why a reply failed may quote a recipient's address: told to its author alone."""


def change_actions() -> frozenset[str]:
    """Every action the feed carries (tests hold every appended action to one of the lists)."""
    return frozenset(_SHARED)


def for_client(event: Event, caller: str) -> Event | None:
    """The event as `caller` may see it in the change feed, or None when it is not theirs."""
    keys = _SHARED.get(event.action)
    if keys is None:
        return None
    if event.target.startswith("user:") and event.target != f"user:{caller}":
        return None  # one person's own state (mentions read): nobody else's business
    details: dict[str, Any] = {k: event.details[k] for k in keys if k in event.details}
    if event.action == "conversation.note":
        mentioned = event.details.get("mentions")
        details["mentions"] = [caller] if isinstance(mentioned, list) and caller in mentioned \
            else []
    if event.details.get("author") == caller:
        details.update({k: event.details[k] for k in _AUTHOR_ONLY if k in event.details})
    return Event(event.seq, event.at, event.actor, event.action, event.target, details)
