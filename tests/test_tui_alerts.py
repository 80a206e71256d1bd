"""The server's own trouble reaches every staff member's screen at 80x24 (Pilot)."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import (
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_roster_read,
    wait_rows,
)

from cxinbox.config import load_config_text
from cxinbox.service.health import Health, account_key


def _render(widget: object) -> str:
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    return "".join(strip.text for strip in widget.render_lines(widget.region.reset_offset))


async def test_a_mailbox_that_cannot_sign_in_is_on_the_status_line_until_fixed(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        assert "sign-in expired" not in screen_text(app)
        health.problem(account_key("billing"), "billing: Microsoft sign-in expired - IT: "
                       "cxinbox auth login billing (invalid_grant: AADSTS50173: the password "
                       "changed: sign in again)")
        await wait_for(pilot, lambda: "billing: Microsoft sign-in expired" in screen_text(app),
                       what="the alert on the status line")
        # The action fits on the 80-column status line once the toast has gone.
        status = app.status_line
        await wait_for(pilot, lambda: "cxinbox auth login billing" in _render(status),
                       what="the action on the status line")
        health.ok(account_key("billing"))
        await wait_for(pilot, lambda: "sign-in expired" not in screen_text(app),
                       what="the alert gone once fixed")


async def test_a_hook_alert_keeps_its_reason_on_the_80_column_status_line(
        tmp_path: Path) -> None:
    """The server's verdict on a notify hook is a long line: at 80 columns, beside a team
    alert, the status line shows the verdict and the reason, not the first words of the
    key ("[sla] notify_command:") with the reason cut off."""
    from cxinbox.service.notify_check import HookWatch

    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    hook = tmp_path / "notify.sh"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o770)  # its group may rewrite the pager
    tmp_path.chmod(0o755)
    config = load_config_text(f'[sla]\nnotify_command = ["{hook}"]\n')
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_roster_read(pilot, app)
        app.status_line.set_alert("team nurses all at cap")
        HookWatch(config, health, host="desk-a").check()  # as the server judges it
        status = app.status_line
        await wait_for(pilot, lambda: "HOOK UNSAFE" in _render(status),
                       what="the hook's verdict on the status line")
        line = _render(status)
        assert "TEAM NURSES ALL AT CAP" in line, line
        assert "[sla] notify_command:" not in line, line
        assert len(line.rstrip()) <= 80, line
        # the whole line is one key away: the toast told it, `cxinbox status` keeps it
        assert any("writable by its group" in a.message for a in inbox.service.alerts())
        assert [a.key for a in inbox.service.alerts()
                if a.key.startswith("notify-setup:")] == \
            [f"notify-setup:unsafe:[sla]@desk-a:{config.socket_path}"]


async def test_an_older_servers_hook_alert_is_still_shown(tmp_path: Path) -> None:
    """A server from before the verdict was in the key (`notify-setup:[sla]@HOST`): its
    alert still reaches the status line, with its verdict read from its words."""
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        hook = "/tmp/qa26/hooks/notify.sh"
        health.problem("notify-setup:[sla]@old-host",
                       f"[sla] notify_command: {hook} is writable by its group (chmod g-w "
                       f"{hook}): SLA escalations and rules' notify and red flags page nobody")
        await wait_for(pilot, lambda: "HOOK UNSAFE" in _render(app.status_line),
                       what="the older server's alert on the status line")


def test_hook_alert_forms_put_the_reason_first() -> None:
    from cxinbox.contract.types import Alert
    from cxinbox.tui.alertline import alert_forms

    path = "/srv/cx/hooks/page.sh"
    forms = alert_forms(Alert("notify-setup:[sla]", "error",
                              f"[sla] notify_command: {path} is owned by ana (uid 1005), not"
                              " root or cx (uid 990) (the server's user): red flags page nobody",
                              0), more=1)
    assert forms[1] == "HOOK UNSAFE: page.sh is owned by ana, not root or cx +1", forms
    assert forms[-1] == "HOOK UNSAFE +1"
    missing = alert_forms(Alert("notify-setup:[sla]", "error",
                                "[sla] notify_command: qa26-notify is not on the server's"
                                " PATH (/usr/local/bin:/bin:/usr/bin): give the full path:"
                                " red flags page nobody", 0))
    assert missing[1] == ("HOOK BROKEN: qa26-notify is not on the server's PATH: give the"
                          " full path"), missing
    # other alerts keep their one line (the status line cuts it at its end, as before)
    assert alert_forms(Alert("account:billing", "error", "billing: sign-in expired", 0)) == \
        ["billing: sign-in expired"]


def test_the_servers_own_hook_lines_give_their_short_forms(tmp_path: Path) -> None:
    """The forms are cut from what service/notify_check.py really says (not a copy of its
    wording): a hook others can change, and one that cannot run."""
    from cxinbox.contract.types import Alert
    from cxinbox.service.notify_check import Hook, hook_trouble, this_process
    from cxinbox.tui.alertline import alert_forms

    hook = tmp_path / "notify.sh"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o770)
    me = this_process("the server")
    unsafe = hook_trouble(Hook("[sla] notify_command", (str(hook),), "red flags"), me)
    assert unsafe is not None
    key = "notify-setup:unsafe:[sla]@here:/run/cx.sock"
    forms = alert_forms(Alert(key, "error", unsafe, 0))
    assert forms[1] == "HOOK UNSAFE: notify.sh is writable by its group", forms
    assert len(forms[1]) < 60
    broken = hook_trouble(Hook("[sla] notify_command", (str(tmp_path / "gone.sh"),),
                               "red flags"), me)
    assert broken is not None
    assert alert_forms(Alert(key.replace("unsafe", "broken"), "error", broken, 0))[1] == \
        "HOOK BROKEN: gone.sh does not exist"


async def test_a_roster_the_red_flag_round_cannot_read_is_on_the_status_line(
        tmp_path: Path) -> None:
    """The red-flag round cannot read who is away: everyone's status line says so in one
    line with the reason, and it goes once the round reads the roster again."""
    from cxinbox.service.redflag_routing import RedFlagRouter

    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    router = RedFlagRouter(inbox.db, inbox.demo.config,
                           health=Health(inbox.db, inbox.demo.config))

    def rename(old: str, new: str) -> None:
        with inbox.db.writing() as tx:
            tx.conn.execute(f"ALTER TABLE {old} RENAME TO {new}")  # type: ignore[attr-defined]

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        router.round(1_800_000_000)
        assert "roster unreadable" not in screen_text(app)
        rename("staff_away", "staff_away_gone")
        try:
            try:
                router.round(1_800_000_005)
            except Exception as exc:  # noqa: BLE001 - the round fails, and says so
                assert "staff_away" in str(exc)
            else:
                raise AssertionError("the round read a roster that is not there")
        finally:
            rename("staff_away_gone", "staff_away")
        await wait_for(pilot, lambda: "roster unreadable" in _render(
            app.status_line), what="the roster alert on the status line")
        router.round(1_800_000_010)
        await wait_for(pilot, lambda: "roster unreadable" not in screen_text(app),
                       what="the alert gone once the roster reads again")


def test_the_hook_verdict_is_read_from_the_alerts_key() -> None:
    """The key says the verdict: a line whose words would read otherwise does not change
    it (an older server's key, without one, is read from the words)."""
    from cxinbox.contract.types import Alert
    from cxinbox.tui.alertline import alert_forms, hook_verdict

    words = "[sla] notify_command: /x/page.sh is writable by its group: red flags page nobody"
    assert alert_forms(Alert("notify-setup:broken:[sla]@a:/s", "error", words, 0))[-1] == \
        "HOOK BROKEN"
    assert hook_verdict("notify-setup:unsafe:[triage]@a:/s", "cannot run") == "HOOK UNSAFE"
    assert hook_verdict("notify-setup:[sla]@old", words) == "HOOK UNSAFE"
    assert hook_verdict("notify-setup:[sla]", "x does not exist") == "HOOK BROKEN"
    assert hook_verdict("account:billing", words) is None


def test_alerts_no_one_may_hear_of_keep_their_meaning_at_80_columns() -> None:
    """The roster, a red-flag cap page and the backlog page given up: a long line cut at 80
    columns would keep only its start, so each has a short form by its key, and the keys
    are the ones the server raises."""
    from cxinbox.contract.types import Alert
    from cxinbox.service.redflag_routing import PAGE_ALERT, ROSTER_ALERT
    from cxinbox.service.sla_monitor import BACKLOG_ALERT
    from cxinbox.tui.alertline import SHORT_FORMS, alert_forms

    assert set(SHORT_FORMS) == {ROSTER_ALERT, PAGE_ALERT, BACKLOG_ALERT}
    long_line = ("red flags not routed: roster unreadable (away list, team rotas): "
                 "OperationalError: no such table: staff_away, and more words besides")
    forms = alert_forms(Alert(ROSTER_ALERT, "error", long_line, 0), more=2)
    assert forms[0].startswith(long_line)
    assert "RED FLAGS NOT ROUTED: roster unreadable (cxinbox status) +2" in forms
    assert all(len(f) <= 80 for f in forms[1:])
    # any other alert: its line without brackets, then what it says before why
    other = alert_forms(Alert("account:billing", "error", long_line, 0))
    assert other[0] == long_line and "(away list" not in other[1], other
    assert other[-1] == "red flags not routed: roster unreadable", other
