"""OAuth2 sign-in for mailboxes: tokens from Microsoft, Google or any OAuth2 server.

Clinics' shared mailboxes live in Microsoft 365 and Google Workspace, which refuse
passwords (FACTS.md). An `auth = "oauth2"` account gets a bearer token here and logs in
to IMAP and SMTP with SASL XOAUTH2 or OAUTHBEARER.

Token work goes through each provider's own library where one exists, because they track
the providers' quirks for us: msal for Microsoft (client credentials with a secret or a
certificate, device code, authorization code, its token cache and refresh), google-auth
for Google (service accounts with domain-wide delegation, refresh of user credentials).
Only what neither library does is written here, on httpx: any other OAuth2 server
(RFC 6749 client credentials and refresh, RFC 8628 device code) and the authorization
code exchange with PKCE for Google and generic servers (google-auth-oauthlib has no
paste-the-URL fallback for a sign-in over SSH, which is how IT admins work).

Secrets: client secrets, certificates and service-account keys come from the account's
secret sources (channels/credentials.py). Refresh tokens live in `oauth_store` (a 0600
file beside the database, or the OS keyring). Access tokens only ever live in memory, in
`oauth_broker`, and are refreshed before they expire. Nothing here logs a token, a
secret or an address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cxinbox.channels.credentials import CredentialError
from cxinbox.domain.sanitize import clean_line

log = logging.getLogger("cxinbox.oauth")

REFRESH_MARGIN_S: Final = 300.0
"""A token with less than this left (or a quarter of its life, if shorter) is renewed."""

class OAuthError(CredentialError):
    """A token could not be had. `permanent` means a person must act (sign in again, fix a
    secret, grant consent); otherwise it is worth trying again later."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class BearerToken:
    """An access token and how to present it; passed to IMAP/SMTP logins instead of a
    password. `repr` never shows the token."""

    token: str
    expires_at: float
    mechanism: str = "xoauth2"

    def __repr__(self) -> str:
        return f"BearerToken(expires_at={self.expires_at:.0f}, mechanism={self.mechanism!r})"

    def remaining(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)


Credential = str | BearerToken
"""What a mailbox login takes: a password, or a bearer token."""


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauthbearer_string(user: str, token: str, host: str, port: int) -> str:
    """The SASL OAUTHBEARER initial response, RFC 7628 (before base64)."""
    escaped = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={escaped},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"


@dataclass(frozen=True, slots=True)
class Grant:
    """A token from the provider, and the refresh state to keep (None: keep what is kept)."""

    token: str
    expires_at: float
    refresh: str | None = None
    scopes: tuple[str, ...] = ()


class Prompt:
    """How an interactive sign-in talks to the person at the terminal."""

    def __init__(self, say: Callable[[str], None],
                 paste: Callable[[float], str | None] | None = None) -> None:
        self.say = say
        self.paste = paste


_AAD_HINTS: Final[Mapping[str, str]] = {
    "AADSTS7000215": ("the client secret is wrong: make a new one under Certificates & "
                      "secrets and update the secret source"),
    "AADSTS7000222": ("the client secret has expired: make a new one under Certificates & "
                      "secrets and update the secret source"),
    "AADSTS700027": ("the certificate is not the one registered for the app (upload its "
                     "public part under Certificates & secrets)"),
    "AADSTS700016": ("no application with this client_id in the tenant (check client_id and "
                     "tenant)"),
    "AADSTS90002": ("tenant not found (check tenant)"),
    "AADSTS65001": ("admin consent is missing: grant admin consent for the app's IMAP and "
                    "SMTP permissions in Entra ID"),
    "AADSTS650057": ("the app lacks the permission asked for: add IMAP.AccessAsApp / "
                     "SMTP.SendAsApp (or the delegated ones) and grant admin consent"),
    "AADSTS70011": ("the scope is not valid for this app"),
    "AADSTS53003": ("blocked by a conditional access policy: ask IT to allow this "
                    "sign-in"),
    "AADSTS50076": ("multi-factor sign-in is required: sign in again"),
    "AADSTS50079": ("multi-factor registration is required: sign in again"),
    "AADSTS50173": ("the password changed: sign in again"),
    "AADSTS700082": ("the sign-in expired after a long time unused: sign in again"),
    "AADSTS70008": ("the sign-in expired: sign in again"),
    "AADSTS50126": ("wrong user name or password"),
}


def describe_provider_error(body: Mapping[str, Any], provider: str) -> tuple[str, bool]:
    """One line (error code, what it means, what to do) and whether a person must act."""
    code = clean_line(str(body.get("error") or "error"), max_len=60)
    desc = clean_line(str(body.get("error_description") or ""), max_len=300)
    for aad, hint in _AAD_HINTS.items():
        if aad in desc:
            return f"{code}: {aad}: {hint}", True
    if provider == "google" and code == "unauthorized_client":
        hint = (f"{code}: domain-wide delegation is missing: in the Google Admin console add "
                "the service account's client id with scope https://mail.google.com/")
        return hint, True
    if code == "invalid_grant":
        first = desc.split(".")[0] if desc else "the sign-in is no longer valid"
        return f"{code}: {first}: sign in again", True
    if code in ("invalid_client", "unauthorized_client", "access_denied", "invalid_scope",
                "consent_required", "interaction_required"):
        return f"{code}: {desc.split('. ')[0] if desc else 'refused'}", True
    if code in ("temporarily_unavailable", "server_error", "slow_down"):
        return f"{code}: the provider is having trouble; will retry", False
    return (f"{code}: {desc.split('. ')[0]}" if desc else code), False


def _network_problem(exc: BaseException) -> str:
    text = clean_line(str(exc), max_len=200) or type(exc).__name__
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return "the sign-in service did not answer in time"
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "the sign-in service's TLS certificate is not trusted (set ca_file)"
    if "Expecting value" in text or "JSONDecodeError" in type(exc).__name__:
        return "the sign-in service answered something that is not JSON (check oauth2.authority)"
    if "authority configuration" in text:
        return ("the sign-in service did not answer with its configuration (HTTP error or not"
                " JSON; check oauth2.authority and oauth2.tenant)")
    if "HTTP Error" in text:
        return f"the sign-in service failed ({text}); will retry"
    return f"cannot reach the sign-in service ({text})"


# -- authorization code with PKCE, loopback or pasted --------------------------------------
