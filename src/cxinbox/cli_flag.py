"""`cxinbox flag clear ID --reason TEXT`: a clinician clears a red flag.

Presentation only: the server checks who may (clinical staff, supervisors, admins),
records the reason in the audit trail and lifts the block on canned replies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]


def register(app: typer.Typer, open_api: Callable[[Config], SyncAPI],
             load_config: Callable[[str | None], Config],
             parse_id: Callable[[str], int]) -> None:
    flag_app = typer.Typer(help="Red flags: clear one once a clinician has dealt with it.",
                           no_args_is_help=True)
    app.add_typer(flag_app, name="flag")

    @flag_app.command("clear")
    def flag_clear(
        conversation: Annotated[str, typer.Argument(metavar="ID",
                                                    help="Conversation id (#1024).")],
        reason: Annotated[str, typer.Option(
            "--reason", "-r", metavar="TEXT",
            help="Why it is safe now (e.g. 'called patient, sent to ER'); audited.")] = "",
        config: ConfigOpt = None,
    ) -> None:
        """Clear the open red flag of one conversation (clinical staff, supervisors,
        admins). Canned replies are allowed again; a NEW message with a red flag raises
        it again."""
        conv_id = parse_id(conversation)
        if not reason.strip():
            typer.echo("cxinbox: give a reason with --reason TEXT (it goes in the audit"
                       " trail)", err=True)
            raise typer.Exit(2)
        from cxinbox.contract.errors import NothingToClear

        with open_api(load_config(config)) as api:
            try:
                api.clear_red_flag(conv_id, reason)
            except NothingToClear:  # cleared already, or never raised: the goal holds
                typer.echo(f"#{conv_id} has no open red flag: nothing to clear")
                return
        typer.echo(f"cleared the red flag of #{conv_id}")
