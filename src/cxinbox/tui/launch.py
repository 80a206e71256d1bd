"""Entry points the CLI calls to open the TUI, on the real inbox or on the demo clinic.

This module is imported by `cxinbox.cli`, so it must not import Textual (or anything
that does) at module level: `cxinbox list` would pay ~0.2 s for a UI it never shows.
Everything heavy is imported inside the functions.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxinbox.api.interface import InboxAPI
    from cxinbox.config import Config
    from cxinbox.store.db import Database

EXIT_NO_TERMINAL = 2  # a usage error, as in cxinbox.cli
ASCII_TERMS = frozenset({"linux", "vt100", "vt102", "vt220", "dumb", "ansi", "cons25"})


def want_ascii(flag: bool | None, config_mode: str, env: Mapping[str, str]) -> bool:
    """`--ascii`/`--unicode` win; then `[ui] ascii = on/off`; auto means a plain TERM."""
    if flag is not None:
        return flag
    if config_mode == "on":
        return True
    if config_mode == "off":
        return False
    return env.get("TERM", "").lower() in ASCII_TERMS


def over_ssh(env: Mapping[str, str]) -> bool:
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))


def need_terminal() -> None:
    """Refuse, in one line, to start without a terminal on both ends.

    Textual reads keys from stdin and draws on stderr. Without a terminal there (cron, a
    pipe, `< /dev/null`) the screen went into a file or a pipe and the app waited for keys
    that could never come, reading end-of-input in a busy loop.
    """
    for name, stream in (("standard input", sys.__stdin__), ("standard error", sys.__stderr__)):
        if stream is None or not stream.isatty():
            print(f"cxinbox: the inbox screen needs a terminal and {name} is not one;"
                  " scripts use the commands (cxinbox list QUERY --json, cxinbox --help)",
                  file=sys.stderr)
            raise SystemExit(EXIT_NO_TERMINAL)


def _run(api: InboxAPI, config: Config, *, ascii: bool | None, mouse: bool | None,
         mailboxes: Sequence[str], status_note: str = "") -> None:
    need_terminal()
    from cxinbox.tui.app import CxInboxApp

    env = os.environ
    ascii_only = want_ascii(ascii, config.ui.ascii, env)
    use_mouse = config.ui.mouse if mouse is None else mouse
    app = CxInboxApp(api, config, ascii_only=ascii_only, calm=over_ssh(env),
                     mailboxes=mailboxes, status_note=status_note)
    app.run(mouse=use_mouse)
    if app.return_code:  # ended by a hangup or a signal: say so, after the clean-up
        raise SystemExit(app.return_code)


def open_tui(config: Config, *, ascii: bool | None = None, mouse: bool | None = None,
             local: bool = False) -> None:
    """The TUI on the configured inbox: through `cxinbox serve` when it answers on the
    configured socket, else in-process acting as the OS user (always so with `local`)."""
    from cxinbox.tui.unlock import current_user
    from cxinbox.wiring import open_api

    need_terminal()  # before any work: the refusal comes at once
    opened = open_api(config, current_user(), local=local)
    try:
        _run(opened.api, config, ascii=ascii, mouse=mouse,
             mailboxes=[account.name for account in config.accounts])
    finally:
        opened.close()


class DemoKeepError(Exception):
    """A directory `cxinbox demo --keep` cannot keep the demo in (one line, for the CLI)."""


def kept_demo_dir(directory: Path) -> Path:
    """Where `cxinbox demo --keep DIR` keeps the demo: DIR made if missing, refused unless it
    is an empty directory (a kept demo never mixes with, or overwrites, anything)."""
    if directory.exists() and not directory.is_dir():
        raise DemoKeepError(f"{directory} is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):
            raise DemoKeepError(f"{directory} is not empty; give a new or empty directory")
        probe = directory / ".cxinbox-write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise DemoKeepError(f"{directory}: {exc.strerror or type(exc).__name__}") from None
    return directory.resolve()


def open_demo(*, ascii: bool | None = None, mouse: bool | None = None, seed: int = 7,
              keep: Path | None = None) -> None:
    """The TUI on a generated clinic inbox in a throwaway directory, with mail arriving,
    replies leaving and the SLA monitor escalating and waking snoozes, as a server would.

    Never touches the person's real database: everything lives in a fresh temporary
    directory that is removed on exit, whatever happens; with `keep` (checked by
    `kept_demo_dir`), in that directory instead, kept on exit with a config.toml that
    reads it (`demo_config_toml`), and where is printed.
    """
    import threading

    from cxinbox.api.interface import InProcessAPI
    from cxinbox.service.demo import (
        DemoArrivals,
        build_demo,
        demo_config_toml,
        start_background,
    )
    from cxinbox.service.inbox import InboxService
    from cxinbox.tui.unlock import current_user
    from cxinbox.wiring import open_store

    need_terminal()  # before building the demo inbox, which takes seconds of CPU
    directory = keep if keep is not None else Path(tempfile.mkdtemp(prefix="cxinbox-demo-"))
    db: Database | None = None
    arrivals: DemoArrivals | None = None
    opened_api: InProcessAPI | None = None
    stop_background = threading.Event()
    background: list[threading.Thread] = []
    _exit_on_hangup()
    try:
        db = open_store(directory / "demo.db", synchronous="NORMAL")
        me = current_user()
        demo = build_demo(db, seed=seed, me=me)
        if keep is not None:
            config_path = directory / "config.toml"
            config_path.write_text(demo_config_toml(demo.config, directory / "demo.db",
                                                    admin=me))
            config_path.chmod(0o600)
        arrivals = DemoArrivals(demo)
        arrivals.start()
        background = start_background(demo, stop_background)
        api = InProcessAPI(InboxService(db, demo.config, me))
        opened_api = api
        _run(api, demo.config, ascii=ascii, mouse=mouse, mailboxes=demo.mailboxes,
             status_note="demo inbox: a new patient message every 20-30 s")
    finally:
        stop_background.set()
        for thread in background:  # none may write while the database closes
            thread.join(timeout=5)
        if arrivals is not None:
            arrivals.stop()
        if opened_api is not None:
            opened_api.close_feed()
        if db is not None:
            db.close()
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)
        elif (directory / "config.toml").exists():
            print(f"cxinbox: the demo is kept in {directory}: its database demo.db and"
                  f" config.toml (try: cxinbox -c {directory / 'config.toml'} rules test"
                  f" \"red flags to the nurses\" --since 30d)")


def _exit_on_hangup() -> None:
    """A closed terminal or SSH session (SIGHUP) or a polite kill (SIGTERM) ends the demo
    through the normal exit path, so its temporary directory is still removed."""
    import signal

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, leave)
