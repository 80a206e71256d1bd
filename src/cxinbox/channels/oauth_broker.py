"""Access tokens for every OAuth2 account of a process, renewed before they expire."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxinbox.channels.credentials import CredentialError
from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    from cxinbox.config import AccountConfig, OAuth2Config
from cxinbox.channels.oauth import REFRESH_MARGIN_S, BearerToken, OAuthError
from cxinbox.channels.oauth_providers import provider_for
from cxinbox.channels.oauth_store import TokenStore
from cxinbox.domain.logfields import error_class, fields

log = logging.getLogger("cxinbox.oauth")


def _now_iso(at: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if at is None else at, UTC).isoformat(
        timespec="seconds")


class OAuthBroker:
    """Access tokens for every OAuth2 account of this process, renewed before they expire.

    One lock per account: the folder threads of one mailbox share one token and one
    refresh. A permanent failure is remembered against the stored refresh state, so a
    revoked sign-in costs one request, not one per folder per retry; a new `auth login`
    (which changes the store) clears it.
    """

    def __init__(self, store: TokenStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._tokens: dict[str, BearerToken] = {}
        self._lifetimes: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._failed: dict[str, tuple[str, OAuthError]] = {}
        self._guard = threading.Lock()

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    @staticmethod
    def due(token: BearerToken, lifetime: float, now: float) -> bool:
        margin = min(REFRESH_MARGIN_S, max(1.0, lifetime / 4))
        return token.remaining(now) <= margin

    def token(self, account: AccountConfig, *, force: bool = False) -> BearerToken:
        cfg = account.oauth2
        assert cfg is not None
        with self._lock(account.name):
            now = self.clock()
            held = self._tokens.get(account.name)
            lifetime = self._lifetimes.get(account.name, 3600.0)
            if held is not None and not force and not self.due(held, lifetime, now):
                return held
            return self._renew(account, cfg)

    def forget(self, name: str) -> None:
        with self._guard:
            self._tokens.pop(name, None)
            self._failed.pop(name, None)

    def _renew(self, account: AccountConfig, cfg: OAuth2Config) -> BearerToken:
        use_keyring = cfg.token_store == "keyring"
        stored = self.store.load(account.name, use_keyring)
        fingerprint = hashlib.sha256(stored.refresh.encode()).hexdigest()
        failed = self._failed.get(account.name)
        if failed is not None and failed[0] == fingerprint and cfg.interactive:
            raise failed[1]
        started = self.clock()
        try:
            grant = provider_for(account).refresh(stored.refresh)
        except OAuthError as exc:
            message = f'account "{account.name}": {exc}'
            error = OAuthError(message, permanent=exc.permanent)
            if exc.permanent:
                self._failed[account.name] = (fingerprint, error)
            self._tokens.pop(account.name, None)
            self._record(account, cfg, last_error=clean_line(str(exc), max_len=300),
                         last_error_at=_now_iso(), last_error_permanent=exc.permanent)
            raise error from None
        except CredentialError as exc:
            self._record(account, cfg, last_error=clean_line(str(exc), max_len=300),
                         last_error_at=_now_iso(), last_error_permanent=True)
            raise
        self._failed.pop(account.name, None)
        if grant.refresh is not None and grant.refresh != stored.refresh:
            stored.refresh = grant.refresh
            self.store.save(account.name, stored, use_keyring)
        token = BearerToken(grant.token, grant.expires_at, cfg.mechanism)
        self._tokens[account.name] = token
        self._lifetimes[account.name] = max(1.0, grant.expires_at - started)
        self._record(account, cfg, last_refresh_at=_now_iso(),
                     access_expires_at=_now_iso(grant.expires_at),
                     scopes=list(grant.scopes or cfg.scopes), last_error=None,
                     last_error_at=None, last_error_permanent=None)
        log.info("oauth2 token renewed", extra=fields(
            account=account.name, valid_s=round(grant.expires_at - self.clock())))
        return token

    def _record(self, account: AccountConfig, cfg: OAuth2Config, **facts: Any) -> None:
        try:
            self.store.update_meta(account.name, provider=cfg.provider, flow=cfg.flow, **facts)
        except OSError as exc:
            log.warning("oauth2: cannot write the token store", extra=fields(
                account=account.name, error=error_class(exc)))


_BROKER: OAuthBroker | None = None
_BROKER_LOCK = threading.Lock()


def broker_for(directory: Path) -> OAuthBroker:
    """The process's broker for a token directory (one per data directory)."""
    global _BROKER
    with _BROKER_LOCK:
        if _BROKER is None or _BROKER.store.directory != directory:
            _BROKER = OAuthBroker(TokenStore(directory))
        return _BROKER
