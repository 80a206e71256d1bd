"""The composition root: the one place that chooses which store runs and builds on it.

Everything above the store is written against `store.interface.Store`; this module alone
says which implementation that is (SQLite, at `config.db_path`; `[store] url` names a
PostgreSQL database, which `open_pg_store` opens: servers run on it, and so do
commands run without a server, `open_local_store`).
The CLI and the TUI come here for an API, the server for its store; nothing else
constructs a store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxinbox.contract.errors import Forbidden, StoreError, StoreRefused

if TYPE_CHECKING:
    from cxinbox.api.transport import OpenedAPI
    from cxinbox.config import Config
    from cxinbox.service.health import Health
    from cxinbox.service.rules import RuleEngine
    from cxinbox.service.runtime import Worker
    from cxinbox.store.db import Database
    from cxinbox.store.interface import AuditReader, Store
    from cxinbox.store.pg.copy import CopyReport, VerifyReport
    from cxinbox.store.pg.store import PgStore


def open_store(path: Path, *, synchronous: str = "FULL") -> Database:
    """The store at `path`; one line (not a traceback) for someone who may not open it,
    e.g. `--local` run by a member of staff instead of the server user.

    Typed as the SQLite store while parts of the service still speak SQLite
    (tests/test_layers.py lists them); the rest only see `Store`.
    """
    from cxinbox.store.db import Database

    refusal = Forbidden(f"{path}: permission denied: only the cxinbox server's user may open"
                        " the database; without --local, commands go through the server")
    _refuse_root_in_anothers_directory(path)
    try:
        unreadable = path.exists() and not os.access(path, os.R_OK)
    except PermissionError:
        unreadable = False  # the directory is kept from us: refused below
    if unreadable:  # there, and not ours to read: no answer (exit 10), as on PostgreSQL
        from cxinbox.store.db import unreadable_cache

        raise unreadable_cache(path, None)
    try:
        kept_from_us = path.parent.exists() and not os.access(
            path.parent, os.R_OK | os.W_OK | os.X_OK)
    except PermissionError:
        kept_from_us = True
    if kept_from_us:
        raise _read_only(path.parent) or refusal
    try:
        return Database(path, synchronous=synchronous)
    except PermissionError:
        raise refusal from None


def _read_only(directory: Path) -> StoreRefused | None:
    """The database's own directory (this user's), or a read-only file system, that this
    process may read but not write: the store refuses the writes every command makes (an
    audit event of each read, the -wal and -shm files beside the database). None when the
    directory is someone else's (that is `open_store`'s refusal: not this user's store)."""
    try:
        mine = directory.stat().st_uid == os.geteuid()
        mounted_ro = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return None
    if mounted_ro:
        return StoreRefused(f"{directory}: on a read-only file system: the database needs"
                            " it writable (every command writes its audit event there);"
                            " mount it read-write")
    if not mine:
        return None
    return StoreRefused(f"{directory}: read-only for its owner: the database needs it"
                        " writable (its -wal and -shm files live there, and every command"
                        f" writes its audit event); run `chmod 700 {directory}`")


def _refuse_root_in_anothers_directory(path: Path) -> None:
    """Root opening the server user's database would leave files only root owns there (a
    new database, its -wal and -shm): the server then cannot open its own store. Say whose
    it is instead, before anything is made."""
    if os.geteuid() != 0:
        return
    try:
        owner = path.parent.stat().st_uid
    except OSError:
        return  # no directory yet: root's own new store, made 0700 for root
    if owner == 0:
        return
    import pwd

    try:
        name = pwd.getpwuid(owner).pw_name
    except KeyError:
        name = f"#{owner}"
    raise Forbidden(f"{path.parent} belongs to {name}, the cxinbox server's user: run this as"
                    f" that user (sudo -u {name} cxinbox ...), not as root: files root made"
                    " there would lock the server out of its own database")


def open_local_store(config: Config, *, create: bool = False) -> Store:
    """The configured store opened in this process, for commands run without a server
    (`--local`, `sync`, an admin on the server's host): the PostgreSQL database `[store]
    url` names, else the SQLite file. On PostgreSQL this runs beside any servers on the
    same database, as one more of them.

    `create`: the command makes the SQLite cache when there is none yet (`sync`); every
    other command is refused in one line (`require_cache`) rather than leave an empty
    database at a mistyped path."""
    if config.store.url is not None:
        return open_pg_store(config)
    if not create:
        _refuse_root_in_anothers_directory(config.db_path)  # whose it is, said first
        require_cache(config.db_path)
    return open_store(config.db_path)


def require_cache(path: Path) -> None:
    """Raise the one-line "no cache" error when the SQLite cache at `path` is not there
    (nothing is created: the commands that make it are `sync` and `serve`)."""
    try:
        present = path.is_file()
    except OSError:
        present = True  # not ours to look at: opening it says why, as before
    if not present and not path.exists():
        raise StoreError(f"no cache at {path}: run `cxinbox sync` or `cxinbox serve` first")


def open_pg_store(config: Config) -> PgStore:
    """The PostgreSQL store `[store] url` names (migrated to this cxinbox's schema)."""
    from cxinbox.store.pg import require_driver

    if config.store.url is None:
        raise StoreError("[store] url is not set: the store is the SQLite file")
    require_driver()
    from urllib.parse import parse_qs, urlsplit

    from cxinbox.store.pg.store import PgStore

    url = config.store.connect_url or config.store.url
    try:
        return PgStore(url)
    except StoreError as exc:
        if "timeout expired" not in str(exc):
            raise
        seconds = parse_qs(urlsplit(url).query).get("connect_timeout", ["?"])[-1]
        raise StoreError(f"{exc} (no answer within {seconds} s; [store] connect_timeout_s"
                         " sets the wait)") from None


def rules_engine(store: Store, config: Config, *,
                 replaying: str | None = None) -> RuleEngine | None:
    """The rules engine of this store and config, or None when no rule is enabled: built
    once here and handed to everything that fires rules (the sync, the SMS poller, the SLA
    monitor, the services that close conversations). `assign = "team:NAME"` uses the
    teams' own strategy. `replaying`: the engine `rules test NAME` rehearses with, which
    runs that rule too when it is switched off."""
    if not any(r.enabled or r.name == replaying for r in config.rules):
        return None  # nothing to run: not even the modules below are loaded
    # loaded only now: the engine and the red-flag and reply code under it are a tenth of
    # a command's start, and most desks' commands run with no rule enabled
    from cxinbox.service.rules_preview import engine_for

    return engine_for(store, config, replaying=replaying)


def require_store_driver(config: Config) -> None:
    """Raise the one-line "install the postgresql extra" error when `[store] url` names a
    PostgreSQL database and its driver is not installed; nothing on SQLite."""
    if config.store.url is not None:
        from cxinbox.store.pg import require_driver

        require_driver()


def open_audit_reader(config: Config) -> AuditReader:
    """A read-only look at the audit trail of the configured store (for `audit verify`
    and `doctor`, which may run beside the servers): the SQLite file, or the PostgreSQL
    database `[store] url` names, on a read-only connection of its own."""
    if config.store.url is not None:
        from cxinbox.store.pg import require_driver

        require_driver()
        from cxinbox.store.pg.anchor import PgAuditReader

        return PgAuditReader(config.store.connect_url or config.store.url, config.store.database or "PostgreSQL store")
    from cxinbox.store.anchor import AuditReader as SqliteAuditReader

    return SqliteAuditReader(config.db_path)


def audit_store_id(config: Config) -> str | None:
    """The id of the database whose trail `audit verify` and `doctor` check, which names
    its checkpoint log (`Config.checkpoint_log_for`): None for a SQLite file, or for a
    PostgreSQL database no server has given an id yet. Read on a short read-only
    connection of its own, before the checkpoint log (the reader's snapshot comes after
    it); StoreUnreadable when the database cannot be reached."""
    if config.store.url is None:
        return None
    from cxinbox.store.pg import require_driver

    require_driver()
    from cxinbox.store.pg.store import store_id_or_unreadable

    return store_id_or_unreadable(config.store.connect_url or config.store.url,
                                  config.store.database or "PostgreSQL store")


def same_store_as(config: Config) -> Callable[[str], bool] | None:
    """For a PostgreSQL config: whether the database its URL reaches carries a given
    store id (read once, on a short connection of its own; False when it cannot be read:
    a client without database credentials relies on the names alone)."""
    url = config.store.url
    if url is None:
        return None

    def same(store_id: str) -> bool:
        try:
            from cxinbox.store.pg.store import read_store_id

            return read_store_id(url) == store_id
        except ImportError:  # no driver here: the names alone, as without credentials
            return False

    return same


def open_api(config: Config, actor: str, *, local: bool = False,
             create: bool = False) -> OpenedAPI:
    """The socket transport when a server answers on `config.socket_path`, else in-process
    acting as `actor` on the configured store (`local=True` forces in-process: an admin
    working on the file). In-process, a SQLite cache that is not there yet is refused
    (`require_cache`), never made empty, unless `create`."""
    from cxinbox.api.transport import connect_socket, in_process
    from cxinbox.service.inbox import InboxService

    if not local:
        opened = connect_socket(config, same_store=same_store_as(config))
        if opened is not None:
            return opened
        if config.store.url is not None:
            # Staff reach a PostgreSQL store through the server and have no database
            # credentials of their own: the database's refusal ("no password supplied")
            # would send them the wrong way. Someone who has credentials goes on.
            try:
                store = open_local_store(config, create=create)
            except StoreError as exc:
                from cxinbox.contract.errors import ServerUnavailable

                raise ServerUnavailable(
                    f"the cxinbox server is not running (nothing answers on"
                    f" {config.socket_path}): ask IT to start it (for IT: opening the"
                    f" database from here failed too: {exc})") from None
            return in_process(InboxService(store, config, actor,
                                           rules=rules_engine(store, config)), config, store)
    store = open_local_store(config, create=create)
    return in_process(InboxService(store, config, actor, rules=rules_engine(store, config)),
                      config, store)


def serve(config: Config, *, on_ready: Callable[[Path], None] | None = None,
          workers: Sequence[Worker] | None = None) -> None:
    """`cxinbox serve` on the configured store (see `api.socket_server.serve`).

    On PostgreSQL (`[store] url`) the server answers staff, shares the change feed with
    the other servers on that database and runs the background work that is safe with
    several servers (`service.runtime.shared_workers`): mail sync (a lease per folder),
    the outbox (each reply claimed by one server) and, under leader leases, the SLA
    monitor and audit checkpoints. What does not run there yet is said in one line each
    at start."""
    _warm_detectors()
    from cxinbox.api.socket_server import serve as run_server

    reap_parse_workers()
    if config.store.url is not None:
        from cxinbox.config import url_password_warning

        if (warning := url_password_warning(config)) is not None:
            logging.getLogger(__name__).warning("%s", warning)

        def pg_workers(store: Store, health: Health, engine: RuleEngine | None
                       ) -> Sequence[Worker]:
            from cxinbox.service.runtime import shared_workers

            chosen, skipped = shared_workers(store, config, health, engine)
            for line in skipped:
                logging.getLogger(__name__).warning("PostgreSQL store: %s", line)
            return chosen

        run_server(config, lambda: open_pg_store(config), on_ready=on_ready,
                   workers=workers if workers is not None else pg_workers,
                   rules=lambda store: rules_engine(store, config))
        return
    path = config.db_path
    run_server(config, lambda: open_store(path), on_ready=on_ready,
               workers=workers, rules=lambda store: rules_engine(store, config))


def reap_parse_workers() -> None:
    """The mail sync's parse workers (a forkserver pool) end when this process (the server,
    or `cxinbox sync`) ends, however it ends (service/reaper.py, loaded into the
    forkserver). Before the pool's first use: a forkserver already running keeps its
    preloads."""
    from multiprocessing import get_context

    from cxinbox.service.reaper import MODULE

    get_context("forkserver").set_forkserver_preload(["__main__", MODULE])


def _warm_detectors() -> None:
    """Load the triage model (a second's CPU at most) on a thread of its own while the
    server starts, so the first patient message after a start is not the one that waits
    for it."""
    import threading

    from cxinbox.domain import textmodel

    threading.Thread(target=textmodel.shipped, name="warm triage model", daemon=True).start()


def copy_store(config: Config, url: str, actor: str,
               progress: Callable[[str, int], None] | None = None) -> CopyReport:
    """`cxinbox store copy`: the configured SQLite cache into the empty PostgreSQL database
    at `url`, verified (store/pg/copy.py). Admins only; audited in the cache before the copy,
    so the copied trail ends with the event too."""
    from cxinbox.store.db import append_event
    from cxinbox.store.pg.copy import check_target, connect, copy_to_postgres, shown_url

    _admin_only(config, actor, "copying the store")
    from cxinbox.store.pg import require_driver

    require_driver()  # the install's gap first: no copy is possible without the driver
    require_cache(config.db_path)  # the copy's source; the target is made
    target = connect(url, config.store.connect_timeout_s)
    try:
        db = open_store(config.db_path)
        try:
            with _pg_errors_in_one_line(target):
                with db.read() as conn:
                    check_target(conn, target)  # a refused copy leaves no event behind
                with db.write() as conn:
                    append_event(conn, actor, "store.copy", "store", {"to": shown_url(url)})
                db.text_key()  # made now if it was not yet, to go along
                with db.read() as conn:
                    return copy_to_postgres(conn, target, progress=progress, url=url)
        finally:
            db.close()
    finally:
        target.close()


@contextmanager
def _pg_errors_in_one_line(target: Any) -> Iterator[None]:
    """A PostgreSQL error met while copying or checking a copy, as one line (StoreError):
    a missing privilege with its fix, anything else by its kind alone (the server's words
    may quote a row's values, patient text)."""
    import psycopg

    from cxinbox.store.pg.migrate import INSUFFICIENT_PRIVILEGE, privilege_fix

    try:
        yield
    except psycopg.Error as exc:
        code = getattr(exc, "sqlstate", None)
        if code == INSUFFICIENT_PRIVILEGE:
            raise StoreError(privilege_fix(exc, target.info.user, target.info.dbname)) from None
        raise StoreError(f"PostgreSQL store: {type(exc).__name__} ({code})") from None


def verify_store_copy(config: Config, url: str, actor: str) -> VerifyReport:
    """`cxinbox store verify`: what differs between the cache and its copy at `url`."""
    from cxinbox.store.pg.copy import check_copy, connect

    _admin_only(config, actor, "checking a copy of the store")
    from cxinbox.store.pg import require_driver

    require_driver()  # the install's gap first: no copy is possible without the driver
    require_cache(config.db_path)  # the copy's source; the target is made
    target = connect(url, config.store.connect_timeout_s)
    try:
        db = open_store(config.db_path)
        try:
            with _pg_errors_in_one_line(target), db.read() as conn:
                return check_copy(conn, target)
        finally:
            db.close()
    finally:
        target.close()


def _admin_only(config: Config, actor: str, what: str) -> None:
    """Admins on the roster; and the server's own user, who is on no roster and owns the
    cache (the one account that can read it, and so the one the copy runs as)."""
    from cxinbox.service.inbox import role_of

    if role_of(config, actor) == "admin" or _service_user(config, actor):
        return
    raise Forbidden(f"{actor}: permission denied: {what} is for admins (or the server's own"
                    " user, which owns the cache: sudo -u cxinbox cxinbox ...)")


def _service_user(config: Config, actor: str) -> bool:
    """Whether `actor` is the server's user: not on the staff roster, and the owner of
    the SQLite cache this process would read."""
    if any(member.os_user == actor for member in config.staff):
        return False
    try:
        return config.db_path.stat().st_uid == os.geteuid()
    except OSError:
        return False
