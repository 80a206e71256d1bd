"""Where OAuth2 refresh material lives between runs: a 0600 file per account beside the
database, or the OS keyring. Never an access token."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cxinbox.channels.credentials import CredentialError
from cxinbox.channels.oauth import OAuthError
from cxinbox.domain.sanitize import clean_line

KEYRING_SERVICE: Final = "cxinbox-oauth2"
"""Keyring service for refresh tokens (token_store = "keyring"); the user is the account."""
_MAX_STORE_BYTES: Final = 1024 * 1024


@dataclass(slots=True)
class StoredState:
    """What is kept between runs for one account: the refresh material and facts for
    `cxinbox auth status`. Never an access token."""

    refresh: str = ""
    """An opaque refresh state: msal's token cache (access tokens removed) or a refresh
    token. Empty when the account is not signed in (or needs no refresh token)."""
    meta: dict[str, Any] | None = None


class TokenStore:
    """Per-account files under `directory` (0700), each 0600; with `keyring`, the refresh
    material goes to the OS keyring and only the facts stay in the file.

    Written whole to a temporary file and renamed, so a reader (the server picking up a
    new sign-in) never sees half a file.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, account: str) -> Path:
        return self.directory / f"{account}.json"

    def load(self, account: str, use_keyring: bool = False) -> StoredState:
        path = self.path(account)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            return StoredState(meta={})
        except OSError as exc:
            raise OAuthError(f"token store {path}: cannot open: {exc.strerror or exc}") from None
        try:
            info = os.fstat(fd)
            if info.st_uid != os.geteuid() or info.st_mode & 0o077:
                raise OAuthError(f"token store {path}: must be owned by uid {os.geteuid()} with "
                                 f"mode 0600 (chmod 600 {path})", permanent=True)
            data = os.read(fd, _MAX_STORE_BYTES + 1)
        finally:
            os.close(fd)
        try:
            doc = json.loads(data.decode("utf-8"))
            refresh = str(doc.get("refresh", ""))
            meta = dict(doc.get("meta", {}))
        except (ValueError, AttributeError, TypeError):
            raise OAuthError(f"token store {path}: unreadable; run `cxinbox auth login "
                             f"{account}` again", permanent=True) from None
        if use_keyring:
            refresh = _keyring_get(account)
        return StoredState(refresh=refresh, meta=meta)

    def save(self, account: str, state: StoredState, use_keyring: bool = False) -> None:
        # The token directory sits in the database's directory, which must be 0700 too
        # (`auth login` may be the first thing to create it).
        self.directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)
        refresh = state.refresh
        if use_keyring:
            _keyring_set(account, refresh)
            refresh = ""
        body = json.dumps({"refresh": refresh, "meta": state.meta or {}}, sort_keys=True)
        path = self.path(account)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, body.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def update_meta(self, account: str, **facts: Any) -> None:
        """Merge facts into the stored meta, keeping the refresh material as it is on disk
        (another process may have signed in meanwhile)."""
        try:
            state = self.load(account)
        except OAuthError:
            return
        state.meta = {**(state.meta or {}), **facts}
        self.save(account, state)

    def forget(self, account: str, use_keyring: bool = False) -> bool:
        removed = False
        try:
            self.path(account).unlink()
            removed = True
        except FileNotFoundError:
            pass
        if use_keyring:
            removed = _keyring_delete(account) or removed
        return removed


def _keyring_backend() -> Any:
    from cxinbox.channels.credentials import _secure_backends

    return _secure_backends()[0]


def _keyring_get(account: str) -> str:
    from keyring.errors import KeyringError

    try:
        return str(_keyring_backend().get_password(KEYRING_SERVICE, account) or "")
    except KeyringError as exc:
        raise OAuthError(f"keyring: {clean_line(str(exc), max_len=200)}") from None


def _keyring_set(account: str, value: str) -> None:
    from keyring.errors import KeyringError

    try:
        if value:
            _keyring_backend().set_password(KEYRING_SERVICE, account, value)
        else:
            _keyring_delete(account)
    except KeyringError as exc:
        raise OAuthError(f"keyring: {clean_line(str(exc), max_len=200)}") from None


def _keyring_delete(account: str) -> bool:
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        _keyring_backend().delete_password(KEYRING_SERVICE, account)
        return True
    except PasswordDeleteError:
        return False
    except (KeyringError, CredentialError):
        return False



def token_dir(db_path: Path) -> Path:
    """Where refresh tokens live: beside the database, under the same 0700 directory."""
    return db_path.parent / "oauth"
