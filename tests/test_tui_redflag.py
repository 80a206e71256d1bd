"""Red flags in the TUI at 80x24: the list's marks (words, in --ascii too), the banner at the
top of the thread quoting the patient's words, a clinician's bell and toast when a flag is
raised, the composer offering the emergency guidance first, and F clearing the flag with a
reason the server audits."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from tests.test_tui_escalations import Recorder
from tests.test_tui_support import (
    ME,
    NOW,
    Inbox,
    RecordingApi,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from textual.widgets import OptionList, Static, TextArea

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import Config
from cxinbox.domain.mime import parse_message
from cxinbox.service import redflags
from cxinbox.service.demo import MAILBOXES
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import append_event
from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
from cxinbox.store.sqlite_tx import SqliteTx
from cxinbox.tui.redflag import TOAST_WIDTH
from cxinbox.tui.screens.compose import CannedPicker, ComposeScreen
from cxinbox.tui.screens.prompt import PromptScreen

BODY = ("Hi, I was charged twice for my visit, can you check the statement?\n"
        "Also I have had crushing chest pain since last night.\n")


def _message_id(subject: str) -> str:
    return f"<rf-{hashlib.sha1(subject.encode()).hexdigest()}@example.com>"


def arrive(inbox: Inbox, subject: str, body: str, address: str, minutes: int = 0,
           reply_to: str | None = None) -> int:
    """One patient email through ingest and detection in one transaction, as sync does
    (`reply_to`: the subject of the earlier message it answers, in its thread)."""
    at = NOW + timedelta(minutes=minutes)
    thread = "" if reply_to is None else \
        f"In-Reply-To: {_message_id(reply_to)}\r\nReferences: {_message_id(reply_to)}\r\n"
    raw = (f'From: "Pat Doe" <{address}>\r\nTo: {MAILBOXES["billing"]}\r\n'
           f"Subject: {subject}\r\nDate: {at.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
           f"Message-ID: {_message_id(subject)}\r\n{thread}"
           f"\r\n{body}").encode()
    with inbox.db.write() as conn:
        state = folder_state(conn, "billing", "INBOX")
        uid = state.last_uid + 1
        fetched = FetchedMessage(uid, "", None, int(at.timestamp()), raw,
                                 hashlib.sha256(raw).digest(), parse_message(raw))
        touched = ingest_batch(conn, state, [fetched],
                               own_addresses=frozenset(MAILBOXES.values()), watermark=uid,
                               now=int(at.timestamp()) + 60)
        redflags.triage_arrivals(SqliteTx(conn), inbox.demo.config, int(at.timestamp()) + 60)
        append_event(conn, "sync", "mail.received", "billing/INBOX",
                     {"count": 1, "conversations": sorted(touched)})
    return next(iter(touched))


def clinical(config: Config) -> Config:
    staff = tuple(dataclasses.replace(s, clinical=True) if s.os_user == ME else s
                  for s in config.staff)
    return dataclasses.replace(config, staff=staff)


@pytest.fixture
def inbox(tmp_path: Any) -> Inbox:
    made = make_inbox(tmp_path, conversations=40)
    # Only what arrives from here on is news (an upgrade starts the cursor the same way).
    made.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    return made


@pytest.mark.parametrize("ascii_only", [False, True])
async def test_list_marks_banner_and_f_at_80x24(inbox: Inbox, ascii_only: bool) -> None:
    conv = arrive(inbox, "Question about my bill", BODY, "pat@example.com")
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        row = next(line for line in screen_text(app).splitlines() if f"#{conv}" in line)
        assert "RED!" in row and "Billing:" in row, row
        await wait_for(pilot, lambda: re.search(r"(Red flag|RedF) 2 . Breach",
                                                screen_text(app).splitlines()[0]) is not None,
                       what="the red-flag count (the demo's and this one) first in the header")
        app.query_one("ConversationList").focus()
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: 'RED FLAG CHEST PAIN: "crushing chest"' in
                       screen_text(app), what="the banner")
        await pilot.press("F")
        await wait_for(pilot, lambda: "why is it safe" in screen_text(app), what="prompt")
        await pilot.press(*"called patient, sent to ER")
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            conv, record_view=False).summary.red_flag is None, what="the flag cleared")
        await wait_for(pilot, lambda: "RED FLAG CHEST" not in screen_text(app),
                       what="the banner gone")
        # In its place (the tags stay): who cleared it, when and why, learnt without
        # reopening the thread.
        # by the name the roster gives her ("Frontdesk"), not her login
        said = f'red flag (chest pain) cleared by {ME.title()} '
        await wait_for(pilot, lambda: said in " ".join(screen_text(app).split()),
                       what="who cleared it, in the thread's header")
        header = " ".join(screen_text(app).split())
        # (the time as the list's: the app's clock is the demo's, the clear's the real one)
        assert re.search(re.escape(said) + r'(\w{3} |\d\d \w{3} (\d{4} )?)?\d\d:\d\d:'
                         r' "called patient, sent to ER"', header), header
        await pilot.press("escape")
        mark = "RFok" if ascii_only else "RF\u2713"
        await wait_for(pilot, lambda: any(f"#{conv}" in line and mark in line
                                          for line in screen_text(app).splitlines()),
                       what="the list's calm mark for a cleared flag")
        row = next(line for line in screen_text(app).splitlines() if f"#{conv}" in line)
        assert "RED!" not in row and "URG!" not in row, row
    cleared = [e for e in inbox.service.events_since(0, 100_000)
               if e.action == "redflag.cleared" and e.target == f"conversation:{conv}"]
    assert len(cleared) == 1 and cleared[0].actor == ME
    audit = inbox.db.conn.execute("SELECT details FROM events WHERE action = 'redflag.cleared'"
                                  " AND target = ?", (f"conversation:{conv}",)).fetchone()[0]
    assert "called patient, sent to ER" in audit


async def test_a_clinician_hears_a_new_flag_and_the_composer_offers_guidance(
        inbox: Inbox) -> None:
    app = make_app(inbox, config=clinical(inbox.demo.config))
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        conv = arrive(inbox, "My bill", "Tengo un dolor fuerte en el pecho desde anoche.\n",
                      "ana@example.com", minutes=1)
        await wait_for(pilot, lambda: any(t.startswith("RED FLAG chest pain: #") for t in
                                          seen.toasts), what="the toast")
        assert seen.bells >= 1
        assert not any("dolor" in t for t in seen.toasts)  # the patient's words stay inside
        # whole on an 80-column screen: category, number and patient, nothing cut off
        toast = next(t for t in seen.toasts if t.startswith("RED FLAG"))
        assert toast == f"RED FLAG chest pain: #{conv} Pat Doe", toast
        assert len(toast) <= TOAST_WIDTH
        app.query_one("ConversationList").focus()
        await wait_for(pilot, lambda: f"#{conv}" in screen_text(app), what="the new row")
        await pilot.press("g")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("r")
        await wait_for(pilot, lambda: "emergencia" in screen_text(app), what="guidance")
        text = screen_text(app)
        assert "llame al 911" in text and "call 911" in text
        # the red line tells her to clear it herself, never to wait for a clinician
        flat = " ".join(text.split())
        assert "no canned replies until you clear it (F, once the patient has been dealt" \
               " with)" in flat, flat
        assert "Priya Nair" not in flat, flat
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: f"No canned replies on #{conv} while its red flag is"
                       " open: you" in screen_text(app)
                       and "clear it with F once the patient has" in screen_text(app),
                       what="the guidance picker, addressed to her")


async def test_a_clinician_hears_a_flag_a_colleague_raised_by_its_tag(inbox: Inbox) -> None:
    """A receptionist tags a conversation `red-flag`: the clinician's TUI rings and toasts
    it like a detector's flag, naming it as tagged by staff; one the clinician tags
    themself is not toasted back to them."""
    app = make_app(inbox, config=clinical(inbox.demo.config))
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        calm = [s for s in app.conversation_list.loaded_summaries() if not s.red_flag_open]
        mine, theirs = calm[0], calm[1]
        InboxService(inbox.db, inbox.demo.config, ME).tag(mine.id, add=["red-flag"])
        bells = seen.bells
        InboxService(inbox.db, inbox.demo.config, "maria").tag(theirs.id, add=["red-flag"])
        name = theirs.from_name or theirs.from_addr
        await wait_for(pilot, lambda: f"RED FLAG tagged by staff: #{theirs.id} {name}"
                       in seen.toasts, what="the colleague's raise toasted")
        assert seen.bells > bells
        assert not any(f"#{mine.id}" in t for t in seen.toasts), seen.toasts


async def test_an_agent_who_is_not_clinical_sees_no_bell(inbox: Inbox) -> None:
    app = make_app(inbox)  # the demo's roster: nobody is clinical
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        conv = arrive(inbox, "Breathing", "I cant breathe and my lips are turning blue\n",
                      "bo@example.com", minutes=2)
        await wait_for(pilot, lambda: any(f"#{conv}" in line and "RED!" in line
                                          for line in screen_text(app).splitlines()),
                       what="the row")
        assert not any(t.startswith("RED FLAG") for t in seen.toasts)


async def test_a_receptionist_is_told_who_clears_and_offered_only_the_guidance(
        inbox: Inbox) -> None:
    """Maria, an agent (not clinical), on a flagged conversation: the banner names the
    clinicians to get; F refuses at once in one line naming who may (no reason asked);
    closing it (`s` `c`) is refused by the server, the toast saying who clears it and how;
    the composer starts with the emergency guidance and ^T lists only that, saying why
    there are no canned replies and who lifts the block. Nothing is refused after a pick."""
    conv = arrive(inbox, "Question about my bill", BODY, "pat@example.com")
    service = InboxService(inbox.db, inbox.demo.config, "maria")
    desk = dataclasses.replace(inbox, service=service,
                               api=RecordingApi(InProcessAPI(service), inbox.clock))
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        app.query_one("ConversationList").focus()
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: 'RED FLAG CHEST PAIN: "crushing chest"' in
                       screen_text(app), what="the banner")
        # the clinicians on shift, by the server's roster (read at start)
        await wait_for(pilot, lambda: "a clinician must answer (Priya Nair); no canned"
                       " replies." in " ".join(screen_text(app).split()), what="who to get")
        banner = " ".join(screen_text(app).split())
        assert "F clears" not in banner

        await pilot.press("F")
        line = (f"Only a clinician (Priya Nair), a supervisor or an admin can clear the red"
                f" flag of #{conv}.")
        await wait_for(pilot, lambda: line in seen.toasts, what="the refusal")
        assert not isinstance(app.screen, PromptScreen)
        assert inbox.service.get_conversation(conv, record_view=False).summary.red_flag_open

        # Nor may she close it: the server refuses, the toast says who clears it and how.
        await pilot.press("s")
        await wait_for(pilot, lambda: f"Status of #{conv}" in screen_text(app),
                       what="the status choice")
        await pilot.press("c")
        refusal = (f"#{conv} has an open red flag (chest pain): a clinician clears it first:"
                   f" cxinbox flag clear {conv} --reason ...")
        await wait_for(pilot, lambda: any(t.endswith(refusal) for t in seen.toasts),
                       what="the refusal to close")
        assert inbox.service.get_conversation(conv, record_view=False).summary.status == \
            "open"
        # Nor lower its priority: the same refusal, the priority stays urgent.
        seen.toasts.clear()
        await pilot.press("p")
        await wait_for(pilot, lambda: f"Priority of #{conv}" in screen_text(app),
                       what="the priority choice")
        await pilot.press("l")
        await wait_for(pilot, lambda: any(t.endswith(refusal) for t in seen.toasts),
                       what="the refusal to lower the priority")
        assert inbox.service.get_conversation(conv, record_view=False).summary.priority == \
            "urgent"

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen)
                       and "call 911" in app.screen.query_one(TextArea).text
                       and "^T guidance" in screen_text(app),
                       what="the composer, starting with the guidance, its keys drawn")
        composer = app.screen
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker)
                       and app.screen.query_one(OptionList).option_count == 1
                       and "No canned replies on" in screen_text(app),
                       what="the picker, listing the guidance alone, drawn")
        why = str(app.screen.query_one("#canned-blocked", Static).content)
        assert why == (f"No canned replies on #{conv} while its red flag is open: a clinician"
                       " (Priya Nair), a supervisor or an admin clears it with F once the"
                       " patient has been dealt with."), why
        assert not app.screen.query("#canned-filter")
        assert app.screen.query_one(OptionList).get_option_at_index(0).id == \
            "emergency guidance"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is composer
                       and composer.query_one(TextArea).text.count("call 911") == 2,
                       what="the guidance inserted")
    assert not any("open red flag" in t and not t.endswith(refusal)
                   for t in seen.toasts), seen.toasts
    rendered = inbox.db.conn.execute("SELECT count(*) FROM events WHERE action IN"
                                     " ('canned.render', 'canned.refused', 'access.denied')"
                                     " AND details NOT LIKE '%open red flag%'").fetchone()[0]
    assert rendered == 0


def _outbox(inbox: Inbox, conv: int) -> int:
    return int(inbox.db.conn.execute("SELECT count(*) FROM outbox WHERE conversation_id = ?",
                                     (conv,)).fetchone()[0])


async def test_a_flag_raised_while_writing_reaches_the_composer_and_stops_canned_text(
        inbox: Inbox) -> None:
    """Issue #13: a receptionist is answering a bill with a canned reply when the patient
    writes again, in the same thread, of crushing chest pain. The composer learns of it
    from the change feed: at once a red line quoting the patient's words and naming who
    clears the flag, ^T offering the guidance alone; a send holding the canned text is
    refused in one line with nothing queued, and what she writes herself goes out."""
    subject = "Question about my bill"
    conv = arrive(inbox, subject, "Can I pay the bill in two parts?\n", "pat@example.com")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{conv}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen)
                       and "^T canned" in screen_text(app), what="the composer")
        composer = app.screen
        assert isinstance(composer, ComposeScreen) and "RED FLAG" not in screen_text(app)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker),
                       what="the canned replies")
        await pilot.press(*"results-ready", "enter")
        body = composer.query_one(TextArea)
        await wait_for(pilot, lambda: app.screen is composer and "nurse line" in body.text,
                       what="the canned reply in the body")

        # Another actor: the patient's new message, flagged by the server's detector.
        again = arrive(inbox, f"Re: {subject}", "Now I have crushing chest pain.\n",
                       "pat@example.com", minutes=1, reply_to=subject)
        assert again == conv
        clearers = inbox.demo.config.red_flag_clearers()

        def flat() -> str:
            return " ".join(screen_text(app).split())

        await wait_for(pilot, lambda: 'RED FLAG CHEST PAIN: "crushing chest" raised while you'
                       " wrote" in flat() and "^T guidance" in flat(),
                       what="the red line and the guidance key in the composer")
        # the demo's frontdesk is a supervisor, who may clear it: told to, not to wait
        assert "no canned replies until you clear it (F" in flat(), flat()
        assert clearers not in flat()
        await wait_for(pilot, lambda: "Now I have crushing chest pain" in screen_text(app),
                       what="the message that raised it quoted above the editor")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, CannedPicker)
                       and app.screen.query_one(OptionList).option_count == 1
                       and "No canned replies on" in screen_text(app),
                       what="the picker, the guidance alone")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is composer, what="back in the composer")

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(t.startswith(f"Not sent: #{conv} has an open red"
                                                       " flag") for t in seen.toasts),
                       what="the refusal")
        refusal = next(t for t in seen.toasts if t.startswith("Not sent:"))
        assert "results-ready" in refusal and "\n" not in refusal
        assert app.screen is composer and _outbox(inbox, conv) == 0

        body.load_text("Pat, if the pain is crushing call 911 now. Dr Nair is calling you.")
        await pilot.press("ctrl+s")
        # The send guard, as for any reply: the patient wrote since the draft was started.
        await wait_for(pilot, lambda: "New since you started" in screen_text(app),
                       what="the send guard")
        await pilot.press("s")
        await wait_for(pilot, lambda: _outbox(inbox, conv) == 1
                       and not isinstance(app.screen, ComposeScreen),
                       what="her own words queued")


async def test_a_receptionists_marked_priority_skips_the_open_flag(inbox: Inbox) -> None:
    """Maria marks a flagged conversation and one without a flag and sets both low: the
    one without changes, the flagged one keeps urgent, and the toast says one was kept and
    why (the server decides; the TUI only says what it answered)."""
    conv = arrive(inbox, "Question about my bill", BODY, "pat@example.com")
    service = InboxService(inbox.db, inbox.demo.config, "maria")
    desk = dataclasses.replace(inbox, service=service,
                               api=RecordingApi(InProcessAPI(service), inbox.clock))
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        lst = app.conversation_list
        lst.focus()
        await wait_for(pilot, lambda: lst.selected is not None and lst.selected.id == conv,
                       what="cursor on the flag (listed first)")
        other = next(s for s in lst.loaded_summaries()
                     if not s.red_flag_open and s.priority != "low")
        await pilot.press("space")
        while lst.selected is not None and lst.selected.id != other.id:
            await pilot.press("j")
        await pilot.press("space")
        await wait_for(pilot, lambda: "2 marked" in screen_text(app), what="two marked")
        await pilot.press("p")
        await wait_for(pilot, lambda: "Priority of 2 marked" in screen_text(app),
                       what="the priority choice")
        await pilot.press("l")
        done = ("1 conversation priority low; 1 kept as it was: open red flag, a clinician"
                " clears it first")
        await wait_for(pilot, lambda: f"{done} (u to undo)" in seen.toasts, what="the toast")

    def priority(c: int) -> str:
        return service.get_conversation(c, record_view=False).summary.priority

    assert (priority(conv), priority(other.id)) == ("urgent", "low")


async def test_a_clear_made_elsewhere_reaches_the_open_thread_in_one_view(inbox: Inbox) -> None:
    """The open thread learns who cleared its flag from the summary it refreshes: one open
    is one `conversation.view` in the audit, and when a flag is cleared, raised and cleared
    again between two refreshes, the header names the newest clear."""
    conv = arrive(inbox, "Chest", "Crushing chest pain since this morning.\n",
                  "cp@example.com", minutes=3)
    nurse = InboxService(inbox.db, inbox.demo.config, "priya")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        app.query_one("ConversationList").focus()
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "RED FLAG CHEST PAIN" in screen_text(app),
                       what="the banner")
        nurse.clear_red_flag(conv, "first call: resting, will ring back")
        await wait_for(pilot, lambda: "first call: resting" in " ".join(
            screen_text(app).split()), what="the first clear in the header")
        # Raised and cleared again before the thread hears of either (the test holds the
        # event loop): the refresh that follows must bring the second clear.
        InboxService(inbox.db, inbox.demo.config, "maria").tag(conv, add=["red-flag"])
        nurse.clear_red_flag(conv, "second call: ambulance on its way")
        await wait_for(pilot, lambda: "second call: ambulance" in " ".join(
            screen_text(app).split()), what="the newest clear in the header")
        assert "first call" not in " ".join(screen_text(app).split())
    views = inbox.db.conn.execute(
        "SELECT count(*) FROM events WHERE action = 'conversation.view' AND target = ?",
        (f"conversation:{conv}",)).fetchone()[0]
    assert views == 1


async def test_a_locked_screen_rings_for_a_red_flag_and_toasts_it_at_unlock(
        inbox: Inbox) -> None:
    """A nurse's screen locked (idle, or by hand) while a red flag arrives: the bell rings
    and the lock says a red flag waits, naming nothing; at unlock its toast comes first."""
    from cxinbox.tui.screens.lock import LockScreen

    class Verifier:
        prompt = "Password"
        secret = True
        interim = False

        def __call__(self, user: str, answer: str) -> bool:
            return answer == "right horse"

    app = make_app(inbox, config=clinical(inbox.demo.config), verifier=Verifier())
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        calm = next(s for s in app.conversation_list.loaded_summaries()
                    if not s.red_flag_open and s.assignee in (None, ""))
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")
        await wait_for(pilot, lambda: "locked" in screen_text(app), what="lock drawn")
        # something that is not a red flag while locked: held, said after the red flag
        InboxService(inbox.db, inbox.demo.config, "maria").add_note(
            calm.id, f"@{ME} can you look at this one")
        conv = arrive(inbox, "Locked out", "I have crushing chest pain right now\n",
                      "lo@example.com", minutes=1)
        await wait_for(pilot, lambda: seen.bells >= 1, what="the bell over the lock")
        await wait_for(pilot, lambda: "RED FLAG waiting: unlock to see it" in screen_text(app),
                       what="the lock's line")
        text = screen_text(app)
        for phi in ("Pat Doe", "lo@example.com", "chest", "crushing", f"#{conv}"):
            assert phi not in text, phi
        assert not list(app.query("Toast"))
        assert not any(t.startswith("RED FLAG") for t in seen.toasts), seen.toasts
        await pilot.press(*"right horse", "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        await wait_for(pilot, lambda: f"RED FLAG chest pain: #{conv} Pat Doe" in seen.toasts,
                       what="the held red flag toasted at unlock")
        await wait_for(pilot, lambda: any("mentioned you" in t for t in seen.toasts),
                       what="the held mention toasted at unlock")
        order = [t for t in seen.toasts if t.startswith("RED FLAG") or "mentioned you" in t]
        assert order[0].startswith("RED FLAG"), order


async def test_a_locked_desk_screen_rings_for_a_flag_waiting_at_the_cap(
        inbox: Inbox) -> None:
    """Not clinical, screen locked: a red flag told waiting unassigned (everyone on shift
    at the cap) is for the whole desk, so the bell rings over the lock and the line names
    nothing; a second one makes it "2 RED FLAGS"; the toasts come at unlock."""
    from cxinbox.tui.screens.lock import LockScreen
    from cxinbox.tui.unlock import UserNameVerifier

    app = make_app(inbox, verifier=UserNameVerifier())  # the demo's roster: nobody clinical
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        first, second = [s for s in app.conversation_list.loaded_summaries()
                         if not s.red_flag_open and not s.assignee][:2]
        for conv in (first.id, second.id):  # flagged (by staff), waiting for a clinician
            InboxService(inbox.db, inbox.demo.config, "maria").tag(conv, add=["red-flag"])
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="locked")

        def waiting(conv: int) -> None:
            with inbox.db.write() as conn:  # as the server tells it (service/teams.py)
                append_event(conn, "system", "redflag.waiting", f"conversation:{conv}",
                             {"conversation": conv, "team": "nurses", "reason": "at cap",
                              "cap": 1})

        waiting(first.id)
        await wait_for(pilot, lambda: seen.bells >= 1, what="the bell over the lock")
        await wait_for(pilot, lambda: "RED FLAG waiting: unlock to see it" in screen_text(app),
                       what="the lock's line")
        waiting(second.id)
        await wait_for(pilot, lambda: "2 RED FLAGS waiting: unlock to see them"
                       in screen_text(app), what="the count")
        assert seen.bells >= 2
        text = screen_text(app)
        for phi in (first.from_name, second.from_name, f"#{first.id}", "nurses"):
            assert phi and phi not in text, phi
        assert not any(t.startswith("RED FLAG") for t in seen.toasts), seen.toasts
        await pilot.press(*ME, "enter")
        await wait_for(pilot, lambda: not app.locked, what="unlocked")
        await wait_for(pilot, lambda: f"RED FLAG #{second.id} UNASSIGNED: team nurses all at"
                       " cap 1" in seen.toasts, what="the held toasts")
        assert f"RED FLAG #{first.id} UNASSIGNED: team nurses all at cap 1" in seen.toasts
