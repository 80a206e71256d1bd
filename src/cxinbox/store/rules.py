"""SQL for the rules engine: what arrived in a batch, the acknowledgement ledger, pinned SLA
policies, and the past triggers `cxinbox rules test` replays.

Every function runs inside the caller's transaction (the ingest's, for the arrival ones).
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Callable, Container, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from cxinbox.domain.intent_kept import conversation_intent
from cxinbox.store import records
from cxinbox.store.merge import recompute
from cxinbox.store.schema_received import clock_sql

if TYPE_CHECKING:
    from cxinbox.store.records import (
        ArrivalRecord,
        ConversationRecord,
        MessageRecord,
        PastState,
        PastTrigger,
        StoredEvent,
    )
    from cxinbox.store.replaylog import ReplayLog

_CLOCK = clock_sql()
"""A message's time as the live rules read it (migration 28): a patient's by its arrival
(INTERNALDATE, the SMS provider's time), else its Date:; ours by its date. The replay's
windows and "later" read this, not the Date: a sender wrote."""


def max_message_pk(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])


def arrivals_after(conn: sqlite3.Connection, message_pk: int) -> list[ArrivalRecord]:
    return arrivals_after_later(conn, message_pk)()


def arrivals_after_later(conn: sqlite3.Connection, message_pk: int,
                         ) -> Callable[[], list[ArrivalRecord]]:
    """`arrivals_after`, its read sent now and its answer taken when the function it
    returns is called: on PostgreSQL, in a pipelined transaction, it then comes with the
    answer of the next read that is waited for (a rehearsal's match of its rules), not
    in a round trip of its own. On SQLite it is read at once.

    Per conversation, the inbound messages stored after `message_pk`: the newest one,
    whether the conversation itself is new (none of its messages is older), and whether one
    of them was read as asking what the conversation is filed under (or it has no intent).

    A text that is only an SMS keyword (STOP, BAJA, START, HELP...: `sms_messages.keyword`,
    which the poller sets before the rules run) is no arrival: it asks nothing, so it fires
    no rule; and the patient's first real text after keywords only is the conversation's
    arrival, as if the keywords had not been there, and the provider's own automatic
    replies to them (direction 'auto': "You have been unsubscribed") too. `backlog`: every
    one of them was stored as a first sync's backlog (`messages.backlog_at`, store/ingest.py
    `is_backlog`)."""
    cursor = conn.execute(
        "SELECT m.conversation_id, max(m.id), min(m.channel),"
        # (an EXISTS per message, not a join: PostgreSQL hashed all of sms_messages for
        # each conversation, 0.1 ms each, most of the statement's 10 ms for 100 arrivals)
        f" (SELECT min(x.id) FROM messages x WHERE x.conversation_id = m.conversation_id"
        f"  AND {_not_keyword('x')}),"
        " (SELECT CASE WHEN c.intent IS NULL OR EXISTS (SELECT 1 FROM messages y"
        "  WHERE y.conversation_id = c.id AND y.id > ? AND y.direction = 'in'"
        "  AND y.gone_at IS NULL AND y.intent = c.intent) THEN 1 ELSE 0 END"
        "  FROM conversations c WHERE c.id = m.conversation_id), max(m.date),"
        " min(CASE WHEN m.backlog_at IS NULL THEN 0 ELSE 1 END)"
        " FROM messages m LEFT JOIN sms_messages s ON s.message_pk = m.id"
        " WHERE m.id > ? AND m.direction = 'in' AND m.gone_at IS NULL"
        " AND coalesce(s.keyword, '') = ''"
        " GROUP BY m.conversation_id ORDER BY m.conversation_id",
        (message_pk, message_pk))
    # On SQLite at once: a statement left open would see the writes made meanwhile.
    read: list[list[Any]] = [cursor.fetchall()] if isinstance(conn, sqlite3.Connection) \
        else []

    def answer() -> list[ArrivalRecord]:  # the same answer however often it is asked
        if not read:
            read.append(cursor.fetchall())
        return [records.ArrivalRecord(int(r[0]), int(r[1]), str(r[2]), int(r[3]) > message_pk,
                                      r[4] is None or bool(r[4]), int(r[5]), bool(r[6]))
                for r in read[0]]

    return answer


def ack_refusal(conn: sqlite3.Connection, conv_id: int, sender: str, day: str) -> str | None:
    """Why no acknowledgement may go (one already went to this conversation, or to this
    sender today), or None."""
    if conn.execute("SELECT 1 FROM rule_acks WHERE conversation_id = ?", (conv_id,)).fetchone():
        return "already acknowledged"
    if conn.execute("SELECT 1 FROM rule_acks WHERE sender = ? AND day = ?",
                    (sender, day)).fetchone():
        return "sender acknowledged today"
    return None


def record_ack(conn: sqlite3.Connection, conv_id: int, sender: str, day: str, rule: str,
               outbox_id: int, at: int) -> None:
    conn.execute("INSERT INTO rule_acks (conversation_id, sender, day, rule, outbox_id, at)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (conv_id, sender, day, rule, outbox_id, at))


def is_acknowledgement(conn: sqlite3.Connection, conv_id: int, outbox_id: int) -> bool:
    """Whether the ledger's acknowledgement of `conv_id` is outbox item `outbox_id`."""
    row = conn.execute("SELECT outbox_id FROM rule_acks WHERE conversation_id = ?",
                       (conv_id,)).fetchone()
    return row is not None and row[0] == outbox_id


def pin_sla_policy(conn: sqlite3.Connection, conv_id: int, policy: str, rule: str,
                   at: int) -> None:
    conn.execute("INSERT INTO rule_sla_pins (conversation_id, policy, rule, at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
                 " policy = excluded.policy, rule = excluded.rule, at = excluded.at",
                 (conv_id, policy, rule, at))
    conn.execute("UPDATE conversations SET sla_dirty = 1 WHERE id = ?", (conv_id,))


def sla_pins(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for conv, policy in conn.execute(
                f"SELECT conversation_id, policy FROM rule_sla_pins"
                f" WHERE conversation_id IN ({marks})", chunk):
            out[int(conv)] = str(policy)
    return out


_EVENT_TRIGGERS = {"closed": ("conversation.status", "closed"),
                   "sla-at-risk": ("sla.at_risk", None), "sla-breached": ("sla.breached", None)}


_INGESTS = ("mail.received", "sms.received")
_SLACK_S = 86_400
"""How far before the window the ingests are read: an arrival in the window may list a
conversation whose first message is dated a little earlier."""


def past_triggers(conn: sqlite3.Connection, trigger: str, since_s: int) -> list[PastTrigger]:
    """Every time `trigger` happened to a live conversation at or after `since_s`, oldest
    first, each with the event seq that ends the state it happened in.

    arrival and patient-reply happen in an ingest: its `mail.received` / `sms.received`
    event lists the conversations it stored into, so the first such event listing a
    conversation is its arrival and each later one that came with a new patient message
    is a patient-reply. A conversation no ingest event lists (one of more than the 500 an
    event names, or stored before events named them) falls back to its message dates.
    Both are in the window by when the server received the message that made them (the
    conversation's first, the reply: `clock_sql`, never after the ingest), kept in
    `PastTrigger.arrived`: a month of mail a first sync stored today is not "today".
    The other triggers are events themselves: a person's close (a rule's close fires no
    rules), and the SLA monitor's escalations.
    """
    if trigger in ("arrival", "patient-reply"):
        return _ingest_triggers(conn, trigger, since_s)
    action, to = _EVENT_TRIGGERS[trigger]
    happened: list[tuple[int, int, int]] = []  # (conversation, seq, at ms)
    for seq, at, actor, target, details in conn.execute(
            "SELECT seq, at, actor, target, details FROM events WHERE action = ? AND at >= ?"
            " ORDER BY seq", (action, since_s * 1000)):
        if to is not None and (json.loads(details or "{}").get("to") != to
                               or str(actor).startswith("rule:")):
            continue
        conv = int(str(target).partition(":")[2] or 0)
        if conv:
            happened.append((conv, int(seq), int(at)))
    live = _live_ids(conn, [c for c, _, _ in happened])
    return _triggers(conn, [h for h in happened if h[0] in live])


def _triggers(conn: sqlite3.Connection, happened: Sequence[tuple[int, int, int]],
              arrived: dict[tuple[int, int], int] | None = None) -> list[PastTrigger]:
    """A PastTrigger of each (conversation, seq, at ms), with its intent by then and, from
    `arrived` (keyed by conversation and seq), when its message was received."""
    intents = _intents_by(conn, [(c, at // 1000) for c, _, at in happened])
    return [records.PastTrigger(c, at // 1000, seq, intents.get((c, at // 1000)),
                                (arrived or {}).get((c, seq)))
            for c, seq, at in happened]


def _rows_in(conn: sqlite3.Connection, sql: str, ids: Sequence[int]) -> Iterator[Any]:
    """The rows of `sql`, whose "IN (?ids)" is given `ids` (each once), a read per 500
    ids rather than one per id."""
    unique = sorted(set(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        yield from conn.execute(sql.replace("?ids", ",".join("?" * len(chunk))), chunk)


def _live_ids(conn: sqlite3.Connection, conv_ids: Sequence[int]) -> set[int]:
    """Those of `conv_ids` not merged away."""
    return {int(r[0]) for r in _rows_in(
        conn, "SELECT id FROM conversations WHERE id IN (?ids) AND merged_into IS NULL",
        conv_ids)}


def _with_inbound(conn: sqlite3.Connection, conv_ids: Sequence[int]) -> set[int]:
    """Those of `conv_ids` the patient wrote in (more than SMS keywords)."""
    return {int(r[0]) for r in _rows_in(
        conn, "SELECT DISTINCT m.conversation_id FROM messages m WHERE m.conversation_id"
        f" IN (?ids) AND m.direction = 'in' AND {_not_keyword('m')}", conv_ids)}


def _created_at(conn: sqlite3.Connection, conv_ids: Sequence[int]) -> dict[int, int]:
    return {int(c): int(at) for c, at in _rows_in(
        conn, "SELECT id, created_at FROM conversations WHERE id IN (?ids)", conv_ids)}


def _ingest_triggers(conn: sqlite3.Connection, trigger: str,
                     since_s: int) -> list[PastTrigger]:
    listed: dict[int, list[tuple[int, int]]] = {}  # conversation -> [(seq, at ms)]
    stored_by: list[tuple[int, int, int, int]] = []  # (after, upto, seq, at ms) per ingest
    marks = ",".join("?" * len(_INGESTS))
    for seq, at, details in conn.execute(
            f"SELECT seq, at, details FROM events WHERE action IN ({marks}) AND at >= ?"
            " ORDER BY seq", (*_INGESTS, (since_s - _SLACK_S) * 1000)):
        d = json.loads(details or "{}")
        for conv in d.get("conversations", ()):
            listed.setdefault(int(conv), []).append((int(seq), int(at)))
        if isinstance(d.get("after"), int) and isinstance(d.get("upto"), int):
            stored_by.append((d["after"], d["upto"], int(seq), int(at)))
    found: list[PastTrigger] = []
    # What the window's ingests stored is what may have arrived in it (a message is
    # stored after the server received it); each trigger is then kept by when the server
    # received its message (`clock_sql`: not its Date:, so neither a mis-dated mail nor
    # a month of backlog a first sync stored today is in `--since 1d`); the Date:
    # serves only mail the server gave no time for.
    in_window = [r for r in stored_by if r[3] >= since_s * 1000]
    after_pk = min((r[0] for r in in_window), default=None)
    if trigger == "arrival":
        arrived: dict[int, tuple[int, int]] = {}
        if after_pk is not None:
            firsts = {int(c): int(pk) for c, pk in conn.execute(
                "SELECT m.conversation_id, min(m.id) FROM messages m"
                f" WHERE {_not_keyword('m')} GROUP BY m.conversation_id"
                " HAVING min(m.id) > ?", (after_pk,))}
            by_ingest = _stored_by_ingest(stored_by, list(firsts.values()))
            arrived = {c: by_ingest[pk] for c, pk in firsts.items() if pk in by_ingest}
        for conv, created in conn.execute(
                "SELECT id, created_at FROM conversations WHERE created_at >= ?"
                " AND merged_into IS NULL", (since_s - _SLACK_S,)):
            if int(conv) not in arrived:
                arrived[int(conv)] = (listed[conv][0] if conv in listed
                                      else _seq_by(conn, int(created) * 1000))
        # In the window by when the conversation's first message was received (its
        # created_at, never after the ingest that stored it), as its row shows it.
        came = {c: min(arrived[c][1] // 1000, made)
                for c, made in _created_at(conn, list(arrived)).items()}
        timely = [c for c, at in came.items() if at >= since_s]
        live = _live_ids(conn, timely)
        inbound = _with_inbound(conn, [c for c in timely if c in live])
        found = _triggers(conn, [(c, *arrived[c]) for c in timely if c in inbound],
                          {(c, arrived[c][0]): came[c] for c in timely})
        return sorted(found, key=lambda t: (t.seq, t.conversation_id))
    scan_from = since_s - _SLACK_S
    later = _later_inbound(conn, since_s, after_pk)
    firsts = _first_ids(conn, list(later))
    stored_at = _stored_by_ingest(stored_by, [pk for ds in later.values() for pk, _ in ds]
                                  + list(firsts.values()))
    created = _created_at(conn, [c for c in later if stored_at.get(firsts.get(c, -1)) is None])
    happened: list[tuple[int, int, int]] = []
    received: dict[tuple[int, int], int] = {}
    for conv, dates in later.items():
        ingests = listed.get(conv, [])
        arrival = stored_at.get(firsts.get(conv, -1))  # the ingest of its first message
        if arrival is not None:
            ingests = [i for i in ingests if i != arrival]
        elif ingests and created.get(conv, 0) >= scan_from:
            arrival, ingests = ingests[0], ingests[1:]  # the first listing was its arrival
        moments: dict[tuple[int, int], int] = {}  # (seq, at ms) -> newest received
        for message_pk, date in dates:
            # The ingest that stored it, when its event names the ids it stored (dates
            # are the sender's, to the second: two ingests in one second share one).
            stored = stored_at.get(message_pk)
            if stored is not None and stored == arrival:
                continue  # it came with the first message: that ingest was the arrival
            moment = stored \
                or next(((s, a) for s, a in ingests if a >= date * 1000), None) \
                or _seq_by(conn, date * 1000)
            moments[moment] = max(moments.get(moment, date), date)
        for (seq, at), newest in moments.items():
            # In the window by when the reply was received, never after its ingest.
            if min(newest, at // 1000) >= since_s:
                happened.append((conv, seq, at))
                received[(conv, seq)] = min(newest, at // 1000)
    return sorted(_triggers(conn, happened, received),
                  key=lambda t: (t.seq, t.conversation_id))


def _stored_by_ingest(stored_by: Sequence[tuple[int, int, int, int]],
                      message_pks: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Message id -> (seq, at ms) of the first ingest (in seq order) whose stored range
    (after, upto] holds it, for the given ids: one bisection per ingest rather than a walk
    of every ingest per message."""
    pks = sorted(set(message_pks))
    out: dict[int, tuple[int, int]] = {}
    for after, upto, seq, at in stored_by:
        lo = bisect.bisect_right(pks, after)
        hi = bisect.bisect_right(pks, upto)
        for pk in pks[lo:hi]:
            out.setdefault(pk, (seq, at))
    return out


def _later_inbound(conn: sqlite3.Connection, since_s: int,
                   after_pk: int | None) -> dict[int, list[tuple[int, int]]]:
    """Live conversation -> (id, arrival) of its patient messages received since `since_s`
    (their Date: when the server gave no arrival time: `_CLOCK`) or stored after message
    `after_pk` (by an ingest of the window) that were not its first message (SMS keywords
    are neither: `arrivals_after`). A year-old Date: received in the window is in it; a
    future Date: received before it is not."""
    out: dict[int, list[tuple[int, int]]] = {}
    clock = clock_sql("m")
    for conv, message_pk, date in conn.execute(
            f"SELECT m.conversation_id, m.id, {clock} FROM messages m JOIN conversations c"
            f" ON c.id = m.conversation_id WHERE m.direction = 'in' AND ({clock} >= ?"
            " OR m.id > ?)"
            f" AND c.merged_into IS NULL AND {_not_keyword('m')}"
            " AND EXISTS (SELECT 1 FROM messages o"
            f" WHERE o.conversation_id = m.conversation_id AND o.id < m.id"
            f" AND {_not_keyword('o')})"
            f" ORDER BY {clock}, m.id",
            (since_s, after_pk if after_pk is not None else 2**62)):
        out.setdefault(int(conv), []).append((int(message_pk), int(date)))
    return out


def _not_keyword(alias: str) -> str:
    """SQL: message `alias` is neither a patient's SMS keyword (STOP, HELP...), which is no
    arrival and no patient reply, nor the provider's automatic reply to one (direction
    'auto'), which starts nothing (`arrivals_after`)."""
    return (f"({alias}.direction <> 'auto'"
            f" AND NOT ({alias}.direction = 'in' AND EXISTS (SELECT 1 FROM sms_messages k"
            f" WHERE k.message_pk = {alias}.id AND k.keyword <> '')))")


def _first_ids(conn: sqlite3.Connection, conv_ids: Sequence[int]) -> dict[int, int]:
    """Conversation -> the id of its first message (SMS keywords and the provider's
    automatic replies aside)."""
    out: dict[int, int] = {}
    for start in range(0, len(conv_ids), 500):
        chunk = list(conv_ids[start:start + 500])
        for conv, pk in conn.execute(
                f"SELECT m.conversation_id, min(m.id) FROM messages m WHERE m.conversation_id IN"
                f" ({','.join('?' * len(chunk))}) AND {_not_keyword('m')}"
                " GROUP BY m.conversation_id", chunk):
            out[int(conv)] = int(pk)
    return out


def _seq_by(conn: sqlite3.Connection, at_ms: int) -> tuple[int, int]:
    """(the last event seq at or before `at_ms`, `at_ms`)."""
    row = conn.execute("SELECT max(seq) FROM events WHERE at <= ?", (at_ms,)).fetchone()
    return int(row[0] or 0), at_ms


def _intents_by(conn: sqlite3.Connection,
                pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """Each (conversation, at)'s intent at `at`: its assessed patient messages of then,
    taken in the order ingest assessed them, as ingest files them
    (`store.triage.set_intent`). "Of then" is received by `at` (`_CLOCK`): a reply
    received then with a Date: in the future counts. One read per 500 conversations."""
    assessed: dict[int, list[tuple[str, float, int | None]]] = {}
    for conv, intent, confidence, clock in _rows_in(
            conn, f"SELECT conversation_id, intent, intent_confidence, {_CLOCK} FROM messages"
            " WHERE conversation_id IN (?ids) AND direction = 'in' AND intent IS NOT NULL"
            " ORDER BY id", [c for c, _ in pairs]):
        assessed.setdefault(int(conv), []).append(
            (str(intent), float(confidence or 0.0), None if clock is None else int(clock)))
    out: dict[tuple[int, int], str] = {}
    for conv, at in pairs:
        held: tuple[str, float] | None = None
        for intent, confidence, clock in assessed.get(conv, ()):
            if clock is not None and clock <= at:
                held = conversation_intent(held, (intent, confidence))
        if held is not None:
            out[(conv, at)] = held[0]
    return out


def latest_inbound(conn: sqlite3.Connection, conv_id: int, upto: int | None,
                   at: int) -> tuple[int, bool] | None:
    """(id, stored as a first sync's backlog) of the conversation's latest patient message
    stored by a past moment (message id at most `upto`, or received by `at` when the ingest
    named no ids: `_CLOCK`)."""
    bound = "id <= ?" if upto is not None else f"{_CLOCK} <= ?"
    row = conn.execute(f"SELECT id, backlog_at FROM messages WHERE conversation_id = ?"
                       f" AND direction = 'in' AND gone_at IS NULL AND {bound}"
                       f" ORDER BY id DESC LIMIT 1",
                       (conv_id, upto if upto is not None else at)).fetchone()
    return (int(row[0]), row[1] is not None) if row else None


def latest_inbound_each(conn: sqlite3.Connection, moments: Sequence[tuple[int, int, int]],
                        ) -> dict[tuple[int, int], tuple[int, bool] | None]:
    """`latest_inbound` for each (conversation id, event seq, at) of `moments`, keyed by
    (conversation id, seq), with the bound each moment's own ingest names
    (`message_bounds`): two reads for a whole replay (the ingest events in its span, the
    patient messages of its conversations), where one read per moment made a round trip
    per moment on PostgreSQL."""
    if not moments:
        return {}
    marks = ",".join("?" * len(_INGESTS))
    low = min(seq for _, seq, _ in moments)
    ingests: list[tuple[int, dict[str, object]]] = []
    for seq, details in conn.execute(
            f"SELECT seq, details FROM events WHERE action IN ({marks}) AND seq <= ? AND"
            f" seq >= coalesce((SELECT max(seq) FROM events WHERE action IN ({marks})"
            "  AND seq <= ?), 0) ORDER BY seq",
            (*_INGESTS, max(seq for _, seq, _ in moments), *_INGESTS, low)):
        got = json.loads(details or "{}")
        ingests.append((int(seq), got if isinstance(got, dict) else {}))
    seqs = [seq for seq, _ in ingests]
    inbound: dict[int, list[tuple[int, bool, int | None]]] = {}
    for conv, pk, backlog, clock in _rows_in(
            conn, f"SELECT conversation_id, id, backlog_at, {_CLOCK} FROM messages"
            " WHERE conversation_id IN (?ids) AND direction = 'in' AND gone_at IS NULL"
            " ORDER BY id", [conv for conv, _, _ in moments]):
        inbound.setdefault(int(conv), []).append(
            (int(pk), backlog is not None, None if clock is None else int(clock)))
    out: dict[tuple[int, int], tuple[int, bool] | None] = {}
    for conv, seq, at in moments:
        at_or_before = bisect.bisect_right(seqs, seq) - 1
        upto = ingests[at_or_before][1].get("upto") if at_or_before >= 0 else None
        known = isinstance(upto, int) and isinstance(
            ingests[at_or_before][1].get("after"), int)
        latest: tuple[int, bool] | None = None
        for pk, backlog, clock in inbound.get(conv, ()):
            if (pk <= upto) if known else (clock is not None and clock <= at):  # type: ignore[operator]
                latest = (pk, backlog)
        out[(conv, seq)] = latest
    return out


def message_record(conn: sqlite3.Connection, message_pk: int) -> MessageRecord | None:
    """One message, as `messages_of` lists it (None: gone)."""
    row = conn.execute(
        "SELECT id, channel, direction, message_id, subject, from_name, from_addr, to_addrs,"
        " cc_addrs, date, body_text, attachments, problems, seen, received_at,"
        " unscreened_at FROM messages"
        " WHERE id = ? AND gone_at IS NULL", (message_pk,)).fetchone()
    return records.MessageRecord(*row) if row else None


def rewind(conn: sqlite3.Connection, conv_id: int, state: PastState) -> None:
    """Put a conversation's staff and triage state back as it was (only ever inside a
    rehearsal, a transaction that is rolled back: see `Database.rehearsal`). A pause that
    began later is not running then (the business seconds it added stay counted)."""
    conn.execute("UPDATE conversations SET status = ?, snoozed_until = ?, assignee = ?,"
                 " priority = ?, red_flag = ?, intent = ?,"
                 " sla_paused_since = CASE WHEN ? IN ('pending', 'snoozed')"
                 " THEN sla_paused_since END, sla_pause_end = NULL WHERE id = ?",
                 (state.status, state.snoozed_until, state.assignee, state.priority,
                  state.red_flag, state.intent, state.status, conv_id))
    conn.execute("DELETE FROM conversation_tags WHERE conversation_id = ?", (conv_id,))
    conn.executemany("INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)",
                     [(conv_id, t) for t in sorted(state.tags)])


def forget_acks_after(conn: sqlite3.Connection, seq: int, log: ReplayLog | None = None) -> None:
    """Drop from the ledger the acknowledgements the rules queued after event `seq` (only
    inside a rehearsal, so a replayed trigger sees the ledger as it was then)."""
    items = [e.details.get("outbox") for e in _log_from(conn, seq, log).after(seq)
             if e.action == "rule.acknowledged"]
    conn.executemany("DELETE FROM rule_acks WHERE outbox_id = ?",
                     [(i,) for i in items if isinstance(i, int)])


_OPT_EVENTS = ("sms.opt_out", "sms.opt_in")


def rewind_opt_outs(conn: sqlite3.Connection, seq: int, log: ReplayLog | None = None) -> None:
    """Put back, for each number that texted STOP or START after event `seq`, its state at
    `seq` (only inside a rehearsal), so a replayed acknowledgement sees the opt-outs of its
    moment: the state its last such event at or before `seq` recorded; without one (none
    was texted, or retention has released the event since), the state its first later
    event changed: an `sms.opt_in` is recorded only when a START ends an opt-out, so the
    number was opted out then; after an `sms.opt_out` it had not been."""
    log = _log_from(conn, seq, log)
    first_later: dict[str, str] = {}
    for event in log.after(seq):
        if event.action in _OPT_EVENTS and event.details.get("number"):
            first_later.setdefault(str(event.details["number"]), event.action)
    if not first_later:
        return
    before: dict[str, str] = {}
    for event in reversed(log.back_from(seq)):  # oldest first: the last one counts
        texted = event.details.get("number")
        if event.action in _OPT_EVENTS and texted in first_later:
            before[str(texted)] = "out" if event.action == "sms.opt_out" else "in"
    if "opt" not in log.before_base:
        log.before_base["opt"] = _opt_states_by(conn, log.base)
    for number in first_later:
        if number not in before and number in log.before_base["opt"]:
            before[number] = log.before_base["opt"][number]
    for number in sorted(first_later):
        if number not in before and first_later[number] == "sms.opt_in":
            before[number] = "out"
        if number in before:
            conn.execute("UPDATE sms_opt_outs SET state = ? WHERE number = ?",
                         (before[number], number))
        else:
            conn.execute("DELETE FROM sms_opt_outs WHERE number = ?", (number,))


def _opt_states_by(conn: sqlite3.Connection, seq: int) -> dict[str, str]:
    """Each number's STOP/START state by its last such event at or before `seq`."""
    marks = ",".join("?" * len(_OPT_EVENTS))
    out: dict[str, str] = {}
    for action, details in conn.execute(
            f"SELECT action, details FROM events WHERE action IN ({marks}) AND seq <= ?"
            " ORDER BY seq", (*_OPT_EVENTS, seq)):
        number = json.loads(details or "{}").get("number")
        if number:
            out[str(number)] = "out" if action == "sms.opt_out" else "in"
    return out


_SCRATCH = "\x01rehearsal"  # a control character no normalised subject keeps (PostgreSQL text takes no NUL)
"""The norm_subject of the scratch conversations a rehearsal moves messages into."""


def message_bounds(conn: sqlite3.Connection, seq: int,
                   log: ReplayLog | None = None) -> tuple[int, int] | None:
    """(newest message id before, newest message id after) the last ingest at or before
    event `seq`, from its event's details; None when that event predates them."""
    details: dict[str, object] | None = None
    if log is not None:
        details = next((e.details for e in log.back_from(seq) if e.action in _INGESTS), None)
        if details is None:
            if "ingest" not in log.before_base:
                log.before_base["ingest"] = _last_ingest(conn, log.base)
            details = log.before_base["ingest"]
    else:
        details = _last_ingest(conn, seq)
    upto, after = (details or {}).get("upto"), (details or {}).get("after")
    if not isinstance(upto, int) or not isinstance(after, int):
        return None
    return after, upto


def _last_ingest(conn: sqlite3.Connection, seq: int) -> dict[str, object]:
    """The details of the last ingest event at or before event `seq` ({} without one)."""
    marks = ",".join("?" * len(_INGESTS))
    row = conn.execute(f"SELECT details FROM events WHERE action IN ({marks}) AND seq <= ?"
                       " ORDER BY seq DESC LIMIT 1", (*_INGESTS, seq)).fetchone()
    details = json.loads(row[0] or "{}") if row is not None else {}
    return details if isinstance(details, dict) else {}


def _later_messages(conn: sqlite3.Connection, conv_ids: Sequence[int], upto: int | None,
                    at: int) -> sqlite3.Cursor:
    marks = ",".join("?" * len(conv_ids))
    if upto is None:
        return conn.execute(f"SELECT conversation_id, id FROM messages"
                            f" WHERE conversation_id IN ({marks}) AND {_CLOCK} > ?"
                            " ORDER BY id", (*conv_ids, at))
    return conn.execute(f"SELECT conversation_id, id FROM messages"
                        f" WHERE conversation_id IN ({marks}) AND id > ?"
                        " AND (direction = 'in' OR date > ?) ORDER BY id",
                        (*conv_ids, upto, at))


def hide_later_messages(conn: sqlite3.Connection, conv_id: int, upto: int | None,
                        at: int, ids: Sequence[int] | None = None) -> int:
    """Take out of a conversation the messages stored after message id `upto` (our own
    outbound ones sent by `at` stay: they are stored between ingests), or, when `upto` is
    unknown, those received after `at` (`_CLOCK`: a patient's by its arrival, else its
    Date:); its counts, times and senders are recomputed from
    what is left. Only ever inside a rehearsal: the messages go to a scratch conversation
    that the rollback takes away with everything else. Returns how many were taken.
    `ids`: those messages, read already (`moment_reads`)."""
    if ids is not None:
        ids = list(ids)
    elif upto is None:
        ids = [r[0] for r in conn.execute(
            f"SELECT id FROM messages WHERE conversation_id = ? AND {_CLOCK} > ?",
            (conv_id, at))]
    else:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM messages WHERE conversation_id = ? AND id > ?"
            " AND (direction = 'in' OR date > ?)", (conv_id, upto, at))]
    if not ids:
        return 0
    # The scratch conversation is named by what it is (the newest of this conversation's),
    # not by an id read back: nothing here waits for an answer before the recompute's read,
    # which the participants' read travels with (one round trip on PostgreSQL, not five).
    conn.execute("INSERT INTO conversations (status, norm_subject, created_at,"
                 " last_message_at, merged_into, sla_dirty) VALUES ('closed', ?, 0, 0, ?, 0)",
                 (_SCRATCH, conv_id))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute("UPDATE messages SET conversation_id = (SELECT max(id) FROM conversations"
                     " WHERE merged_into = ? AND norm_subject = ?)"
                     f" WHERE id IN ({','.join('?' * len(chunk))})", (conv_id, _SCRATCH, *chunk))
    participants = conn.execute("SELECT participants FROM conversations WHERE id = ?",
                                (conv_id,))

    def candidates() -> list[str]:
        row = participants.fetchone()
        return str(row[0] or "").split() if row else []

    recompute(conn, conv_id, candidates)
    return len(ids)


def restore_messages(conn: sqlite3.Connection, conv_id: int, upto: int) -> None:
    """Give back to the conversation the messages up to id `upto` that
    `hide_later_messages` took (only ever inside a rehearsal)."""
    conn.execute("UPDATE messages SET conversation_id = ? WHERE id <= ? AND conversation_id IN"
                 " (SELECT id FROM conversations WHERE merged_into = ? AND norm_subject = ?)",
                 (conv_id, upto, conv_id, _SCRATCH))
    row = conn.execute("SELECT participants FROM conversations WHERE id = ?",
                       (conv_id,)).fetchone()
    recompute(conn, conv_id, str(row[0] or "").split() if row else [])


def team_cursor_at(conn: sqlite3.Connection, team: str, seq: int,
                   log: ReplayLog | None = None) -> str | None:
    """Whom `team`'s round-robin had last picked at event `seq` (the newest assignment
    through the team up to it that picked someone), or None."""
    if log is not None:
        for event in log.back_from(seq):
            if event.action == "conversation.assign" and _picked(event.details, team):
                return str(event.details["to"])
        key = f"cursor:{team}"
        if key not in log.before_base:
            log.before_base[key] = team_cursor_at(conn, team, log.base)
        return log.before_base[key]  # type: ignore[no-any-return]
    for (details,) in conn.execute(
            "SELECT details FROM events WHERE action = 'conversation.assign' AND seq <= ?"
            " ORDER BY seq DESC", (seq,)):
        d = json.loads(details or "{}")
        if _picked(d, team):
            return str(d["to"])
    return None


def _picked(details: dict[str, object], team: str) -> bool:
    return details.get("team") == team and isinstance(details.get("to"), str)


def rewind_teams(conn: sqlite3.Connection, teams: Sequence[str], seq: int,
                 log: ReplayLog | None = None) -> None:
    """Put the teams' round-robin turns and who was away back as they were at event `seq`
    (only ever inside a rehearsal)."""
    for team in teams:
        member = team_cursor_at(conn, team, seq, log)
        if member is None:
            conn.execute("DELETE FROM team_cursors WHERE team = ?", (team,))
        else:
            conn.execute("INSERT INTO team_cursors (team, last_member, at) VALUES (?, ?, 0)"
                         " ON CONFLICT (team) DO UPDATE SET last_member = excluded.last_member",
                         (team, member))
    changes = [e.details for e in _log_from(conn, seq, log).after(seq)
               if e.action == "staff.away"]
    first: dict[str, bool] = {}  # user -> away as their first change after `seq` made them
    for d in changes:
        if isinstance(d.get("user"), str) and isinstance(d.get("away"), bool):
            first.setdefault(d["user"], d["away"])
    for user, became_away in first.items():
        if became_away:  # they were back before it
            conn.execute("DELETE FROM staff_away WHERE os_user = ?", (user,))
        else:
            conn.execute("INSERT INTO staff_away (os_user, since, set_by) VALUES (?, 0, '')"
                         " ON CONFLICT (os_user) DO NOTHING", (user,))


_HOLDS = ("conversation.assign", "conversation.status")


def rewind_holders(conn: sqlite3.Connection, seq: int, log: ReplayLog | None = None,
                   keep: Container[int] = ()) -> None:
    """Every conversation's assignee and status as at event `seq`, from the first change of
    each recorded after it (what a least-open team counts; only ever inside a rehearsal).
    A conversation that came later had no holder then: its first assignment was from none.
    Those of `keep` are left as they are."""
    changes = [(e.target, e.action, e.details) for e in _log_from(conn, seq, log).after(seq)
               if e.action in _HOLDS]
    first: dict[tuple[int, str], object] = {}
    for target, action, d in changes:
        conv = target.partition(":")[2]
        if not conv.isdigit() or int(conv) in keep:
            continue
        if not isinstance(d, dict) or "from" not in d:
            continue
        first.setdefault((int(conv), action), d["from"])
    # Two statements in all, not one per conversation: a replay rehearses every moment of a
    # month, and on PostgreSQL each statement is a round trip (executemany by key is one
    # set-based UPDATE there, store/pg/conn.py).
    holders = [(was if isinstance(was, str) else None, conv_id)
               for (conv_id, action), was in first.items() if action == "conversation.assign"]
    statuses = [(was, conv_id) for (conv_id, action), was in first.items()
                if action == "conversation.status" and isinstance(was, str)]
    if holders:
        conn.executemany("UPDATE conversations SET assignee = ? WHERE id = ?", holders)
    if statuses:
        conn.executemany("UPDATE conversations SET status = ? WHERE id = ?", statuses)


REPLAYED: tuple[str, ...] = (
    "conversation.tag", "conversation.status", "conversation.assign", "conversation.priority",
    "redflag.raised", "redflag.cleared", "rule.acknowledged", *_OPT_EVENTS, "staff.away",
    *_INGESTS)
"""The actions a replay's rewinds read (`ReplayLog`): service/rules_preview.py REWOUND
and those of the functions above."""


def _log_from(conn: sqlite3.Connection, seq: int, log: ReplayLog | None) -> ReplayLog:
    """`log`, or, for a rewind asked without one, the replayed events after `seq` read
    now: every rewind reads the trail one way."""
    if log is None:
        from cxinbox.store.replaylog import ReplayLog

        log = ReplayLog(seq)
        log.add([_event(r) for r in _catching_up(conn, log).fetchall()])
    return log


def _catching_up(conn: sqlite3.Connection, log: ReplayLog) -> sqlite3.Cursor:
    marks = ",".join("?" * len(REPLAYED))
    return conn.execute(f"SELECT seq, actor, action, target, details FROM events"
                        f" WHERE seq > ? AND action IN ({marks}) ORDER BY seq",
                        (log.head, *REPLAYED))


def moment_reads(conn: sqlite3.Connection, log: ReplayLog, conv_ids: Sequence[int],
                 upto: int | None, at: int) -> tuple[dict[int, ConversationRecord],
                                                     dict[int, list[str]],
                                                     dict[int, list[int]]]:
    """What a rehearsal reads before it rewinds: what `log` lacks (the events of its
    actions recorded after its head: all of them after its base the first time, then what
    was recorded between two rehearsals), and the moment's conversations (merged away or
    not), their tags and the messages `hide_later_messages` will take out of each (those
    with none left out), every statement sent before any answer is read: on PostgreSQL,
    in a rehearsal's pipeline, that is one round trip instead of four."""
    from cxinbox.store.conversations import LIST_COLUMNS

    events = _catching_up(conn, log)
    ids = sorted(set(conv_ids))
    marks = ",".join("?" * len(ids))
    convs = tags = later = None
    if ids:
        convs = conn.execute(f"SELECT {LIST_COLUMNS}, c.merged_into FROM conversations c"
                             f" WHERE c.id IN ({marks}) ORDER BY c.id", ids)
        tags = conn.execute(f"SELECT conversation_id, tag FROM conversation_tags"
                            f" WHERE conversation_id IN ({marks}) ORDER BY tag", ids)
        later = _later_messages(conn, ids, upto, at)
    log.add([_event(r) for r in events.fetchall()])
    found = {} if convs is None else {
        int(r[0]): records.ConversationRecord(*r) for r in convs.fetchall()}
    tagged: dict[int, list[str]] = {i: [] for i in ids}
    for conv, tag in (tags.fetchall() if tags is not None else ()):
        tagged[int(conv)].append(str(tag))
    hidden: dict[int, list[int]] = {}
    for conv, message_pk in (later.fetchall() if later is not None else ()):
        hidden.setdefault(int(conv), []).append(int(message_pk))
    return found, tagged, hidden


def _event(row: Any) -> StoredEvent:
    details = json.loads(row[4] or "{}")
    return records.StoredEvent(int(row[0]), str(row[1]), str(row[2]), str(row[3]),
                               details if isinstance(details, dict) else {})
