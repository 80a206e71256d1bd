"""The server's own trouble reaches every staff member's screen at 80x24 (Pilot)."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

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
