"""`cxinbox reply` and `cxinbox outbox`: answering patients from the command line.

Presentation only, on top of the inbox API. `register(app, open_api)` adds the commands to
the main typer app; cli_app.py decides how the API is reached (socket or in-process).

In-process, `reply --send` waits out the undo window and delivers the reply itself through
the OutboxWorker (unless --no-wait); Ctrl-C during the window takes the reply back. With a
running `cxinbox serve`, the server sends it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import click
import typer

from cxinbox.cli_input import read_text_input
from cxinbox.contract.errors import ApiError, BadRequest, CannedRefused

if TYPE_CHECKING:
    from cxinbox.api.interface import InProcessAPI
    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config
    from cxinbox.contract.reply_types import CannedView, DraftView, OutboxItemView

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]

OutboxAction = Literal["list", "retry", "cancel", "confirm"]

EXIT_GUARD = 7
EXIT_SEND_FAILED = 8
MAX_BODY_FILE_BYTES = 1024 * 1024


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"cxinbox: {message}", err=True)
    return typer.Exit(code)


def _parse_id(text: str, what: str = "conversation id") -> int:
    try:
        value = int(text.lstrip("#"))
    except ValueError:
        raise _fail(f"'{text}' is not a {what} (expected a number like 1024)") from None
    if value <= 0:
        raise _fail(f"'{text}' is not a {what}")
    return value


def _parse_fills(fills: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in fills:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise _fail(f"--fill expects key=value, got {item[:60]!r}")
        out[key.strip()] = value
    return out


def _draft_lines(d: DraftView) -> list[str]:
    lines = [f"draft {d.id} on #{d.conversation_id} by {d.author_name} ({d.mode}, from {d.account})",
             f"To: {', '.join(d.to)}"]
    if d.cc:
        lines.append(f"Cc: {', '.join(d.cc)}")
    if d.subject:
        lines.append(f"Subject: {d.subject}")
    lines.append("")
    lines.append(d.body.rstrip())
    if d.signature:
        lines += ["", "-- ", d.signature.rstrip()]
    for f in d.attachments:
        size = f"{f.size / 1024:.0f} KB" if f.size >= 0 else "size unknown"
        lines.append(f"[attached: {f.filename}, {size}]")
    return lines


def _item_line(item: OutboxItemView, cfg: Config) -> str:
    """One outbox row; its time in the clinic's zone (`[clinic] timezone`), as everywhere
    else in the CLI, whatever zone the machine running the command is set to."""
    from cxinbox.cli_app import _fmt_time

    when = _fmt_time(int(item.created_at), cfg.clinic.tzinfo)
    error = f"  ({item.last_error})" if item.last_error and item.state != "sent" else ""
    conv = f"#{item.conversation_id}" if item.conversation_id else \
        "-" if item.channel == "staff" else "new"  # staff: the digest, in no conversation
    return (f"{item.id:>6}  {item.state:<11} {when}  {conv:<7} {item.channel:<5}"
            f" {item.author[:12]:<12} {', '.join(item.recipients)[:40]}{error}")


def _list_templates(canned: list[CannedView], as_json: bool) -> None:
    if as_json:
        _echo_json([c.to_dict() for c in canned])
        return
    width = min(24, max((len(c.name) for c in canned), default=0))
    for c in canned:
        first = next((line.strip() for line in c.body.splitlines() if line.strip()), "")
        text = f"{c.subject} - {first}" if c.subject else first
        room = max(20, 78 - max(width, len(c.name)))
        typer.echo(f"{c.name:<{width}}  {text[:room - 3] + '...' if len(text) > room else text}")
    typer.echo(f"{len(canned)} template(s); use: cxinbox reply ID --template NAME"
               " [--fill key=value]", err=True)


def register(app: typer.Typer, open_api: Callable[[Config], SyncAPI],
             load_config: Callable[[str | None], Config] | None = None) -> None:
    """Add `reply` and `outbox` to `app`.

    `load_config(path_or_None)` defaults to the usual lookup (--config, $CXINBOX_CONFIG,
    the platform default); cli_app.py passes its own so the global --config applies too.
    """

    def _config(path: str | None) -> Config:
        if load_config is not None:
            return load_config(path)
        from cxinbox.config import load_config as load
        from cxinbox.paths import resolve_config_path

        return load(resolve_config_path(path))

    def _replies(cfg: Config) -> SyncAPI:
        return open_api(cfg)

    @app.command("reply")
    def reply(
        conversation: Annotated[str | None, typer.Argument(
            metavar="ID", show_default=False, help="Conversation id.")] = None,
        template: Annotated[str | None, typer.Option(
            "--template", "-t", metavar="NAME",
            help="Canned reply to start from; --template '?' lists them"
                 " (as does cxinbox templates).")] = None,
        fill: Annotated[list[str] | None, typer.Option(
            "--fill", help="key=value for a blank in the template (repeatable).")] = None,
        body_file: Annotated[str | None, typer.Option(
            "--body-file", "-f", help="File with the reply text ('-' = stdin).")] = None,
        reply_all: Annotated[bool, typer.Option("--all", help="Reply to all recipients.")] = False,
        attach: Annotated[list[str] | None, typer.Option(
            "--attach", "-a", help="Attach a file (repeatable; email only).")] = None,
        kb: Annotated[list[str] | None, typer.Option(
            "--kb", metavar="SLUG", help="Add a patient-facing knowledge-base article"
                                         " (repeatable; see cxinbox kb search).")] = None,
        kb_link: Annotated[bool, typer.Option(
            "--kb-link", help="With --kb: only the article's title and link.")] = False,
        send: Annotated[bool, typer.Option("--send", help="Queue it for sending.")] = False,
        force: Annotated[bool, typer.Option(
            "--force", help="Send even if the conversation changed meanwhile.")] = False,
        no_wait: Annotated[bool, typer.Option(
            "--no-wait", help="With --send: queue and return; the server sends it.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
        config: ConfigOpt = None,
    ) -> None:
        """Write a reply (a shared draft); with --send, queue it (undo window applies)."""
        if template == "?":
            with _replies(_config(config)) as replies:
                _list_templates(replies.canned_replies(), as_json)
            return
        if conversation is None:
            raise click.UsageError("Missing argument 'ID'.", click.get_current_context())
        conv_id = _parse_id(conversation)
        if template is not None and body_file is not None:
            raise _fail("give exactly one of --template NAME or --body-file FILE"
                        " (--kb SLUG may go with either)")
        if template is None and body_file is None and not kb:
            raise _fail("give exactly one of --template NAME, --body-file FILE or --kb SLUG")
        if kb_link and not kb:
            raise _fail("--kb-link only goes with --kb SLUG")
        if fill and template is None:
            raise _fail("--fill only goes with --template")
        from cxinbox.api.upload import read_for_upload  # MIME types: only when attaching

        files: list[tuple[str, bytes, str]] = []
        for path in attach or []:
            try:
                files.append(read_for_upload(path, sum(len(f[1]) for f in files)))
            except ApiError as exc:
                raise _fail(str(exc)) from None
        cfg = _config(config)
        with _replies(cfg) as replies:
            _reply(replies, cfg, conv_id, template, fill, body_file, reply_all, send, force,
                   no_wait, as_json, files, kb or [], kb_link)

    def _reply(replies: SyncAPI, cfg: Config, conv_id: int, template: str | None,
               fill: list[str] | None, body_file: str | None, reply_all: bool, send: bool,
               force: bool, no_wait: bool, as_json: bool,
               files: list[tuple[str, bytes, str]], kb: list[str] | None = None,
               kb_link: bool = False) -> None:
        # Articles first: a staff-only one is refused (one line) before any draft is touched.
        articles = [replies.kb_insertion(slug.strip().lower(), kb_link, conv_id).text
                    for slug in kb or []]
        if template is None and body_file is None:
            body = ""
        elif template is not None:
            rendered = replies.render_canned(template, conv_id, _parse_fills(fill or []))
            if rendered.blanks:
                wanted = " ".join(f"--fill {b}=..." for b in rendered.blanks)
                raise _fail(f"template {template!r} needs: {', '.join(rendered.blanks)}"
                            f" (add {wanted})")
            body = rendered.body
        else:
            body = read_text_input(body_file or "-", MAX_BODY_FILE_BYTES)
        if articles:
            body = "\n\n".join(part.strip("\n") for part in (body, *articles)
                               if part.strip()) + "\n"
        if not body.strip():
            raise _fail("the reply is empty")
        draft = replies.start_draft(conv_id, "reply_all" if reply_all else "reply")
        before = draft.body
        draft = replies.save_draft(draft.id, body)
        if files:  # the reply carries exactly these (an older draft's files come off)
            for old in draft.attachments:
                if old.id:
                    draft = replies.detach_file(draft.id, old.id)
            for name, data, kind in files:
                draft = replies.attach_file(draft.id, name, data, kind)
        if not send:
            if as_json:
                _echo_json({"draft": draft.to_dict()})
            else:
                typer.echo("\n".join(_draft_lines(draft)))
                typer.echo(f"saved as draft {draft.id}; send with --send", err=True)
            return
        try:
            _send(replies, cfg, draft.id, force=force, wait=not no_wait, as_json=as_json)
        except CannedRefused:
            _take_back(replies, draft.id, before)
            raise

    @app.command("templates")
    def templates(
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
        config: ConfigOpt = None,
    ) -> None:
        """List the canned replies `reply --template NAME` can start from, with their blanks."""
        with _replies(_config(config)) as replies:
            _list_templates(replies.canned_replies(), as_json)

    @app.command("outbox")
    def outbox(
        action: Annotated[OutboxAction, typer.Argument(
            metavar="[list|retry|cancel|confirm]",
            help="list (the default), retry ID, cancel ID or confirm ID.")] = "list",
        item: Annotated[str | None, typer.Argument(metavar="ID", help="Outbox item id.")] = None,
        state: Annotated[list[str] | None, typer.Option(
            "--state", help="Only items in this state (repeatable).")] = None,
        limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
        config: ConfigOpt = None,
    ) -> None:
        """List the outbox, or retry / cancel / confirm one item.

        \b
        Actions:
          list         what is queued, sending, sent, failed or unconfirmed
          retry ID     send a failed or unconfirmed reply again
          cancel ID    take a queued reply back (its text returns as a draft)
          confirm ID   an "unconfirmed" reply did reach the patient: record it as sent
        """
        cfg = _config(config)
        with _replies(cfg) as replies:
            _outbox(replies, cfg, action, item, state, limit, as_json)

    def _outbox(replies: SyncAPI, cfg: Config, action: str, item: str | None,
                state: list[str] | None, limit: int, as_json: bool) -> None:
        if action == "list":
            if item is not None:
                raise _fail("outbox list takes no ID")
            items = replies.outbox(state or None, limit)
            if as_json:
                _echo_json([i.to_dict() for i in items])
            else:
                for i in items:
                    typer.echo(_item_line(i, cfg))
                typer.echo(f"{len(items)} item(s); times in {cfg.clinic.timezone}", err=True)
            return
        actions = {"retry": replies.retry_outbox, "cancel": replies.cancel_outbox,
                   "confirm": replies.confirm_outbox}
        if action not in actions:
            raise _fail(f"unknown outbox action {action!r}; expected list, retry, cancel or"
                        " confirm")
        if item is None:
            raise _fail(f"outbox {action} needs an ID")
        result = actions[action](_parse_id(item, "outbox id"))
        if as_json:
            _echo_json(result.to_dict())
        else:
            typer.echo(_item_line(result, cfg))


def _take_back(replies: SyncAPI, draft_id: int, before: str) -> None:
    """A send refused for canned text on a red-flagged conversation: the text this command
    put in the draft only to send it is taken out again, so the composer (`r`) opens on
    the emergency guidance, or on what the draft held before, never on the refused text."""
    if before.strip():
        replies.save_draft(draft_id, before)
    else:
        replies.discard_draft(draft_id)


def _send(replies: SyncAPI, cfg: Config, draft_id: int, *, force: bool, wait: bool,
          as_json: bool) -> None:
    from cxinbox.contract.reply_types import SendGuardTripped

    try:
        item = replies.send_draft(draft_id, force=force)
    except SendGuardTripped as exc:
        if as_json:
            _echo_json(exc.to_dict())
        typer.echo(f"cxinbox: {exc}", err=True)
        for g in exc.items:
            typer.echo(f"  - {g.line()}", err=True)
        raise typer.Exit(EXIT_GUARD) from None
    undo = max(0.0, item.send_after - time.time())
    if not as_json:
        typer.echo(f"queued as outbox {item.id}; sends in {undo:.0f}s"
                   f" (take it back: cxinbox outbox cancel {item.id})", err=True)
    if wait and replies.transport == "in-process":
        item = _deliver_in_process(replies, cfg, item.id)
    elif not as_json:
        typer.echo("the front-desk server sends it after the undo window", err=True)
    if as_json:
        _echo_json({"outbox": item.to_dict()})
    else:
        typer.echo(_item_line(item, cfg))
    if item.state in ("failed", "unconfirmed", "cancelled"):
        raise typer.Exit(EXIT_SEND_FAILED)


def _deliver_in_process(replies: SyncAPI, cfg: Config, item_id: int) -> OutboxItemView:
    """Wait out the undo window (Ctrl-C cancels), then send through the outbox worker until
    the item is sent, failed or unconfirmed (temporary failures keep it queued: reported)."""
    from cxinbox.service.outbox import OutboxWorker

    item = cast("OutboxItemView", replies.outbox_item(item_id))
    try:
        while time.time() < item.send_after:
            time.sleep(min(0.2, max(0.0, item.send_after - time.time())))
    except KeyboardInterrupt:
        try:
            cancelled = replies.cancel_outbox(item_id)
        except ApiError as exc:
            raise _fail(f"could not take it back: {exc}", 1) from None
        typer.echo(f"cancelled outbox {item_id}; your text is back as a draft", err=True)
        return cast("OutboxItemView", cancelled)
    # The worker still runs on the SQLite store itself (tests/test_layers.py: debt).
    store: Any = cast("InProcessAPI", replies.api).service.store
    worker = OutboxWorker(store, cfg)
    worker.process_due()
    item = replies.outbox_item(item_id)
    if item.state == "queued":
        typer.echo(f"not sent yet: {item.last_error or 'waiting'}; it stays in the outbox and"
                   " is retried by `cxinbox serve` (or `cxinbox outbox retry`)", err=True)
    if item.state not in ("queued", "sending", "sent", "failed", "unconfirmed", "cancelled"):
        raise BadRequest(f"unexpected outbox state {item.state}")
    return cast("OutboxItemView", item)
