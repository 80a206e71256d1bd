"""Red flags and intent where the desk looks: the list's marks, the thread's banner, the
clinicians' bell and toast, the composer's emergency guidance, and `F` to clear a flag.

Every mark is words, not colour alone: a thin client with 16 colours, a colour-blind
receptionist or `--ascii` must still tell a red flag from an urgent bill. The server
decides what is flagged (service/redflags.py); this module only shows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from cxinbox.api.interface import InboxAPI
from cxinbox.config import Config
from cxinbox.contract.types import ConversationSummary, Event, RedFlagCleared
from cxinbox.domain.intent_words import INTENT_CODES
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.teams import member_on_shift
from cxinbox.tui import triage
from cxinbox.tui.heldtoasts import RAISED as RAISED_FLAG
from cxinbox.tui.heldtoasts import WAITING as WAITING_FLAG
from cxinbox.tui.heldtoasts import YOURS, FlagToast
from cxinbox.tui.timefmt import clinic_datetime

RAISED: Final = "redflag.raised"
TOAST_WIDTH: Final = 54
"""A toast's text on an 80-column screen (app.tcss: 70% wide, a cell of padding each
side): a red flag's toast fits in it whole, the patient's name clipped last."""


CATEGORY_WORDS: Final[dict[str, str]] = {
    "suicide_self_harm": "suicide / self-harm", "overdose_poisoning": "overdose / poisoning",
    "infant_fever": "fever in an infant",
}


def category_words(category: str) -> str:
    """`chest_pain` -> `chest pain`; `suicide_self_harm` -> `suicide / self-harm`."""
    return CATEGORY_WORDS.get(category) or category.replace("_", " ")


def flagged(summary: ConversationSummary) -> bool:
    """An open red flag, as the server decided it (a detector's or a person's)."""
    return summary.red_flag_open


def intent_code(summary: ConversationSummary) -> str:
    return INTENT_CODES.get(summary.intent or "", "")


def banner_text(summary: ConversationSummary, *, may_clear: bool = True,
                clinicians: str = "") -> str:
    """The line at the top of a flagged thread, quoting the patient's matched words. It
    ends with what the reader can do: `F` for those who may clear the flag; a receptionist
    (for whom F would only refuse) reads instead which clinicians to get."""
    who = "a clinician must answer" + (f" ({clinicians})" if clinicians and not may_clear
                                       else "")
    then = " F clears once handled." if may_clear else ""
    if summary.red_flag_open and summary.red_flag is not None:
        words = clean_line(summary.red_flag_matched, max_len=80)
        quote = f': "{words}"' if words else ""
        return (f"RED FLAG {category_words(summary.red_flag).upper()}{quote} - {who};"
                f" no canned replies.{then}")
    if flagged(summary):
        return f"RED FLAG (tagged by staff) - {who};{then or ' no canned replies.'}"
    return ""


CLEAR_REASON_CHARS: Final = 120
"""Of a clear's reason in the thread's header (the whole reason is in `cxinbox show` and
the audit trail)."""


RETENTION_CLEAR_LINE: Final = "red flag cleared (who and when: past the audit retention)"
"""A cleared flag whose `redflag.cleared` event retention released."""


def cleared_text(summary: ConversationSummary, cleared: RedFlagCleared | None,
                 tz: tzinfo, now: datetime, names: Mapping[str, str] | None = None) -> str:
    """The line at the top of a thread whose red flag was cleared and none is open again:
    who cleared it, when, and why (`red flag cleared by Dr Patel 10:42: "spoke to
    patient"`); "" otherwise. The tags stay after a clear; this says they are history.
    `names`: display names by login (the roster's), as the banner names people; a login
    not on it is shown as it is. Retention may have released the clear's event while the
    conversation stays: the flag is still cleared (the list keeps its RF mark), and the
    line says the record is gone rather than nothing, which would read as a flag nobody
    looked at."""
    if summary.red_flag_open or not summary.red_flag_cleared:
        return ""
    if cleared is None:
        return RETENTION_CLEAR_LINE
    what = f" ({category_words(cleared.category)})" if cleared.category else ""
    when = f" {clinic_datetime(cleared.at, tz, now)}" if cleared.at else ""
    reason = clean_line(cleared.reason, max_len=CLEAR_REASON_CHARS)
    why = f': "{reason}"' if reason else ""
    who = clean_line((names or {}).get(cleared.by, "")) or cleared.by or "staff"
    return f"red flag{what} cleared by {who}{when}{why}"


def composer_line(config: Config, summary: ConversationSummary | None, *,
                  raised_now: bool = False, me: str = "") -> str:
    """The red line under the composer's title while the conversation's flag is open ("" when
    none is): what the patient wrote that raised it, that no canned reply may go out, who
    clears it, and where the guidance is. `raised_now`: it was raised while the composer
    was open (the person may have put a canned reply in already)."""
    if summary is None or not flagged(summary):
        return ""
    what = "RED FLAG (tagged by staff)"
    if summary.red_flag is not None:
        words = clean_line(summary.red_flag_matched, max_len=60)
        what = f"RED FLAG {category_words(summary.red_flag).upper()}" + \
            (f': "{words}"' if words else "")
    when = " raised while you wrote" if raised_now else ""
    if me and config.may_clear_red_flag(me):  # never "wait for a clinician" to one
        return (f"{what}{when} - no canned replies until you clear it (F, once the patient"
                " has been dealt with). ^T: the clinic's emergency guidance.")
    return (f"{what}{when} - no canned replies until {config.red_flag_clearers()} clears"
            " it. ^T: the clinic's emergency guidance.")


def refusal_line(config: Config, summary: ConversationSummary) -> str:
    """`F` pressed by someone who may not clear a flag: one line naming who may."""
    return f"Only {config.red_flag_clearers()} can clear the red flag of #{summary.id}."


def templates_blocked_line(config: Config, summary: ConversationSummary | None,
                           me: str = "") -> str:
    """Why the composer's ^T offers no canned replies on a flagged conversation, and who
    lifts the block ("" when the conversation has no open flag): `me` when she may."""
    if summary is None or not flagged(summary):
        return ""
    who = "you clear" if me and config.may_clear_red_flag(me) else \
        f"{config.red_flag_clearers()} clears"
    return (f"No canned replies on #{summary.id} while its red flag is open:"
            f" {who} it with F once the patient has been dealt with.")


def is_clinical(config: Config, me: str) -> bool:
    member = config.staff_member(me)
    return member is not None and member.clinical


def alerts_me(config: Config, me: str, now: datetime) -> bool:
    """A raised red flag rings and toasts for clinical staff on shift: by any team's rota
    that names them (`[[teams]] shifts`), and always for someone with no rota. Off shift,
    the list's mark and the thread's banner still show it; `notify_command` reaches the
    on-call route either way."""
    return is_clinical(config, me) and member_on_shift(me, config.teams, now)


def raised_lines(events: Iterable[Event], names: dict[int, str]) -> list[str]:
    """One toast line per red flag raised in `events` (category and patient, never their
    words: the banner quotes them for whoever opens the thread)."""
    return [t.text for t in raised_toasts(events, names)]


def raised_toasts(events: Iterable[Event], names: dict[int, str]) -> list[FlagToast]:
    """As `raised_lines`, each with its conversation (the lock counts flags by it)."""
    lines: list[FlagToast] = []
    for event in events:
        if event.action != RAISED or not isinstance(event.details, dict):
            continue
        conv = event.details.get("conversation")
        category = event.details.get("category")
        if not isinstance(conv, int) or not isinstance(category, str):
            continue
        what = clean_line(category_words(category), max_len=24) if category else \
            "tagged by staff"  # a person or a rule raised it with the red-flag tag
        head = f"RED FLAG {what}: #{conv}"
        name = clean_line(names.get(conv, ""), max_len=max(12, TOAST_WIDTH - len(head) - 1))
        lines.append(FlagToast(f"{head} {name}" if name else head, conv, RAISED_FLAG))
    return lines


WAITING: Final = "redflag.waiting"
OFFERED: Final = "redflag.offered"


def waiting_lines(events: Iterable[Event]) -> list[str]:
    """One toast per red flag the server told as waiting unassigned because everyone on
    shift in its team is at the cap (once per raise, for the whole desk): fits 54 columns."""
    return [t.text for t in waiting_toasts(events)]


def waiting_toasts(events: Iterable[Event]) -> list[FlagToast]:
    """As `waiting_lines`, each with its conversation."""
    lines: list[FlagToast] = []
    for event in events:
        if event.action != WAITING or not isinstance(event.details, dict):
            continue
        conv, team, cap = (event.details.get(k) for k in ("conversation", "team", "cap"))
        if not isinstance(conv, int) or not isinstance(team, str):
            continue
        at = f" {cap}" if isinstance(cap, int) else ""
        lines.append(FlagToast(f"RED FLAG #{conv} UNASSIGNED: team"
                               f" {clean_line(team, max_len=16)} all at cap{at}", conv,
                               WAITING_FLAG))
    return lines


def taken_up_lines(events: Iterable[Event], me: str) -> list[str]:
    """One toast per red flag that waited unassigned and the server has now given to me
    (my shift started, a place under my cap freed, a colleague's return picked me)."""
    return [t.text for t in taken_up_toasts(events, me)]


def taken_up_toasts(events: Iterable[Event], me: str) -> list[FlagToast]:
    """As `taken_up_lines`, each with its conversation."""
    lines: list[FlagToast] = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        if event.action == "conversation.assign" and details.get("waited") is True \
                and details.get("to") == me:
            target = event.target.removeprefix("conversation:")
            conv = clean_line(target, max_len=12)
            lines.append(FlagToast(f"RED FLAG #{conv} is yours now: it waited unassigned",
                                   int(target) if target.isdigit() else None, YOURS))
    return lines


def offered_to(events: Iterable[Event], me: str) -> int:
    """How many red flags wait, as the server told me when my shift started (0: not)."""
    count = 0
    for event in events:
        if event.action == OFFERED and isinstance(event.details, dict) \
                and event.details.get("user") == me:
            told = event.details.get("count")
            count = told if isinstance(told, int) and told > 0 else count
    return count


def emergency_text(config: Config, summary: ConversationSummary | None) -> str:
    """The clinic's emergency guidance for a flagged conversation ("" otherwise), in
    Spanish first and then English when the patient wrote Spanish."""
    if summary is None or not flagged(summary):
        return ""
    english = config.triage.emergency_text.strip()
    if summary.language == "es":
        return f"{config.triage.emergency_text_es.strip()}\n\n{english}\n"
    return english + "\n"


def clear_flag(summary: ConversationSummary, reason: str) -> triage.Triage:
    """`F`: clear the flag with a reason (audited by the server); not undoable by `u`."""
    conv = summary.id

    def call(api: InboxAPI) -> Awaitable[int]:
        return api.clear_red_flag(conv, reason)

    return triage.Triage(conv, "red flag cleared (audited with your reason)", call,
                         who=triage.who(summary))


class RedFlagMixin:
    """`F` on the app: ask a reason, then clear (the server checks who may again)."""

    def action_clear_red_flag(self: Any) -> None:
        from cxinbox.tui.screens.prompt import PromptScreen

        summary = self._need_target()
        if summary is None:
            return
        if not flagged(summary):
            self._say(f"#{summary.id} has no open red flag.")
            return
        if not self.config.may_clear_red_flag(self.me):  # told now, not after typing a reason
            self._say(refusal_line(self.config, summary), "error")
            return

        def answered(text: str | None) -> None:
            if text and text.strip():
                self._apply(clear_flag(summary, text.strip()))

        self.push_screen(PromptScreen(f"Clear the RED FLAG of #{summary.id}: why is it safe?",
                                      hint="e.g. called the patient, sent to the ER"
                                           " (goes in the audit trail)",
                                      blink=not self.calm), answered)

    def _announce_waiting(self: Any, batch: list[Event]) -> bool:
        """Red flags the server says wait unassigned (everyone at the cap: the whole desk
        is told, the status line reads the roster again), one that waited now given to me,
        and, when my shift started while some wait for the clinical role, the count and
        the list at its top; True when the bell should ring."""
        lines = waiting_toasts(batch) + taken_up_toasts(batch, self.me)
        self._expect_flags(t.conv for t in lines)
        for toast in lines:
            self._say_flag(toast)
        if lines or any(isinstance(e.details, dict) and e.details.get("waited") is True
                        for e in batch):
            self._fetch_roster()  # who is on shift, and at the cap, has just changed
        count = offered_to(batch, self.me)
        if count:
            self._red_flags_waiting(count)
        return bool(lines or count)

    def _announce_red_flags(self: Any, batch: list[Event]) -> bool:
        """Toast each new red flag for a clinician; True when the bell should ring."""
        if not alerts_me(self.config, self.me, datetime.now(UTC)):
            return False
        # the person who raised one by its tag already knows
        raised = [e for e in batch if e.action == RAISED and e.actor != self.me]
        if not raised:
            return False
        self._expect_flags(t.conv for t in raised_toasts(raised, {}))
        names: dict[int, str] = {}
        missing: list[int] = []
        for event in raised:
            conv = event.details.get("conversation") if isinstance(event.details, dict) \
                else None
            if isinstance(conv, int):
                summary = self.conversation_list.summary_for(conv)
                if summary is not None:
                    names[conv] = summary.from_name or summary.from_addr
                else:
                    missing.append(conv)

        async def named() -> None:
            # A flag raised by new mail comes before the list shows its row: the patient's
            # name is asked for (a list query, as the list itself asks; no thread is read).
            for conv in missing:
                if self._locked:
                    # Nothing of a patient's is read while locked: held with its number,
                    # named at the unlock (`_release_held` reads the held flags then).
                    break
                try:
                    page = await self.api.list_conversations(f"id:{conv}", 0, 1)
                except Exception:  # noqa: BLE001,S112 - the toast goes without the name
                    continue
                for found in page.items:
                    names[found.id] = found.from_name or found.from_addr
            for toast in raised_toasts(raised, names):
                self._say_flag(toast)

        if missing:
            self.run_worker(named, group="red-flag-toasts", exit_on_error=False)
        else:
            for toast in raised_toasts(raised, names):
                self._say_flag(toast)
        return any(raised_lines(raised, {}))
