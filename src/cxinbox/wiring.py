"""The composition root: the one place that chooses which store runs and builds on it.

Everything above the store is written against `store.interface.Store`; this module alone
says which implementation that is (SQLite today, at `config.db_path`; PostgreSQL will be
picked here from `[store] url`). The CLI and the TUI come here for an API, the server for
its store; nothing else constructs a store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cxinbox.contract.errors import Forbidden

if TYPE_CHECKING:
    from cxinbox.api.transport import OpenedAPI
    from cxinbox.config import Config
    from cxinbox.service.rules import RuleEngine
    from cxinbox.service.runtime import Worker
    from cxinbox.store.db import Database
    from cxinbox.store.interface import AuditReader, Store


def open_store(path: Path, *, synchronous: str = "FULL") -> Database:
    """The store at `path`; one line (not a traceback) for someone who may not open it,
    e.g. `--local` run by a member of staff instead of the server user.

    Typed as the SQLite store while parts of the service still speak SQLite
    (tests/test_layers.py lists them); the rest only see `Store`.
    """
    from cxinbox.store.db import Database

    refusal = Forbidden(f"{path}: permission denied: only the cxinbox server's user may open"
                        " the database; without --local, commands go through the server")
    try:
        kept_from_us = path.parent.exists() and not os.access(
            path.parent, os.R_OK | os.W_OK | os.X_OK)
    except PermissionError:
        kept_from_us = True
    if kept_from_us:
        raise refusal
    try:
        return Database(path, synchronous=synchronous)
    except PermissionError:
        raise refusal from None


def rules_engine(store: Store, config: Config, *,
                 replaying: str | None = None) -> RuleEngine | None:
    """The rules engine of this store and config, or None when no rule is enabled: built
    once here and handed to everything that fires rules (the sync, the SMS poller, the SLA
    monitor, the services that close conversations). `assign = "team:NAME"` uses the
    teams' own strategy. `replaying`: the engine `rules test NAME` rehearses with, which
    runs that rule too when it is switched off."""
    from cxinbox.service.rules import RuleEngine, team_strategy
    from cxinbox.service.rules_preview import replayed_rules

    rules = replayed_rules(config.rules, replaying or "")
    if not rules:
        return None
    teams = team_strategy(config) if config.teams else None
    return RuleEngine(store, config, team_assign=teams, rules=rules)


def open_audit_reader(path: Path) -> AuditReader:
    """A read-only look at the audit trail of the store at `path` (for `audit verify` and
    `doctor`, which may run beside the server)."""
    from cxinbox.store.anchor import AuditReader as SqliteAuditReader

    return SqliteAuditReader(path)


def open_api(config: Config, actor: str, *, local: bool = False) -> OpenedAPI:
    """The socket transport when a server answers on `config.socket_path`, else in-process
    acting as `actor` on the configured store (`local=True` forces in-process: an admin
    working on the file)."""
    from cxinbox.api.transport import connect_socket, in_process
    from cxinbox.service.inbox import InboxService

    if not local:
        opened = connect_socket(config)
        if opened is not None:
            return opened
    store = open_store(config.db_path)
    return in_process(InboxService(store, config, actor, rules=rules_engine(store, config)),
                      config, store)


def serve(config: Config, *, on_ready: Callable[[Path], None] | None = None,
          workers: Sequence[Worker] | None = None) -> None:
    """`cxinbox serve` on the configured store (see `api.socket_server.serve`)."""
    from cxinbox.api.socket_server import serve as run_server

    run_server(config, lambda: open_store(config.db_path), on_ready=on_ready,
               workers=workers, rules=lambda store: rules_engine(store, config))
