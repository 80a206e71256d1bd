"""Who may unlock an idle-locked screen: the same OS user, proven by their password.

The password is checked through PAM (the `python-pam` package), exactly as the login
prompt of the machine would check it, so cxinbox stores no secret of its own. Where PAM
is unavailable the interim fallback only asks the person to type their OS user name: that
hides patient data from a passer-by but proves nothing, and the lock screen says so.
Verifiers are plain callables so tests inject their own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from cxinbox.api.identity import acting_user


class Verifier(Protocol):
    """Checks an answer typed on the lock screen; may block (run it in a thread)."""

    @property
    def prompt(self) -> str: ...

    @property
    def secret(self) -> bool: ...

    @property
    def interim(self) -> bool: ...

    def __call__(self, user: str, answer: str) -> bool: ...


def current_user() -> str:
    """The acting user, as the CLI and the server know it (the real uid, not $USER)."""
    return acting_user()


@dataclass(frozen=True, slots=True)
class PamVerifier:
    service: str = "login"
    prompt: str = "Password"
    secret: bool = True
    interim: bool = False

    def __call__(self, user: str, answer: str) -> bool:
        pam = importlib.import_module("pam")  # the python-pam package
        return bool(answer) and bool(pam.pam().authenticate(user, answer, service=self.service))


@dataclass(frozen=True, slots=True)
class UserNameVerifier:
    """Interim only (no PAM): re-typing the user name keeps data hidden, proves nothing."""

    prompt: str = "Type your user name"
    secret: bool = False
    interim: bool = True

    def __call__(self, user: str, answer: str) -> bool:
        return answer.strip() == user


def default_verifier() -> Verifier:
    try:
        importlib.import_module("pam")
    except ImportError:
        return UserNameVerifier()
    return PamVerifier()
