"""Checks for an undo: is it the caller's own step, and does the step still hold?

The TUI keeps a history of a person's triage steps and takes them back newest first. Each
taking-back is an ordinary triage call with `undo_of` naming the event of the step, so the
audit trail says which change was undone and by whom. Before it is applied, inside the
same write transaction:

- the event must be the caller's own change of that conversation, of the kind being undone
  (nobody undoes a colleague's step, and a made-up seq is refused);
- it must not have been undone already;
- nobody else may have made a change of the same kind since (a colleague re-assigned it,
  the patient's reply reopened it, a snooze woke up), and the conversation must still show
  what the step set. Undoing then would overwrite someone else's decision blindly, so the
  undo is refused with one line saying who moved it on.

Other kinds of change by others do not block: undoing my tag does not care that a colleague
set the priority meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxinbox.contract.errors import BadRequest
from cxinbox.domain.sanitize import clean_line
from cxinbox.store.interface import StoreTx
from cxinbox.store.records import ConversationRecord, StoredEvent

_WHAT = {"conversation.assign": "the assignee", "conversation.status": "the status",
         "conversation.priority": "the priority", "conversation.tag": "the tags",
         "conversation.merge": "the merge"}


def check(tx: StoreTx, actor: str, undo_of: int, conv_id: int, action: str,
          current: ConversationRecord, tags: Sequence[str] = ()) -> None:
    """Raise BadRequest (one line) unless `undo_of` may be undone now by `actor`.

    `current` is the conversation's row as it is now; `tags` its tags (for a tag step).
    """
    target = f"conversation:{conv_id}"
    what = _WHAT.get(action, "it")
    event = tx.event_at(undo_of)
    if event is None or event.actor != actor or event.target != target \
            or event.action != action:
        raise BadRequest(f"undo_of: event {undo_of} is not your change of {what}"
                         f" on #{conv_id}")
    later = tx.later_on_target(target, undo_of, (action,))
    if any(e.details.get("undo_of") == undo_of for e in later):
        raise BadRequest(f"#{conv_id}: that change was already undone")
    others = [e for e in later if e.actor != actor and _overlaps(event, e)]
    if others:
        who = clean_line(others[-1].actor, max_len=60)
        raise BadRequest(f"#{conv_id}: cannot undo, {who} changed {what} since")
    if not _still_holds(event, current, tags):
        raise BadRequest(f"#{conv_id}: cannot undo, {what} changed since")


def _overlaps(mine: StoredEvent, other: StoredEvent) -> bool:
    """Whether a later event touches what mine changed (for tags: the same tag)."""
    if mine.action != "conversation.tag":
        return True
    touched = {*_strings(mine.details.get("add")), *_strings(mine.details.get("remove"))}
    theirs = {*_strings(other.details.get("add")), *_strings(other.details.get("remove"))}
    return bool(touched & theirs)


def _still_holds(event: StoredEvent, current: ConversationRecord, tags: Sequence[str]) -> bool:
    """Whether the conversation still shows what the step set (whoever changed it since:
    sync and automation change things too, and they are not on the roster)."""
    details = event.details
    if event.action == "conversation.assign":
        return bool(current.assignee == details.get("to"))
    if event.action == "conversation.priority":
        return bool(current.priority == details.get("to"))
    if event.action == "conversation.status":
        if current.status != details.get("to"):
            return False
        return details.get("to") != "snoozed" or current.snoozed_until == details.get("until")
    if event.action == "conversation.tag":
        present = set(tags)
        return (all(t in present for t in _strings(details.get("add")))
                and not any(t in present for t in _strings(details.get("remove"))))
    return True


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def check_merge(tx: StoreTx, actor: str, undo_of: int, into_id: int, other_id: int) -> None:
    """An unmerge that says it undoes a merge: that merge must be the caller's, of these
    two conversations. (Whether it can still be taken back, the unmerge itself checks.)"""
    event = tx.event_at(undo_of)
    if event is None or event.actor != actor or event.action != "conversation.merge" \
            or event.target != f"conversation:{into_id}" \
            or event.details.get("other") != other_id:
        raise BadRequest(f"undo_of: event {undo_of} is not your merge of #{other_id}"
                         f" into #{into_id}")


def note_event(tx: StoreTx, conv_id: int, note_id: int) -> int | None:
    """The event that added a note: a retraction is always the undo of it."""
    return tx.note_event_seq(f"conversation:{conv_id}", note_id)
