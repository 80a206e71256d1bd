"""Naming what exists: the assignee picker, tag completion and @mention completion.

A mixin for `CxInboxApp` (like teamwork.py); it uses the app's `api`, `me`, `_apply`,
`_say` and `_known_tags`. Every change still goes through a `triage.Triage` value, so
`u` undoes an assignment or a tag change made here exactly as before.

What a person sees:
- `a` opens the roster: "me" first, then every colleague with their role and whether
  they are online; typing filters (login and display name); Enter assigns. `a` Enter is
  still "assign to me". Taking a conversation a colleague holds asks first.
- `t` completes tags already in use (Tab), `-tag` completes the conversation's own tags;
  a tag nobody uses yet must be confirmed ("new tag 'lab-reslts'? did you mean
  lab-results").
- `n` completes `@` from the roster; an @name nobody answers to is pointed out before the
  note is saved, and the text is kept for fixing.

The roster and the tags come from the server (`roster()`, `known_tags()`); a dialog opens
at once with what is already known and refreshes when the answer arrives, so keys typed
right after `a` or `t` are never lost to a slow link.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from cxinbox.contract.routing_types import TeamView
from cxinbox.contract.team_types import StaffView, TagView
from cxinbox.contract.types import ConversationSummary
from cxinbox.domain.mentions import handles, unknown_mentions
from cxinbox.domain.teams import TEAM_PREFIX, team_name
from cxinbox.tui import triage
from cxinbox.tui.screens.picker import (
    CompletingPrompt,
    ConfirmScreen,
    PickerScreen,
    PickItem,
    filter_items,
)

NOBODY = "-"
"""The picker's value for "unassign": no login can be "-" (see api/validate.py)."""


def roster_items(roster: list[StaffView], me: str, current: str | None,
                 teams: Sequence[TeamView] = ()) -> list[PickItem]:
    """Me first, then the roster in its order, then the teams; "nobody" last when
    someone holds it."""
    mine = next((s for s in roster if s.os_user == me), None)
    my_name = mine.name if mine else me
    items = [PickItem(me, f"me - {my_name}", _detail(mine, me, current, True),
                      (my_name, "me"))]
    for staff in roster:
        if staff.os_user == me:
            continue
        items.append(PickItem(staff.os_user, f"{staff.name} ({staff.os_user})",
                              _detail(staff, staff.os_user, current, False),
                              (staff.name,)))
    for team in teams:
        items.append(PickItem(f"{TEAM_PREFIX}{team.name}", f"team {team.name}",
                              _team_detail(team), ("team", team.strategy)))
    if current is not None:
        items.append(PickItem(NOBODY, "nobody - unassign", "", ("unassigned", "none")))
    return items


def _detail(staff: StaffView | None, login: str, current: str | None, is_me: bool) -> str:
    parts = [staff.role] if staff else []
    if staff is not None and staff.away:
        parts.append("AWAY")  # teams pass them over; a person may still choose them
    else:
        parts.append("online" if is_me or (staff and staff.online) else "offline")
    if login == current:
        parts.append("assigned now")
    return ", ".join(parts)


def _team_detail(team: TeamView) -> str:
    """ "round-robin, next of: maria, tom" or "least-open, nobody available now"."""
    if not team.available:
        return f"{team.strategy}, nobody available now"
    return f"{team.strategy}, next of: {', '.join(team.available)}"


def tag_review(text: str, known: set[str], present: set[str]) -> str | None:
    """A warning when the answer would create a tag nobody uses yet (a typo, usually)."""
    add, _remove = triage.parse_tag_input(text)
    new = [t for t in add if t not in known and t not in present]
    if not new:
        return None
    parts = []
    for tag in new:
        close = difflib.get_close_matches(tag, sorted(known), n=1, cutoff=0.7)
        parts.append(f"new tag '{tag}'?" + (f" did you mean {close[0]}" if close else ""))
    return "; ".join(parts)


def mention_review(body: str, roster: list[StaffView]) -> str | None:
    """A warning for every @name no colleague answers to (it would notify nobody)."""
    if not roster:
        return None  # nothing to judge by: the server decides, as it always has
    known = {h for s in roster for h in handles(s.os_user, s.name)}
    unknown = unknown_mentions(body, known)
    if not unknown:
        return None
    logins = sorted(s.os_user.casefold() for s in roster)
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, logins, n=1, cutoff=0.6)
        parts.append(f"@{name} is not on the roster" + (f" (did you mean @{close[0]}?)"
                                                         if close else ""))
    return "; ".join(parts) + " - nobody would be told"


class PickersMixin:
    """Methods mixed into CxInboxApp (see module docstring)."""

    def _pickers_init(self: Any) -> None:
        self._roster: list[StaffView] = []
        self._teams: list[TeamView] = []
        self._tag_counts: list[TagView] = []

    def _pickers_mount(self: Any) -> None:
        """Fetch the roster and the tags once at start, so the first `n` or `t` can
        check names even before its own refresh has answered."""
        self._fetch_roster()
        self._fetch_tags()

    # -- the roster ---------------------------------------------------------------------------

    def _staff_name(self: Any, login: str) -> str:
        if login == self.me:
            return "you"
        found = next((s for s in self._roster if s.os_user == login), None)
        return f"{found.name} ({login})" if found else login

    def _fetch_roster(self: Any, then: Any = None) -> None:
        async def fetch() -> None:
            try:
                self._roster = await self.api.roster()
            except Exception:  # noqa: BLE001 - the picker keeps what it had ("me")
                return
            try:
                self._teams = await self.api.teams()
            except Exception:  # noqa: BLE001,S110 - people can still be picked
                pass
            self._roster_changed()
            if then is not None:
                then()

        self.run_worker(fetch, group="roster", exclusive=True, exit_on_error=False)

    def pick_assignee(self: Any, summary: ConversationSummary) -> None:
        def items() -> list[PickItem]:
            return roster_items(self._roster, self.me, summary.assignee, self._teams)

        now = self._staff_name(summary.assignee) if summary.assignee else "nobody"
        picker = PickerScreen(f"Assign #{summary.id} to", items(), note=f"now: {now}",
                              hint="type to filter, Enter to assign, Esc to cancel",
                              empty="No one on the roster matches.", blink=not self.calm)

        def chosen(value: str | None) -> None:
            team = team_name(value) if value is not None else None
            if team is not None:
                self._apply(triage.assign_team(summary, team, self.me))
            elif value is not None:
                self.assign_checked(summary, None if value == NOBODY else value)

        self.push_screen(picker, chosen)
        self._fetch_roster(lambda: picker.set_items(items()))

    def assign_checked(self: Any, summary: ConversationSummary, user: str | None) -> None:
        """Assign, asking first when that takes the conversation from a colleague."""
        if user == summary.assignee:
            self._say(f"{triage.who(summary)}: already "
                      + (f"assigned to {self._staff_name(user)}" if user else "unassigned"))
            return
        holder = summary.assignee
        action = triage.assign(summary, user, self.me)
        away = user is not None and user != self.me and any(
            s.away for s in self._roster if s.os_user == user)
        who = summary.from_name or summary.from_addr or "this conversation"
        if holder is None or holder == self.me:
            if not away:
                self._apply(action)
                return
            question = (f"{self._staff_name(user)} is away (teams pass them over)."
                        f" Give #{summary.id} {who} to them anyway?")

            def anyway(yes: bool | None) -> None:
                if yes:
                    self._apply(action)
                else:
                    self._say(f"{triage.who(summary)}: left as it was")

            self.push_screen(ConfirmScreen(question, yes="yes", no="no, leave it"), anyway)
            return
        if user == self.me:
            ask = "Take it?"
        elif user is None:
            ask = "Unassign it?"
        else:
            ask = f"Give it to {self._staff_name(user)}" + (
                " (away: teams pass them over)?" if away else "?")
        question = f"#{summary.id} {who} is assigned to {self._staff_name(holder)}. {ask}"

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(action)
            else:
                self._say(f"{triage.who(summary)}: left with {self._staff_name(holder)}")

        self.push_screen(ConfirmScreen(question, yes="yes",
                                       no=f"no, leave it with {holder}"), answered)

    # -- tags ---------------------------------------------------------------------------------

    def _all_tags(self: Any) -> list[str]:
        names = [t.name for t in self._tag_counts]
        seen = set(names)
        names += [t for t in self._known_tags() if t not in seen]
        return names

    def ask_tags(self: Any, summary: ConversationSummary) -> None:
        present = list(summary.tags)

        def complete(word: str) -> tuple[str, list[PickItem]] | None:
            keep = word[0] if word[0] in "-+#" else ""
            stem = word[len(keep):].lower()
            if keep == "-":
                pool = [PickItem(t, t, "on it now") for t in present]
            else:
                uses = {t.name: t.count for t in self._tag_counts}
                pool = [PickItem(t, t, f"{uses[t]} conv." if t in uses else "")
                        for t in self._all_tags() if t not in present]
            if not stem and keep != "-":
                return None
            found = [i for i in filter_items(pool, stem) if i.value != stem or keep == "-"]
            return keep, found

        def check(text: str) -> str | None:
            add, remove = triage.parse_tag_input(text)
            return None if add or remove else "Type a tag, or -tag to remove one."

        def review(text: str) -> str | None:
            return tag_review(text, set(self._all_tags()), set(present))

        def answered(text: str | None) -> None:
            if text:
                add, remove = triage.parse_tag_input(text)
                self._apply(triage.tags(summary, add, remove))

        shown = " ".join(present) or "none"
        prompt = CompletingPrompt(f"Tags for #{summary.id}", complete=complete, check=check,
                                  review=review, blink=not self.calm,
                                  hint=f"now: {shown} - words add, -word removes, Tab completes")
        self.push_screen(prompt, answered)
        self._fetch_tags(prompt.refresh_suggestions)

    def _fetch_tags(self: Any, then: Any = None) -> None:
        async def fetch() -> None:
            try:
                self._tag_counts = await self.api.known_tags()
            except Exception:  # noqa: BLE001 - completion falls back to the tags on screen
                return
            if then is not None:
                then()

        self.run_worker(fetch, group="known-tags", exclusive=True, exit_on_error=False)

    # -- notes --------------------------------------------------------------------------------

    def ask_note(self: Any, summary: ConversationSummary) -> None:
        def complete(word: str) -> tuple[str, list[PickItem]] | None:
            if not word.startswith("@"):
                return None
            items = [PickItem(s.os_user, f"{s.name} ({s.os_user})",
                              "online" if s.online else "", (s.name,))
                     for s in self._roster if s.os_user != self.me]
            return "@", filter_items(items, word[1:])

        def check(text: str) -> str | None:
            return None if text.strip() else "A note needs some text."

        def review(text: str) -> str | None:
            return mention_review(text, self._roster)

        def answered(text: str | None) -> None:
            if text and text.strip():
                self._apply(triage.note(summary, text.strip()))

        prompt = CompletingPrompt(f"NOTE on #{summary.id} - staff only, never sent",
                                  complete=complete, check=check, review=review,
                                  hint="@name mentions a colleague (Tab completes)",
                                  blink=not self.calm)
        self.push_screen(prompt, answered)
        self._fetch_roster(prompt.refresh_suggestions)
