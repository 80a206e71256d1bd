"""At 80 columns (issue #13, F11): the Who column tells colleagues apart, and the status
line keeps a colleague's "(away)" (and any alert) rather than cutting it off."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.test_serve_support import ME
from tests.test_tui_support import ME as DESK
from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.api.interface import InProcessAPI
from cxinbox.config import StaffMember
from cxinbox.service.inbox import InboxService
from cxinbox.tui.ascii import UNICODE_GLYPHS
from cxinbox.tui.shortnames import short_names
from cxinbox.tui.widgets.status_line import StatusLine


def test_logins_sharing_a_prefix_get_labels_that_differ() -> None:
    staff = [("qa13ana", "qa13ana"), ("qa13ben", "qa13ben"), ("qa13cy", "qa13cy"),
             ("qa13nurse", "Nurse Nora"), ("root", "Desk Admin")]
    names = short_names(staff, 5, me="root")
    assert names == {"qa13ana": "ana", "qa13ben": "ben", "qa13cy": "cy",
                     "qa13nurse": "Nora"}
    # first names when the roster has them; initials when they clash; never the same label
    both = short_names([("mgarcia", "Maria Garcia"), ("mgarrett", "Mark Garrett")], 5)
    assert both == {"mgarcia": "Maria", "mgarrett": "Mark"}
    twins = short_names([("mgarcia", "Maria Garcia"), ("mgarrett", "Maria Garrett")], 5)
    assert twins == {"mgarcia": "cia", "mgarrett": "rett"}
    assert len(set(twins.values())) == 2


async def test_the_who_column_tells_colleagues_apart_at_80x24(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=60)
    config = inbox.demo.config
    logins = {m.os_user: f"qa13{m.os_user}" for m in config.staff}
    staff = tuple(dataclasses.replace(m, os_user=logins[m.os_user], name=logins[m.os_user])
                  for m in config.staff)
    config = dataclasses.replace(config, staff=(*staff, StaffMember(os_user=ME, name="Me",
                                                                    role="admin")),
                                 teams=())
    for old, new in logins.items():
        inbox.db.conn.execute("UPDATE conversations SET assignee = ? WHERE assignee = ?",
                              (new, old))
    service = InboxService(inbox.db, config, ME)
    app = make_app(dataclasses.replace(inbox, service=service, api=InProcessAPI(service)),
                   config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)

        def rows() -> list[str]:
            return screen_text(app).splitlines()[2:-3]

        await wait_for(pilot, lambda: any(line.rstrip().endswith((" dev", " maria", " sam"))
                                          for line in rows()), what="assigned rows drawn")
        drawn = rows()
        who = {line.rstrip().rsplit(" ", 1)[-1] for line in drawn if line.strip()}
        assert "qa13…" not in who, drawn
        assert {"dev", "maria", "priya", "sam"} & who, who
        assert len({w for w in who if w not in ("-", "me")}) >= 2, who


def test_the_status_line_keeps_who_is_away_at_80() -> None:
    line = StatusLine(me="qa13ana", glyphs=UNICODE_GLYPHS)
    line.set_sync("live")
    line.set_mail("mail 12:03")
    line.set_online(("qa13ana", "Nurse (away)", "Ben (away)", "Cy"))
    right = line._right(78).plain
    assert len(right) <= 78
    assert "Nurse (away)" in right and "Ben (away)" in right, right
    line.set_alert("no clinician on shift")
    right = line._right(78).plain
    assert right.startswith(" NO CLINICIAN ON SHIFT "), right
    assert "Nurse (away)" in right and len(right) <= 78, right
    # a mailbox in trouble is never what gives way first: the names do, and only a line
    # too long even alone is cut (qa28 F3: the screen cut it anyway, names and all)
    line.set_mail("billing: sign-in expired: cxinbox auth", problem=True)
    right = line._right(78).plain
    assert "billing: sign-in expired: cxinbox auth " in right and "NO CLINICIAN ON SHIFT" in right, right
    assert "online:" not in right and len(right) <= 78, right
    line.set_mail("billing: sign-in expired - cxinbox auth login billing", problem=True)
    right = line._right(78).plain
    assert "billing: sign-in expired - cxinbox auth" in right and len(right) <= 78, right


def test_a_title_before_the_name_is_not_the_label() -> None:
    """"Nurse Nora" is Nora, "Dra. Ruiz" is Ruiz: a title would call every nurse alike."""
    names = short_names([("nnoble", "Nurse Nora Noble"), ("pruiz", "Dra. Paula Ruiz"),
                         ("npatel", "Nurse Nikhil Patel")], 5)
    assert names == {"nnoble": "Nora", "pruiz": "Paula", "npatel": "NP"}  # Nikhil: 6 cells


def test_names_go_before_an_alerts_reason_and_do_not_come_back() -> None:
    """qa27 F7: at 80 columns `TEAM NURSES ALL AT CAP · live · HOOK UNSAFE · online: you,
    Ana, Cy, Nurse`: the hook's reason was cut while the colleagues' names stayed. Names
    give way (`+3`) first; a shorter alert form keeps them given way."""
    from cxinbox.contract.types import Alert
    from cxinbox.tui.alertline import alert_forms

    line = StatusLine(me="qa27nurse", glyphs=UNICODE_GLYPHS)
    line.set_sync("live")
    line.set_alert("team nurses all at cap")
    line.set_online(("qa27nurse", "Ana", "Cy", "Nurse"))
    alert = Alert("notify-setup:unsafe:[sla]@desk-a:/run/cx.sock", "error",
                  "[sla] notify_command: /tmp/qa27/hooks/notify.sh is writable by its group"
                  " (chmod g-w /tmp/qa27/hooks/notify.sh): others can change it to silence"
                  " SLA escalations", 0)
    whole, *shorter = alert_forms(alert)
    line.set_mail(whole, problem=True, shorter=shorter)
    for room in (78, 90, 100, 110):
        right = line._right(room).plain
        assert len(right) <= room, (room, right)
        assert "TEAM NURSES ALL AT CAP" in right and "HOOK UNSAFE" in right, right
        if "writable by its group" not in right:  # the reason was cut: no names kept
            assert right.endswith("online: you +3 "), (room, right)
    assert "writable by its group" in line._right(110).plain


async def test_the_thread_header_names_the_assignee_as_the_list_does(tmp_path: Path) -> None:
    """The header said `dev, assigned by rule: …` (the login) beside a list that says Dev
    and a cleared-flag line that says Maria Lopez: one person, one name on every screen."""
    inbox = make_inbox(tmp_path, conversations=40)
    config = inbox.demo.config
    names = {m.os_user: m.name for m in config.staff}
    free = [s.id for s in inbox.service.list_conversations("status:open", 0, 200).items
            if s.assignee is None][:2]
    by_rule, mine = free
    InboxService(inbox.db, config, "rule:lab results").assign(by_rule, "dev")
    inbox.service.assign(mine, DESK)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        for conv, said in ((by_rule, f"{names['dev']}, assigned by rule: lab results"),
                           (mine, f"{names[DESK]} (you)")):
            app.conversation_list.focus()
            app.conversation_list.move_to(app.conversation_list.row_of(conv) or 0)
            await wait_for(pilot, lambda c=conv: app.conversation_list.selected is not None
                           and app.conversation_list.selected.id == c, what="cursor on it")
            await pilot.press("enter")
            await wait_for(pilot, lambda c=conv: f"#{c} " in screen_text(app)
                           and app.thread.conv_id == c, what="the thread")
            header = " ".join(screen_text(app).split())
            assert said in header, header
            assert "dev," not in header and f"{DESK} (you)" not in header, header
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.conversation_list.display, what="the list")
