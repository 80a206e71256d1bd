"""The server's own trouble reaches every staff member's screen at 80x24 (Pilot)."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.service.health import Health, account_key


async def test_a_mailbox_that_cannot_sign_in_is_on_the_status_line_until_fixed(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    health = Health(inbox.db, inbox.demo.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        assert "sign-in expired" not in screen_text(app)
        health.problem(account_key("billing"), "billing: Microsoft sign-in expired - IT must "
                       "run `cxinbox auth login billing`")
        await wait_for(pilot, lambda: "billing: Microsoft sign-in expired" in screen_text(app),
                       what="the alert on the status line")
        text = screen_text(app)
        assert "cxinbox auth login" in text
        health.ok(account_key("billing"))
        await wait_for(pilot, lambda: "sign-in expired" not in screen_text(app),
                       what="the alert gone once fixed")
