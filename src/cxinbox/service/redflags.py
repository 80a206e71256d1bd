"""Red flags and intent at ingest, the safety block, and a clinician clearing a flag.

Why here, and once: every inbound patient message passes `triage_arrivals` inside the
transaction that stored it (mail sync and SMS polling call it right after storing a
batch, before the batch's arrival event; the rules engine runs after it in the same
transaction), so a red flag, its tags, its priority and its alert event commit together
with the message or not at all. The detectors (domain/triage.py) read only the patient's
new text; they run on the ingest worker thread, never on a client's.

Detection never blocks or fails ingest: a detector exception is logged by its class alone
(the message may be what broke it, and is patient text) and the message is stored
unassessed. Old mail is stored unassessed too: an alarm about last year's chest pain helps
nobody. Old means ARRIVED long ago, never dated long ago: a first sync's backlog (marked
when stored, `messages.backlog_at`: the server received it more than `[triage]
backlog_hours` before) and anything else the server or the SMS provider received that long
before it is stored (`arrived_too_early`). The Date: header is the sender's to set: a text
written offline and delivered today, or a phone whose clock is a year off, is assessed.

One flag per episode: while a conversation's flag is open, a reply that repeats the
symptom adds nothing (no second alert); once a clinician cleared it, a NEWER message with
a red flag raises it again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from cxinbox.config import Config
from cxinbox.contract.errors import BadRequest, Forbidden, NotFound, NothingToClear
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.sms import keyword_word
from cxinbox.service.logsafe import fields, log_failure
from cxinbox.service.parsepool import (
    HEAD_BYTES,
    _mailing,
    head_auto_submitted,
    not_the_patient,
)
from cxinbox.service.parsepool import arrived_too_early as arrived_too_early  # noqa: PLC0414
from cxinbox.service.parsepool import assess_parsed as assess_parsed  # noqa: PLC0414
from cxinbox.store.interface import StoreTx
from cxinbox.store.records import TriageCandidate

if TYPE_CHECKING:  # the detectors are imported where they run: a bulk sync runs them in
    # its parse pool (service/parsepool.py), and its own process need not load them
    from cxinbox.domain.compose import HandedOut
    from cxinbox.domain.triage import Assessment

# The reply guard's texts (domain/compose.py, service/canned_library.py) and the notify
# command (service/notify.py) are imported where they are used: the sync imports this
# module for `triage_arrivals` and, before its IMAP login, would load them (email.policy
# among them) for nothing.

log = logging.getLogger("cxinbox.triage")

ACTOR: Final = "triage"
"""The audit actor of what detection does (tags, priority, the alert)."""
RED_FLAG_TAG: Final = "red-flag"
RAISED: Final = "redflag.raised"
CLEARED: Final = "redflag.cleared"
MAX_REASON_CHARS: Final = 500
_BATCH: Final = 2000


def category_tag(category: str) -> str:
    """`red-flag:chest-pain`: the category as a second tag, searchable with `tag:`."""
    return f"{RED_FLAG_TAG}:{category.replace('_', '-')}"


@dataclass(frozen=True, slots=True)
class Raised:
    """A red flag raised at ingest: what the alert and the notify hook may say (no text)."""

    conversation_id: int
    category: str
    message_pk: int


# -- the one definition ----------------------------------------------------------------------
#
# A conversation is red-flagged while a flag is open: raised by the detector on a patient's
# message (`triage_arrivals`), or by a person or a rule adding the `red-flag` tag
# (`tagged`). It stays open until clinical staff, a supervisor or an admin clears it with
# `flag clear` (`clear`): removing the tag does not clear it (a receptionist must not be able
# to lift the block by untagging), and clearing lifts a hand-raised flag too; the tags stay
# for the reports. After a clear, a NEWER message with a red flag, or a person adding the tag
# again, raises it again. The state is one column (store/triage.py), so the summary the TUI
# and CLI read (`red_flag_open`), `is:red-flag` / `red-flag:` (and so rule matches and the
# red-flag SLA policy), the canned-reply block and the acknowledgement all give one answer.


def red_flag_open(tx: StoreTx, conversation_id: int) -> bool:
    """True while the conversation has a red flag no clinician has cleared.

    Canned replies, acknowledgements and replies sent by rules must ask this first and
    refuse when it is True."""
    state = tx.red_flag_state(conversation_id)
    return state is not None and state.is_open


# Canned text handed out for a conversation (a canned reply rendered for it, a knowledge-base
# article inserted into its reply) is remembered on the server, in the details of the audit
# event that handed it out, as the keyed hashes of its word shingles
# (`domain.compose.canned_shingles`): `send` then refuses a body that still holds enough of
# one such text (`domain.compose.canned_still_there`) while the conversation's red flag is
# open, whatever client asks, however long the draft waited and however the text was
# edited, re-wrapped or added to. The hashes are an HMAC under the store's text key
# (store/textkey.py), never the text and never a plain hash: a short phrase or a patient's
# name cannot be found again by hashing guesses. Retention carries them forward
# (`CARRIED`) while they can still matter (store/retention.py `carry_handed_out`).
HANDED_OUT: Final = ("canned.render", "kb.insert")
CARRIED: Final = "canned.carried"
"""The event that repeats, inside the kept audit trail, the hashes of handed-out texts
whose own events retention releases."""
HASH_BYTES: Final = 8
"""Of each HMAC-SHA256: 64 bits, so two thousand shingles never meet by chance."""


def _hashes(key: bytes, shingles: Sequence[str]) -> list[bytes]:
    return [hmac.new(key, item.encode("utf-8"), hashlib.sha256).digest()[:HASH_BYTES]
            for item in shingles]


def handed_hashes(key: bytes, text: str) -> str:
    """What an event keeps of a handed-out `text`: its shingles' keyed hashes, packed in
    one base64 string ("" when the text is too short to tell from a person's own)."""
    from cxinbox.domain.compose import canned_shingles

    return base64.b64encode(b"".join(_hashes(key, canned_shingles(text)))).decode("ascii")


def _unpack(packed: object) -> list[bytes]:
    if not isinstance(packed, str) or not packed:
        return []
    try:
        raw = base64.b64decode(packed, validate=True)
    except (ValueError, binascii.Error):
        return []
    return [raw[i:i + HASH_BYTES] for i in range(0, len(raw) - HASH_BYTES + 1, HASH_BYTES)]


@dataclass(frozen=True, slots=True)
class CannedLeft:
    """What `canned_left` found: the text (`label`, "" when its event does not say) and
    whether the body holds it only together with the conversation's earlier replies."""

    label: str
    with_earlier: bool = False


def canned_left(tx: StoreTx, key: bytes, conversation_id: int, body: str, *,
                outbox_id: int | None = None,
                library: Callable[[], Sequence[HandedOut]] | None = None) -> CannedLeft | None:
    """What of a text handed out for the conversation as canned text `body` still holds
    while its red flag is open (send must then refuse); None when nothing, or no flag.

    Handed out for it, or for a conversation merged into it (`StoreTx.handout_sources`;
    a split child and an unmerged conversation hold carried copies, `carry_at_split`);
    and, with `library` (`library_handouts`), any of the clinic's canned replies, however
    the text got into the body (rendered for another conversation and pasted, copied from
    the files). Judged with what the conversation's replies since the flag was raised (and
    those still waiting) already held of the same text: a text sent a piece at a time is
    the text (`domain.compose.canned_still_there`). `outbox_id`: the queued reply being
    judged, left out of those. `key`: the store's text key (`Store.text_key`)."""
    from cxinbox.domain.compose import (
        CANNED_PIECE_KEPT,
        body_shingles,
        canned_kept,
        canned_still_there,
        handed_out_texts,
        replies_shingles,
    )

    state = tx.red_flag_state(conversation_id)
    if state is None or not state.is_open:
        return None
    present = set(_hashes(key, body_shingles(body)))
    sources = tx.handout_sources(conversation_id)
    earlier: set[bytes] | None = None

    def holds(text: HandedOut) -> CannedLeft | None:
        nonlocal earlier
        handed = _unpack(text.packed)
        if canned_still_there(handed, present):
            return CannedLeft(text.label)
        if canned_kept(handed, present) < CANNED_PIECE_KEPT:
            return None
        if earlier is None:
            # A flag whose raise time is unknown (older data) has no "since": no reply is
            # judged with this one rather than every reply ever sent.
            since_ms = int(state.raised_at) * 1000 if state.raised_at else None
            bodies = [] if since_ms is None else [
                str(item.snapshot.get("body") or "") for item in
                tx.replies_since(sources, since_ms, outbox_id)]
            earlier = set(_hashes(key, replies_shingles(bodies, body))) if bodies else set()
        return CannedLeft(text.label, with_earlier=True) \
            if canned_still_there(handed, present, earlier) else None

    lines: set[str] | None = None
    events = [event for source in sources
              for event in tx.later_on_target(f"conversation:{source}", 0,
                                              (*HANDED_OUT, CARRIED))]
    for event in events:
        for text in handed_out_texts(event.details):
            found = holds(text)
            if found is not None:
                return found
        legacy = event.details.get("lines")
        if isinstance(legacy, list) and legacy:
            lines = _legacy_lines(body) if lines is None else lines
            if lines.intersection(str(x) for x in legacy):
                return CannedLeft("")
    for text in library() if library is not None else ():
        found = holds(text)
        if found is not None:
            return found
    return None


def library_handouts(config: Config, key: bytes) -> list[HandedOut]:
    """The clinic's canned replies (service/canned_library.py) as `canned_left` judges
    them: every one, as if handed out for the conversation."""
    from cxinbox.domain.compose import HandedOut
    from cxinbox.service.canned_library import canned_views

    return [HandedOut(handed_hashes(key, view.body), f"canned reply {view.name!r}")
            for view in canned_views(config)]


def _handed_out_on(tx: StoreTx, conv_ids: Sequence[int]) -> tuple[list[HandedOut], list[str]]:
    """Every text handed out (or carried) for these conversations, and legacy line hashes."""
    from cxinbox.domain.compose import handed_out_texts

    texts: list[HandedOut] = []
    lines: list[str] = []
    for conv_id in conv_ids:
        for event in tx.later_on_target(f"conversation:{conv_id}", 0, (*HANDED_OUT, CARRIED)):
            texts.extend(handed_out_texts(event.details))
            legacy = event.details.get("lines")
            if isinstance(legacy, list):
                lines.extend(str(x) for x in legacy)
    return texts, lines


def carry_at_split(tx: StoreTx, actor: str, parent: int, child: int) -> bool:
    """A split's child takes a copy of what was handed out for its parent (and what was
    merged into it) up to the split, in the split's transaction: its messages came from
    there, and so may a draft's text. A copy, not a link, so nothing later (retention
    releasing the split's events, the parent merged elsewhere) can take it away; what is
    handed out for the parent after the split is the parent's alone. True when any."""
    from cxinbox.domain.compose import carried_details

    texts, lines = _handed_out_on(tx, tx.handout_sources(parent))
    if not texts and not lines:
        return False
    tx.append_event(actor, CARRIED, f"conversation:{child}",
                    {**carried_details(texts, lines), "from": parent, "on": "split"})
    return True


def carry_at_unmerge(tx: StoreTx, actor: str, into: int, other: int,
                     sources_before: Sequence[int]) -> None:
    """After an unmerge, in its transaction: each of the two keeps a copy of what was
    handed out for the conversations it read while they were merged (`sources_before`,
    `into`'s sources then) and no longer reads: a draft written while merged may hold
    either's text."""
    from cxinbox.domain.compose import carried_details

    for conv_id, from_id in ((into, other), (other, into)):
        now = set(tx.handout_sources(conv_id))
        texts, lines = _handed_out_on(tx, [c for c in sources_before if c not in now])
        if texts or lines:
            tx.append_event(actor, CARRIED, f"conversation:{conv_id}",
                            {**carried_details(texts, lines), "from": from_id,
                             "on": "unmerge"})


def _legacy_lines(body: str) -> set[str]:
    """Events written before shingles kept plain hashes of whole lines (12 characters or
    more, folded): still honoured for the texts they describe."""
    folded = (" ".join(line.split()).lower() for line in body.splitlines())
    return {hashlib.sha256(line.encode("utf-8")).hexdigest()[:20]
            for line in folded if len(line) >= 12}


def clear_it_first(config: Config, conversation_id: int, actor: str, role: str) -> str:
    """The end of a canned-reply refusal: what the person refused can do about the flag.
    Whoever may clear it is told to (never to wait for a clinician when she is one);
    anyone else is told who may."""
    how = f"cxinbox flag clear {conversation_id} --reason TEXT, or F"
    if config.may_clear_red_flag(actor, role):
        return f"clear the flag first if it is safe ({how})"
    return f"have {config.red_flag_clearers()} clear the flag first ({how})"


def canned_refusal(config: Config, conversation_id: int, found: CannedLeft, actor: str,
                   role: str) -> str:
    """The one line a send refused by `canned_left` shows, naming the text it holds."""
    what = f"canned text: {found.label}" if found.label else "canned or knowledge-base text"
    earlier = (", with what the replies sent since the flag was raised already hold of it"
               if found.with_earlier else "")
    return (f"conversation #{conversation_id} has an open red flag: this reply still holds"
            f" {what}{earlier}; take it out, or"
            f" {clear_it_first(config, conversation_id, actor, role)}")


BY_TAG: Final = "tag"
"""`raised_by` of a flag a person or a rule raised with the `red-flag` tag (the detector's
own raises say `detector`)."""


def tagged(tx: StoreTx, conv_ids: Sequence[int], now: int, actor: str) -> list[int]:
    """A person (or a rule) added the `red-flag` tag to `conv_ids`: open a flag on each that
    has none open, in the caller's transaction; returns those it opened. Each raise is a
    `redflag.raised` event like the detector's (no category, `raised_by` tag), the
    conversation goes to urgent as at the detector's raise (by `triage`, audited), so the
    clinicians on shift hear it and see it toasted (all but the person who raised it) and
    its red-flag SLA escalates afresh (store/escalations.py); the caller runs the notify
    hook after its commit (`notify_tagged`)."""
    opened = tx.open_staff_red_flags(list(conv_ids), now) if conv_ids else []
    for conv_id in opened:
        target = f"conversation:{conv_id}"
        conv = tx.conversation(conv_id)
        if conv is not None and conv.priority != "urgent":  # as the detector's raise does
            tx.update_state(conv_id, priority="urgent")
            tx.append_event(ACTOR, "conversation.priority", target,
                            {"from": conv.priority, "to": "urgent"})
        tx.append_event(actor, RAISED, target,
                        {"conversation": conv_id, "category": "", "raised_by": BY_TAG})
    return opened


def notify_tagged(config: Config, conv_ids: Sequence[int]) -> threading.Thread | None:
    """The notify hook for flags raised by a tag (`tagged`), after the commit that raised
    them: once each, with an empty category."""
    return notify_raised(config, [Raised(c, "", 0) for c in conv_ids])


# -- ingest ----------------------------------------------------------------------------------


Arrived = Callable[[TriageCandidate], int | None]
"""When the server (or the SMS provider) received a stored message, epoch seconds; None
when not known, which counts as just now."""


def stored_arrival(cand: TriageCandidate) -> int | None:
    """What the store knows of a message's arrival: its `received_at` (migration 28: an
    email's INTERNALDATE, a text's time at the provider); for a text stored before it, its
    stored time, which is the provider's own (store/sms.py). The sync that fetched a
    message may say too (`triage_arrivals`'s `arrived`)."""
    if cand.received_at:
        return cand.received_at
    return cand.date if cand.channel == "sms" else None


def dated_on_arrival(cand: TriageCandidate) -> int | None:
    """For mail made on this machine (the demo clinic): dated when it arrived."""
    return cand.date


def triage_arrivals(tx: StoreTx, config: Config, now: int,
                    ready: Mapping[bytes, Assessment | None] | None = None, *,
                    keywords: Collection[int] = (),
                    arrived: Arrived | None = None,
                    oldest: int | None = None) -> list[Raised]:
    """Assess every inbound message stored since the last call, in the caller's (ingest)
    transaction; returns the red flags raised, for `notify_raised` after the commit.

    `ready`: assessments already made beside MIME parsing in the sync's parse pool (by
    `assess_parsed`, keyed by the raw bytes' SHA-256; None: not a message to assess), so a
    bulk sync does not pay for detection on its critical thread. What is missing from it
    is assessed here. `keywords`: the ids of texts that are only an SMS keyword (STOP,
    HELP..., the SMS poller's `asks_nothing`): filed under intent `other`, never read as a
    request. `arrived`: when each message was received (the sync's INTERNALDATEs, by raw
    hash), where the store does not know (`stored_arrival`). `oldest`: the cut-off the
    caller's ingest marked late mail by (`messages.unscreened_at`) and its parse pool
    judged by, so no message falls between the two (default: `now` less
    `[triage] backlog_hours`). Never raises: ingest must not fail because of detection."""
    try:
        return _triage(tx, config, now, ready or {}, keywords, arrived, oldest)
    except Exception as exc:  # noqa: BLE001 - detection must never fail ingest
        log_failure(log, "triage at ingest failed; messages stored unassessed", exc)
        return []


def _triage(tx: StoreTx, config: Config, now: int,
            ready: Mapping[bytes, Assessment | None],
            keywords: Collection[int] = (), arrived: Arrived | None = None,
            oldest: int | None = None) -> list[Raised]:
    raised: list[Raised] = []
    if oldest is None:
        oldest = now - config.triage.backlog_hours * 3600

    def arrival(cand: TriageCandidate) -> int | None:
        given = arrived(cand) if arrived is not None else None
        return given if given is not None else stored_arrival(cand)

    while True:
        # A first sync's backlog and mail assessed beside parsing are not read again
        # (store/triage.py).
        candidates, upto = tx.triage_pending(_BATCH, known=ready.keys())
        if not candidates:
            tx.advance_triage(upto)
            return raised
        for cand in candidates:
            if arrived_too_early(arrival(cand), oldest):
                continue
            if cand.id in keywords:
                _keyword_only(tx, cand)
                continue
            found = ready[cand.sha256] if cand.sha256 in ready else _assess(cand)
            if found is None:
                continue
            tx.record_triage(cand.id, found.intent, found.confidence, found.red_flag,
                             found.matched)
            tx.set_conversation_intent(cand.conversation_id, found.intent, found.confidence,
                                       found.language)
            if found.red_flag is not None:
                hit = _raise(tx, cand, found.red_flag, found.matched, now)
                if hit is not None:
                    raised.append(hit)
        tx.advance_triage(upto)
        if len(candidates) < _BATCH:
            return raised


KEYWORD_INTENT: Final = "other"
"""What a text that is only an SMS keyword (STOP, BAJA, START, HELP...) asks: nothing. It is
no request (not spam, not a clinical question) and raises no red flag; the conversation
keeps the intent an earlier request gave it."""


def _keyword_only(tx: StoreTx, cand: TriageCandidate) -> None:
    conv = tx.conversation(cand.conversation_id)
    tx.record_triage(cand.id, KEYWORD_INTENT, 1.0, None, "")
    spanish = keyword_word(cand.body_text) in _SPANISH_KEYWORDS
    tx.set_conversation_intent(cand.conversation_id, KEYWORD_INTENT, 1.0,
                               conv.language if conv is not None and conv.language
                               else "es" if spanish else "en")


_SPANISH_KEYWORDS: Final = frozenset({"BAJA", "ALTO", "PARAR", "CANCELAR", "ALTA", "AYUDA"})


def _assess(cand: TriageCandidate) -> Assessment | None:
    try:
        if cand.channel == "sms":
            return assess_text(cand.body_text)
        # The pool's test, on the stored sender and the stored start of the message (its
        # header block): an out-of-office or a bounce is not the patient speaking.
        head = cand.head[:HEAD_BYTES]
        if not_the_patient(head, cand.sender, head_auto_submitted(head), frozenset()):
            return None
        from cxinbox.domain.triage import inspect

        return inspect(cand.body_text, subject=cand.subject, channel="email",
                       bulk=_mailing(head)).assessment
    except Exception as exc:  # noqa: BLE001 - one odd message must not stop the batch
        log.error("triage of a message failed: %s (message stored unassessed)",
                  type(exc).__name__, extra=fields(conversation=cand.conversation_id,
                                                   error=type(exc).__name__))
        return None


def _raise(tx: StoreTx, cand: TriageCandidate, category: str, matched: str,
           now: int) -> Raised | None:
    state = tx.red_flag_state(cand.conversation_id)
    if state is None or state.category is not None:
        return None  # already open: the repeat is recorded on the message, nobody re-alerted
    # (a flag a person raised by tag gains the detector's category, and the alert rings)
    if state.message_pk is not None and state.message_pk >= cand.id:
        return None  # cleared after this very message (or a later one) was seen
    conv = tx.conversation(cand.conversation_id)
    before = conv.priority if conv is not None else "normal"
    tags = [RED_FLAG_TAG, category_tag(category)]
    tx.open_red_flag(cand.conversation_id, category, clean_line(matched, max_len=200),
                     cand.id, now)
    tx.add_tags([cand.conversation_id], tags)
    target = f"conversation:{cand.conversation_id}"
    tx.append_event(ACTOR, "conversation.tag", target, {"add": tags, "remove": []})
    if before != "urgent":
        tx.append_event(ACTOR, "conversation.priority", target,
                        {"from": before, "to": "urgent"})
    tx.append_event(ACTOR, RAISED, target, {"conversation": cand.conversation_id,
                                            "category": category, "message": cand.id,
                                            "raised_by": "detector"})
    return Raised(cand.conversation_id, category, cand.id)


def assess_stored(cand: TriageCandidate) -> Assessment | None:
    """What ingest would have found for a stored message it never assessed (a first
    sync's backlog), read-only: `rules test` replays intent: and
    red-flag: terms on old mail with it (service/rules_preview.py). None: not the patient
    speaking (an automatic reply) or a detector failure (logged without text)."""
    return _assess(cand)


def assess_text(body: str) -> Assessment:
    """What `triage_arrivals` finds in a patient's text message (stored with no subject),
    computed before the poller's write transaction. A detector exception propagates: the
    caller leaves the text out, and the ingest thread assesses (and logs) it again."""
    from cxinbox.domain.triage import inspect

    return inspect(body, subject="", channel="sms", bulk=False).assessment


# -- after the commit: the notify hook -------------------------------------------------------


def notify_raised(config: Config, raised: Sequence[Raised]) -> threading.Thread | None:
    """Run the notify command once per raised flag, on a thread of its own (a slow hook
    must not hold up the next batch). It is told the category and the conversation number,
    never the patient's words."""
    argv = config.triage.notify_command or config.sla.notify_command
    if not argv or not raised:
        return None
    items = list(raised)

    def run() -> None:
        for hit in items:
            _notify_one(list(argv), hit)

    # Not a daemon: a one-shot `cxinbox sync` waits for its alerts before it exits.
    thread = threading.Thread(target=run, name="cxinbox-redflag-notify")
    thread.start()
    return thread


def _notify_one(argv: list[str], hit: Raised) -> None:
    from cxinbox.service.notify import run_notify

    by = "detector" if hit.category else BY_TAG
    run_notify(argv, env={"CXINBOX_EVENT": "red_flag", "CXINBOX_STATE": "red-flag",
                          "CXINBOX_CATEGORY": hit.category, "CXINBOX_RAISED_BY": by,
                          "CXINBOX_CONVERSATION": str(hit.conversation_id)},
               details={"event": "red_flag", "category": hit.category,
                        "conversation": hit.conversation_id, "raised_by": by},
               log=log, what="red-flag notify_command", conversation=hit.conversation_id)


# -- a clinician clears the flag -------------------------------------------------------------


def clear(tx: StoreTx, config: Config, actor: str, role: str, conv_id: int, reason: str,
          now: int) -> int:
    """Clear the open flag of `conv_id`, a detector's or a person's (audited with the
    reason); returns the event's seq.

    The tags stay (reports count red-flag conversations); the block on canned replies
    lifts, and a NEW message with a red flag (or the tag added again) raises it again."""
    if not config.may_clear_red_flag(actor, role):
        raise Forbidden(f"flag clear: only {config.red_flag_clearers()} may clear a red flag")
    why = clean_line(reason, max_len=MAX_REASON_CHARS).strip()
    if not why:
        raise BadRequest("flag clear: give a reason (--reason TEXT): it goes in the audit"
                         " trail")
    if tx.conversation(conv_id) is None:
        raise NotFound(f"no conversation #{conv_id}")
    state = tx.red_flag_state(conv_id)
    if state is None or not state.is_open:
        raise NothingToClear(f"conversation #{conv_id} has no open red flag")
    tx.clear_red_flag(conv_id, now)
    return tx.append_event(actor, CLEARED, f"conversation:{conv_id}",
                           {"conversation": conv_id, "category": state.category or "",
                            "reason": why})
