"""`cxinbox backup` and `cxinbox restore`.

`backup` asks the running server to make it (an admin-only API call), so the server stays
the only process that opens the database; with no server answering it opens the database
itself (whoever can open the file holds all of it already, so no role applies there).
`restore` works on a stopped instance only and never goes through a server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

if TYPE_CHECKING:
    from cxinbox.config import Config
    from cxinbox.contract.backup_types import BackupReport

LoadConfig = Callable[[str | None], "Config"]

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", envvar="CXINBOX_CONFIG", show_envvar=True,
                 help="Path to config.toml (default: the XDG config dir)."),
]


def _print_report(report: BackupReport, as_json: bool) -> None:
    if as_json:
        from dataclasses import asdict

        typer.echo(json.dumps(asdict(report), indent=2))
        return
    when = datetime.fromtimestamp(report.snapshot_at / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    typer.echo(f"backup written: {report.path} ({report.size / 1e6:.1f} MB, snapshot"
               f" {when} UTC, {report.seconds:.1f} s)")
    typer.echo(f"verified: {report.summary}")
    typer.echo(f"sha256: {report.sha256}")
    for name in report.removed:
        typer.echo(f"rotated out: {name}")


def register(app: typer.Typer, load_config: LoadConfig, actor: Callable[[], str]) -> None:
    @app.command("backup")
    def backup_cmd(
        to: Annotated[Path | None, typer.Option(
            "--to", metavar="DIR", help="Write into DIR instead of [backup] dir.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
        config: ConfigOpt = None,
    ) -> None:
        """Write an encrypted, verified backup now (through the server when it runs)."""
        from cxinbox.api.transport import SyncAPI
        from cxinbox.wiring import open_api

        cfg = load_config(config)
        _refuse_postgresql(cfg, "backup", "pg_dump -Fc -f cxinbox.dump")
        directory = str(to.expanduser().absolute()) if to is not None else None
        opened = open_api(cfg, actor())
        if opened.transport == "socket":
            with SyncAPI(opened) as api:
                report = api.backup(directory)
        else:
            import logging

            from cxinbox.service.backup import make_backup

            # A failure is this command's one line; the server logs it, we need not.
            logging.getLogger("cxinbox").addHandler(logging.NullHandler())
            assert opened.db is not None
            try:
                report = make_backup(cast(Any, opened.db), cfg, actor=actor(),
                                     directory=Path(directory) if directory else None)
            finally:
                opened.close()
        _print_report(report, as_json)

    @app.command("restore")
    def restore_cmd(
        file: Annotated[Path, typer.Argument(help="The backup (.db.gz.age) to restore.")],
        identity: Annotated[Path, typer.Option(
            "--identity", "-i", metavar="KEYFILE",
            help="The age identity file with a private key the backup was encrypted to.")],
        to: Annotated[Path | None, typer.Option(
            "--to", metavar="PATH",
            help="The database file (*.db) or a directory (gets cxinbox.db) to restore"
                 " into; default: the config's database.")
        ] = None,
        config: ConfigOpt = None,
    ) -> None:
        """Restore a backup into a stopped instance, check it, and say what time it is from."""
        from cxinbox.config import ConfigError
        from cxinbox.contract.backup_types import BackupFailed
        from cxinbox.service.restore import describe, restore_backup

        cfg: Config | None
        try:
            cfg = load_config(config)
        except ConfigError:
            if to is None:
                raise
            cfg = None  # a restore drill on a machine without this instance's config
        from cxinbox.service.restore import target_file

        target = target_file(to.expanduser().absolute()) if to is not None else None
        if cfg is not None:
            _refuse_postgresql(cfg, "restore", "pg_restore --no-owner -d NEWDB cxinbox.dump"
                               " into a fresh database, then point [store] url at it")
            if target is None:
                target = cfg.db_path
            if _server_runs(cfg.socket_path) and _same_file(target, cfg.db_path):
                raise BackupFailed(f"a cxinbox server is running on {cfg.socket_path}; stop"
                                   " it (systemctl stop cxinbox) before restoring its database")
        assert target is not None
        report = restore_backup(file, identity, target, actor=actor())
        for line in describe(report, file):
            typer.echo(line)


def _refuse_postgresql(cfg: Config, what: str, how: str) -> None:
    """Backups of a PostgreSQL store are PostgreSQL's own tools' work: one line saying
    which, never the URL (it may carry a password)."""
    if cfg.store.url is None:
        return
    typer.echo(f"cxinbox: {what} works on the SQLite file; on PostgreSQL ({cfg.store.database})"
               f" use {how} (README: Backups on PostgreSQL)", err=True)
    raise typer.Exit(1)


def _server_runs(path: Path) -> bool:
    from cxinbox.api.socket_probe import probe
    from cxinbox.contract.errors import ApiError

    try:
        found = probe(path, timeout=2.0)
    except ApiError:
        return True  # something answers that will not talk to us: still a server
    if found is None:
        return False
    found[1].close()
    return True


def _same_file(target: Path, db_path: Path) -> bool:
    return target.resolve() == db_path.resolve()
