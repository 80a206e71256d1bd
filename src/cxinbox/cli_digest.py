"""`cxinbox report digest --mail-to ADDRESS`: the desk's weekly figures by email, for cron.

Presentation only: the server (or the in-process service) builds the digest, audits the
run and queues the mail in the outbox (service/digest.py). With a running `cxinbox serve`
its outbox worker sends it; in-process this command sends it at once through the same
worker, so a cron job needs no server. `--dry-run` prints the message and queues nothing.
A period's digest goes to each address once: run again, it says so and exits 0 (a retried
cron job is harmless); `--again` sends it anyway.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, cast

import typer

if TYPE_CHECKING:
    from cxinbox.api.transport import SyncAPI
    from cxinbox.contract.report_types import DigestResult

EXIT_NOT_SENT: Final = 8
"""As `cxinbox reply --send`: the mail is queued but did not leave (yet)."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"cxinbox: {message}", err=True)
    return typer.Exit(code)


def addresses(given: list[str] | None) -> list[str]:
    """`--mail-to` values, each possibly a comma-separated list, in order."""
    out = [part.strip() for value in given or () for part in value.split(",")]
    return [a for a in out if a]


def run(api: SyncAPI, mail_to: list[str], query: str, start: int | None,
        end: int | None, *, dry_run: bool, as_json: bool, again: bool = False) -> None:
    if not mail_to:
        raise _fail("report digest needs --mail-to ADDRESS (repeatable)")
    result = cast("DigestResult", api.send_digest(mail_to, query, start, end, dry_run,
                                                  again))
    if result.already_sent and not as_json:
        typer.echo("digest for this period already sent to "
                   + ", ".join(f"{a} (outbox {i})" for a, i in result.already_sent)
                   + "; --again sends it again", err=True)
    if result.outbox_id is None and not dry_run:
        if as_json:
            typer.echo(json.dumps({**result.to_dict(), "state": "already-sent"},
                                  ensure_ascii=False, indent=2))
        return
    if dry_run:
        if as_json:
            typer.echo(json.dumps({**result.to_dict(), "text": result.text},
                                  ensure_ascii=False, indent=2))
            return
        typer.echo(f"From: {result.sender}")
        typer.echo(f"To: {', '.join(result.recipients)}")
        typer.echo(f"Subject: {result.subject}")
        typer.echo("")
        typer.echo(result.text.rstrip("\n"))
        typer.echo("(dry run: nothing was queued)", err=True)
        return
    assert result.outbox_id is not None
    state, error = "queued", ""
    if api.transport == "in-process":
        state, error = _deliver(api, result.outbox_id)
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), "state": state}, ensure_ascii=False,
                              indent=2))
    if state == "sent":
        if not as_json:
            typer.echo(f"digest sent to {', '.join(result.recipients)}"
                       f" (outbox {result.outbox_id})", err=True)
        return
    if state == "queued" and api.transport != "in-process":
        if not as_json:
            typer.echo(f"digest queued as outbox {result.outbox_id}; the front-desk server"
                       " sends it", err=True)
        return
    raise _fail(f"digest not sent (outbox {result.outbox_id} is {state}"
                + (f": {error}" if error else "") + "); `cxinbox serve` retries a queued one,"
                " `cxinbox outbox retry ID` a failed one", EXIT_NOT_SENT)


def _deliver(api: SyncAPI, item_id: int) -> tuple[str, str]:
    """Send the digest now through the outbox worker (due at once: no undo window)."""
    api.deliver_outbox()
    item = api.outbox_item(item_id)
    return str(item.state), str(item.last_error or "")
