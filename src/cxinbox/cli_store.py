"""`cxinbox store copy` and `cxinbox store verify`: move a site's SQLite cache into
PostgreSQL, and check a copy against its cache (wiring.copy_store; store/pg/copy.py does
the work).

Admins only, on a stopped server (the cache must not change while it is read); the copy is
itself an audit event, appended to the cache before the copy so that both trails end with
it. The URL's password never reaches the terminal or the audit trail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cxinbox.config import Config

LoadConfig = Callable[[str | None], "Config"]

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", envvar="CXINBOX_CONFIG", show_envvar=True,
                 help="Path to config.toml (default: the XDG config dir)."),
]
ToOpt = Annotated[str, typer.Option(
    "--to", metavar="URL",
    help="The PostgreSQL database, postgresql://USER@HOST/DB (the password from PGPASSWORD"
         " or ~/.pgpass, as for psql).")]


def _stopped_server(cfg: Config) -> None:
    from cxinbox.cli_backup import _server_runs
    from cxinbox.contract.errors import StoreError

    if _server_runs(cfg.socket_path):
        raise StoreError(f"a cxinbox server is running on {cfg.socket_path}; stop it"
                         " (systemctl stop cxinbox) so the cache does not change while it is"
                         " read")


def _postgres_url(url: str) -> None:
    """A --to that is no PostgreSQL URL is bad usage (exit 2), said before anything is read."""
    if not url.startswith(("postgresql://", "postgres://")):
        from cxinbox.domain.sanitize import clean_line

        scheme, found, _rest = url.partition("://")  # the rest may hold a password
        given = f"a {clean_line(scheme, max_len=20)}:// one" if found else "a plain word"
        typer.echo("cxinbox: --to must be a postgresql:// URL (postgresql://USER@HOST/DB),"
                   f" not {given}", err=True)
        raise typer.Exit(2)


def register(app: typer.Typer, load_config: LoadConfig, actor: Callable[[], str]) -> None:
    store_app = typer.Typer(help="Move the store to PostgreSQL and check the copy (admins).",
                            no_args_is_help=True)

    @store_app.command("copy")
    def copy_cmd(to: ToOpt, config: ConfigOpt = None) -> None:
        """Copy the SQLite cache into an empty PostgreSQL database, then verify the copy."""
        from cxinbox.wiring import copy_store

        _postgres_url(to)
        cfg = load_config(config)
        _stopped_server(cfg)
        tty = sys.stderr.isatty()

        def progress(table: str, rows: int) -> None:
            if tty:
                sys.stderr.write(f"\r{table}: {rows} rows\x1b[K")

        report = copy_store(cfg, to, actor(), progress)
        if tty:
            sys.stderr.write("\r\x1b[K")
        typer.echo(f"copied {report.total} rows in {len(report.rows)} tables to"
                   f" {report.target} in {report.seconds:.1f} s")
        typer.echo(f"verified: every table's row count, and the audit chain of"
                   f" {report.events} events to the cache's head ({report.chain_head[:16]})")

    @store_app.command("verify")
    def verify_cmd(to: ToOpt, config: ConfigOpt = None) -> None:
        """Check a PostgreSQL copy against the cache: row counts and the audit chain."""
        from cxinbox.contract.errors import StoreError
        from cxinbox.wiring import verify_store_copy

        _postgres_url(to)
        cfg = load_config(config)
        _stopped_server(cfg)
        report = verify_store_copy(cfg, to, actor())
        problems = report.problems
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise StoreError(f"the copy differs from the cache: {problems[0]}{more}")
        if report.later_events:
            typer.echo(f"the copy matches the cache up to its newest event (#{report.cache_head}),"
                       f" and the audit chain on PostgreSQL holds; the servers have written"
                       f" {report.later_events} event(s) since, so row counts are not compared")
            return
        typer.echo("the copy matches the cache: every table's row count and the audit chain")

    app.add_typer(store_app, name="store")
