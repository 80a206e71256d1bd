"""Credential resolution: only trustworthy sources, one-line errors, never the secret in them."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from cxinbox.channels.credentials import (
    KEYRING_SERVICE,
    CredentialError,
    describe_source,
    resolve_password,
)
from cxinbox.config import CredentialSource

SECRET = "s3cret-Zebra!"


def python_command(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def error_of(src: CredentialSource, account: str = "billing") -> str:
    with pytest.raises(CredentialError) as caught:
        resolve_password(account, src)
    message = str(caught.value)
    assert "\n" not in message
    assert SECRET not in message
    return message


class DictKeyring(KeyringBackend):
    """In-memory keyring: a test double for a real OS keyring backend."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class PlaintextKeyring(DictKeyring):
    """Named like keyrings.alt's file backend, which keeps secrets readable on disk."""


class ShinyKeyring(DictKeyring):
    """A plugin backend with an innocent name that nobody has reviewed."""


@pytest.fixture
def restore_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Also admits the in-memory test double (exactly that class) as a secure backend."""
    from cxinbox.channels import credentials

    monkeypatch.setattr(credentials, "SECURE_KEYRING_BACKENDS",
                        credentials.SECURE_KEYRING_BACKENDS
                        | {f"{DictKeyring.__module__}.{DictKeyring.__qualname__}"})
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


# --------------------------------------------------------------------------- command


def test_command_output_first_line_without_newline() -> None:
    src = CredentialSource(password_command=python_command(f"print({SECRET!r}); print('x')"))
    assert resolve_password("billing", src) == SECRET


def test_command_output_crlf_is_stripped_and_spaces_kept() -> None:
    code = "import sys; sys.stdout.write(' pw \\r\\n')"
    assert (
        resolve_password("billing", CredentialSource(password_command=python_command(code)))
        == " pw "
    )


def test_command_failure_names_program_and_status_not_stdout() -> None:
    code = f"import sys; print({SECRET!r}); sys.stderr.write('not in the store\\n'); sys.exit(3)"
    message = error_of(CredentialSource(password_command=python_command(code)))
    assert message == (
        f'account "billing": password_command {sys.executable}: '
        "exited with status 3: not in the store"
    )


def test_command_timeout_is_enforced() -> None:
    src = CredentialSource(password_command=("sleep", "10"), password_command_timeout_s=0.3)
    started = time.monotonic()
    message = error_of(src)
    assert time.monotonic() - started < 5
    assert message == (
        'account "billing": password_command sleep: timed out after 0.3 s '
        "(password_command_timeout_s)"
    )


def test_command_not_found() -> None:
    src = CredentialSource(password_command=("/nonexistent/cxinbox-pw",))
    assert "password_command /nonexistent/cxinbox-pw: not found" in error_of(src)


def test_command_is_not_run_through_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    src = CredentialSource(password_command=("echo", f"pw; touch {marker}"))
    assert resolve_password("billing", src) == f"pw; touch {marker}"
    assert not marker.exists()


def test_command_with_empty_output_is_an_error() -> None:
    message = error_of(CredentialSource(password_command=("true",)))
    assert "password_command true: output is empty" in message


def test_command_killed_by_signal() -> None:
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert "killed by SIGTERM" in error_of(CredentialSource(password_command=python_command(code)))


# ---------------------------------------------------------------------------- env


def test_env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXINBOX_TEST_PW", SECRET)
    assert resolve_password("billing", CredentialSource(password_env="CXINBOX_TEST_PW")) == SECRET


def test_env_variable_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXINBOX_TEST_PW", raising=False)
    message = error_of(CredentialSource(password_env="CXINBOX_TEST_PW"))
    assert (
        message
        == 'account "billing": password_env: environment variable CXINBOX_TEST_PW is not set'
    )


def test_env_variable_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXINBOX_TEST_PW", "")
    assert "CXINBOX_TEST_PW is empty" in error_of(CredentialSource(password_env="CXINBOX_TEST_PW"))


# --------------------------------------------------------------------------- file


def secret_file(tmp_path: Path, mode: int, text: str = SECRET + "\n") -> Path:
    path = tmp_path / "billing.password"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_private_file_is_accepted(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path, mode, SECRET + "\nsecond line\n")
    assert resolve_password("billing", CredentialSource(password_file=path)) == SECRET


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o700])
def test_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path, mode)
    message = error_of(CredentialSource(password_file=path))
    assert message.endswith(f"mode {mode:04o}, must be 0600: chmod 600 {path}")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent"
    assert error_of(CredentialSource(password_file=path)).endswith(
        f"password_file {path}: no such file"
    )


def test_directory_is_not_a_password_file(tmp_path: Path) -> None:
    assert "not a regular file" in error_of(CredentialSource(password_file=tmp_path))


def test_file_owned_by_someone_else_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = secret_file(tmp_path, 0o600)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(path).st_uid + 1)
    assert "must be owned by the user running cxinbox" in error_of(
        CredentialSource(password_file=path)
    )


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = secret_file(tmp_path, 0o600, "\n")
    assert "is empty" in error_of(CredentialSource(password_file=path))


# ------------------------------------------------------------------------ keyring


@pytest.mark.usefixtures("restore_keyring")
def test_keyring_entry_is_returned() -> None:
    backend = DictKeyring()
    backend.set_password(KEYRING_SERVICE, "billing", SECRET)
    keyring.set_keyring(backend)
    assert resolve_password("billing", CredentialSource(keyring=True)) == SECRET


@pytest.mark.usefixtures("restore_keyring")
@pytest.mark.parametrize(
    "backend_cls",
    [keyring.backends.null.Keyring, keyring.backends.fail.Keyring, PlaintextKeyring,
     ShinyKeyring],
)
def test_insecure_keyring_backends_are_refused(backend_cls: type[KeyringBackend]) -> None:
    """Only backends on the allowlist answer: a plugin named like nothing bad (ShinyKeyring)
    is refused as surely as the null and plaintext ones."""
    backend = backend_cls()
    if isinstance(backend, DictKeyring):
        backend.set_password(KEYRING_SERVICE, "billing", SECRET)
    keyring.set_keyring(backend)
    message = error_of(CredentialSource(keyring=True))
    assert (
        f"keyring backend {backend_cls.__module__}.{backend_cls.__qualname__} is not one known"
        " to be secure" in message
    )


@pytest.mark.usefixtures("restore_keyring")
def test_plaintext_member_of_a_chain_is_skipped() -> None:
    plaintext, secure = PlaintextKeyring(), DictKeyring()
    plaintext.set_password(KEYRING_SERVICE, "billing", "from-plaintext")
    secure.set_password(KEYRING_SERVICE, "billing", SECRET)

    class Chain(ChainerBackend):
        backends: ClassVar[list[KeyringBackend]] = [plaintext, secure]

    keyring.set_keyring(Chain())  # type: ignore[no-untyped-call]
    assert resolve_password("billing", CredentialSource(keyring=True)) == SECRET


@pytest.mark.usefixtures("restore_keyring")
def test_missing_keyring_entry_names_service_and_user() -> None:
    keyring.set_keyring(DictKeyring())
    message = error_of(CredentialSource(keyring=True), account="results")
    assert 'keyring has no entry for service "cxinbox", user "results"' in message
    assert "keyring set cxinbox results" in message


@pytest.mark.usefixtures("restore_keyring")
def test_missing_keyring_entry_falls_through_to_later_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(DictKeyring())
    monkeypatch.setenv("CXINBOX_TEST_PW", SECRET)
    src = CredentialSource(keyring=True, password_env="CXINBOX_TEST_PW")
    assert resolve_password("billing", src) == SECRET


# ----------------------------------------------------------------- order and policy


def test_no_source_configured() -> None:
    assert error_of(CredentialSource()) == (
        'account "billing": no credential source configured; '
        "set password_command, keyring, password_env or password_file"
    )


def test_failing_source_does_not_fall_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXINBOX_TEST_PW", SECRET)
    src = CredentialSource(password_command=("false",), password_env="CXINBOX_TEST_PW")
    assert "password_command false: exited with status 1" in error_of(src)


@pytest.mark.usefixtures("restore_keyring")
def test_command_is_tried_before_keyring() -> None:
    keyring.set_keyring(keyring.backends.null.Keyring())  # type: ignore[no-untyped-call]
    src = CredentialSource(password_command=("echo", SECRET), keyring=True)
    assert resolve_password("billing", src) == SECRET


def test_describe_source() -> None:
    command = CredentialSource(password_command=("pass", "show", "clinic/appointments"))
    assert describe_source(command) == "command pass show clinic/appointments"
    everything = CredentialSource(
        password_command=("pw-helper", "two words"),
        keyring=True,
        password_env="PW",
        password_file=Path("/etc/cxinbox/pw"),
    )
    assert describe_source(everything, "billing") == (
        'command pw-helper \'two words\', then keyring (service "cxinbox", user "billing"), '
        "then environment variable PW, then file /etc/cxinbox/pw"
    )
    assert describe_source(CredentialSource()) == "none configured"
