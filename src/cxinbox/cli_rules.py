"""`cxinbox rules list | show NAME | test NAME --since 30d`: the automation rules.

`list` and `show` read only the config (no database, no server). `test` reads the cache
in this process, like `reindex`: it needs the database file, so it runs as the service
user or an admin, and it writes one audit record (the subjects it shows are patient
data). It changes nothing. Presentation only: the replay is `service/rules_preview.py`,
handed in by cli_app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from cxinbox.config import Config
    from cxinbox.contract.rule_types import Preview
    from cxinbox.domain.rules import Rule

TestRule = Callable[["Config", str, int], "Preview"]
"""(config, rule name, since epoch seconds) -> what the rule would have done."""

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
EXIT_USAGE = 2


def _rule_dict(rule: Rule, config: Config) -> dict[str, object]:
    from cxinbox.domain.rules import describe

    shown: dict[str, object] = {
        "name": rule.name, "on": rule.on, "match": rule.match, "stop": rule.stop,
        "enabled": rule.enabled, "actions": [describe(a) for a in rule.actions]}
    if rule.action("notify") is not None:
        shown["notify_command"] = _hook(rule, config)  # null: the notify pages nobody
    return shown


def _hook(rule: Rule, config: Config) -> str | None:
    """Which notify_command the rule's notify runs (None: none, it pages nobody)."""
    from cxinbox.domain.rules import notify_hook

    return notify_hook(rule, sla=bool(config.sla.notify_command),
                       triage=bool(config.triage.notify_command))


def pages_nobody(rule: Rule, config: Config) -> str:
    """"" when the rule has no notify or its notify runs a command; else the plain line."""
    from cxinbox.domain.rules import no_hook_problem

    if rule.action("notify") is None or _hook(rule, config) is not None:
        return ""
    return f"notify {no_hook_problem(rule)}"


def register(app: typer.Typer, load_config: Callable[[str | None], Config],
             test_rule: TestRule) -> None:
    rules_app = typer.Typer(help="Automation rules: list, show, and test one on past mail.",
                            no_args_is_help=True)
    app.add_typer(rules_app, name="rules")

    @rules_app.command("list")
    def rules_list(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """The configured rules, in the order they run."""
        cfg = load_config(config)
        if as_json:
            typer.echo(json.dumps([_rule_dict(r, cfg) for r in cfg.rules], indent=2))
            return
        if not cfg.rules:
            typer.echo("no rules configured ([[rules]] in the config)")
        for index, rule in enumerate(cfg.rules, 1):
            stop = "  (stop)" if rule.stop else ""
            off = "  (enabled = false)" if not rule.enabled else ""
            silent = pages_nobody(rule, cfg)
            typer.echo(f"{index:>2}. {rule.name}  on {rule.on}{stop}{off}"
                       + (f"  ({silent})" if silent else ""))

    @rules_app.command("show")
    def rules_show(name: Annotated[str, typer.Argument(help="The rule's name.")],
                   config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """One rule: its trigger, query and actions (in the order they run)."""
        from cxinbox.domain.rules import describe, no_hook_problem

        cfg = load_config(config)
        rule = _named(cfg, name)
        shown = _rule_dict(rule, cfg)
        if as_json:
            typer.echo(json.dumps(shown, indent=2))
            return
        typer.echo(f"rule:    {rule.name}\non:      {rule.on}\n"
                   f"match:   {rule.match or '(every conversation)'}\n"
                   f"stop:    {'yes' if rule.stop else 'no'}\n"
                   f"enabled: {'yes' if rule.enabled else 'no (only `rules test` runs it)'}")
        for action in rule.actions:
            line = describe(action)
            if action.kind == "notify":
                hook = _hook(rule, cfg)
                line += f"  (runs {hook})" if hook else f"  ({no_hook_problem(rule)})"
            typer.echo(f"action:  {line}")

    @rules_app.command("test")
    def rules_test(name: Annotated[str, typer.Argument(help="The rule's name.")],
                   since: Annotated[str, typer.Option(
                       "--since", help="How far back: 30d, 2w, 2026-11-01 ...")] = "30d",
                   config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """What the rule would have done each time its trigger happened, judged by each
        conversation as it was then (changes nothing; works on a rule with enabled = false)."""
        from cxinbox.domain.when import WhenError, parse_when

        cfg = load_config(config)
        _named(cfg, name)
        tz = ZoneInfo(cfg.clinic.timezone)
        try:
            start = parse_when(since, now=datetime.now(UTC), tz=tz, direction="past")
        except WhenError as exc:
            typer.echo(f"cxinbox: --since: {exc}", err=True)
            raise typer.Exit(2) from None
        result = test_rule(cfg, name, int(start.timestamp()))  # errors: cli.error_code
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        for row in result.rows:
            when = datetime.fromtimestamp(row.at, UTC).astimezone(tz)
            typer.echo(f"#{row.conversation_id:<6} {when:%Y-%m-%d %H:%M}  "
                       + "; ".join(row.would) + (f"  [{row.live}]" if row.live else ""))
        shown = (f" (first {len(result.rows)} listed)" if result.matched > len(result.rows)
                 else "")
        state = "" if _enabled(cfg, result.rule) else " (enabled = false: not running)"
        typer.echo(f"rule {result.rule!r}{state} on {result.trigger} since"
                   f" {start.astimezone(tz):%Y-%m-%d %H:%M}: {result.triggered} trigger(s),"
                   f" would have fired {result.matched} time(s){shown}; nothing was changed")
        if result.assessed:
            typer.echo(f"{result.assessed} of them came with a first sync's backlog, never"
                       f" assessed at ingest: assessed for this replay (nothing stored), so"
                       f" intent: and red-flag: could match")
        if result.stored_unassessed:
            typer.echo(f"{result.stored_unassessed} of them came with a message live ingest"
                       f" read and stored no intent for (an automatic reply, a bounce, mail"
                       f" a later sync stored longer than [triage] backlog_hours after the"
                       f" server received it, or a detector failure, logged then): replayed"
                       f" as live saw it, so"
                       f" intent: and red-flag: did not match it live and do not here")
        if result.unassessed:
            typer.echo(f"{result.unassessed} more message(s) were never assessed (past the"
                       f" replay's limit): intent: and red-flag: cannot match them;"
                       f" try a shorter --since")
        if result.backlog:
            typer.echo(f"{result.backlog} of them came with a first sync's backlog"
                       f" (received longer than [triage] backlog_hours before it was"
                       f" stored): live ran no rules on those, so what is listed for them"
                       f" did not happen")
        for note in result.notes:
            typer.echo(f"note: {note}")
        tested = _find(cfg, result.rule)
        silent = pages_nobody(tested, cfg) if tested is not None else ""
        if silent:
            typer.echo(f"note: {silent}; set it for the pages to go out")


def _named(config: Config, name: str) -> Rule:
    """The configured rule called `name`; an unknown name is bad usage (exit 2), said with
    the names there are."""
    from cxinbox.domain.rules import find_rule
    from cxinbox.domain.sanitize import clean_line

    rule = find_rule(config.rules, name)
    if rule is None:
        known = ", ".join(repr(r.name) for r in config.rules) or "none are configured"
        typer.echo(f"cxinbox: no rule named {clean_line(name)!r}; rules: {known}", err=True)
        raise typer.Exit(EXIT_USAGE)
    return rule


def _find(config: Config, name: str) -> Rule | None:
    from cxinbox.domain.rules import find_rule

    return find_rule(config.rules, name)


def _enabled(config: Config, name: str) -> bool:
    rule = _find(config, name)
    return rule is None or rule.enabled
