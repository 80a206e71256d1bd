"""The typer app: every command, option and help text of `cxinbox` (presentation only, on
top of the service API). cli.py is the entry point and answers a few hot calls without
loading this module.

Textual is never imported here except by the commands that open the TUI, so `cxinbox
list` and friends start fast (a test checks it).
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, Self
from zoneinfo import ZoneInfo

import click
import typer
from typer.core import TyperGroup

from cxinbox.cli import (
    EXIT_ERROR,
    EXIT_FOREIGN_LOG,
    EXIT_PARTIAL,
    EXIT_SERVER,
    EXIT_UNCHECKED,
    EXIT_USAGE,
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    print_json,
    print_page,
    version_line,
)
from cxinbox.contract.errors import ApiError
from cxinbox.domain.arrival import ARRIVAL_SHOWN_S, unscreened_line, unscreened_why
from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config
    from cxinbox.contract.rule_types import Preview
    from cxinbox.contract.types import Event
    from cxinbox.domain.when import Direction
    from cxinbox.service.inbox import BulkResult, InboxService
    from cxinbox.service.rules import RuleEngine
    from cxinbox.store.interface import Store

app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion (shell detected)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: rich's help and error boxes cost ~100 ms
    no_args_is_help=False,
    invoke_without_command=True,
    help="cxinbox: the clinic front-desk inbox. With no command, opens the TUI.\n\n"
         "New here? `cxinbox demo` opens a demo clinic inbox; `cxinbox init` writes a"
         " config. Shell completion: `cxinbox completion bash` (or zsh, fish).",
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", envvar="CXINBOX_CONFIG", show_envvar=True,
                 help="Path to config.toml (default: the XDG config dir)."),
]


class _State:
    config_path: str | None = None
    local: bool = False
    ascii: bool | None = None
    no_mouse: bool = False


_state = _State()


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"cxinbox: {message}", err=True)
    raise typer.Exit(code)


def _load_config(path_opt: str | None) -> Config:
    from cxinbox.config import load_config
    from cxinbox.paths import resolve_config_path

    return load_config(resolve_config_path(path_opt or _state.config_path))


def _open_db(config: Config, *, create: bool = False) -> Store:
    """The configured store in this process: the SQLite file, or the PostgreSQL database
    `[store] url` names (beside any servers on it). `create`: make the SQLite cache when
    it is not there yet (`sync`); else a missing one is refused in one line."""
    from cxinbox.wiring import open_local_store

    return open_local_store(config, create=create)


def current_actor() -> str:
    """The OS login of the real uid running this process (see `cxinbox.api.identity`)."""
    from cxinbox.api.identity import acting_user

    return acting_user()


def _service(config: Config) -> InboxService:
    """An in-process service on the database file, for commands not yet on the API (they
    bypass a running server: move them onto `InboxAPI` to go through `cxinbox serve`)."""
    from cxinbox.service.inbox import InboxService
    from cxinbox.wiring import rules_engine

    db = _open_db(config)
    return InboxService(db, config, current_actor(), rules=rules_engine(db, config))


def open_api(config: Config, *, create: bool = False) -> SyncAPI:
    """The inbox API for one command: through `cxinbox serve` when it answers on the
    configured socket, else in-process (or always in-process with `--local`). In-process,
    a SQLite cache that is not there is refused in one line unless `create` (a command
    whose content may come before the first sync: `kb add`)."""
    from cxinbox.api.transport import SyncAPI
    from cxinbox.wiring import open_api as open_async

    return SyncAPI(open_async(config, current_actor(), local=_state.local, create=create))


_print_json = print_json


def _fmt_time(epoch: int | None, tz: ZoneInfo) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


AsciiOpt = Annotated[bool | None, typer.Option(
    "--ascii/--unicode", help="Draw only 7-bit ASCII (default: auto for TERM linux/vt100/dumb).")]
MouseOpt = Annotated[bool, typer.Option("--no-mouse", help="Ignore the mouse entirely.")]
LocalOpt = Annotated[bool, typer.Option(
    "--local", envvar="CXINBOX_LOCAL",
    help="Open the database in this process even when a server is running (admins).")]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


VersionOpt = Annotated[bool, typer.Option(
    "--version", is_eager=True, callback=_show_version, help="Print the version and exit.")]


@app.callback()
def root(ctx: typer.Context, config: ConfigOpt = None, ascii: AsciiOpt = None,
         no_mouse: MouseOpt = False, local: LocalOpt = False,
         version: VersionOpt = False) -> None:
    _state.config_path = config
    _state.local = local
    _state.ascii = ascii  # `cxinbox --ascii demo` as well as `cxinbox demo --ascii`
    _state.no_mouse = no_mouse
    if ctx.invoked_subcommand is None:
        from cxinbox.paths import resolve_config_path
        from cxinbox.tui.launch import open_tui

        path = resolve_config_path(config)
        if not path.exists():
            fail(f"no config at {path}; try `cxinbox demo` (a demo clinic inbox, nothing to"
                 " set up) or `cxinbox init` (write a config to edit)", EXIT_USAGE)
        open_tui(_load_config(config), ascii=ascii, mouse=False if no_mouse else None,
                 local=local)


Shell = Literal["bash", "zsh", "fish", "powershell"]


@app.command()
def completion(shell: Annotated[Shell, typer.Argument(help="Your shell.")]) -> None:
    """Print the shell completion script for SHELL.

    \b
    bash:  cxinbox completion bash > ~/.local/share/bash-completion/completions/cxinbox
    zsh:   cxinbox completion zsh > "${fpath[1]}/_cxinbox"
    fish:  cxinbox completion fish > ~/.config/fish/completions/cxinbox.fish
    (or `cxinbox --install-completion` for the shell you are in)
    """
    # typer's own script, the one --show-completion prints, for a shell named rather than
    # detected (detection fails under sudo, in scripts and in containers).
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name="cxinbox", complete_var="_CXINBOX_COMPLETE",
                                     shell=shell))


@app.command()
def demo(ascii: AsciiOpt = None, no_mouse: MouseOpt = False,
         keep: Annotated[str | None, typer.Option(
             "--keep", metavar="DIR",
             help="Keep the demo's SQLite database and a config.toml for it in DIR (new or"
                  " empty), e.g. to try `rules test` or `store copy` on it after.")] = None,
         ) -> None:
    """Open the TUI on a built-in demo clinic inbox: no network, no config, nothing saved
    (unless --keep DIR)."""
    from cxinbox.tui.launch import DemoKeepError, kept_demo_dir, open_demo

    ascii = _state.ascii if ascii is None else ascii
    no_mouse = no_mouse or _state.no_mouse
    try:
        directory = kept_demo_dir(Path(keep).expanduser()) if keep is not None else None
    except DemoKeepError as exc:
        fail(f"--keep: {exc}", EXIT_USAGE)
    open_demo(ascii=ascii, mouse=False if no_mouse else None, keep=directory)


@app.command()
def init(config: ConfigOpt = None,
         force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False) -> None:
    """Write a starting config (from config.example.toml)."""
    from importlib.resources import files

    from cxinbox.paths import resolve_config_path

    path = resolve_config_path(config or _state.config_path)
    if path.exists() and not force:
        fail(f"{path} already exists (use --force to overwrite)", EXIT_USAGE)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = files("cxinbox").joinpath("config.example.toml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    typer.echo(f"wrote {path}; edit it, then run `cxinbox doctor`")


@app.command()
def sync(
    config: ConfigOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Sync once and exit (no IDLE).")] = False,
    release: Annotated[str | None, typer.Option(
        metavar="ACCOUNT/FOLDER",
        help="Accept the mass deletion that quarantined a folder, then sync.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Sync the configured IMAP folders into the local cache."""
    from cxinbox.channels.signin import credential_for
    from cxinbox.service.sync import MailSync
    cfg = _load_config(config)
    if not cfg.accounts and not cfg.sms.configured:
        fail(f"{cfg.source_path}: no [[accounts]] or [sms] configured; nothing to sync",
             EXIT_USAGE)
    db = _open_db(cfg, create=True)  # a first sync makes the cache
    if release:
        account, _, folder = release.partition("/")
        with db.writing() as tx:
            released = tx.release_quarantine(account, folder or "INBOX")
        if not released:
            fail(f"{release}: not quarantined", EXIT_USAGE)
    reporter = _ProgressReporter(enabled=not quiet and sys.stderr.isatty())
    db_path = cfg.db_path
    from cxinbox.wiring import reap_parse_workers, rules_engine

    reap_parse_workers()  # a killed `cxinbox sync` leaves no parse workers either
    rules = rules_engine(db, cfg)
    health = None
    if not once:  # a one-shot sync tells nobody's status line (and skips the import)
        from cxinbox.service.health import Health

        health = Health(db, cfg)
    engine = MailSync(db, cfg, lambda a: credential_for(a, db_path), reporter,
                      health=health,
                      force_token=lambda a: credential_for(a, db_path, force=True),
                      rules=rules)
    try:
        if cfg.accounts:
            with reporter:
                results = engine.sync_once()
            new = sum(r.new for r in results)
            typer.echo(f"synced {len(results)} folder(s): {new} new message(s)")
            for r in results:
                if r.quarantine:
                    typer.echo(f"warning: {r.account}/{r.folder} quarantined: {r.quarantine}",
                               err=True)
        if cfg.sms.configured:
            _sync_sms_once(db, cfg, rules)
        _send_due_replies(db, cfg)
        if once:
            return
        import threading

        from cxinbox.service.runtime import Outbox, SlaWatch, SmsPoll, Worker

        stop = threading.Event()
        helpers: list[Worker] = [Outbox(db, cfg), SlaWatch(db, cfg, rules=rules)]
        if cfg.sms.configured:
            helpers.append(SmsPoll(db, cfg, rules))
        for helper in helpers:
            threading.Thread(target=helper.run, args=(stop,), name=helper.name,
                             daemon=True).start()
        if not cfg.accounts:
            typer.echo("polling SMS and sending replies; Ctrl-C to stop")
            try:
                while not stop.wait(3600):
                    pass
            except KeyboardInterrupt:
                stop.set()
            return
        typer.echo("watching for new mail (IDLE); Ctrl-C to stop")

        def report(result: Any) -> None:
            typer.echo(f"{result.account}/{result.folder}: +{result.new} new,"
                       f" {result.flag_changes} flag change(s), {result.removed} removed")

        try:
            engine.watch(stop, on_change=report)
        except KeyboardInterrupt:
            stop.set()
    finally:
        engine.close()
        db.close()


def _sync_sms_once(db: Store, cfg: Config, rules: RuleEngine | None) -> None:
    """One poll of the SMS provider; a provider or credential problem is one line, exit 5."""
    from cxinbox.channels.credentials import CredentialError
    from cxinbox.channels.sms import SmsError
    from cxinbox.service.sms_sync import SmsPoller

    poller = SmsPoller(db, cfg, rules=rules)
    try:
        result = poller.poll_once()
    except (SmsError, CredentialError) as exc:
        fail(f"sms: {exc}", EXIT_SERVER)
    finally:
        poller.close()
    for number in poller.unleased:
        typer.echo(f"sms {number}: another server is polling this number; skipped", err=True)
    typer.echo(f"sms: {result.new} new text(s), {result.status_updates} delivery update(s)")


def _send_due_replies(db: Store, cfg: Config) -> None:
    """Replies whose undo window has passed leave now (the server does this continuously)."""
    from cxinbox.service.outbox import OutboxWorker

    sent = OutboxWorker(db, cfg).process_due()
    if sent:
        typer.echo(f"sent {sent} queued repl{'y' if sent == 1 else 'ies'}")


class _ProgressReporter:
    """A rich progress bar on a terminal; silent otherwise (cron, pipes)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Self:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def folder_started(self, account: str, folder: str, new: int) -> None:
        if self._progress is not None and new:
            from rich.markup import escape

            self._task = self._progress.add_task(escape(f"{account}/{folder}"), total=new)

    def advanced(self, count: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)

    def warn(self, message: str) -> None:
        typer.echo(f"warning: {message}", err=True)


QUERY_HELP = """QUERY picks conversations; space-separated terms must all match.

\b
Fields:
  status:open|pending|snoozed|closed    priority:urgent|high|normal|low
  assignee:me|none|LOGIN    tag:NAME    mailbox:NAME    channel:email|sms
  from:TEXT   to:TEXT      sla:breached|at-risk|ok|paused
  is:unread|unassigned|mine|red-flag|unscreened    has:attachment    id:1,2,3
  (is:unscreened: marked "not screened", no red-flag check read it)
  intent:NAME (billing_insurance, prescription_refill ...)
  red-flag:any|none|CATEGORY (chest-pain, breathing ...)
  hours:open|closed  (the clinic's [acknowledge] calendar, now)
  before:DATE   after:DATE  (2026-11-01, 7d, today)
  sort:newest|oldest|due|priority  (orders instead of filtering)
Bare words and "quoted phrases" search the text; a phone number in any
common form (555-350-4006, (555) 350-4006) finds that sender; OR and ( ) group; a leading
- negates (after --, e.g. cxinbox list -- '-tag:billing'). An empty QUERY
matches every conversation.

\b
Examples:
  cxinbox list 'status:open sla:at-risk'
  cxinbox list 'assignee:none channel:sms' --json
  cxinbox list 'status:open (sla:at-risk OR sla:breached) sort:due'
  cxinbox list '555-350-4006 OR "chest pain"' --limit 10
"""


@app.command("list", epilog=QUERY_HELP)
def list_(
    query: Annotated[str, typer.Argument(
        help="What to list, e.g. 'status:open tag:billing' (fields below).")] = "",
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=LIST_LIMIT_MAX,
                                       help="At most this many.")] = LIST_LIMIT_DEFAULT,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
) -> None:
    """List conversations matching QUERY, open red flags first.

    Then newest first, or in the order a sort: term asks for (sort:newest and sort:oldest
    typed out are plain time orders)."""
    cfg = _load_config(config)
    with open_api(cfg) as api:  # the server audits the listing (query, count, ids shown)
        page = api.list_conversations(query, offset, limit)
    print_page(page, cfg.clinic.timezone, offset, as_json)


@app.command()
def show(
    conversation: Annotated[str, typer.Argument(metavar="ID", help="Conversation id (#1024).")],
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show one conversation with its messages and notes."""
    conv_id = _parse_id(conversation)
    cfg = _load_config(config)
    with open_api(cfg) as api:
        detail = api.get_conversation(conv_id)
    if as_json:
        _print_json(detail.to_dict())
        return
    tz = ZoneInfo(cfg.clinic.timezone)
    s = detail.summary
    typer.echo(f"#{s.id}  {s.subject}")
    status = s.status
    if s.status == "snoozed" and s.snoozed_until:  # when it comes back (clinic time)
        status += f" until {_fmt_time(s.snoozed_until, tz)}"
    typer.echo(f"status {status} · priority {s.priority} · assignee {s.assignee or '-'}"
               f" · {s.channel} · {s.mailbox}" + (f" · tags {', '.join(s.tags)}" if s.tags else ""))
    triage = [f"intent {s.intent}" + (f" ({s.intent_confidence:.2f})"
                                      if s.intent_confidence is not None else "")
              ] if s.intent else []
    if detail.intent_why:
        triage.append(detail.intent_why)
    if detail.assigned_by:
        triage.append(f"assigned by rule: {detail.assigned_by}")
    if triage:
        typer.echo(" · ".join(triage))
    if s.red_flag_open:  # the server's answer, the same the TUI's RED! shows
        what = s.red_flag.replace("_", " ") if s.red_flag else "tagged by staff"
        typer.echo(f"RED FLAG open ({what}): a clinician answers; no canned replies until"
                   f" `cxinbox flag clear {s.id} --reason TEXT`")
    elif detail.red_flag_cleared is not None:  # the tags stay: say whose word lifted it
        done = detail.red_flag_cleared
        what = f" ({done.category.replace('_', ' ')})" if done.category else ""
        typer.echo(f"red flag{what} cleared by {done.by or 'staff'}"
                   f" {_fmt_time(done.at, tz)}: \"{done.reason}\"")
    elif s.red_flag_cleared:  # retention released the clear's event; the tags stay
        typer.echo("red flag cleared (who and when: past the audit retention)")
    now = int(time.time())
    if s.unscreened_received_at is not None:
        typer.echo(f"{unscreened_line(s.unscreened_received_at, now)}"
                   f" ({unscreened_why(s.unscreened_reason)})")
    for m in detail.messages:
        typer.echo("")
        arrow = "->" if m.direction in ("out", "auto") else "<-"
        sender = f"{m.from_name} <{m.from_addr}>" if m.from_name else m.from_addr
        # The Date: is what was sent; an arrival far from it is said beside it.
        late = m.received_at is not None and abs(m.received_at - m.date) > ARRIVAL_SHOWN_S
        typer.echo(f"{arrow} {sender}  {_fmt_time(m.date, tz)}"
                   + (f"  (received {_fmt_time(m.received_at, tz)})"
                      if late and m.received_at is not None else "")
                   + (f"  [{unscreened_line(m.received_at or m.date, now)}]"
                      if m.unscreened else ""))
        if m.to:
            typer.echo(f"   to {', '.join(m.to)}")
        if m.problems:
            typer.echo(f"   ! could not fully decode: {m.problems}")
        for a in m.attachments:
            size = f"{a.size} bytes" if a.size > 0 or m.channel != "sms" else "size unknown"
            typer.echo(f"   attachment {a.filename or '(unnamed)'} ({a.content_type}, {size});"
                       f" save: cxinbox attachment {m.id} {a.part_path}")
        typer.echo("")
        typer.echo(m.body.rstrip())
    for n in detail.notes:
        typer.echo("")
        typer.echo(f"[note] {n.author}  {_fmt_time(n.created_at, tz)}")
        typer.echo(n.body.rstrip())


def _parse_id(text: str) -> int:
    try:
        value = int(text.lstrip("#"))
    except ValueError:
        fail(f"'{text}' is not a conversation id (expected a number like 1024 or #1024)",
             EXIT_USAGE)
    if value <= 0:
        fail(f"'{text}' is not a conversation id", EXIT_USAGE)
    return value


# -- bulk staff actions --------------------------------------------------------------------

CONFIRM_THRESHOLD = 25
"""Above this many matches a bulk command asks first (or, without a terminal, wants --yes)."""

_PREVIEW_LINES = 50

QueryArg = Annotated[str, typer.Argument(
    metavar="QUERY", help="Conversations to act on, e.g. 'status:open tag:billing' ('' ="
                          " all), or one id: 1024 or #1024.")]


def _one_id(query: str) -> int | None:
    """The conversation a bulk command's QUERY names when it is a bare number (1024 or
    #1024), else None: a number means that id in every command that acts on conversations
    (a text search for digits needs the query syntax: '"1024"')."""
    one = query.strip().removeprefix("#")
    return int(one) if one.isascii() and one.isdigit() and int(one) > 0 else None


def _selector(query: str) -> str:
    """QUERY as the server takes it: `id:N` for a bare number (`_one_id`)."""
    conv_id = _one_id(query)
    return query if conv_id is None else f"id:{conv_id}"
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Show what would change and change nothing.")]
YesOpt = Annotated[bool, typer.Option(
    "--yes", "-y", help=f"Do not ask before changing more than {CONFIRM_THRESHOLD} matches"
                        " (required then when stdin is not a terminal).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


_SKIPPED_SHOWN = 5
"""Conversations named in the line saying what an open red flag kept out of a bulk change."""


def _show_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def _preview(result: BulkResult, *, err: bool) -> None:
    for change in result.changed[:_PREVIEW_LINES]:
        typer.echo(f"  #{change.id:<6} {change.subject[:50]:<50}  {_show_value(change.before)}"
                   f" -> {_show_value(change.after)}", err=err)
    if len(result.changed) > _PREVIEW_LINES:
        typer.echo(f"  ... and {len(result.changed) - _PREVIEW_LINES} more"
                   " (--json lists them all)", err=err)


def _skipped_line(result: BulkResult) -> str:
    """The matches an open red flag kept out of the change, in one line ("" when none)."""
    ids = result.skipped
    if not ids:
        return ""
    shown = ", ".join(f"#{i}" for i in ids[:_SKIPPED_SHOWN])
    more = f" and {len(ids) - _SKIPPED_SHOWN} more" if len(ids) > _SKIPPED_SHOWN else ""
    verb = "would skip" if result.dry_run else "skipped"
    return (f"{verb} {len(ids)} with an open red flag ({shown}{more}): only a clinician,"
            " supervisor or admin changes that there; cxinbox flag clear ID --reason ...")


def _moved_lines(result: BulkResult) -> list[str]:
    """A rule that ran on the change (a `closed` rule) and left a conversation otherwise
    than asked, one line each: "changed 1 of 1" alone would hide that #3 is open again."""
    asked = {c.id: c.after for c in result.changed}
    moved = [(conv, rule, status) for conv, rule, status in result.moved_by_rules
             if asked.get(conv) != status]
    lines = [f"  #{conv} is open again: rule {rule!r} reopened it" if status == "open" else
             f"  #{conv} is {status} now: rule {rule!r} set it so"
             for conv, rule, status in moved[:_PREVIEW_LINES]]
    if len(moved) > _PREVIEW_LINES:
        lines.append(f"  ... and {len(moved) - _PREVIEW_LINES} more a rule moved on"
                     " (--json lists them all)")
    return lines


def _report_bulk(result: BulkResult, as_json: bool) -> None:
    """Print what a bulk change did; one done except where an open red flag kept a match
    out says so (stderr) and exits EXIT_PARTIAL, after everything else was changed."""
    if as_json:
        _print_json(result.to_dict())
    else:
        same = len(result.unchanged)
        if result.dry_run:
            typer.echo(f"would change {len(result.changed)} of {result.matched} matching"
                       f" conversation(s); {same} already so")
            _preview(result, err=False)
        else:
            typer.echo(f"changed {len(result.changed)} of {result.matched} matching"
                       f" conversation(s); {same} already so")
            for line in _moved_lines(result):
                typer.echo(line)
    if result.skipped:
        typer.echo(f"cxinbox: {_skipped_line(result)}", err=True)
        if not result.dry_run:
            raise typer.Exit(EXIT_PARTIAL)


def _run_bulk(run: Callable[[bool], BulkResult], *, dry_run: bool, yes: bool,
              as_json: bool) -> None:
    """Preview, confirm when many conversations match, then act.

    The preview is a real dry run, so the count a person confirms is computed exactly like
    the change that follows. Without a terminal there is nobody to ask: cron must say --yes.
    With --yes nobody is asked, so there is no preview to compute (half the work at 50k).
    """
    if yes and not dry_run:
        _report_bulk(run(False), as_json)
        return
    preview = run(True)
    if dry_run:
        _report_bulk(preview, as_json)
        return
    if preview.matched > CONFIRM_THRESHOLD and not yes:
        if not _stdin_is_tty():
            fail(f"{preview.matched} conversations match (more than {CONFIRM_THRESHOLD}) and stdin"
                 " is not a terminal; add --yes to go ahead or --dry-run to look first",
                 EXIT_USAGE)
        typer.echo(f"{preview.matched} conversation(s) match; {len(preview.changed)}"
                   " would change:", err=True)
        _preview(preview, err=True)
        if preview.skipped:
            typer.echo(_skipped_line(preview), err=True)
        if not typer.confirm("Go ahead?", default=False, err=True):
            fail("cancelled; nothing changed", EXIT_ERROR)
    _report_bulk(run(False), as_json)


@app.command("tag")
def tag_cmd(
    query: QueryArg,
    add: Annotated[list[str] | None, typer.Option(
        "--add", "-a", metavar="TAG", help="Tag to add (repeatable).")] = None,
    remove: Annotated[list[str] | None, typer.Option(
        "--remove", "-r", metavar="TAG", help="Tag to remove (repeatable).")] = None,
    config: ConfigOpt = None, dry_run: DryRunOpt = False, yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Add and remove tags on every conversation matching QUERY."""
    query = _selector(query)
    with open_api(_load_config(config)) as api:
        _run_bulk(lambda dry: api.bulk_tag(query, add or [], remove or [], dry_run=dry),
                  dry_run=dry_run, yes=yes, as_json=as_json)


@app.command("assign")
def assign_cmd(
    query: Annotated[str, typer.Argument(
        metavar="QUERY", help="Conversations to act on, e.g. 'status:open tag:billing'"
                              " ('' = all), or one id: 1024 or #1024.")],
    target: Annotated[str | None, typer.Argument(
        metavar="[USER|team:NAME]", help="The same as --to.")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", metavar="USER", help="OS login of a staff member, 'me', or team:NAME (the"
                                     " team's next member by its strategy).")] = None,
    unassign: Annotated[bool, typer.Option("--unassign", help="Remove the assignee.")] = False,
    config: ConfigOpt = None, dry_run: DryRunOpt = False, yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Assign every conversation matching QUERY to USER or a team, or unassign them."""
    if to is not None and target is not None:
        fail("give the assignee once: --to USER or a second argument", EXIT_USAGE)
    to = to if to is not None else target
    if (to is None) == (not unassign):
        fail("give exactly one of --to USER (or team:NAME) or --unassign", EXIT_USAGE)
    conv_id = _one_id(query)
    query = _selector(query)  # a bare number is the conversation, not a text search
    with open_api(_load_config(config)) as api:
        if to is not None and to.startswith("team:"):
            from cxinbox import cli_teams

            cli_teams.assign_team(api, conv_id, query, to.removeprefix("team:"),
                                  run_bulk=_run_bulk, dry_run=dry_run, yes=yes,
                                  as_json=as_json)
            return
        user = api.actor if to == "me" else to
        _run_bulk(lambda dry: api.bulk_assign(query, user, dry_run=dry),
                  dry_run=dry_run, yes=yes, as_json=as_json)


STATUS_HELP = """\b
cxinbox status [--json]          the server's health (exit 0 ok, 1 warning,
                                 2 critical or server down, 3 unknown)
cxinbox status QUERY STATE       set the status of every match

The health report comes from the running server (admins and the monitor role)."""


@app.command("status", epilog=STATUS_HELP)
def status_cmd(
    query: Annotated[str | None, typer.Argument(
        metavar="QUERY", help="Conversations to act on, e.g. 'status:open tag:billing'"
                              " ('' = all), or one id: 1024 or #1024. Without QUERY and"
                              " STATE: the server's health.")
    ] = None,
    status: Annotated[str | None, typer.Argument(
        metavar="STATE", help="open, pending, snoozed or closed.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="WHEN",
        help="Wake-up time for snoozed: 2h, 3d, 'tomorrow 9am', 'mon 8:00', friday,"
             " 3pm, 2026-12-01T08:30 (clinic time).")] = None,
    config: ConfigOpt = None, dry_run: DryRunOpt = False, yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Server health (no arguments), or set the status of every conversation matching QUERY."""
    if query is None:
        if until is not None or dry_run or yes:
            fail("--until, --dry-run and --yes go with QUERY STATE; `cxinbox status` alone"
                 " reports the server's health", EXIT_USAGE)
        from cxinbox import cli_status

        raise typer.Exit(cli_status.run(config or _state.config_path, as_json))
    if status is None:
        fail("give QUERY and a status (open, pending, snoozed or closed); `cxinbox status`"
             " with no arguments reports the server's health", EXIT_USAGE)
    cfg = _load_config(config)
    until_s = None if until is None else int(_parse_when(until, cfg, "future").timestamp())
    query = _selector(query)
    with open_api(cfg) as api:
        _run_bulk(lambda dry: api.bulk_status(query, status, until_s, dry_run=dry),
                  dry_run=dry_run, yes=yes, as_json=as_json)


@app.command("priority")
def priority_cmd(
    query: QueryArg,
    priority: Annotated[str, typer.Argument(metavar="urgent|high|normal|low")],
    config: ConfigOpt = None, dry_run: DryRunOpt = False, yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set the priority of every conversation matching QUERY."""
    query = _selector(query)
    with open_api(_load_config(config)) as api:
        _run_bulk(lambda dry: api.bulk_priority(query, priority, dry_run=dry),
                  dry_run=dry_run, yes=yes, as_json=as_json)


@app.command("note")
def note_cmd(
    conversation: Annotated[str, typer.Argument(metavar="ID", help="Conversation id (#1024).")],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note; '-' reads stdin.")],
    config: ConfigOpt = None, as_json: JsonOpt = False,
) -> None:
    """Add an internal note to one conversation."""
    conv_id = _parse_id(conversation)
    body = sys.stdin.read() if text == "-" else text
    with open_api(_load_config(config)) as api:
        note_id = api.add_note(conv_id, body)
    if as_json:
        _print_json({"conversation": conv_id, "note": note_id})
    else:
        typer.echo(f"added note {note_id} to #{conv_id}")


@app.command("merge")
def merge_cmd(
    into: Annotated[str, typer.Argument(metavar="INTO", help="Conversation that stays (#1024).")],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="Conversation merged into it.")],
    undo: Annotated[bool, typer.Option("--undo", help="Take back an earlier merge of OTHER"
                                                      " into INTO.")] = False,
    config: ConfigOpt = None, as_json: JsonOpt = False,
) -> None:
    """Merge OTHER into INTO (one patient, one thread); --undo takes it back."""
    into_id, other_id = _parse_id(into), _parse_id(other)
    with open_api(_load_config(config)) as api:
        if undo:
            api.unmerge(into_id, other_id)
        else:
            api.merge(into_id, other_id)
    if as_json:
        _print_json({"into": into_id, "other": other_id, "undone": undo})
    elif undo:
        typer.echo(f"#{other_id} is on its own again (taken out of #{into_id})")
    else:
        typer.echo(f"merged #{other_id} into #{into_id}; undo with:"
                   f" cxinbox merge --undo {into_id} {other_id}")


@app.command("split")
def split_cmd(
    message: Annotated[str, typer.Argument(metavar="MESSAGE", help="Message id (see"
                                                                   " `show --json`).")],
    config: ConfigOpt = None, as_json: JsonOpt = False,
) -> None:
    """Move a message, and the replies to it, into a new conversation."""
    try:
        message_id = int(message)
    except ValueError:
        fail(f"'{message}' is not a message id (a number; see cxinbox show ID --json)",
             EXIT_USAGE)
    with open_api(_load_config(config)) as api:
        new_id = api.split(message_id)
    if as_json:
        _print_json({"message": message_id, "conversation": new_id})
    else:
        typer.echo(f"message {message_id} is now conversation #{new_id}")


@app.command("attachment")
def attachment_cmd(
    message: Annotated[str, typer.Argument(metavar="MESSAGE", help="Message id (see"
                                                                   " `show ID --json`).")],
    part: Annotated[str, typer.Argument(metavar="PART", help="The attachment's part_path"
                                                             " from `show ID --json`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to save into.")] = Path("."),
    config: ConfigOpt = None, as_json: JsonOpt = False,
) -> None:
    """Save one attachment (an MMS picture is fetched from the provider); audited."""
    from cxinbox.api.download import save_bytes

    try:
        message_id = int(message)
    except ValueError:
        fail(f"'{message}' is not a message id (a number; see cxinbox show ID --json)",
             EXIT_USAGE)
    if not out.is_dir():
        fail(f"no such folder: {clean_line(str(out))}", EXIT_USAGE)
    with open_api(_load_config(config)) as api:
        filename, content_type, data = api.attachment(message_id, part)
    try:
        path = save_bytes(out, filename, data)
    except OSError as exc:
        fail(f"cannot write into {clean_line(str(out))}: {exc.strerror or exc}")
    if as_json:
        _print_json({"path": str(path), "content_type": content_type, "bytes": len(data)})
    else:
        typer.echo(f"saved {path} ({content_type}, {len(data)} bytes)")


contact_app = typer.Typer(help="A patient's contact: addresses and numbers across email"
                                 " and SMS.", no_args_is_help=True)
app.add_typer(contact_app, name="contact")


def _contact_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        fail(f"'{text}' is not a contact number", EXIT_USAGE)
    if value <= 0:
        fail(f"'{text}' is not a contact number", EXIT_USAGE)
    return value


@contact_app.command("show")
def contact_show(
    who: Annotated[str, typer.Argument(metavar="WHO", help="Contact number, #conversation,"
                                                          " or an address or phone number.")],
    config: ConfigOpt = None, as_json: JsonOpt = False,
) -> None:
    """Names, addresses, numbers and open conversations of one patient (audited)."""
    with open_api(_load_config(config)) as api:
        if who.startswith("#"):
            contact = api.contact_for(_parse_id(who))
        elif who.isdigit() and len(who) < 7:
            contact = api.contact(int(who))
        else:
            contact = api.contact_by_address(who)
    if as_json:
        _print_json(contact.to_dict())
        return
    if contact.id is None:
        typer.echo("no contact yet (a conversation the desk started; link an address first)")
        return
    typer.echo(f"contact {contact.id}: {', '.join(contact.names) or '(no name)'}")
    for address in (*contact.emails, *contact.phones):
        typer.echo(f"  {address}")
    for c in contact.others:
        typer.echo(f"  #{c.id:<6} {c.channel:<5} {c.status:<8} {c.subject[:50]}")


@contact_app.command("link")
def contact_link(
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="Contact number.")],
    address: Annotated[str, typer.Argument(metavar="ADDRESS", help="E-mail or phone number.")],
    config: ConfigOpt = None,
) -> None:
    """Link an address or number to a contact (its messages join that patient)."""
    with open_api(_load_config(config)) as api:
        stored = api.link_address(_contact_id(contact), address)
    typer.echo(f"linked {stored} to contact {contact}")


@contact_app.command("unlink")
def contact_unlink(
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="Contact number.")],
    address: Annotated[str, typer.Argument(metavar="ADDRESS", help="E-mail or phone number.")],
    config: ConfigOpt = None,
) -> None:
    """Take an address or number off a contact (it becomes a contact of its own)."""
    with open_api(_load_config(config)) as api:
        new_id = api.unlink_address(_contact_id(contact), address)
    typer.echo(f"unlinked {clean_line(address)}; it is now contact {new_id}")


@contact_app.command("merge")
def contact_merge(
    into: Annotated[str, typer.Argument(metavar="INTO", help="Contact number that stays.")],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="Contact number merged in.")],
    config: ConfigOpt = None,
) -> None:
    """One person: every address and conversation of OTHER moves to INTO."""
    into_id, other_id = _contact_id(into), _contact_id(other)
    with open_api(_load_config(config)) as api:
        api.merge_contacts(into_id, other_id)
    typer.echo(f"contact {other_id} merged into contact {into_id}")


def _parse_when(text: str, cfg: Config, direction: Direction,
                now: datetime | None = None) -> datetime:
    from cxinbox.domain.when import WhenError, parse_when

    try:
        return parse_when(text, now=now or datetime.now(UTC),
                          tz=ZoneInfo(cfg.clinic.timezone), direction=direction)
    except WhenError as exc:
        fail(str(exc), EXIT_USAGE)


def _parse_until(text: str, cfg: Config, now: datetime) -> datetime:
    """An upper bound as `report --until` reads it: `2h` is two hours ago, a bare day
    (`2026-11-30`, `yesterday`) its end; a time ahead of now is fine (all so far)."""
    from cxinbox.domain.when import WhenError, parse_until

    try:
        return parse_until(text, now=now, tz=ZoneInfo(cfg.clinic.timezone))
    except WhenError as exc:
        fail(str(exc), EXIT_USAGE)


# -- audit ----------------------------------------------------------------------------------

_AUDIT_COLUMNS = ("seq", "time", "actor", "action", "target", "details")


def _csv_cell(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (=, +, -, @ at the start)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _event_time(event: Event, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(event.at / 1000, UTC).astimezone(tz)


class _AuditGroup(TyperGroup):
    """`cxinbox audit [QUERY]` reads the trail as before; `cxinbox audit verify` checks it.

    Anything that is not one of the group's command names goes to `read`, so existing
    scripts keep working (a search for the bare word "verify" is `audit read verify`).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["read", *args]
        return super().parse_args(ctx, args)


audit_app = typer.Typer(cls=_AuditGroup, help="The audit trail. `cxinbox audit [QUERY]` reads"
                        " it (the same as `audit read`; supervisors and admins), `cxinbox audit"
                        " verify` checks it against its signed checkpoints, `cxinbox audit"
                        " keys` lists the servers' signing keys.")
app.add_typer(audit_app, name="audit")


@audit_app.command("read")
def audit_cmd(
    query: Annotated[str, typer.Argument(
        metavar="[QUERY]", help="Only events on conversations matching QUERY.")] = "",
    since: Annotated[str | None, typer.Option(
        "--since", metavar="WHEN", help="From this time: 2h, 7d, today, 2026-11-01.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="WHEN", help="Before this time: 2h, yesterday, 2026-11-30 (a"
        " bare day: to its end).")] = None,
    actor: Annotated[str | None, typer.Option("--actor", metavar="USER",
                                              help="Only events by this OS user.")] = None,
    conversation: Annotated[str | None, typer.Option(
        "--conversation", metavar="ID", help="Only events on this conversation.")] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row.")] = False,
    limit: Annotated[int, typer.Option(
        min=0, help="Newest N events (0 = all).")] = 200,
    config: ConfigOpt = None,
) -> None:
    """Show the audit trail (supervisors and admins); reading it is itself audited."""
    if as_json and as_csv:
        fail("give at most one of --json and --csv", EXIT_USAGE)
    cfg = _load_config(config)
    conv_id = _parse_id(conversation) if conversation is not None else None
    now = datetime.now(UTC)  # one now for both bounds: `--since 2d --until 2d` is empty
    since_at = _parse_when(since, cfg, "past", now) if since is not None else None
    if since_at is not None and since_at > now:
        fail(f"--since {since!r} is in the future; nothing has happened since then (give a"
             " past time such as 2h, 7d, today or yesterday)", EXIT_USAGE)
    until_at = _parse_until(until, cfg, now) if until is not None else None
    if since_at is not None and until_at is not None and until_at <= since_at:
        zone = ZoneInfo(cfg.clinic.timezone)
        fail(f"--until {until!r} ({until_at.astimezone(zone):%Y-%m-%d %H:%M}) is not after"
             f" --since {since!r} ({since_at.astimezone(zone):%Y-%m-%d %H:%M}): nothing lies"
             " between them", EXIT_USAGE)
    # One more than asked for tells whether the page is the whole trail (oldest first:
    # the extra one is the oldest, left out). The server takes up to a million a page.
    ask = (limit + 1 if limit < 1_000_000 else limit) if limit else None
    with open_api(cfg) as api:
        # `until` only when asked for: a server older than it refuses the whole call.
        bound = {"until": until_at} if until_at is not None else {}
        events = api.audit(query, since=since_at, actor=actor, conversation=conv_id,
                           limit=ask, **bound)
    more = bool(limit) and len(events) > limit
    if more:
        events = events[len(events) - limit:]
    tz = ZoneInfo(cfg.clinic.timezone)
    if as_json:
        _print_json([{**e.to_dict(), "time": _event_time(e, tz).isoformat()} for e in events])
    elif as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(_AUDIT_COLUMNS)
        for e in events:
            writer.writerow([e.seq, _event_time(e, tz).isoformat(), _csv_cell(e.actor),
                             _csv_cell(e.action), _csv_cell(e.target),
                             json.dumps(e.details, ensure_ascii=False, sort_keys=True)])
    else:
        # The actor column as wide as this page's longest (a rule's name, "rule:sla
        # breached to team"), up to 28; a longer one ends in "~" as details do.
        width = min(28, max((len(e.actor) for e in events), default=5))
        for e in events:
            details = json.dumps(e.details, ensure_ascii=False, sort_keys=True,
                                 separators=(",", ":"))
            if len(details) > 60:
                details = details[:59] + "~"
            actor = e.actor if len(e.actor) <= width else e.actor[:width - 1] + "~"
            typer.echo(f"{e.seq:>7}  {_event_time(e, tz):%Y-%m-%d %H:%M:%S}  {actor:<{width}}"
                       f"  {e.action[:22]:<22}  {e.target[:20]:<20}  {details}")
        typer.echo(f"{len(events)} event(s)", err=True)
    if more:
        typer.echo(f"the newest {limit} events are shown and more match; use --limit N"
                   " (0 for all) or --since WHEN to see others", err=True)


@audit_app.command("verify")
def audit_verify_cmd(
    checkpoints: Annotated[Path | None, typer.Option(
        "--checkpoints", metavar="FILE",
        help="Check against this copy of the checkpoint log (e.g. from the syslog host)"
             " instead of the server's own.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Check the trail against its hash chain, guard triggers and signed checkpoints.

    Reads the store directly and read-only (the SQLite file, or the PostgreSQL database on
    a read-only connection), so run it as the server's user. Each problem is one line
    saying from which event on the trail cannot be trusted.
    """
    from cxinbox.service.audit_verify import verify_trail
    from cxinbox.wiring import audit_store_id, open_audit_reader, require_store_driver

    cfg = _load_config(config)
    # Without the driver nothing was compared: one line naming the install, never a
    # verdict on the trail (a missing database and a checkpoint would read as one).
    require_store_driver(cfg)
    report = verify_trail(cfg, open_reader=open_audit_reader, log_path=checkpoints,
                          identify=audit_store_id)
    if report.unchecked is not None:  # nothing compared: no verdict either way
        fail(f"could not check the audit trail: {report.unchecked}", EXIT_UNCHECKED)
    if report.foreign is not None:  # another database's log: not read, no verdict
        fail(report.foreign, EXIT_FOREIGN_LOG)
    if report.absent is not None:  # never made, and no checkpoint says it was: no verdict
        fail(report.absent, EXIT_UNCHECKED)
    for finding in report.findings:
        label = "FAIL" if finding.level == "fail" else finding.level
        typer.echo(f"{label:<5} {finding.text}")
    if report.passed:
        typer.echo("audit trail verified")
        return
    problems = sum(f.level == "fail" for f in report.findings)
    where = report.untrusted_from
    fail(f"{problems} audit problem(s)" + (
        f"; the trail cannot be trusted from event #{where} on" if where is not None else ""))


@audit_app.command("keys")
def audit_keys_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
    config: ConfigOpt = None,
) -> None:
    """The audit signing keys registered in a PostgreSQL store: each server's, with its
    host, when it was first used and the event that registered it."""
    from cxinbox.contract.errors import StoreError
    from cxinbox.wiring import open_audit_reader

    cfg = _load_config(config)
    try:
        with open_audit_reader(cfg) as reader:
            keys = reader.audit_keys()
    except StoreError as exc:
        fail(str(exc))
    tz = ZoneInfo(cfg.clinic.timezone)
    if as_json:
        _print_json([{"key_id": k.key_id, "public_key": k.public_key, "host": k.host,
                      "first_used": datetime.fromtimestamp(k.first_at / 1000, UTC)
                      .astimezone(tz).isoformat(), "first_event": k.first_seq}
                     for k in keys])
        return
    for k in keys:
        # The registry is the database's: text in it may not be ours (audit verify says so).
        typer.echo(f"{clean_line(k.key_id)}  {_fmt_time(k.first_at // 1000, tz)}"
                   f"  #{k.first_seq:<7}  {clean_line(k.host)}  {clean_line(k.public_key)}")
    if cfg.store.url is None:
        typer.echo("no registered keys: on SQLite one server signs, with [audit] key_file",
                   err=True)
    else:
        typer.echo(f"{len(keys)} key(s)", err=True)


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Run the front-desk server: the socket every TUI and command uses, and mail sync."""
    from cxinbox.logsetup import configure
    from cxinbox.wiring import serve as run_server

    cfg = _load_config(config)
    configure()  # $CXINBOX_LOG_LEVEL (debug, info, ...); journald fields under systemd

    def ready(path: Any) -> None:
        from cxinbox.api.socket_server import socket_access_line

        who = socket_access_line(Path(path))
        if who and not cfg.server.group:
            who += " (the server's own group: [server] group names the staff's)"
        typer.echo(f"cxinbox serve: listening on {path} (pid {os.getpid()});"
                   f" {who + '; ' if who else ''}Ctrl-C or SIGTERM to stop", err=True)

    run_server(cfg, on_ready=ready)
    typer.echo("cxinbox serve: stopped", err=True)


@app.command()
def reindex(config: ConfigOpt = None) -> None:
    """Re-derive parsed fields and the full-text index from the stored raw messages."""
    from cxinbox.service.reindex import reindex as run_reindex

    cfg = _load_config(config)
    db = _open_db(cfg)
    try:
        count = run_reindex(db, current_actor())
    finally:
        db.close()
    typer.echo(f"reindexed {count} message(s)")


@app.command()
def doctor(config: ConfigOpt = None, as_json: Annotated[bool, typer.Option(
        "--json", help="Every finding, unwrapped, as JSON (exit code as without).")] = False,
) -> None:
    """Check config, credentials, TLS, server reachability, SQLite and file modes."""
    import shutil

    from cxinbox.paths import resolve_config_path
    from cxinbox.service.doctor import WIDTH, Finding, run_doctor, wrap_line
    from cxinbox.wiring import audit_store_id, open_audit_reader, open_pg_store, open_store

    config_opt = config or _state.config_path
    findings: list[Finding] = []
    width = max(40, min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns))
    ok = run_doctor(config_opt, (lambda line: None) if as_json else
                    (lambda line: typer.echo(wrap_line(line, width))),
                    open_store=open_store, open_audit=open_audit_reader,
                    server_answers=_server_answers, server_alerts=_server_alerts,
                    findings=findings, open_pg=open_pg_store, identify=audit_store_id)
    if as_json:
        _print_json({"config": str(resolve_config_path(config_opt)), "passed": ok,
                     "findings": [{"level": f.level, "text": f.text} for f in findings]})
    if not ok:
        raise typer.Exit(EXIT_ERROR)


def _server_answers(config: Config) -> str | None:
    """None when a cxinbox server answers on the config's socket, else why not (for
    doctor). Asked as the CLI's other probes ask: only a server this config's clients
    would trust, serving this config's store (a stale server on the socket serving
    another store is that store's, not this config's: a FAIL saying both)."""
    from cxinbox.api.socket_client import probe, trusted_server_uids
    from cxinbox.contract.errors import Forbidden
    from cxinbox.wiring import same_store_as

    path = config.socket_path
    try:
        found = probe(path, timeout=2.0,
                      trusted=trusted_server_uids(path, (config.db_path.parent,)),
                      db_path=config.store_identity, same_store=same_store_as(config))
    except Forbidden as exc:
        # The server's own user is on no staff roster: refused as staff, yet the server
        # answered (README: doctor as the service user). Its refusal to its own user names
        # the store it serves, and probe has compared it with this config's already: a
        # server of another store is WrongServer (below), never this ok.
        return None if _own_socket(path) else str(exc)
    except ApiError as exc:
        return str(exc)
    if found is None:
        return "nothing answers"
    found[1].close()
    return None


def _server_alerts(config: Config) -> list[Any] | None:
    """The server's alerts asked on its socket (for doctor, when the store is not its to
    read); None when the server does not answer them (not running, refused). Only a
    server this config's clients would trust, serving this config's store, is asked."""
    from cxinbox.api.socket_client import probe, trusted_server_uids
    from cxinbox.api.socket_probe import call_once
    from cxinbox.wiring import same_store_as

    path = config.socket_path
    try:
        found = probe(path, timeout=2.0,
                      trusted=trusted_server_uids(path, (config.db_path.parent,)),
                      db_path=config.store_identity, same_store=same_store_as(config))
        if found is None:
            return None
        try:
            alerts = call_once(found[1], path, "alerts")
        finally:
            found[1].close()
    except ApiError:
        return None
    return list(alerts) if isinstance(alerts, list) else None


def _own_socket(path: Path) -> bool:
    """Whether the socket belongs to this user: the server runs as us."""
    try:
        return path.stat().st_uid == os.geteuid()
    except OSError:
        return False


def _test_rule(config: Config, name: str, since: int) -> Preview:
    from cxinbox.contract.errors import BadRequest
    from cxinbox.service.rules_preview import find_rule, preview
    from cxinbox.wiring import rules_engine

    find_rule(config.rules, name)  # the unknown name first, before the database is opened
    service = _service(config)
    engine = rules_engine(service.store, config, replaying=name)
    if engine is None:  # an unknown name is bad usage, as cli_rules says it
        raise BadRequest(f"no rule named {name!r}")
    return preview(service, engine, name, since)


def _register_reply_commands() -> None:
    from cxinbox import (
        cli_auth,
        cli_backup,
        cli_flag,
        cli_kb,
        cli_reply,
        cli_report,
        cli_retention,
        cli_rules,
        cli_service,
        cli_store,
        cli_teams,
        cli_triage,
    )

    cli_reply.register(app, open_api, _load_config)
    cli_auth.register(app, _load_config)
    cli_service.register(app)
    cli_backup.register(app, _load_config, current_actor)
    cli_retention.register(app, open_api, _load_config)
    cli_report.register(app, open_api, _load_config, lambda: _state.ascii)
    cli_triage.register(app)
    cli_teams.register(app, open_api, _load_config)
    cli_kb.register(app, open_api, _load_config)
    cli_rules.register(app, _load_config, _test_rule)
    cli_flag.register(app, open_api, _load_config, _parse_id)
    cli_store.register(app, _load_config, current_actor)


_register_reply_commands()


def _usage_line(exc: click.UsageError) -> str:
    """click's usage error as one line: its message, then where to look."""
    text = " ".join(exc.format_message().split()).rstrip(".")
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    where = exc.ctx.command_path if exc.ctx is not None else "cxinbox"
    return f"{text} (try {where} --help)"


_VERB_FORMS: dict[str, tuple[str, str]] = {
    "unassign": ("assign", "--unassign"),
    "close": ("status", "closed"),
    "reopen": ("status", "open"),
    "open": ("status", "open"),
    "pending": ("status", "pending"),
    "snooze": ("status", "snoozed --until WHEN"),
    "unflag": ("flag clear", "--reason TEXT"),
}
"""Verbs people type that are a form of another command: one verb per change (as the
TUI's keys and the wire's calls have), so `cxinbox unassign 3` is told the whole
command that does it rather than a near spelling."""

_ONE_ID_FORMS = frozenset({"unflag"})
"""Forms whose command takes one conversation id, not a QUERY."""

_SUGGEST_VALUE_OPTIONS = frozenset({"--until", "--config", "-c", "--reason", "-r"})
_SUGGEST_FLAGS = frozenset({"--dry-run", "--yes", "-y", "--json"})


def _verb_form(where: str, verb: str, after: list[str]) -> str:
    """The whole command a verb of `_VERB_FORMS` stands for, with what was typed after it
    put where that command takes it: several ids become one `id:3,4` query, an option
    the command has keeps its value (`snooze 3 --until 1w` -> `... snoozed --until 1w`)."""
    command, tail = _VERB_FORMS[verb]
    words: list[str] = []
    options: dict[str, str] = {}
    flags: list[str] = []
    rest = iter(after)
    for arg in rest:
        key, eq, value = arg.partition("=")
        if key in _SUGGEST_VALUE_OPTIONS:
            options[key] = value if eq else next(rest, "")
        elif arg in _SUGGEST_FLAGS:
            flags.append(arg)
        else:
            words.append(arg)
    ids = [_one_id(w) for w in words]
    if words and all(i is not None for i in ids):
        unique = list(dict.fromkeys(i for i in ids if i is not None))
        if verb in _ONE_ID_FORMS:
            query = str(unique[0]) if len(unique) == 1 else "ID"
        else:
            query = words[0] if len(words) == 1 else "id:" + ",".join(map(str, unique))
    elif verb in _ONE_ID_FORMS:
        query = "ID"
    else:
        query = " ".join(words) or "QUERY"
    tokens = tail.split()
    for i, token in enumerate(tokens[:-1]):  # a placeholder's value, when it was typed
        given = options.pop(token, None)
        if given is None and token == "--reason":
            given = options.pop("-r", None)
        if given is not None:
            tokens[i + 1] = shlex.quote(given)
    target = query if query in ("QUERY", "ID") else shlex.quote(query)
    # Only what the suggested command takes: the config everywhere, the bulk flags on
    # the bulk commands (`flag clear` has none of them).
    extra = [f"{key} {shlex.quote(value)}" for key, value in options.items()
             if key in ("--config", "-c")]
    if verb in _ONE_ID_FORMS:
        flags = []
    return " ".join([where, command, target, *tokens, *extra, *flags])


def _nearest_command(name: str, commands: list[str]) -> str | None:
    """The command or verb form nearest `name` as typed (`clsoe` -> close)."""
    import difflib

    close = difflib.get_close_matches(name.lower(), [*commands, *_VERB_FORMS], n=1,
                                      cutoff=0.6)
    return close[0] if close else None


def _no_such_command(exc: click.UsageError, args: list[str]) -> str | None:
    """An unknown command as one line, each suggestion said once (click 8.4+ and typer
    each append their own "Did you mean"); None for any other usage error. A verb that is
    a form of another command gets that exact command, with the arguments given; so does a
    near spelling of one (`clsoe 3`)."""
    name = getattr(exc, "command_name", None)  # click's NoSuchCommand (8.4+)
    if not isinstance(name, str):
        return None
    where = exc.ctx.command_path if exc.ctx is not None else "cxinbox"
    commands: list[str] = []
    group = exc.ctx.command if exc.ctx is not None else None
    if isinstance(group, click.Group) and exc.ctx is not None:
        commands = list(group.list_commands(exc.ctx))
    verb = name.lower() if name.lower() in _VERB_FORMS else _nearest_command(name, commands)
    if verb in _VERB_FORMS:
        after = args[args.index(name) + 1:] if name in args else []
        return f"no such command {name!r}; did you mean: {_verb_form(where, verb, after)}"
    possible = [verb] if verb else getattr(exc, "possibilities", None)
    if possible:
        named = ", ".join(repr(p) for p in possible)
        return f"no such command {name!r}; did you mean {named}? (try {where} --help)"
    return f"no such command {name!r} (try {where} --help)"


_ROOT_VALUE_OPTIONS = frozenset({"--config", "-c"})


def _for_command(args: list[str]) -> typer.Typer:
    """The app with only the command `args` name (besides the root's own options), or the
    whole app when they name none of its commands. typer turns every registered command
    into a click command on each run, reading each signature; one is all a call needs
    (its help, its errors and its behaviour are the same)."""
    if os.environ.get("_CXINBOX_COMPLETE"):
        return app  # completing: every command name is wanted
    skip = False
    name = None
    for arg in args:
        if skip:
            skip = False
        elif arg in _ROOT_VALUE_OPTIONS:
            skip = True
        elif arg == "--" or not arg.startswith("-"):
            name = arg
            break
    commands = [c for c in app.registered_commands
                if (c.name or (c.callback.__name__ if c.callback else "")).lower().replace("_", "-")
                == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if name is None or not (commands or groups):
        return app
    lean = copy.copy(app)
    lean.registered_commands = commands
    lean.registered_groups = groups
    return lean


def run(args: list[str]) -> None:
    """Run the typer app on `args`. A usage error is one line and exit 2: no box, no
    usage block, no traceback (click's standalone mode would print several lines)."""
    try:
        code = _for_command(args)(args=args, prog_name="cxinbox", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # `cxinbox contact`: its help
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        sys.stderr.write(f"cxinbox: {_no_such_command(exc, args) or _usage_line(exc)}\n")
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        sys.stderr.write(f"cxinbox: {' '.join(exc.format_message().split())}\n")
        sys.exit(exc.exit_code)
    except click.Abort:
        sys.stderr.write("cxinbox: cancelled\n")
        sys.exit(EXIT_ERROR)
    if isinstance(code, int) and code:
        sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """The entry point (see cli.main, which most callers use)."""
    from cxinbox.cli import main as entry

    entry(argv)
