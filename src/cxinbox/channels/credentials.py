"""Turn an account's configured credential source into its password.

Secrets never sit in the config file (DESIGN.md, safety rules); the config only says where each
password lives. This module is the one place that fetches it, so the rules about which sources
are trustworthy live in one spot:

- a command runs as an argv list, never through a shell, and is killed after a timeout;
- the OS keyring is only used through a backend that actually protects what it stores;
- a password file must belong to the user running cxinbox and be readable by nobody else.

Sources are tried in a fixed order: command, keyring, environment variable, file. A source that
is configured but fails stops the lookup with its own error, because quietly moving on to the
next source would hide a misconfiguration until that one fails too. The exception is a keyring
with no entry for the account: that is a normal "not stored here" answer, so later sources get
their turn.

Every error is one line naming the account, the source and the reason; it never includes the
secret or the command's standard output.
"""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from cxinbox.config import CredentialSource

KEYRING_SERVICE: Final = "cxinbox"
"""Keyring service name; the keyring user is the account's name."""

_MAX_SECRET_BYTES: Final = 64 * 1024
_PRIVATE_MODES: Final = (0o600, 0o400)


class CredentialError(Exception):
    """A password could not be resolved. `str()` is one line and never contains the secret."""


class _KeyringEntryMissing(CredentialError):
    """The keyring works but holds nothing for this account: later sources may still answer."""


def resolve_password(account_name: str, src: CredentialSource) -> str:
    """The password for `account_name`, from the first configured source that has it."""
    return resolve_secret(account_name, src)


def resolve_secret(account_name: str, src: CredentialSource, *, keyring_user: str | None = None,
                   whole: bool = False, prefix: str = "password") -> str:
    """A secret from an account's sources: the first line, or the `whole` text (a PEM key or
    a service-account JSON file). `prefix` names the keys in errors ("secret" for the
    `secret_*` keys of [accounts.oauth2])."""
    attempts = _attempts(keyring_user or account_name, src, whole, prefix)
    if not attempts:
        raise CredentialError(
            f'account "{account_name}": no credential source configured; '
            f"set {prefix}_command, keyring, {prefix}_env or {prefix}_file"
        )
    missing: CredentialError | None = None
    for attempt in attempts:
        try:
            return attempt()
        except _KeyringEntryMissing as exc:
            missing = exc
        except CredentialError as exc:
            raise CredentialError(f'account "{account_name}": {exc}') from None
    raise CredentialError(f'account "{account_name}": {missing}') from None


def describe_source(src: CredentialSource, account_name: str | None = None) -> str:
    """Where the password would come from, for `cxinbox doctor`; never the secret itself."""
    parts: list[str] = []
    if src.password_command:
        parts.append(f"command {shlex.join(src.password_command)}")
    if src.keyring:
        user = f', user "{account_name}"' if account_name else ""
        parts.append(f'keyring (service "{KEYRING_SERVICE}"{user})')
    if src.password_env:
        parts.append(f"environment variable {src.password_env}")
    if src.password_file:
        parts.append(f"file {src.password_file}")
    return ", then ".join(parts) if parts else "none configured"


def _attempts(account_name: str, src: CredentialSource, whole: bool = False,
              prefix: str = "password") -> list[Callable[[], str]]:
    """The configured sources, in lookup order, as calls that return the secret or raise."""
    attempts: list[Callable[[], str]] = []
    if src.password_command:
        command, timeout = src.password_command, src.password_command_timeout_s
        attempts.append(lambda: _from_command(command, timeout, whole, prefix))
    if src.keyring:
        attempts.append(lambda: _from_keyring(account_name))
    if src.password_env:
        variable = src.password_env
        attempts.append(lambda: _from_env(variable, prefix))
    if src.password_file:
        path = src.password_file
        attempts.append(lambda: _from_file(path, whole, prefix))
    return attempts


# --------------------------------------------------------------------------------- command


def _from_command(argv: tuple[str, ...], timeout_s: float, whole: bool = False,
                  prefix: str = "password") -> str:
    """Run the command without a shell and take the first line it prints."""
    what = f"{prefix}_command {argv[0]}"
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s, check=False
        )
    except FileNotFoundError:
        raise CredentialError(f"{what}: not found (check the path, or PATH)") from None
    except PermissionError:
        raise CredentialError(f"{what}: not executable (permission denied)") from None
    except subprocess.TimeoutExpired:
        raise CredentialError(
            f"{what}: timed out after {timeout_s:g} s ({prefix}_command_timeout_s)"
        ) from None
    except OSError as exc:
        raise CredentialError(f"{what}: could not start: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise CredentialError(f"{what}: {_failure(done.returncode, done.stderr)}")
    return _secret_text(done.stdout, f"{what}: output", whole)


def _secret_text(data: bytes, what: str, whole: bool) -> str:
    if not whole:
        return _first_line(data, what)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CredentialError(f"{what} is not UTF-8 text") from None
    if not text:
        raise CredentialError(f"{what} is empty")
    return text


def _failure(returncode: int, stderr: bytes) -> str:
    """Why a command failed: its exit status or signal, and the last thing it said on stderr.

    Only stderr is quoted: stdout is where a secret would be.
    """
    if returncode < 0:
        try:
            reason = f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            reason = f"killed by signal {-returncode}"
    else:
        reason = f"exited with status {returncode}"
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return f"{reason}: {clean_line(lines[-1], max_len=200)}" if lines else reason


def _first_line(data: bytes, what: str) -> str:
    """The secret is the first line, without its line ending; anything after it is ignored."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CredentialError(f"{what} is not UTF-8 text") from None
    secret = text.split("\n", 1)[0].removesuffix("\r")
    if not secret:
        raise CredentialError(f"{what} is empty (expected the password on the first line)")
    return secret


# --------------------------------------------------------------------------------- keyring


def _from_keyring(account_name: str) -> str:
    """Ask each secure keyring backend in turn; an insecure-only setup is refused outright."""
    from keyring.errors import KeyringError

    for backend in _secure_backends():
        try:
            secret = backend.get_password(KEYRING_SERVICE, account_name)
        except KeyringError as exc:
            message = clean_line(str(exc), max_len=200)
            raise CredentialError(f"keyring {_backend_name(backend)}: {message}") from None
        if secret:
            return secret
    raise _KeyringEntryMissing(
        f'keyring has no entry for service "{KEYRING_SERVICE}", user "{account_name}" '
        f"(store one with: keyring set {KEYRING_SERVICE} {shlex.quote(account_name)})"
    )


def _secure_backends() -> list[KeyringBackend]:
    """The active backend, or the secure members of a chain; CredentialError if none are.

    A chain can mix a desktop keyring with a plaintext file backend: the plaintext one is
    skipped rather than letting it answer for the secure one.
    """
    import keyring
    from keyring.backends.chainer import ChainerBackend

    active = keyring.get_keyring()
    candidates: list[KeyringBackend] = (
        list(active.backends) if isinstance(active, ChainerBackend) else [active]
    )
    secure = [backend for backend in candidates if not _is_insecure(backend)]
    if not secure:
        names = ", ".join(map(_backend_name, candidates)) or _backend_name(active)
        raise CredentialError(
            f"keyring backend {names} is not one known to be secure; "
            "configure a real keyring (Secret Service, KWallet, macOS Keychain, Windows "
            "Credential Locker) or use password_command, password_env or password_file"
        )
    return secure


SECURE_KEYRING_BACKENDS: Final = frozenset({
    "keyring.backends.SecretService.Keyring",  # GNOME Keyring, KeePassXC (Secret Service)
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.macOS.Keyring",  # macOS Keychain
    "keyring.backends.Windows.WinVaultKeyring",  # Windows Credential Locker
})
"""Backends known to keep secrets encrypted or behind the session's login, by exact class.

An allowlist, not a list of bad names: a plugin backend (a plaintext file under another
name, a subclass of a good one that stores elsewhere) is refused until someone has
looked at it and added it here."""


def _is_insecure(backend: KeyringBackend) -> bool:
    return _backend_name(backend) not in SECURE_KEYRING_BACKENDS


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


# --------------------------------------------------------------------- environment and file


def _from_env(variable: str, prefix: str = "password") -> str:
    value = os.environ.get(variable)
    if value is None:
        raise CredentialError(f"{prefix}_env: environment variable {variable} is not set")
    if not value:
        raise CredentialError(f"{prefix}_env: environment variable {variable} is empty")
    return value


def _from_file(path: Path, whole: bool = False, prefix: str = "password") -> str:
    """Read the first line of a private file, checking the open file itself (no race)."""
    what = f"{prefix}_file {path}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise CredentialError(f"{what}: no such file") from None
    except OSError as exc:
        raise CredentialError(f"{what}: cannot open: {exc.strerror or exc}") from None
    try:
        _require_private(path, os.fstat(fd), what)
        data = _read_at_most(fd, _MAX_SECRET_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_SECRET_BYTES:
        raise CredentialError(f"{what}: larger than 64 KiB; expected the password on one line")
    return _secret_text(data, what, whole)


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _require_private(path: Path, info: os.stat_result, what: str) -> None:
    """A regular file, owned by us, that no group or other user can read or write."""
    if not stat.S_ISREG(info.st_mode):
        raise CredentialError(f"{what}: not a regular file")
    if info.st_uid != os.geteuid():
        from cxinbox.paths import run_as_owner

        raise CredentialError(
            f"{what}: owned by uid {info.st_uid}, must be owned by the user running cxinbox "
            f"(uid {os.geteuid()}); {run_as_owner(info.st_uid)}"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode not in _PRIVATE_MODES:
        raise CredentialError(
            f"{what}: mode {mode:04o}, must be 0600: chmod 600 {shlex.quote(str(path))}"
        )
