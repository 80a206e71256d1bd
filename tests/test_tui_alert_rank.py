"""Several server alerts at once on the 80-column status line (qa28 F2, F3): the most
urgent shows first and in its short form when the whole line does not fit (red flags
nobody hears of before a failing pager, before a mailbox), the others are counted (`+2`),
and the names stay at `online: you +N`."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import make_app, make_inbox, wait_for, wait_roster_read, wait_rows

from cxinbox.contract.types import Alert
from cxinbox.service.health import Health
from cxinbox.service.notify import NotifyOutcome
from cxinbox.service.notify_record import NotifyRecorder
from cxinbox.tui.alertline import alert_forms, most_urgent

HOOK = "/srv/hooks/page.sh"
FOLDER_LINE = ("billing/Old: mail server unreachable since 19:09 - retrying (127.0.0.1:35789: "
               "SELECT Old: select failed: Mailbox doesn't exist: Old)")


def _render(widget: object) -> str:
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    return "".join(strip.text for strip in widget.render_lines(widget.region.reset_offset))


def _fail_hook(recorder: NotifyRecorder) -> None:
    """A red-flag page whose hook exits 1, twice, as the server records it."""
    for _ in range(2):
        recorder(NotifyOutcome("red-flag notify_command", 11, {"state": "red_flag"},
                               error="exit 1", command=HOOK))


async def test_roster_alert_shows_first_while_a_hook_fails(tmp_path: Path) -> None:
    """qa28 F2: with the hook failing (and a folder down), the roster the red-flag round
    cannot read is what the 80-column line says, in full, with the others counted."""
    from cxinbox.service.redflag_routing import RedFlagRouter

    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    router = RedFlagRouter(inbox.db, inbox.demo.config, health=health)

    def rename(old: str, new: str) -> None:
        with inbox.db.writing() as tx:
            tx.conn.execute(f"ALTER TABLE {old} RENAME TO {new}")  # type: ignore[attr-defined]

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        _fail_hook(NotifyRecorder(inbox.db, health))
        health.problem("folder:billing/Old", FOLDER_LINE, severity="warning")
        await wait_for(pilot, lambda: "notify_command" in _render(app.status_line)
                       or "PAGER FAILING" in _render(app.status_line),
                       what="the failing hook on the status line")
        rename("staff_away", "staff_away_gone")
        try:
            try:
                router.round(1_800_000_005)
            except Exception as exc:  # noqa: BLE001 - the round fails, and says so
                assert "staff_away" in str(exc)
        finally:
            rename("staff_away_gone", "staff_away")
        await wait_for(pilot, lambda: "RED FLAGS NOT ROUTED: roster unreadable" in _render(
            app.status_line), what="the roster alert first on the status line")
        line = _render(app.status_line)
        assert "+2" in line, line  # the hook and the folder, counted
        assert "notify_command" not in line and "PAGER" not in line, line
        assert "online: you" in line, line


async def test_a_failing_hook_says_pages_are_not_going_out_at_80_columns(
        tmp_path: Path) -> None:
    """qa28 F3: beside a team alert and a folder warning, the hook's alert keeps what it
    means (pages are not going out) rather than its first words, counts the folder (+1),
    and the names stay."""
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_roster_read(pilot, app)
        app.status_line.set_alert("team nurses all at cap")
        health.problem("folder:billing/Old", FOLDER_LINE, severity="warning")
        await wait_for(pilot, lambda: "billing/Old: mail server unreachable" in _render(
            app.status_line), what="the folder alert, not cut mid-sentence")
        assert "since" not in _render(app.status_line), _render(app.status_line)
        _fail_hook(NotifyRecorder(inbox.db, health))
        await wait_for(pilot, lambda: "PAGER FAILING" in _render(app.status_line),
                       what="the failing hook's short form")
        line = _render(app.status_line)
        assert "TEAM NURSES ALL AT CAP" in line, line
        assert "+1" in line, line
        assert "online: you" in line, line
        assert "notify_command failed" not in line, line


async def test_a_long_alert_with_no_short_form_is_cut_keeping_its_count_and_names(
        tmp_path: Path) -> None:
    """Whatever the alert, a line too long for what is left is cut with an ellipsis,
    and the `+N` of the hidden alerts and `online:` stay."""
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_roster_read(pilot, app)
        app.status_line.set_alert("team nurses all at cap")
        health.problem("worker:sla", "the SLA monitor keeps stopping and restarting every "
                       "few seconds while it reads the rotas of every team on the roster")
        health.problem("account:billing", "billing: Microsoft sign-in expired - IT: cxinbox "
                       "auth login billing (invalid_grant: the password changed)")
        await wait_for(pilot, lambda: "+1" in _render(app.status_line),
                       what="the hidden alert counted")
        line = _render(app.status_line)
        assert "billing: Microsoft sign-in expired" in line, line  # a mailbox first
        assert "since" not in line and "online:" not in line, line  # names gave way
        assert "\u2026" in line or "..." in line, line


def test_alerts_rank_red_flags_then_pager_then_mail() -> None:
    from cxinbox.contract.health_types import PAGE_ALERT, ROSTER_ALERT

    folder = Alert("folder:billing/Old", "error", FOLDER_LINE, 1)
    hook = Alert(f"notify:{HOOK}", "error", "notify_command failed 2 time(s)", 2)
    setup = Alert("notify-setup:unsafe:[sla]@a:/s", "error", "x is writable", 3)
    roster = Alert(ROSTER_ALERT, "error", "red flags not routed: roster unreadable", 4)
    page = Alert(PAGE_ALERT, "warning", "red flag page given up", 5)
    assert most_urgent([folder, hook, setup, roster]) is roster
    assert most_urgent([folder, hook, page]) is page
    assert most_urgent([folder, setup]) is setup
    assert most_urgent([folder, hook]) is hook
    forms = alert_forms(hook, more=1)
    assert forms[-1] == "PAGER FAILING +1"
    assert "PAGER FAILING: pages are not going out +1" in forms
    folder_forms = alert_forms(folder, more=2)
    assert "billing/Old: mail server unreachable +2" in folder_forms
