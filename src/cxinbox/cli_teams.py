"""`cxinbox away on|off`, `cxinbox teams`, and `assign ... team:NAME`: presentation only.

The server decides who a team's next pick is and who may mark whom away
(service/teams.py); these commands say what it did in one line per conversation, with the
reason the audit trail keeps ("#1024 -> jsmith: round-robin: next after mgarcia; tnguyen
away -> jsmith").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from cxinbox.contract.routing_types import red_flags_waiting_line
from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config
    from cxinbox.contract.routing_types import TeamAssignment

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def assignment_line(done: TeamAssignment) -> str:
    """One conversation given to a team, as a person reads it."""
    if done.member is None:
        return f"#{done.conversation_id} left unassigned: {done.explanation}"
    return f"#{done.conversation_id} -> {done.member}: {done.explanation}"


def assign_team(api: SyncAPI, conv_id: int | None, query: str, team: str, *,
                run_bulk: Callable[..., None], dry_run: bool, yes: bool,
                as_json: bool) -> None:
    """One conversation (an id) by the team's strategy, or every match of a query."""
    if conv_id is not None and not dry_run:
        done: TeamAssignment = api.assign_team(conv_id, team)
        if as_json:
            _print_json(done.to_dict())
        else:
            typer.echo(assignment_line(done))
        return

    def run(dry: bool) -> Any:  # a BulkResult (the service's type: not imported up here)
        return api.bulk_assign_team(query, team, dry_run=dry)

    run_bulk(run, dry_run=dry_run, yes=yes, as_json=as_json)


def register(app: typer.Typer, open_api: Callable[[Config], SyncAPI],
             load_config: Callable[[str | None], Config]) -> None:
    """Add `away` and `teams` to `app`."""

    @app.command("away")
    def away_cmd(
        state: Annotated[Literal["on", "off"], typer.Argument(
            metavar="on|off", help="on: teams pass you over (and, with return_on_away,"
                                   " take your open conversations back); off: back.")],
        user: Annotated[str | None, typer.Option(
            "--user", "-u", metavar="USER",
            help="A colleague's login (supervisors and admins).")] = None,
        config: ConfigOpt = None, as_json: JsonOpt = False,
    ) -> None:
        """Mark yourself (or, for supervisors and admins, a colleague) away or back."""
        cfg = load_config(config)
        roster = sorted(m.os_user for m in cfg.staff)
        if user is not None and roster and user not in roster:
            typer.echo(f"cxinbox: away --user: unknown user {user!r}; known users:"
                       f" {', '.join(roster)}", err=True)
            raise typer.Exit(2)
        with open_api(cfg) as api:
            result = api.set_away(state == "on", user)
        if as_json:
            _print_json(result.to_dict())
            return
        who = "you are" if result.os_user == api.actor else f"{result.os_user} is"
        word = "away" if result.away else "back"
        typer.echo(f"{who} {word}" + ("" if result.changed else " (already)"))
        for done in (*result.handed_back, *result.red_flags_taken_up):
            typer.echo("  " + assignment_line(done))
        if result.warning:  # done all the same: the person may have to go
            typer.echo(f"cxinbox: warning: {clean_line(result.warning)}", err=True)
        if result.red_flags_waiting:
            typer.echo(f"{red_flags_waiting_line(result.red_flags_waiting)}:"
                       " cxinbox list is:red-flag")

    @app.command("teams")
    def teams_cmd(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """The teams, their strategy, and who of each the next pick could land on now."""
        with open_api(load_config(config)) as api:
            views = api.teams()
        if as_json:
            _print_json([v.to_dict() for v in views])
            return
        if not views:
            typer.echo("no teams configured ([[teams]] in the config)")
        for view in views:
            cap = f", cap {view.cap}" if view.cap is not None else ""
            back = ", takes work back from who goes away" if view.return_on_away else ""
            typer.echo(f"{view.name}: {view.strategy}{cap}{back}")
            why = dict(view.unavailable)
            for member in view.members:
                not_now = "" if member in view.available else \
                    f"  (not now: {why[member]})" if member in why else "  (not now)"
                typer.echo(f"  {member}{not_now}")
            pick = view.next_pick or "nobody available now (left unassigned)"
            typer.echo(f"  next pick: {pick}  ({view.next_why})" if view.next_why
                       else f"  next pick: {pick}")
            if view.red_flags_waiting:
                typer.echo(f"  red flags waiting for it: {view.red_flags_waiting}"
                           " (cxinbox list is:red-flag assignee:none)")
