"""The `cxinbox` command's front door: start fast, hand everything else to the typer app.

Every scripted call pays the start-up, and importing typer and click is most of it, so this
module imports neither. It answers the hot, plain calls itself, exactly as the app would:

- `cxinbox --version`;
- `cxinbox --help`: typer's own text, rendered ahead into cli_help.py (a test keeps the
  two equal), when the terminal is at least as wide as it was rendered for;
- `cxinbox list [QUERY] [--json] [--limit N] [--offset N] [--config PATH]` when a server
  answers on the socket: one blocking request, no event loop, no service layer.

Anything else, or anything unusual in those (another option, a value out of range, no
server answering, shell completion), goes to the typer app in cli_app.py, which stays the
one source of truth for commands, options, help and usage errors. Textual is never
imported on these paths (a test checks it).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket
    from pathlib import Path

    from cxinbox.cli_facts import Facts
    from cxinbox.contract.types import Page

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # bad config, bad arguments
EXIT_NOT_FOUND = 3
EXIT_QUERY = 4
EXIT_SERVER = 5  # a server unreachable, untrusted or refusing us
EXIT_FORBIDDEN = 6  # the acting staff member's role does not allow it
EXIT_PARTIAL = 9  # a bulk change done except on matches an open red flag protects
EXIT_UNCHECKED = 10  # a check could not look (the store unreachable): no verdict
EXIT_FOREIGN_LOG = 11  # audit verify: the checkpoint log is another database's, not read
EXIT_INTERRUPTED = 130

LIST_LIMIT_MAX = 1000
LIST_LIMIT_DEFAULT = 50


def version_line() -> str:
    from cxinbox import __version__

    return f"cxinbox {__version__}"


def error_code(exc: BaseException) -> tuple[int, str] | None:
    """Map the errors a person can act on to (exit code, one line); None for a bug."""
    from cxinbox.config import ConfigError
    from cxinbox.contract.errors import ApiError, BadQuery, NotOnThisStoreYet, StoreRefused

    if isinstance(exc, StoreRefused):  # a grant missing, a read-only file: one line
        return EXIT_SERVER, str(exc)
    if isinstance(exc, NotOnThisStoreYet):
        return EXIT_ERROR, f"not available on this store yet ({exc})"
    if isinstance(exc, BadQuery):
        return EXIT_QUERY, str(exc)
    if isinstance(exc, ApiError):
        return exc.exit_code, str(exc)
    if isinstance(exc, ConfigError):
        return EXIT_USAGE, str(exc)
    from cxinbox.api.socket_server import ServeError
    from cxinbox.channels.credentials import CredentialError
    from cxinbox.channels.imap import ImapError
    from cxinbox.contract.errors import StoreError, StoreUnreadable

    if isinstance(exc, StoreUnreadable):  # nothing was read: no answer, no verdict
        return EXIT_UNCHECKED, f"could not read the store: {exc}"
    if isinstance(exc, CredentialError):
        from cxinbox.channels.oauth import OAuthError

        if isinstance(exc, OAuthError) and not exc.permanent:
            return EXIT_SERVER, str(exc)
        return EXIT_USAGE, str(exc)
    if isinstance(exc, (ImapError, ServeError)):
        return EXIT_SERVER, str(exc)
    if isinstance(exc, StoreError):
        return EXIT_ERROR, str(exc)
    return None


# -- the page a listing prints (shared with cli_app's `list`) ------------------------------


def print_json(data: Any) -> None:
    import json

    _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_page(page: Page, timezone: str, offset: int, as_json: bool) -> None:
    """One page of conversations as `cxinbox list` shows it (the count goes to stderr)."""
    if as_json:
        print_json(page.to_dict())
        return
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from cxinbox.domain.arrival import unscreened_mark
    from cxinbox.domain.intent_words import intent_word

    tz = ZoneInfo(timezone)
    now = int(datetime.now(UTC).timestamp())
    lines = []
    for c in page.items:
        who = c.from_name or c.from_addr
        tags = f" [{', '.join(c.tags)}]" if c.tags else ""
        unread = "*" if c.unread_count else " "
        # Words, not colour: the open red flag as the TUI's RED!, a cleared one as its
        # ASCII RFok, the intent as its word.
        flag = "RED!" if c.red_flag_open else "RFok" if c.red_flag_cleared else ""
        code = intent_word(c.intent, c.subject)
        intent = f"{code}: " if code else ""
        if c.unscreened_received_at is not None:  # the detectors never read it: say so
            intent = f"{unscreened_mark(c.unscreened_received_at, now)} {intent}"
        when = datetime.fromtimestamp(c.last_message_at, UTC).astimezone(tz).strftime(
            "%Y-%m-%d %H:%M") if c.last_message_at else "-"
        lines.append(f"{unread}#{c.id:<6} {flag:<4} {c.status:<7} {when}"
                     f"  {who[:24]:<24}  {intent}{c.subject[:60]}{tags}\n")
    _write("".join(lines))
    shown = f"{offset + 1}-{offset + len(page.items)}" if page.items else "0"
    sys.stderr.write(f"{shown} of {page.total} conversation(s)\n")


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# -- the fast paths ------------------------------------------------------------------------


def _fast(args: list[str]) -> bool:
    """Answer `args` here when that is exactly what the typer app would do; False when the
    app must (nothing has been printed or done then)."""
    if os.environ.get("_CXINBOX_COMPLETE"):
        return False
    if args == ["--version"]:
        _write(version_line() + "\n")
        return True
    if args in (["--help"], ["-h"]):
        return _root_help()
    return _fast_list(args)


def _root_help() -> bool:
    import shutil

    from cxinbox.cli_help import ROOT_HELP, ROOT_HELP_COLUMNS

    if shutil.get_terminal_size().columns < ROOT_HELP_COLUMNS:
        return False  # click wraps to a narrower terminal: let it
    _write(ROOT_HELP)
    return True


def _list_args(args: list[str]) -> tuple[str | None, str, bool, int, int] | None:
    """(config, query, as_json, limit, offset) of a plain `list` call, else None."""
    config: str | None = None  # after `list`
    root_config: str | None = None  # before it, as the app's global option
    query: str | None = None
    as_json, limit, offset = False, LIST_LIMIT_DEFAULT, 0
    seen_list = False
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        takes_value = name in ("--config", "-c") or (seen_list and name in ("--limit",
                                                                          "--offset"))
        if takes_value:
            if eq:
                value = inline
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                return None
            if name in ("--config", "-c") and seen_list:
                config = value
            elif name in ("--config", "-c"):
                root_config = value
            elif not value.isascii() or not value.isdigit():
                return None
            elif name == "--limit":
                limit = int(value)
            else:
                offset = int(value)
        elif seen_list and arg == "--json":
            as_json = True
        elif arg.startswith("-"):
            return None
        elif not seen_list:
            if arg != "list":
                return None
            seen_list = True
        elif query is None:
            query = arg
        else:
            return None
        i += 1
    if not seen_list or not 1 <= limit <= LIST_LIMIT_MAX:
        return None
    return config or root_config, query or "", as_json, limit, offset


def _fast_list(args: list[str]) -> bool:
    parsed = _list_args(args)
    if parsed is None or os.environ.get("CXINBOX_LOCAL"):
        return False
    config_opt, query, as_json, limit, offset = parsed
    facts = _facts(config_opt)
    if facts is None:
        return False
    from cxinbox.contract.errors import WrongServer

    try:
        opened = _probe(facts)
    except WrongServer:
        if not facts.database:
            raise
        # PostgreSQL: one database has many names (localhost, 127.0.0.1, a socket
        # directory); its store id decides, read with the config's URL, which the
        # remembered facts do not keep (it may hold a password). The full path checks.
        return False
    if opened is None:
        return False
    from cxinbox.api.socket_probe import call_once

    path, sock = opened
    try:  # the server audits the listing (query, count, ids shown)
        page = call_once(sock, path, "list_conversations", query, offset, limit)
    finally:
        sock.close()
    print_page(page, facts.timezone, offset, as_json)
    return True


def _facts(config_opt: str | None) -> Facts | None:
    """The config's facts for a socket client: remembered, or from a full load (which is
    then remembered); None when the config does not load (the app says why)."""
    from cxinbox.cli_facts import cached, remember
    from cxinbox.paths import resolve_config_path

    path = resolve_config_path(config_opt)
    facts = cached(path)
    if facts is not None:
        return facts
    from cxinbox.config import ConfigError, load_config

    try:
        cfg = load_config(path)
    except ConfigError:
        return None
    return remember(path, cfg)


def _probe(facts: Facts) -> tuple[Path, socket.socket] | None:
    """The server's socket, checked as `api.transport.open_api` checks it; None when no
    server answers (the app then works in-process)."""
    from cxinbox.api.socket_probe import probe, trusted_server_uids

    path = facts.socket
    try:
        if not path.exists():
            return None
    except PermissionError:
        pass  # a directory we may not enter: probe says so in one line
    found = probe(path, trusted=trusted_server_uids(path, (facts.data_dir,)),
                  db_path=facts.store)
    if found is None:
        return None
    return path, found[1]


def main(argv: list[str] | None = None) -> None:
    """Entry point. Every error a person can act on becomes one line and its exit code
    (usage errors too: see cli_app.run); anything else is a bug and keeps its traceback."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if not _fast(args):
            from cxinbox.cli_app import run

            run(args)
    except KeyboardInterrupt:
        sys.stderr.write("cxinbox: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # `cxinbox list | head`: nobody reads the rest
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        mapped = error_code(exc)
        if mapped is None:
            raise
        code, line = mapped
        sys.stderr.write(f"cxinbox: {line}\n")
        sys.exit(code)


def __getattr__(name: str) -> Any:
    """`cxinbox.cli.app` and the helpers tests use live in cli_app (loaded on first use)."""
    if name.startswith("__"):
        raise AttributeError(name)
    from cxinbox import cli_app

    try:
        return getattr(cli_app, name)
    except AttributeError:
        raise AttributeError(f"module 'cxinbox.cli' has no attribute {name!r}") from None
