"""The command line: presentation only, on top of the service API.

Textual is never imported here except by the commands that open the TUI, so `cxinbox
list` and friends start fast (a test checks it).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Self
from zoneinfo import ZoneInfo

import typer

from cxinbox.api.errors import ApiError, BadQuery

if TYPE_CHECKING:
    from cxinbox.config import Config
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # bad config, bad arguments
EXIT_NOT_FOUND = 3
EXIT_QUERY = 4
EXIT_SERVER = 5  # a server unreachable, untrusted or refusing us
EXIT_INTERRUPTED = 130

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=False,
    invoke_without_command=True,
    help="cxinbox: the clinic front-desk inbox. With no command, opens the TUI.",
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", envvar="CXINBOX_CONFIG", show_envvar=True,
                 help="Path to config.toml (default: the XDG config dir)."),
]


class _State:
    config_path: str | None = None


_state = _State()


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"cxinbox: {message}", err=True)
    raise typer.Exit(code)


def _load_config(path_opt: str | None) -> Config:
    from cxinbox.config import load_config, resolve_config_path

    return load_config(resolve_config_path(path_opt or _state.config_path))


def _open_db(config: Config) -> Database:
    from cxinbox.store.db import Database

    return Database(config.db_path)


def current_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


def _service(config: Config) -> InboxService:
    from cxinbox.service.inbox import InboxService

    return InboxService(_open_db(config), config, current_actor())


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fmt_time(epoch: int | None, tz: ZoneInfo) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


AsciiOpt = Annotated[bool | None, typer.Option(
    "--ascii/--unicode", help="Draw only 7-bit ASCII (default: auto for TERM linux/vt100/dumb).")]
MouseOpt = Annotated[bool, typer.Option("--no-mouse", help="Ignore the mouse entirely.")]


@app.callback()
def root(ctx: typer.Context, config: ConfigOpt = None, ascii: AsciiOpt = None,
         no_mouse: MouseOpt = False) -> None:
    _state.config_path = config
    if ctx.invoked_subcommand is None:
        from cxinbox.tui.launch import open_tui

        open_tui(_load_config(config), ascii=ascii, mouse=False if no_mouse else None)


@app.command()
def demo(ascii: AsciiOpt = None, no_mouse: MouseOpt = False) -> None:
    """Open the TUI on a built-in demo clinic inbox: no network, no config, nothing saved."""
    from cxinbox.tui.launch import open_demo

    open_demo(ascii=ascii, mouse=False if no_mouse else None)


@app.command()
def init(config: ConfigOpt = None,
         force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False) -> None:
    """Write a starting config (from config.example.toml)."""
    from importlib.resources import files

    from cxinbox.config import resolve_config_path

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
    from cxinbox.channels.credentials import resolve_password
    from cxinbox.service.sync import MailSync
    from cxinbox.store import ingest

    cfg = _load_config(config)
    if not cfg.accounts:
        fail(f"{cfg.source_path}: no [[accounts]] configured; nothing to sync", EXIT_USAGE)
    db = _open_db(cfg)
    if release:
        account, _, folder = release.partition("/")
        with db.write() as conn:
            if not ingest.release_quarantine(conn, account, folder or "INBOX"):
                fail(f"{release}: not quarantined", EXIT_USAGE)
    reporter = _ProgressReporter(enabled=not quiet and sys.stderr.isatty())
    engine = MailSync(db, cfg, lambda a: resolve_password(a.name, a.credentials), reporter)
    try:
        with reporter:
            results = engine.sync_once()
        new = sum(r.new for r in results)
        typer.echo(f"synced {len(results)} folder(s): {new} new message(s)")
        for r in results:
            if r.quarantine:
                typer.echo(f"warning: {r.account}/{r.folder} quarantined: {r.quarantine}", err=True)
        if once:
            return
        import threading

        stop = threading.Event()
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


@app.command("list")
def list_(
    query: Annotated[str, typer.Argument(help="A query, e.g. 'status:open tag:billing'.")] = "",
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List conversations matching QUERY, newest first."""
    import asyncio

    from cxinbox.api.interface import InProcessAPI

    cfg = _load_config(config)
    api = InProcessAPI(_service(cfg))
    page = asyncio.run(api.list_conversations(query, offset, limit))
    if as_json:
        _print_json(page.to_dict())
        return
    tz = ZoneInfo(cfg.clinic.timezone)
    for c in page.items:
        who = c.from_name or c.from_addr
        tags = f" [{', '.join(c.tags)}]" if c.tags else ""
        unread = "*" if c.unread_count else " "
        typer.echo(f"{unread}#{c.id:<6} {c.status:<7} {_fmt_time(c.last_message_at, tz)}"
                   f"  {who[:24]:<24}  {c.subject[:60]}{tags}")
    shown = f"{offset + 1}-{offset + len(page.items)}" if page.items else "0"
    typer.echo(f"{shown} of {page.total} conversation(s)", err=True)


@app.command()
def show(
    conversation: Annotated[str, typer.Argument(metavar="ID", help="Conversation id (#1024).")],
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show one conversation with its messages and notes."""
    import asyncio

    from cxinbox.api.interface import InProcessAPI

    conv_id = _parse_id(conversation)
    cfg = _load_config(config)
    api = InProcessAPI(_service(cfg))
    detail = asyncio.run(api.get_conversation(conv_id))
    if as_json:
        _print_json(detail.to_dict())
        return
    tz = ZoneInfo(cfg.clinic.timezone)
    s = detail.summary
    typer.echo(f"#{s.id}  {s.subject}")
    typer.echo(f"status {s.status} · priority {s.priority} · assignee {s.assignee or '-'}"
               f" · {s.channel} · {s.mailbox}" + (f" · tags {', '.join(s.tags)}" if s.tags else ""))
    for m in detail.messages:
        typer.echo("")
        arrow = "->" if m.direction == "out" else "<-"
        sender = f"{m.from_name} <{m.from_addr}>" if m.from_name else m.from_addr
        typer.echo(f"{arrow} {sender}  {_fmt_time(m.date, tz)}")
        if m.to:
            typer.echo(f"   to {', '.join(m.to)}")
        if m.problems:
            typer.echo(f"   ! could not fully decode: {m.problems}")
        for a in m.attachments:
            typer.echo(f"   attachment {a.filename or '(unnamed)'} ({a.content_type}, {a.size} bytes)")
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
def doctor(config: ConfigOpt = None) -> None:
    """Check config, credentials, TLS, server reachability, SQLite and file modes."""
    from cxinbox.service.doctor import run_doctor

    ok = run_doctor(config or _state.config_path, typer.echo)
    if not ok:
        raise typer.Exit(EXIT_ERROR)


def _error_code(exc: BaseException) -> tuple[int, str] | None:
    """Map the errors a person can act on to (exit code, one line)."""
    from cxinbox.channels.credentials import CredentialError
    from cxinbox.channels.imap import ImapError
    from cxinbox.config import ConfigError
    from cxinbox.store.db import StoreError

    if isinstance(exc, BadQuery):
        return EXIT_QUERY, str(exc)
    if isinstance(exc, ApiError):
        return exc.exit_code, str(exc)
    if isinstance(exc, ConfigError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, CredentialError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, ImapError):
        return EXIT_SERVER, str(exc)
    if isinstance(exc, StoreError):
        return EXIT_ERROR, str(exc)
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point. Usage errors are the CLI framework's (exit 2, with usage); every error a
    person can act on becomes one line and its exit code; anything else is a bug and keeps
    its traceback."""
    try:
        app(args=argv)
    except KeyboardInterrupt:
        typer.echo("cxinbox: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        mapped = _error_code(exc)
        if mapped is None:
            raise
        code, line = mapped
        typer.echo(f"cxinbox: {line}", err=True)
        sys.exit(code)
