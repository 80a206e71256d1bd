"""`cxinbox --help` rendered ahead of time, so the commonest call never imports typer.

The text is typer's own (`render_root_help`); tests/test_cli_start.py fails when the two
differ. After changing a command or the app's help, regenerate this file with
`PYTHONPATH=src python -m cxinbox.cli_help`.
"""

from __future__ import annotations

ROOT_HELP_COLUMNS = 80
"""click wraps help to min(terminal width, 80) - 2 columns: on a terminal of 80 columns or
more (and with no terminal) the text is this."""

def render_root_help() -> str:
    """The top-level help exactly as the typer app prints it on a wide terminal."""
    import click
    import typer

    from cxinbox.cli_app import app

    command = typer.main.get_command(app)
    settings = {**command.context_settings, "terminal_width": ROOT_HELP_COLUMNS - 2}
    with click.Context(command, info_name="cxinbox", **settings) as ctx:
        return command.get_help(ctx) + "\n"


def _regenerate() -> None:
    from pathlib import Path

    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.rpartition("\n# -- generated: ")
    path.write_text(f"{head}\n# -- generated: do not edit\nROOT_HELP = {render_root_help()!r}\n",
                    encoding="utf-8")


if __name__ == "__main__":
    _regenerate()

# -- generated: do not edit
ROOT_HELP = "Usage: cxinbox [OPTIONS] [COMMAND] [ARGS]...\n\n  cxinbox: the clinic front-desk inbox. With no command, opens the TUI.\n\n  New here? `cxinbox demo` opens a demo clinic inbox; `cxinbox init` writes a\n  config. Shell completion: `cxinbox completion bash` (or zsh, fish).\n\nOptions:\n  -c, --config TEXT     Path to config.toml (default: the XDG config dir).\n                        [env var: CXINBOX_CONFIG]\n  --ascii / --unicode   Draw only 7-bit ASCII (default: auto for TERM\n                        linux/vt100/dumb).\n  --no-mouse            Ignore the mouse entirely.\n  --local               Open the database in this process even when a server\n                        is running (admins).  [env var: CXINBOX_LOCAL]\n  --version             Print the version and exit.\n  --install-completion  Install completion for the current shell.\n  --show-completion     Show completion for the current shell, to copy it or\n                        customize the installation.\n  -h, --help            Show this message and exit.\n\nCommands:\n  completion  Print the shell completion script for SHELL.\n  demo        Open the TUI on a built-in demo clinic inbox: no network,...\n  init        Write a starting config (from config.example.toml).\n  sync        Sync the configured IMAP folders into the local cache.\n  list        List conversations matching QUERY, open red flags first.\n  show        Show one conversation with its messages and notes.\n  tag         Add and remove tags on every conversation matching QUERY.\n  assign      Assign every conversation matching QUERY to USER or a team,...\n  status      Server health (no arguments), or set the status of every...\n  priority    Set the priority of every conversation matching QUERY.\n  note        Add an internal note to one conversation.\n  merge       Merge OTHER into INTO (one patient, one thread); --undo...\n  split       Move a message, and the replies to it, into a new...\n  attachment  Save one attachment (an MMS picture is fetched from the...\n  serve       Run the front-desk server: the socket every TUI and command...\n  reindex     Re-derive parsed fields and the full-text index from the...\n  doctor      Check config, credentials, TLS, server reachability, SQLite...\n  reply       Write a reply (a shared draft); with --send, queue it (undo...\n  templates   List the canned replies `reply --template NAME` can start...\n  outbox      List the outbox, or retry / cancel / confirm one item.\n  backup      Write an encrypted, verified backup now (through the server...\n  restore     Restore a backup into a stopped instance, check it, and say...\n  report      Reports from the event log: volume, response, sla, backlog,...\n  triage      Show what the red-flag and intent detectors find in a...\n  away        Mark yourself (or, for supervisors and admins, a colleague)...\n  teams       The teams, their strategy, and who of each the next pick...\n  contact     A patient's contact: addresses and numbers across email and...\n  audit       The audit trail.\n  auth        OAuth2 sign-in for Microsoft 365, Google Workspace and...\n  service     Run `cxinbox serve` as a systemd service.\n  retention   Purge what [retention] says is past its period.\n  kb          The knowledge base: articles the desk searches and inserts...\n  rules       Automation rules: list, show, and test one on past mail.\n  flag        Red flags: clear one once a clinician has dealt with it.\n  store       Move the store to PostgreSQL and check the copy (admins).\n"
