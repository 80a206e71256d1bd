"""Choosing the transport: the server's socket when one answers, else in-process.

Every CLI command and the TUI open their API here, so they behave the same whichever way
they reach the inbox. A socket file with nothing behind it (a server that crashed) means
in-process, silently: the output of a command must not depend on it. A server that answers
but refuses us is an error, never a quiet fallback (that would dodge the roster).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

if TYPE_CHECKING:
    from cxinbox.api.interface import InboxAPI
    from cxinbox.config import Config
    from cxinbox.service.inbox import InboxService


class Closes(Protocol):
    """What an in-process API runs on and must be closed with it (its store)."""

    def close(self) -> None: ...


@dataclass
class OpenedAPI:
    """An API and what must be closed after it."""

    api: InboxAPI
    transport: str  # "socket" | "in-process"
    db: Closes | None = None
    _closed: bool = field(default=False, repr=False)

    async def aclose(self) -> None:
        """Close the connection (on the loop that used it) and the database."""
        closer = getattr(self.api, "aclose", None)
        if closer is not None:
            await closer()
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self.db is not None:
                close_feed = getattr(self.api, "close_feed", None)
                if close_feed is not None:  # its readers first: they read the store
                    close_feed()
                self.db.close()


def connect_socket(config: Config, same_store: Callable[[str], bool] | None = None
                   ) -> OpenedAPI | None:
    """The server on `config.socket_path` when one answers; None when nothing does.
    `same_store`: see `socket_probe.check_store`."""
    path = config.socket_path
    try:
        present = path.exists()
    except PermissionError:  # a directory we may not enter: probe says so in one line
        present = True
    if not present:
        return None
    from cxinbox.api.socket_client import SocketAPI, probe, trusted_server_uids

    trusted = trusted_server_uids(path, (config.db_path.parent,))
    found = probe(path, trusted=trusted, db_path=config.store_identity, same_store=same_store)
    if found is None:
        return None
    hello, sock = found
    return OpenedAPI(SocketAPI(path, hello, sock, trusted=trusted), "socket")


def in_process(service: InboxService, config: Config, store: Closes) -> OpenedAPI:
    """The API straight on `service` (which runs on `store`, closed with it), making the
    same checks the server makes, so a command behaves alike either way. The store and
    the service are built by the composition root (cxinbox/wiring.py: `open_api`)."""
    from cxinbox.api.interface import InProcessAPI
    from cxinbox.api.validate import ValidatingAPI, Validator

    api = ValidatingAPI(InProcessAPI(service), Validator(config))
    return OpenedAPI(cast("InboxAPI", api), "in-process", store)


class SyncAPI:
    """The async API called from plain code (the CLI): one private event loop for all calls,
    so a socket connection made by the first call serves the rest."""

    def __init__(self, opened: OpenedAPI) -> None:
        self.opened = opened
        self.api = opened.api
        self.actor = opened.api.actor
        self.transport = opened.transport
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.api, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(method(*args, **kwargs))

        return call

    def close(self) -> None:
        try:
            self._loop.run_until_complete(self.opened.aclose())
        finally:
            self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
