"""Errors every API transport raises the same way; each carries its CLI exit code."""

from __future__ import annotations


class ApiError(Exception):
    exit_code = 1


class NotFound(ApiError):
    exit_code = 3


class BadQuery(ApiError):
    """A query with a syntax error; the message points at the offending term."""

    exit_code = 4

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class BadRequest(ApiError):
    exit_code = 2


class NothingToClear(BadRequest):
    """`flag clear` on a conversation with no open red flag (never raised, or cleared
    already): nothing changed. The CLI says so and exits 0; other callers see a BadRequest."""


class Forbidden(ApiError):
    """The acting staff member's role does not allow this (e.g. an agent reading the audit log)."""

    exit_code = 6


class CannedRefused(Forbidden):
    """Canned or knowledge-base text refused on a conversation whose red flag is open: the
    same exit code as every other red-flag refusal. A client that wrote the draft only to
    send it at once takes it back, so the refused text is not what the composer opens."""


class ServerUnavailable(ApiError):
    """The front-desk server is gone, restarting too long, or dropped us mid-request."""

    exit_code = 5


class WrongServer(ServerUnavailable):
    """The server on the configured socket serves another database than the config names:
    nothing is sent to it."""


class TooManyConnections(ServerUnavailable):
    """The server is at its connection cap (for this person or for everyone): try later."""


class NotOnThisStoreYet(NotImplementedError):
    """A store operation the running backend does not offer yet (PostgreSQL's list in
    store/pg/store.py): the CLI says so in one line, the server answers it as an error."""


class StoreError(Exception):
    """A problem with the store (the database file, its server) a person can act on, in one
    line. Raised by the store, so it lives below it: the CLI and `doctor` say it and exit."""


class LeaseLost(StoreError):
    """A write made under a lease (`SyncLease.fencing`) found the lease taken by another
    server meanwhile (this one was paused or cut off): nothing of it was committed."""


class DatabaseDown(StoreError):
    """The PostgreSQL database does not answer (restarting, unreachable): said at once,
    not after the pool's full wait."""


class StoreRefused(StoreError):
    """The store refuses this process a table it needs: a PostgreSQL role without the
    grant, a SQLite file or directory this user may only read. The line names the table
    and the fix; the CLI exits as for a server refusing us (5)."""


class StoreUnreadable(StoreError):
    """The store could not be reached or read at all (no connection, a refused login, the
    database stopped): nothing was compared, so a check says it could not check and gives
    no verdict."""


class DatabaseUnavailable(ApiError):
    """The server is up but its database does not answer (a DatabaseDown, for clients)."""

    exit_code = 5
