"""Marking several conversations and acting once on all of them; holding rows acted on.

A mixin for `CxInboxApp` (as teamwork.py is), using the app's `api`, `me`, `_view`,
`conversation_list`, `_reading()` and `_say`.

- `space`/`x` mark a row, `*` marks every match of the view's query, `X` clears (the
  list widget keeps the marks and draws them; another view or search starts unmarked). With marks and the list in front, the
  triage keys `a` `A` `s` `p` `t` act once on every marked conversation through the bulk
  calls the CLI uses, with its rule: a dry run first, and above 25 matches a preview to
  confirm. One `u` undoes the whole action. Marks are cleared once the action is done,
  so a later key cannot silently act on a forgotten selection.
- Every triage action holds the rows it touches (see the list widget): the row stays
  under the cursor, dimmed, showing its new state, until the cursor moves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import work
from textual.message import Message

from cxinbox.contract.types import ConversationSummary
from cxinbox.domain.teams import TEAM_PREFIX
from cxinbox.tui import triage
from cxinbox.tui.marks import MAX_MARK_QUERY
from cxinbox.tui.messages import TriageDone, error_line
from cxinbox.tui.pickers import NOBODY, roster_items
from cxinbox.tui.screens.bulk_confirm import BulkConfirmScreen, preview_lines
from cxinbox.tui.screens.choice import Choice, ChoiceScreen
from cxinbox.tui.screens.picker import PickerScreen, PickItem
from cxinbox.tui.screens.prompt import PromptScreen
from cxinbox.tui.screens.snooze import SnoozeScreen
from cxinbox.tui.snoozetext import resolve_snooze
from cxinbox.tui.widgets.conversation_list import ConversationList

CONFIRM_ABOVE = 25  # as the bulk CLI: more matches than this need a preview and a "y"

BulkRun = Callable[[bool], Awaitable[Any]]
"""A bulk call on the marked conversations; the flag is `dry_run`."""


class HeldLoaded(Message):
    def __init__(self, generation: int, items: tuple[ConversationSummary, ...]) -> None:
        super().__init__()
        self.generation = generation
        self.items = items


class BulkPreviewed(Message):
    def __init__(self, kind: str, what: str, run: BulkRun, result: Any) -> None:
        super().__init__()
        self.kind = kind
        self.what = what
        self.run = run
        self.result = result


class BulkFinished(Message):
    def __init__(self, kind: str, what: str, run: BulkRun, result: Any | None,
                 error: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.what = what
        self.run = run
        self.result = result
        self.error = error


def _ids_query(ids: list[int]) -> str:
    return "id:" + ",".join(str(i) for i in sorted(ids))


def inverse_of(kind: str, result: Any) -> triage.ApiCall | None:
    """Put every changed conversation back as it was: one bulk call per earlier value."""
    groups: dict[Any, list[int]] = {}
    for change in result.changed:
        before = change.before
        if kind == "tag":
            before = (tuple(sorted(set(change.before) - set(change.after))),
                      tuple(sorted(set(change.after) - set(change.before))))
        elif kind == "status" and before == "snoozed":
            before = "pending"  # the wake-up time is not in the result: as a single undo
        groups.setdefault(before, []).append(change.id)
    if not groups:
        return None

    async def back(api: Any) -> None:
        for before, ids in groups.items():
            query = _ids_query(ids)
            if kind == "assign":
                await api.bulk_assign(query, before)
            elif kind == "priority":
                await api.bulk_priority(query, before)
            elif kind == "status":
                await api.bulk_status(query, before)
            elif kind == "tag":
                await api.bulk_tag(query, list(before[0]), list(before[1]))

    return back


def _kept_words(result: Any) -> str:
    """What an open red flag kept out of a bulk change, for its toast ("" when nothing)."""
    kept = len(getattr(result, "skipped", ()))
    if not kept:
        return ""
    return (f"; {kept} kept as they were: open red flag, a clinician clears it first"
            if kept > 1 else "; 1 kept as it was: open red flag, a clinician clears it first")


class MarkingMixin:
    """Methods mixed into CxInboxApp (see module docstring)."""

    # -- holding rows acted on --------------------------------------------------------------

    def _hold_rows(self: Any, conv_ids: set[int]) -> None:
        """Hold the rows acted on while the list is what the person looks at; from an
        open thread the list is not where their next key lands, so it settles at once."""
        if not self._reading():
            self.conversation_list.hold(conv_ids)

    def on_conversation_list_held_wanted(self: Any,
                                         message: ConversationList.HeldWanted) -> None:
        message.stop()
        self._fetch_held(message.generation, sorted(message.ids))

    @work(exclusive=True, exit_on_error=False, group="held-rows")
    async def _fetch_held(self: Any, generation: int, ids: list[int]) -> None:
        try:
            page = await self.api.list_conversations(_ids_query(ids), 0, min(len(ids), 500))
        except Exception:  # noqa: BLE001 - the row keeps its last state; the list settles later
            return
        self.post_message(HeldLoaded(generation, page.items))

    def on_held_loaded(self: Any, message: HeldLoaded) -> None:
        self.conversation_list.update_held(message.generation, message.items)

    # -- marks ------------------------------------------------------------------------------

    def on_conversation_list_mark_all_wanted(
            self: Any, message: ConversationList.MarkAllWanted) -> None:
        message.stop()
        lst = self.conversation_list
        if lst.total < self._list_cap:
            lst.mark_all(self._view.query)
            self._said_marked_all()
            return
        # The list's count stopped at its cap ("10,000+"): the true number first, so the
        # line and every bulk action after it state it.
        self._count_then_mark_all(lst.generation, self._view.query)

    @work(exclusive=True, exit_on_error=False, group="mark-all")
    async def _count_then_mark_all(self: Any, generation: int, query: str) -> None:
        try:
            page = await self.api.list_conversations(query, 0, 1)
        except Exception as exc:  # noqa: BLE001 - said on the status line; nothing marked
            self._say(f"Could not count the matches to mark: {error_line(exc)}", "warning")
            return
        lst = self.conversation_list
        if lst.generation != generation:
            return  # another view or search is in front now
        lst.mark_all(query, page.total)
        self._said_marked_all()

    def _said_marked_all(self: Any) -> None:
        self._say(f"All {self.conversation_list.marks.count:,} matching conversations marked"
                  " (the whole view, not just this page); X clears")

    def _marked_triage(self: Any, kind: str) -> bool:
        """Run triage key `kind` on the marked conversations; False when there are none
        (or a thread is in front: then the key acts on the open conversation)."""
        marks = self.conversation_list.marks
        if not marks or self._reading():
            return False
        query = marks.query()
        if len(query) > MAX_MARK_QUERY:
            self._say("Too many single marks for one action; use * to mark every match of"
                      " a view instead.", "warning")
            return True
        count = marks.describe()
        api = self.api
        if kind == "assign-me":
            self._bulk("assigned to you",
                       lambda dry: api.bulk_assign(query, self.me, dry_run=dry), "assign")
        elif kind == "assign":
            self._ask_bulk_assignee(query, count)
        elif kind == "unassign":
            self._bulk("unassigned",
                       lambda dry: api.bulk_assign(query, None, dry_run=dry), "assign")
        elif kind == "status":
            self._ask_bulk_status(query, count)
        elif kind == "priority":
            self._ask_bulk_priority(query, count)
        elif kind == "tag":
            self._ask_bulk_tags(query, count)
        else:
            return False
        return True

    def _ask_bulk_assignee(self: Any, query: str, count: str) -> None:
        """The roster picker (pickers.py) once for every marked conversation."""
        api = self.api

        def items() -> list[PickItem]:
            return roster_items(self._roster, self.me, None, self._teams)

        picker = PickerScreen(f"Assign {count} to", items(),
                              hint="type to filter, Enter to assign, Esc to cancel",
                              empty="No one on the roster matches.", blink=not self.calm)

        def chosen(value: str | None) -> None:
            if value is None:
                return
            if value.startswith(TEAM_PREFIX):
                team = value.removeprefix(TEAM_PREFIX)
                self._bulk(f"given to team {team}",
                           lambda dry: api.bulk_assign_team(query, team, dry_run=dry),
                           "assign")
                return
            user = None if value == NOBODY else value
            what = ("unassigned" if user is None else "assigned to you" if user == self.me
                    else f"assigned to {self._staff_name(user)}")
            self._bulk(what, lambda dry: api.bulk_assign(query, user, dry_run=dry), "assign")

        self.push_screen(picker, chosen)
        self._fetch_roster(lambda: picker.set_items(items()))

    def _ask_bulk_status(self: Any, query: str, count: str) -> None:
        choices = [Choice("o", "open", "open"),
                   Choice("p", "pending", "pending (waiting on the patient)"),
                   Choice("c", "closed", "closed"), Choice("z", "snoozed", "snooze for...")]

        def chosen(value: str | None) -> None:
            if value == "snoozed":
                self._ask_bulk_snooze(query, count)
            elif value is not None:
                self._bulk(f"now {value}",
                           lambda dry: self.api.bulk_status(query, value, dry_run=dry),
                           "status")

        self.push_screen(ChoiceScreen(f"Status of {count}", choices), chosen)

    def _ask_bulk_snooze(self: Any, query: str, count: str) -> None:
        """The same words as the single snooze (`tomorrow 9am`, `mon 8:00`, `2h`)."""
        def answered(text: str | None) -> None:
            if text is None:
                return
            answer = resolve_snooze(text, now=self.clock(), tz=self.tz)
            if answer.until is None:
                self._say(f"Not snoozed: {answer.text}", "warning")
                return
            until = int(answer.until.timestamp())
            self._bulk(f"snoozed {answer.text}",
                       lambda dry: self.api.bulk_status(query, "snoozed", until, dry_run=dry),
                       "status")

        self.push_screen(SnoozeScreen(f"Snooze {count} until when?", now=self.clock,
                                      tz=self.tz, blink=not self.calm), answered)

    def _ask_bulk_priority(self: Any, query: str, count: str) -> None:
        choices = [Choice(p[0], p, p) for p in triage.PRIORITIES]

        def chosen(value: str | None) -> None:
            if value is not None:
                self._bulk(f"priority {value}",
                           lambda dry: self.api.bulk_priority(query, value, dry_run=dry),
                           "priority")

        self.push_screen(ChoiceScreen(f"Priority of {count}", choices), chosen)

    def _ask_bulk_tags(self: Any, query: str, count: str) -> None:
        def check(text: str) -> str | None:
            add, remove = triage.parse_tag_input(text)
            return None if add or remove else "Type a tag, or -tag to remove one."

        def answered(text: str | None) -> None:
            add, remove = triage.parse_tag_input(text or "")
            if add or remove:
                words = " ".join([f"+{t}" for t in add] + [f"-{t}" for t in remove])
                self._bulk(f"tags {words}",
                           lambda dry: self.api.bulk_tag(query, add, remove, dry_run=dry),
                           "tag")

        self.push_screen(PromptScreen(f"Tags for {count}",
                                      hint="words add, -word removes", check=check,
                                      blink=not self.calm), answered)

    # -- running a bulk action --------------------------------------------------------------

    def _bulk(self: Any, what: str, run: BulkRun, kind: str) -> None:
        self._bulk_preview(kind, what, run)

    @work(exclusive=True, exit_on_error=False, group="bulk")
    async def _bulk_preview(self: Any, kind: str, what: str, run: BulkRun) -> None:
        try:
            preview = await run(True)
        except Exception as exc:  # noqa: BLE001 - refused (limit, role, bad tag): one line
            self.post_message(BulkFinished(kind, what, run, None, error_line(exc)))
            return
        if preview.matched > CONFIRM_ABOVE:
            self.post_message(BulkPreviewed(kind, what, run, preview))
        else:
            await self._bulk_apply_now(kind, what, run)

    def on_bulk_previewed(self: Any, message: BulkPreviewed) -> None:
        result = message.result
        summary = (f"{result.matched} conversations match; {len(result.changed)} would"
                   f" change, {len(result.unchanged)} already so{_kept_words(result)}.")

        def answered(go: bool | None) -> None:
            if go:
                self._bulk_apply(message.kind, message.what, message.run)
            else:
                self._say("Cancelled; nothing changed.")

        self.push_screen(BulkConfirmScreen(f"{result.matched} conversations {message.what}?",
                                           summary,
                                           preview_lines(result.changed, 0)), answered)

    @work(exclusive=True, exit_on_error=False, group="bulk")
    async def _bulk_apply(self: Any, kind: str, what: str, run: BulkRun) -> None:
        await self._bulk_apply_now(kind, what, run)

    async def _bulk_apply_now(self: Any, kind: str, what: str, run: BulkRun) -> None:
        try:
            result = await run(False)
        except Exception as exc:  # noqa: BLE001 - nothing changed (one transaction): say why
            self.post_message(BulkFinished(kind, what, run, None, error_line(exc)))
        else:
            self.post_message(BulkFinished(kind, what, run, result))

    def on_bulk_finished(self: Any, message: BulkFinished) -> None:
        if message.result is None:
            self._say(f"Not done: {message.error}", "error")
            return
        result = message.result
        lst = self.conversation_list
        lst.clear_marks()
        ids = result.changed_ids
        self._hold_rows(set(ids))
        if not ids:
            self._say(f"Nothing to change: all {result.matched} already so.")
            return
        back = inverse_of(message.kind, result)
        noun = "conversation" if len(ids) == 1 else "conversations"
        done = (f"{len(ids)} {noun} {message.what}"
                + (f" ({len(result.unchanged)} already so)" if result.unchanged else "")
                + _kept_words(result))
        inverse = None if back is None else triage.Triage(
            ids[0], f"{len(ids)} conversations put back", back)

        async def again(api: Any) -> None:  # the action itself, on the same conversations
            await message.run(False)

        if inverse is not None:
            self.undo_history.push(inverse)  # one step of the multi-step undo (undo.py)

        self.post_message(TriageDone(triage.Triage(ids[0], done, again, inverse), False))
