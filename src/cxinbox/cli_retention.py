"""`cxinbox retention run`: the `[retention]` policy applied now, dry run first.

Presentation only: the run happens behind the inbox API (in `cxinbox serve` when one
answers, where it is an admin-only call; else in-process on the file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config
    from cxinbox.contract.retention_types import RetentionReport

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def _print(report: RetentionReport) -> None:
    verb = "would purge" if report.dry_run else "purged"
    counts = report.counts
    typer.echo(f"Closed conversations untouched since before {_day(report.closed_before)}:"
               f" {verb} {counts.get('conversations', 0)}")
    for kind, n in counts.items():
        if kind != "conversations" and n:
            shown = f"{n / 2**20:.1f} MB" if kind == "raw_bytes" else str(n)
            typer.echo(f"  {kind.replace('_', ' ')}: {shown}")
    verb = "would release" if report.dry_run else "released"
    typer.echo(f"Audit events older than {_day(report.audit_before)}: {verb}"
               f" {report.audit_released}; the trail starts at #{report.trail_starts_at}")
    if not report.dry_run:
        freed = (report.pages_before - report.pages_after) * report.page_size
        typer.echo(f"Database: {report.pages_before} -> {report.pages_after} pages"
                   f" ({freed / 2**20:.1f} MB given back) in {report.seconds:.1f} s,"
                   f" {report.batches} batches, longest {report.longest_batch_ms:.0f} ms")
    for note in report.notes:
        typer.echo(f"Note: {note}")


def register(app: typer.Typer, open_api: Callable[[Config], SyncAPI],
             load_config: Callable[[str | None], Config]) -> None:
    retention_app = typer.Typer(help="Purge what [retention] says is past its period.",
                                no_args_is_help=True)
    app.add_typer(retention_app, name="retention")

    @retention_app.command("run")
    def retention_run(
        config: ConfigOpt = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go;"
                                              " change nothing.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
        = False,
    ) -> None:
        """Purge closed conversations and release audit events past their period (admins)."""
        cfg = load_config(config)
        with open_api(cfg) as api:
            report = api.run_retention(dry_run=dry_run)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2))
        else:
            _print(report)
