"""A local OAuth2 authorization server for tests: Microsoft, Google and generic shapes.

cxinbox signs in to Microsoft 365 and Google Workspace with the providers' own libraries
(msal, google-auth). Those libraries must be proven against a server that answers the way
the real ones do, started by the test and reachable without the Internet. This server
speaks HTTPS on 127.0.0.1 with a private test CA (`ca_file`), plus a plain-HTTP listener
that serves only token introspection (Dovecot's oauth2 passdb calls it on loopback).

Endpoints (`base_url` = https://127.0.0.1:PORT):

* Microsoft identity platform v2.0, per tenant (`{tenant}` = domain name, tenant id,
  `common` or `organizations`): `/{tenant}/v2.0/.well-known/openid-configuration`,
  `/{tenant}/oauth2/v2.0/token`, `/{tenant}/oauth2/v2.0/devicecode`,
  `/{tenant}/oauth2/v2.0/authorize`, `/{tenant}/discovery/v2.0/keys`; the user goes to
  `/link` with the device code. Discovery answers with endpoints under the tenant *id*
  (as Entra does), so msal's cache realm is the tenant id.
* Google: `/google/token` (service-account JWT bearer grant, authorization_code,
  refresh_token), `/google/o/oauth2/v2/auth` (installed-app authorization with PKCE),
  `/google/.well-known/openid-configuration`.
* Generic (RFC 6749 / 8628 / 8414): `/token`, `/device_authorization`, `/authorize`,
  `/device`, `/.well-known/oauth-authorization-server`.
* Introspection (RFC 7662, POST `token=...`): `/introspect` (who owns the token) and
  `/introspect/{mailbox}` (is the token good for that mailbox?), on both listeners.

Why `/introspect/{mailbox}`: Dovecot 2.3.19's oauth2 passdb never sends the login name to
the introspection endpoint (its `introspection_url` is not variable-expanded; with
`send_auth_headers = yes` it adds only X-Dovecot-Auth-Service/-Local/-Remote). It then
compares the `username_attribute` of the answer with the login name (both through
`username_format`, default `%Lu`). An app-only token (client credentials) belongs to no
user, yet Exchange accepts it for every mailbox the app was granted with
Add-MailboxPermission. DovecotServer therefore writes one oauth2 passdb per mailbox
(`username_filter = <mailbox>`, `introspection_url = .../introspect/<mailbox>`), and this
server answers `{"active": true, "username": "<mailbox>"}` only when the token may open
that mailbox for the service Dovecot names in X-Dovecot-Auth-Service (`imap`), else
`{"active": false}` (Dovecot then answers `NO [AUTHENTICATIONFAILED]`; a 4xx answer would
give `[UNAVAILABLE] Temporary authentication failure` instead).

Access rules the introspection applies (what Exchange and Gmail do):

* Microsoft app-only token: `roles` must hold IMAP.AccessAsApp (imap) / SMTP.SendAsApp
  (smtp) -- they are there only with admin consent -- and the mailbox must have been
  granted to the app (`grant_mailbox`).
* Microsoft delegated token: the user is the mailbox, and `scp` holds
  IMAP.AccessAsUser.All (imap) / SMTP.Send (smtp).
* Google: scope https://mail.google.com/ and the user (the service account's `sub`) is
  the mailbox. Generic: the user is the mailbox, or an app token granted the mailbox.

What the client libraries send (from `requests`; asserted in tests/test_oauth_support.py):

* Trust: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override both msal's `verify=`
  and a session's `verify` (they are set on this machine). Hand msal `http_client=` and
  google-auth `Request(session)` a session with `trust_env = False` (`session()` here).
* msal 1.39 ConfidentialClientApplication(authority=<base>/<tenant>,
  instance_discovery=False, http_client=...): GET
  `/<tenant>/v2.0/.well-known/openid-configuration` once per application object (cached
  24 h), then POST `/<tenant id>/oauth2/v2.0/token` with `grant_type=client_credentials`,
  `client_id`, `scope=https://outlook.office365.com/.default`, `client_info=1` and either
  `client_secret` or `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
  jwt-bearer` + `client_assertion`. The assertion: `aud` = the discovered token endpoint
  (tenant id form), `iss` = `sub` = client id, `exp` = `iat` + 600 s, a `jti`; with
  `public_certificate` it is PS256 with `x5t#S256` and `x5c` headers, with only
  `thumbprint` RS256 with `x5t`; both thumbprints are base64url *with* "=" padding.
  Headers: x-client-sku=MSAL.Python, x-client-ver, x-client-os, client-request-id,
  x-client-current-telemetry. msal reuses a cached app token while it has more than
  5 minutes left, so short lifetimes mean a token request per call.
* msal raises instead of returning an error dict when the token endpoint answers HTML:
  JSONDecodeError (a ValueError) for 200, MsalServiceError("HTTP Error: 500") for 5xx.
  Its throttling cache replays a 429/5xx answer for the same URL, client and scope for
  Retry-After seconds (default 5 s confidential, 60 s public) and an HTTP 400 answer to an
  identical request for 60 s, without contacting the server; a new application object
  starts with an empty cache.
* msal PublicClientApplication device flow: POST `/<tenant id>/oauth2/v2.0/devicecode`
  with `client_id` and `scope` = the scopes given plus `offline_access openid profile`;
  then POST token with `grant_type=urn:ietf:params:oauth:grant-type:device_code`,
  `client_id`, `device_code`, the same value again as `code`, and `client_info=1`,
  sleeping `interval` seconds between polls (1 here). msal stops polling by its own clock
  at `expires_in` (then returns the last `authorization_pending`), unless the caller moves
  `flow["expires_at"]`. `acquire_token_silent` with no usable access token POSTs
  `grant_type=refresh_token`, `client_id`, `refresh_token`, `scope` (given scopes +
  `offline_access openid profile`), `client_info=1`. msal builds the account from
  `client_info` (uid.utid) and the id_token (`preferred_username` = `username`).
* msal auth-code flow (`initiate_auth_code_flow` / `acquire_token_by_auth_code_flow`):
  GET authorize with `client_id`, `response_type=code`, `redirect_uri`, `scope`,
  `state`, `code_challenge`, `code_challenge_method=S256`, `nonce`; then POST token with
  `grant_type=authorization_code`, `code`, `redirect_uri`, `code_verifier`, `scope`,
  `client_id`, `client_info=1`.
* google-auth 2.63 service_account.Credentials(..., subject=...).refresh(Request(session)):
  POST `token_uri` with only `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and
  `assertion`: RS256, header `kid` = private_key_id, claims `iat`, `exp` (+3600 s), `iss`
  = client_email, `aud` = https://oauth2.googleapis.com/token (that constant whatever
  token_uri says), `scope` (space separated), `sub` = the subject. A refusal raises
  RefreshError("<error>: <error_description>"); 5xx and 429 are retried.
* google.oauth2.credentials.Credentials.refresh: POST `token_uri` with
  `grant_type=refresh_token`, `client_id`, `client_secret`, `refresh_token` (`scope` only
  if scopes were given).
* authlib 1.9 OAuth2Session: client credentials as HTTP Basic (client_secret_basic) plus
  `grant_type`, `scope`; refresh with `token_endpoint_auth_method="none"` sends
  `grant_type`, `refresh_token`, `client_id`.

Test controls: `add_tenant`, `add_user`, `register_app`, `add_service_account`,
`grant_mailbox` / `revoke_mailbox`, `allow_delegation`; `approve_device_code` /
`deny_device_code` / `wait_for_device_code`; `browser_user` / `browser_denies` for the
authorization endpoints; `access_token_lifetime`; `expire_access_tokens()`;
`revoke_refresh_tokens(...)`; `fail(endpoint, mode, times)` for HTML answers (200/500),
a hang (bounded by `hang_limit_s`) or a closed connection; `counts` and `wait_for(name, n)`.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import re
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .dovecot import make_tls_material

__all__ = [
    "GOOGLE_MAIL_SCOPE",
    "MS_APP_SCOPE",
    "MS_IMAP_SCOPE",
    "MS_SMTP_SCOPE",
    "AppCertificate",
    "OAuthApp",
    "OAuthServer",
    "OAuthUser",
    "RecordedRequest",
    "ServiceAccount",
    "make_app_certificate",
    "sasl_oauthbearer",
    "sasl_xoauth2",
]

HOST = "127.0.0.1"
OUTLOOK = "https://outlook.office365.com"
MS_APP_SCOPE = f"{OUTLOOK}/.default"
MS_IMAP_SCOPE = f"{OUTLOOK}/IMAP.AccessAsUser.All"
MS_SMTP_SCOPE = f"{OUTLOOK}/SMTP.Send"
MS_IMAP_ROLE = "IMAP.AccessAsApp"
MS_SMTP_ROLE = "SMTP.SendAsApp"
GOOGLE_MAIL_SCOPE = "https://mail.google.com/"
GOOGLE_TOKEN_AUDIENCES = frozenset({
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
})
GOOGLE_DWD_REFUSAL = (
    "Client is unauthorized to retrieve access tokens using this method, or client not "
    "authorized for any of the scopes requested."
)
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_MS_SPECIAL_TENANTS = frozenset({"common", "organizations", "consumers"})
# Microsoft resources whose scopes and roles mean mail access.
_MS_MAIL_RESOURCES = ("https://outlook.office365.com", "https://outlook.office.com")
_SERVICE_NEEDS = {
    # service -> (delegated scope short name, app role)
    "imap": ("IMAP.AccessAsUser.All", MS_IMAP_ROLE),
    "pop3": ("POP.AccessAsUser.All", "POP.AccessAsApp"),
    "smtp": ("SMTP.Send", MS_SMTP_ROLE),
}

Provider = Literal["microsoft", "google", "generic"]
FaultMode = Literal["html200", "html500", "hang", "close"]
Endpoint = Literal["token", "devicecode", "authorize", "discovery", "introspection"]


# --------------------------------------------------------------------------- key material


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    """The key this server signs its JWTs with; one per test process keeps start-up fast."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _signing_kid() -> str:
    der = _signing_key().public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _b64url(hashlib.sha1(der).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@dataclass(frozen=True, slots=True)
class AppCertificate:
    """An application's certificate credential (what an admin uploads to Entra ID).

    `sha1_thumbprint` / `sha256_thumbprint` are upper-case hex, as the Entra portal and
    msal's `thumbprint` parameter show them.
    """

    private_key_pem: str
    certificate_pem: str
    certificate: x509.Certificate

    @property
    def sha1_thumbprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA1()).hex().upper()

    @property
    def sha256_thumbprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()

    @property
    def not_valid_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    def msal_credential(self, *, with_certificate: bool = True) -> dict[str, str]:
        """msal's `client_credential` dict.

        With the certificate msal signs PS256 and sends `x5t#S256` (+ `x5c`); with only
        the SHA-1 thumbprint it signs RS256 and sends `x5t`. The server accepts both.
        """
        if with_certificate:
            return {"private_key": self.private_key_pem,
                    "public_certificate": self.certificate_pem}
        return {"private_key": self.private_key_pem, "thumbprint": self.sha1_thumbprint}

    def write(self, directory: Path, stem: str = "app") -> tuple[Path, Path]:
        """Write `<stem>.key` (0600) and `<stem>.pem`; returns (key path, cert path)."""
        directory.mkdir(parents=True, exist_ok=True)
        key_path = directory / f"{stem}.key"
        key_path.write_text(self.private_key_pem)
        key_path.chmod(0o600)
        cert_path = directory / f"{stem}.pem"
        cert_path.write_text(self.certificate_pem)
        return key_path, cert_path


def make_app_certificate(
    common_name: str = "cxinbox test app", *, days: int = 365, valid_from_days_ago: int = 1
) -> AppCertificate:
    """A self-signed RSA-2048 certificate and key for certificate client credentials.

    Entra ID takes any self-signed certificate; RSA because msal signs RS256/PS256.
    `days` counts from now, so `days=-1` makes an already expired certificate.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=max(valid_from_days_ago, 1 - days)))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return AppCertificate(
        private_key_pem=_pem_private(key),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        certificate=cert,
    )


def sasl_xoauth2(user: str, token: str) -> str:
    """The XOAUTH2 initial client response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def sasl_oauthbearer(user: str, token: str, host: str = HOST, port: int = 0) -> str:
    """The RFC 7628 OAUTHBEARER client response (before base64)."""
    port_part = f"port={port}\x01" if port else ""
    return f"n,a={user},\x01host={host}\x01{port_part}auth=Bearer {token}\x01\x01"


# ------------------------------------------------------------------------ registrations


@dataclass(slots=True)
class Tenant:
    id: str
    name: str


@dataclass(slots=True)
class OAuthUser:
    """A person who can sign in (device code, browser); `login` is also the mailbox."""

    login: str
    name: str
    oid: str
    google_id: str


@dataclass(slots=True)
class OAuthApp:
    """A registered client (Entra app registration, Google OAuth client, generic client).

    `confidential` clients must authenticate (secret or certificate); public clients
    (device code, native apps) send only their client id. `app_roles` are the application
    permissions admin consent granted (app-only tokens carry them only with
    `admin_consent`); `user_consent=False` makes delegated flows fail with AADSTS65001.
    `mailboxes` is Exchange's Add-MailboxPermission for the app's service principal.
    """

    client_id: str
    provider: Provider
    tenant_id: str | None
    name: str
    secrets: list[str]
    secret_expires_at: float | None
    certificates: list[AppCertificate]
    confidential: bool
    redirect_uris: list[str]
    app_roles: tuple[str, ...]
    admin_consent: bool
    user_consent: bool
    mailboxes: set[str] = field(default_factory=set)
    service_principal_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(slots=True)
class ServiceAccount:
    """A Google service account with a JSON key; `info` is what from_service_account_info takes.

    `subjects` is domain-wide delegation: mailboxes (or "@domain" for a whole domain) the
    account may impersonate, for the scopes in `delegated_scopes`.
    """

    client_email: str
    client_id: str
    project_id: str
    private_key_id: str
    private_key_pem: str
    token_uri: str
    subjects: set[str]
    delegated_scopes: set[str]

    @property
    def info(self) -> dict[str, str]:
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.private_key_id,
            "private_key": self.private_key_pem,
            "client_email": self.client_email,
            "client_id": self.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": (
                "https://www.googleapis.com/robot/v1/metadata/x509/"
                + quote(self.client_email, safe="")
            ),
            "universe_domain": "googleapis.com",
        }

    def may_impersonate(self, subject: str) -> bool:
        subject = subject.lower()
        domain = "@" + subject.rpartition("@")[2]
        return subject in self.subjects or domain in self.subjects


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One HTTP request as received (form values unmasked: this is a test server)."""

    listener: str  # "https" or "http"
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass(slots=True)
class _AccessToken:
    value: str
    provider: Provider
    client_id: str
    user: str | None  # the mailbox owner for delegated tokens
    scopes: tuple[str, ...]
    roles: tuple[str, ...]
    expires_at: float
    issued_at: float
    app_only: bool


@dataclass(slots=True)
class _RefreshToken:
    value: str
    provider: Provider
    client_id: str
    user: str
    scopes: tuple[str, ...]
    tenant_id: str | None
    issued_at: float
    revoked: str | None = None  # "revoked", "expired" or "consent"


@dataclass(slots=True)
class _DeviceCode:
    device_code: str
    user_code: str
    provider: Provider
    client_id: str
    tenant_id: str | None
    scopes: tuple[str, ...]
    expires_at: float
    state: str = "pending"  # pending | approved | denied
    user: str | None = None


@dataclass(slots=True)
class _AuthCode:
    code: str
    provider: Provider
    client_id: str
    tenant_id: str | None
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    method: str | None
    nonce: str | None
    user: str
    expires_at: float
    used: bool = False


class _OAuthError(Exception):
    """An OAuth error answer; rendered in the provider's shape by `_error_response`."""

    def __init__(self, status: int, error: str, description: str, *, aadsts: int | None = None,
                 suberror: str | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.aadsts = aadsts
        self.suberror = suberror


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


class _Special:
    """Sentinels for answers that are not HTTP responses."""

    def __init__(self, name: str) -> None:
        self.name = name


_HANG = _Special("hang")
_CLOSE = _Special("close")

_HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{title}</title></head>"
    "<body><h1>{title}</h1><p>{text}</p></body></html>"
)


def _json(status: int, payload: Mapping[str, Any], *,
          headers: tuple[tuple[str, str], ...] = ()) -> _Response:
    no_store = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
    return _Response(status, json.dumps(payload).encode("utf-8"), headers=no_store + headers)


def _html(status: int, title: str, text: str) -> _Response:
    page = _HTML_PAGE.format(title=title, text=text).encode("utf-8")
    return _Response(status, page, content_type="text/html; charset=utf-8")


def _redirect(location: str) -> _Response:
    return _Response(302, b"", content_type="text/plain", headers=(("Location", location),))


def _is_loopback_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _redirect_matches(registered: Iterable[str], given: str) -> bool:
    """Exact match, or RFC 8252 §7.3: a loopback redirect may use any port."""
    for uri in registered:
        if uri == given:
            return True
        if _is_loopback_redirect(uri) and _is_loopback_redirect(given):
            a, b = urlsplit(uri), urlsplit(given)
            if a.hostname == b.hostname and (a.path or "/") == (b.path or "/"):
                return True
    return False


def _append_query(uri: str, params: Mapping[str, str]) -> str:
    joiner = "&" if urlsplit(uri).query else "?"
    return uri + joiner + urlencode(params)


# ------------------------------------------------------------------------------- server


class OAuthServer:
    """The authorization server. `with OAuthServer() as auth:` or `start()` / `stop()`.

    Thread-safe: HTTP handlers run in their own threads, test controls take the same lock.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        tls_dir: Path | None = None,
        access_token_lifetime: int = 3600,
        device_code_lifetime: int = 900,
        device_poll_interval: int = 1,
        hang_limit_s: float = 30.0,
    ) -> None:
        """`tls_dir`: reuse ca.pem/server.pem/server.key from there (e.g. Dovecot's
        `root / "tls"`) so one CA file trusts every test server; otherwise new material
        is made under `directory` (default: a temporary directory removed on stop).
        `hang_limit_s` bounds how long a "hang" fault keeps a request unanswered.
        """
        self.access_token_lifetime = access_token_lifetime
        self.device_code_lifetime = device_code_lifetime
        self.device_poll_interval = device_poll_interval
        self.hang_limit_s = hang_limit_s
        self.browser_user: str | None = None
        self.browser_denies = False
        self.requests: list[RecordedRequest] = []
        self.counts: Counter[str] = Counter()
        self._directory = directory
        self._tls_dir_given = tls_dir
        self._owned_dir: Path | None = None
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._tenants: dict[str, Tenant] = {}
        self._users: dict[str, OAuthUser] = {}
        self._apps: dict[str, OAuthApp] = {}
        self._service_accounts: dict[str, ServiceAccount] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._device_codes: dict[str, _DeviceCode] = {}
        self._auth_codes: dict[str, _AuthCode] = {}
        self._faults: dict[str, list[tuple[FaultMode, int | None]]] = {}
        self._listeners: list[_Listener] = []
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self.tls_dir = Path()
        self.port = 0
        self.http_port = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._listeners:
            raise RuntimeError("OAuth server already started")
        self._stopping.clear()
        if self._tls_dir_given is not None:
            self.tls_dir = self._tls_dir_given
        else:
            parent = self._directory
            if parent is None:
                self._owned_dir = Path(tempfile.mkdtemp(prefix="cxoauth-"))
                parent = self._owned_dir
            self.tls_dir = parent / "oauth-tls"
            make_tls_material(self.tls_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.tls_dir / "server.pem"), str(self.tls_dir / "server.key"))
        _signing_key()
        https = _Listener(self, context, "https")
        http = _Listener(self, None, "http")
        self._listeners = [https, http]
        self.port = https.server_address[1]
        self.http_port = http.server_address[1]
        for listener in self._listeners:
            thread = threading.Thread(
                target=listener.serve_forever, kwargs={"poll_interval": 0.02},
                name=f"oauth-{listener.name}", daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop both listeners, end hanging requests and open connections, remove files."""
        self._stopping.set()
        for listener in self._listeners:
            listener.shutdown()
            listener.server_close()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        self._listeners.clear()
        self._threads.clear()
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def ca_file(self) -> Path:
        return self.tls_dir / "ca.pem"

    def session(self) -> Any:
        """A requests.Session that trusts only the test CA, for msal's `http_client=` and
        google-auth's `Request(session)`.

        `trust_env = False` matters: with REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE set (as on
        many CI machines and here), requests lets the environment override both
        `session.verify` and msal's `verify=` argument, and the private CA is ignored.
        """
        import requests

        session = requests.Session()
        session.verify = str(self.ca_file)
        session.trust_env = False
        return session

    @property
    def base_url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def microsoft_authority(self, tenant: str) -> str:
        """msal's `authority=` for a tenant (domain name or id)."""
        return f"{self.base_url}/{tenant}"

    @property
    def google_token_uri(self) -> str:
        return f"{self.base_url}/google/token"

    @property
    def google_auth_uri(self) -> str:
        return f"{self.base_url}/google/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def device_authorization_url(self) -> str:
        return f"{self.base_url}/device_authorization"

    @property
    def authorization_url(self) -> str:
        return f"{self.base_url}/authorize"

    @property
    def introspection_url(self) -> str:
        return f"{self.base_url}/introspect"

    @property
    def dovecot_introspection_url(self) -> str:
        """For DovecotServer(oauth2_introspection_url=...): plain HTTP, one URL per mailbox."""
        return f"http://{HOST}:{self.http_port}/introspect/{{user}}"

    # ------------------------------------------------------------- registrations

    def add_tenant(self, name: str, tenant_id: str | None = None) -> Tenant:
        """An Entra tenant, addressed by `name` (e.g. contoso.onmicrosoft.com) or its id."""
        with self._lock:
            existing = self._find_tenant(name)
            if existing is not None:
                return existing
            tenant = Tenant(id=tenant_id or str(uuid.uuid4()), name=name.lower())
            self._tenants[tenant.id] = tenant
            return tenant

    def add_user(self, login: str, *, name: str | None = None) -> OAuthUser:
        """A person who can sign in; their login is the mailbox name Dovecot knows."""
        with self._lock:
            key = login.lower()
            if key not in self._users:
                self._users[key] = OAuthUser(
                    login=login, name=name or login.partition("@")[0].title(),
                    oid=str(uuid.uuid4()), google_id=str(secrets.randbelow(10**20) + 10**20),
                )
            return self._users[key]

    def register_app(
        self,
        client_id: str | None = None,
        *,
        provider: Provider = "microsoft",
        tenant: str | None = None,
        name: str = "cxinbox",
        secret: str | None = None,
        secret_expires_at: float | None = None,
        certificate: AppCertificate | None = None,
        confidential: bool | None = None,
        redirect_uris: Iterable[str] = (),
        app_roles: Iterable[str] = (MS_IMAP_ROLE, MS_SMTP_ROLE),
        admin_consent: bool = True,
        user_consent: bool = True,
    ) -> OAuthApp:
        """Register a client. Microsoft apps need `tenant` (created if new).

        `confidential` defaults to "has a secret or certificate". Google installed-app
        clients get a secret by Google's own design; register them with one.
        """
        if provider == "microsoft" and tenant is None:
            raise ValueError("a Microsoft app belongs to a tenant")
        with self._lock:
            tenant_id = self.add_tenant(tenant).id if tenant is not None else None
            if client_id is None:
                client_id = (
                    f"{secrets.randbelow(10**12)}-{secrets.token_hex(16)}.apps.googleusercontent.com"
                    if provider == "google" else str(uuid.uuid4())
                )
            app = OAuthApp(
                client_id=client_id, provider=provider, tenant_id=tenant_id, name=name,
                secrets=[secret] if secret else [], secret_expires_at=secret_expires_at,
                certificates=[certificate] if certificate else [],
                confidential=(bool(secret or certificate) if confidential is None
                              else confidential),
                redirect_uris=list(redirect_uris), app_roles=tuple(app_roles),
                admin_consent=admin_consent, user_consent=user_consent,
            )
            self._apps[client_id] = app
            return app

    def app(self, client_id: str) -> OAuthApp:
        with self._lock:
            return self._apps[client_id]

    def add_service_account(
        self,
        name: str = "cxinbox-mail",
        *,
        project_id: str = "cxinbox-test",
        subjects: Iterable[str] = (),
        delegated_scopes: Iterable[str] = (GOOGLE_MAIL_SCOPE,),
    ) -> ServiceAccount:
        """A service account and its JSON key; `subjects` pre-authorises delegation."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        account = ServiceAccount(
            client_email=f"{name}@{project_id}.iam.gserviceaccount.com",
            client_id=str(secrets.randbelow(10**20) + 10**20),
            project_id=project_id,
            private_key_id=secrets.token_hex(20),
            private_key_pem=_pem_private(key),
            token_uri=self.google_token_uri,
            subjects={s.lower() for s in subjects},
            delegated_scopes=set(delegated_scopes),
        )
        with self._lock:
            self._service_accounts[account.client_email] = account
        return account

    def allow_delegation(self, account: ServiceAccount | str, *subjects: str) -> None:
        """Domain-wide delegation: let the account impersonate these mailboxes ("@dom" = all)."""
        email = account if isinstance(account, str) else account.client_email
        with self._lock:
            self._service_accounts[email].subjects.update(s.lower() for s in subjects)

    def revoke_delegation(self, account: ServiceAccount | str, *subjects: str) -> None:
        email = account if isinstance(account, str) else account.client_email
        with self._lock:
            self._service_accounts[email].subjects.difference_update(s.lower() for s in subjects)

    def grant_mailbox(self, client_id: str, *mailboxes: str) -> None:
        """Exchange's New-ServicePrincipal + Add-MailboxPermission for an app."""
        with self._lock:
            self._apps[client_id].mailboxes.update(m.lower() for m in mailboxes)

    def revoke_mailbox(self, client_id: str, *mailboxes: str) -> None:
        with self._lock:
            self._apps[client_id].mailboxes.difference_update(m.lower() for m in mailboxes)

    # ------------------------------------------------------------ device codes

    def wait_for_device_code(self, timeout: float = 60.0, *, client_id: str | None = None) -> str:
        """The user code of the newest pending device code (waits for one to exist)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                pending = [d for d in self._device_codes.values()
                           if d.state == "pending" and (client_id is None
                                                        or d.client_id == client_id)]
                if pending:
                    return pending[-1].user_code
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no device code was requested")
                self._changed.wait(remaining)

    def approve_device_code(self, user_code: str, user: str) -> None:
        """The user typed the code at the verification page and signed in as `user`."""
        self.add_user(user)
        with self._changed:
            code = self._device_code_by_user_code(user_code)
            code.state = "approved"
            code.user = user
            self._changed.notify_all()

    def deny_device_code(self, user_code: str) -> None:
        with self._changed:
            self._device_code_by_user_code(user_code).state = "denied"
            self._changed.notify_all()

    def _device_code_by_user_code(self, user_code: str) -> _DeviceCode:
        wanted = user_code.replace("-", "").upper()
        for code in self._device_codes.values():
            if code.user_code.replace("-", "").upper() == wanted:
                return code
        raise KeyError(f"no device code {user_code!r}")

    # ---------------------------------------------------------------- lifecycle

    def expire_access_tokens(self, *, user: str | None = None,
                             client_id: str | None = None) -> int:
        """Make matching access tokens expired now; returns how many."""
        now = time.time()
        count = 0
        with self._lock:
            for token in self._access.values():
                if user is not None and (token.user or "").lower() != user.lower():
                    continue
                if client_id is not None and token.client_id != client_id:
                    continue
                if token.expires_at > now:
                    token.expires_at = now - 1
                    count += 1
        return count

    def revoke_refresh_tokens(self, *, user: str | None = None, client_id: str | None = None,
                              reason: Literal["revoked", "expired", "consent"] = "revoked",
                              access_tokens: bool = False) -> int:
        """Refresh tokens stop working: "revoked" (password reset, AADSTS50173),
        "expired" (inactivity, AADSTS700082) or "consent" (consent withdrawn, AADSTS65001).
        `access_tokens=True` also kills the live access tokens of the same grants."""
        count = 0
        with self._lock:
            for token in self._refresh.values():
                if user is not None and token.user.lower() != user.lower():
                    continue
                if client_id is not None and token.client_id != client_id:
                    continue
                if token.revoked is None:
                    token.revoked = reason
                    count += 1
            if access_tokens:
                self.expire_access_tokens(user=user, client_id=client_id)
        return count

    # ------------------------------------------------------------------- faults

    def fail(self, endpoint: Endpoint, mode: FaultMode, times: int | None = 1) -> None:
        """Answer the next `times` calls of `endpoint` (None = until `clear_faults`) with:
        "html200"/"html500" an HTML page, "hang" no answer for `hang_limit_s` (or until
        stop), "close" a connection closed without an answer."""
        with self._lock:
            self._faults.setdefault(endpoint, []).append((mode, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, endpoint: Endpoint) -> _Response | _Special | None:
        with self._lock:
            queue = self._faults.get(endpoint)
            if not queue:
                return None
            mode, times = queue[0]
            if times is not None:
                if times <= 1:
                    queue.pop(0)
                else:
                    queue[0] = (mode, times - 1)
            self._count("faults")
        if mode == "hang":
            return _HANG
        if mode == "close":
            return _CLOSE
        status = 200 if mode == "html200" else 500
        return _html(status, "Sign in to your account",
                     "Our services aren't available right now. We're working to restore all "
                     "services as soon as possible.")

    # ----------------------------------------------------------------- counters

    def _count(self, name: str, n: int = 1) -> None:
        with self._changed:
            self.counts[name] += n
            self._changed.notify_all()

    def wait_for(self, name: str, at_least: int = 1, timeout: float = 60.0) -> bool:
        """Wait until counter `name` reaches `at_least`. Counters: requests, discovery,
        token_requests, tokens_issued, refreshes, token_errors, device_codes, device_polls,
        authorizations, introspections, introspections_active, faults."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.counts[name] < at_least:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def token_requests(self, grant_type: str | None = None) -> list[RecordedRequest]:
        """Recorded POSTs to any token endpoint, optionally of one grant type."""
        with self._lock:
            found = [r for r in self.requests
                     if r.method == "POST" and (r.path.endswith("/token"))]
        if grant_type is not None:
            found = [r for r in found if r.form.get("grant_type") == grant_type]
        return found

    # ------------------------------------------------------------ introspection

    def introspect(self, token: str, *, mailbox: str | None = None,
                   service: str | None = None) -> dict[str, Any]:
        """RFC 7662 answer for `token`; with `mailbox`, active only if it may open it.

        Used in-process by the SMTP sink (service "smtp") and over HTTP by Dovecot.
        """
        self._count("introspections")
        with self._lock:
            record = self._access.get(token)
            now = time.time()
            if record is None or record.expires_at <= now:
                return {"active": False}
            if mailbox is not None and not self._may_open(record, mailbox, service):
                return {"active": False}
            answer: dict[str, Any] = {
                "active": True,
                "client_id": record.client_id,
                "token_type": "Bearer",
                "exp": int(record.expires_at),
                "iat": int(record.issued_at),
                "scope": " ".join(record.scopes),
            }
            username = mailbox if mailbox is not None else record.user
            if username is not None:
                answer["username"] = username
            answer["sub"] = record.user or record.client_id
        self._count("introspections_active")
        return answer

    def check_access(self, token: str, mailbox: str, service: str) -> bool:
        """True when `token` is live and may open `mailbox` for `service` (imap/smtp)."""
        return bool(self.introspect(token, mailbox=mailbox, service=service).get("active"))

    def _may_open(self, token: _AccessToken, mailbox: str, service: str | None) -> bool:
        mailbox = mailbox.lower()
        needs = _SERVICE_NEEDS.get(service or "")
        if token.app_only:
            app = self._apps.get(token.client_id)
            if app is None or mailbox not in app.mailboxes:
                return False
            if token.provider == "microsoft":
                wanted = {needs[1]} if needs else {MS_IMAP_ROLE, MS_SMTP_ROLE}
                return bool(wanted & set(token.roles))
            return True
        if token.user is None or token.user.lower() != mailbox:
            return False
        if token.provider == "microsoft":
            short = {_ms_short_scope(s) for s in token.scopes if _is_ms_mail_scope(s)}
            wanted = {needs[0]} if needs else {"IMAP.AccessAsUser.All", "SMTP.Send"}
            return bool(wanted & short)
        if token.provider == "google":
            return GOOGLE_MAIL_SCOPE in token.scopes
        return True

    # ------------------------------------------------------------------ dispatch

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _record(self, listener: str, method: str, path: str, query: dict[str, str],
                form: dict[str, str], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(listener, method, path, query, form, headers,
                                                 time.time()))
        self._count("requests")

    def _dispatch(self, listener: str, method: str, path: str, query: dict[str, str],
                  form: dict[str, str], headers: dict[str, str]) -> _Response | _Special:
        self._record(listener, method, path, query, form, headers)
        service = headers.get("X-Dovecot-Auth-Service") or headers.get("x-dovecot-auth-service")
        if path == "/introspect" or path.startswith("/introspect/"):
            if method != "POST":
                return _json(405, {"error": "invalid_request",
                                   "error_description": "use POST"})
            fault = self._take_fault("introspection")
            if fault is not None:
                return fault
            mailbox = unquote(path[len("/introspect/"):]) if path != "/introspect" else None
            return _json(200, self.introspect(form.get("token", ""), mailbox=mailbox,
                                              service=service))
        if listener != "https":
            return _json(404, {"error": "not_found",
                               "error_description": "only introspection is served here"})
        try:
            return self._route(method, path, query, form, headers)
        except _OAuthError as exc:  # pragma: no cover - routes render their own errors
            return _json(exc.status, {"error": exc.error, "error_description": exc.description})

    def _route(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               headers: dict[str, str]) -> _Response | _Special:
        if path.startswith("/google/"):
            rest = path[len("/google"):]
            if rest == "/token" and method == "POST":
                return self._token_endpoint("google", None, form, headers)
            if rest in ("/o/oauth2/v2/auth", "/o/oauth2/auth") and method == "GET":
                return self._authorize("google", None, query)
            if rest == "/.well-known/openid-configuration":
                return self._google_discovery()
            return _json(404, {"error": "not_found"})
        if path == "/token" and method == "POST":
            return self._token_endpoint("generic", None, form, headers)
        if path == "/device_authorization" and method == "POST":
            return self._device_authorization("generic", None, form, headers)
        if path == "/authorize" and method == "GET":
            return self._authorize("generic", None, query)
        if path in ("/.well-known/oauth-authorization-server",
                    "/.well-known/openid-configuration"):
            return self._generic_discovery()
        if path in ("/link", "/device"):
            return _html(200, "Enter code", "Enter the code displayed on your app or device.")
        if path in ("/jwks", "/google/jwks"):
            return _json(200, self._jwks())
        match = re.fullmatch(r"/([^/]+)/(.+)", path)
        if match is None:
            return _json(404, {"error": "not_found"})
        tenant_segment, rest = unquote(match.group(1)), match.group(2)
        if rest == "v2.0/.well-known/openid-configuration" and method == "GET":
            return self._ms_discovery(tenant_segment)
        if rest == "discovery/v2.0/keys":
            return _json(200, self._jwks())
        if rest == "oauth2/v2.0/token" and method == "POST":
            return self._token_endpoint("microsoft", tenant_segment, form, headers)
        if rest == "oauth2/v2.0/devicecode" and method == "POST":
            return self._device_authorization("microsoft", tenant_segment, form, headers)
        if rest == "oauth2/v2.0/authorize" and method == "GET":
            return self._authorize("microsoft", tenant_segment, query)
        return _json(404, {"error": "not_found"})

    # ---------------------------------------------------------------- discovery

    def _find_tenant(self, segment: str) -> Tenant | None:
        key = segment.lower()
        for tenant in self._tenants.values():
            if tenant.id == key or tenant.name == key:
                return tenant
        return None

    def _ms_tenant(self, segment: str) -> Tenant | None:
        """The tenant a path segment names; None for common/organizations.

        Raises an AADSTS90002 error for an unknown tenant, as Entra does.
        """
        if segment.lower() in _MS_SPECIAL_TENANTS:
            return None
        with self._lock:
            tenant = self._find_tenant(segment)
        if tenant is None:
            raise _OAuthError(
                400, "invalid_tenant",
                f"Tenant '{segment}' not found. Check to make sure you have the correct "
                "tenant ID and are signing into the correct cloud. Check with your "
                "subscription administrator, this may happen if there are no active "
                "subscriptions for the tenant.", aadsts=90002)
        return tenant

    def _ms_discovery(self, segment: str) -> _Response | _Special:
        self._count("discovery")
        fault = self._take_fault("discovery")
        if fault is not None:
            return fault
        try:
            tenant = self._ms_tenant(segment)
        except _OAuthError as exc:
            return self._error_response("microsoft", exc)
        path_tenant = tenant.id if tenant is not None else segment.lower()
        issuer_tenant = tenant.id if tenant is not None else "{tenantid}"
        base = f"{self.base_url}/{path_tenant}"
        return _json(200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{self.base_url}/{issuer_tenant}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce",
                                 "preferred_username", "name", "tid", "ver", "oid"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        })

    def _google_discovery(self) -> _Response:
        self._count("discovery")
        return _json(200, {
            "issuer": "https://accounts.google.com",
            "authorization_endpoint": self.google_auth_uri,
            "token_endpoint": self.google_token_uri,
            "jwks_uri": f"{self.base_url}/google/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "grant_types_supported": ["authorization_code", "refresh_token",
                                      JWT_BEARER_GRANT],
        })

    def _generic_discovery(self) -> _Response:
        self._count("discovery")
        return _json(200, {
            "issuer": self.base_url,
            "authorization_endpoint": self.authorization_url,
            "token_endpoint": self.token_url,
            "device_authorization_endpoint": self.device_authorization_url,
            "introspection_endpoint": self.introspection_url,
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token",
                                      "client_credentials", DEVICE_CODE_GRANT],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256", "plain"],
        })

    def _jwks(self) -> dict[str, Any]:
        numbers = _signing_key().public_key().public_numbers()

        def b64int(value: int) -> str:
            return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        return {"keys": [{"kty": "RSA", "use": "sig", "kid": _signing_kid(), "alg": "RS256",
                          "n": b64int(numbers.n), "e": b64int(numbers.e)}]}

    # ------------------------------------------------------------------- errors

    def _error_response(self, provider: Provider, exc: _OAuthError) -> _Response:
        if provider != "microsoft" or exc.aadsts is None:
            return _json(exc.status, {"error": exc.error, "error_description": exc.description})
        now = dt.datetime.now(dt.UTC)
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        body: dict[str, Any] = {
            "error": exc.error,
            "error_description": (f"AADSTS{exc.aadsts}: {exc.description}\r\nTrace ID: "
                                  f"{trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
                                  f"Timestamp: {stamp}"),
            "error_codes": [exc.aadsts],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"{self.base_url}/error?code={exc.aadsts}",
        }
        if exc.suberror:
            body["suberror"] = exc.suberror
        return _json(exc.status, body)

    # --------------------------------------------------------- client identity

    def _lookup_app(self, provider: Provider, client_id: str, tenant: Tenant | None) -> OAuthApp:
        app = self._apps.get(client_id)
        if app is None or app.provider != provider or (
            provider == "microsoft" and tenant is not None and app.tenant_id != tenant.id
        ):
            if provider == "microsoft":
                where = tenant.name if tenant is not None else "common"
                raise _OAuthError(
                    400, "unauthorized_client",
                    f"Application with identifier '{client_id}' was not found in the "
                    f"directory '{where}'. This can happen if the application has not been "
                    "installed by the administrator of the tenant or consented to by any "
                    "user in the tenant. You may have sent your authentication request to "
                    "the wrong tenant.", aadsts=700016)
            if provider == "google":
                raise _OAuthError(401, "invalid_client", "The OAuth client was not found.")
            raise _OAuthError(401, "invalid_client", "Client authentication failed.")
        return app

    def _authenticate_client(self, provider: Provider, tenant: Tenant | None,
                             form: dict[str, str], headers: dict[str, str],
                             token_url: str) -> tuple[OAuthApp, str]:
        """Who is calling, and how they proved it: "secret", "certificate" or "none"."""
        client_id = form.get("client_id", "")
        basic_secret: str | None = None
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth[6:]).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            basic_id, _, basic_pw = decoded.partition(":")
            client_id = client_id or unquote(basic_id)
            basic_secret = unquote(basic_pw)
        if not client_id:
            raise _OAuthError(400, "invalid_request",
                              "The request body must contain the following parameter: "
                              "'client_id'.", aadsts=900144)
        app = self._lookup_app(provider, client_id, tenant)
        if form.get("client_assertion"):
            if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
                raise _OAuthError(400, "invalid_request",
                                  "client_assertion_type must be "
                                  f"{CLIENT_ASSERTION_TYPE}.", aadsts=50027)
            self._verify_client_assertion(provider, app, tenant, form["client_assertion"],
                                          token_url)
            return app, "certificate"
        secret = form.get("client_secret") or basic_secret
        if secret:
            if secret not in app.secrets:
                if provider == "microsoft":
                    raise _OAuthError(
                        401, "invalid_client",
                        "Invalid client secret provided. Ensure the secret being sent in "
                        "the request is the client secret value, not the client secret ID, "
                        f"for a secret added to app '{app.client_id}'.", aadsts=7000215)
                raise _OAuthError(401, "invalid_client", "Unauthorized"
                                  if provider == "google" else "Client authentication failed.")
            if app.secret_expires_at is not None and app.secret_expires_at <= time.time():
                raise _OAuthError(
                    401, "invalid_client",
                    f"The provided client secret keys for app '{app.client_id}' are "
                    "expired. Visit the Azure portal to create new keys for your app.",
                    aadsts=7000222)
            return app, "secret"
        if app.confidential:
            if provider == "google":
                raise _OAuthError(400, "invalid_request", "client_secret is missing.")
            raise _OAuthError(
                401, "invalid_client",
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.", aadsts=7000218)
        return app, "none"

    def _token_audiences(self, provider: Provider, tenant: Tenant | None,
                         token_url: str) -> list[str]:
        auds = [token_url]
        if provider == "microsoft" and tenant is not None:
            for segment in (tenant.id, tenant.name):
                auds.append(f"{self.base_url}/{segment}/oauth2/v2.0/token")
                auds.append(f"{self.base_url}/{segment}/oauth2/token")
        return auds

    def _verify_client_assertion(self, provider: Provider, app: OAuthApp,
                                 tenant: Tenant | None, assertion: str, token_url: str) -> None:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise _OAuthError(401, "invalid_client", "JWT token is invalid or malformed.",
                              aadsts=50027) from None
        # msal pads these base64url values with "="; RFC 7515 says unpadded. Take both.
        sha1 = str(header.get("x5t") or "").rstrip("=")
        sha256 = str(header.get("x5t#S256") or "").rstrip("=")
        cert: AppCertificate | None = None
        for candidate in app.certificates:
            by_sha256 = _b64url(bytes.fromhex(candidate.sha256_thumbprint)) == sha256
            by_sha1 = _b64url(bytes.fromhex(candidate.sha1_thumbprint)) == sha1
            if (sha256 and by_sha256) or (sha1 and by_sha1):
                cert = candidate
        if cert is None:
            used = _b64url_decode(sha256 or sha1 or "").hex().upper() if (sha256 or sha1) else ""
            raise _OAuthError(
                401, "invalid_client",
                "Client assertion contains an invalid signature. [Reason - The key was not "
                f"found., Thumbprint of key used by client: '{used}', Please visit the Azure "
                "Portal, Graph Explorer or directly use MS Graph to see configured keys for "
                f"app Id '{app.client_id}'.]", aadsts=700027)
        if cert.not_valid_after <= dt.datetime.now(dt.UTC):
            raise _OAuthError(
                401, "invalid_client",
                "Client assertion contains an invalid signature. [Reason - The key used is "
                "expired., Thumbprint of key used by client: "
                f"'{cert.sha1_thumbprint}']", aadsts=700027)
        try:
            claims = jwt.decode(
                assertion, cert.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=self._token_audiences(provider, tenant, token_url),
                issuer=app.client_id, leeway=300,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.InvalidSignatureError:
            raise _OAuthError(
                401, "invalid_client",
                "Client assertion contains an invalid signature. [Reason - The provided "
                "signature value did not match the expected signature value.]",
                aadsts=700027) from None
        except jwt.ExpiredSignatureError:
            raise _OAuthError(401, "invalid_client",
                              "Client assertion is not within its valid time range.",
                              aadsts=700024) from None
        except jwt.InvalidAudienceError:
            raise _OAuthError(
                401, "invalid_client",
                "The audience claim value is invalid for the token endpoint of this tenant.",
                aadsts=700212) from None
        except jwt.PyJWTError as exc:
            raise _OAuthError(401, "invalid_client",
                              f"Client assertion failed validation: {exc}.",
                              aadsts=50027) from None
        if claims.get("sub") != app.client_id:
            raise _OAuthError(401, "invalid_client",
                              "Client assertion subject does not match the client id.",
                              aadsts=700021)

    # ------------------------------------------------------------ token endpoint

    def _token_endpoint(self, provider: Provider, tenant_segment: str | None,
                        form: dict[str, str], headers: dict[str, str]) -> _Response | _Special:
        self._count("token_requests")
        fault = self._take_fault("token")
        if fault is not None:
            return fault
        grant = form.get("grant_type", "")
        try:
            tenant = self._ms_tenant(tenant_segment) if tenant_segment is not None else None
            token_url = (f"{self.base_url}/{tenant_segment}/oauth2/v2.0/token"
                         if provider == "microsoft" else
                         self.google_token_uri if provider == "google" else self.token_url)
            with self._changed:
                if grant == "client_credentials":
                    answer = self._grant_client_credentials(provider, tenant, form, headers,
                                                            token_url)
                elif grant == DEVICE_CODE_GRANT:
                    answer = self._grant_device_code(provider, tenant, form, headers, token_url)
                elif grant == "authorization_code":
                    answer = self._grant_authorization_code(provider, tenant, form, headers,
                                                            token_url)
                elif grant == "refresh_token":
                    answer = self._grant_refresh_token(provider, tenant, form, headers,
                                                       token_url)
                elif grant == JWT_BEARER_GRANT and provider == "google":
                    answer = self._grant_google_jwt_bearer(form)
                else:
                    raise _OAuthError(
                        400, "unsupported_grant_type",
                        f"The provided value for the input parameter 'grant_type' is not "
                        f"valid. Invalid grant_type: {grant}", aadsts=70003)
        except _OAuthError as exc:
            self._count("token_errors")
            return self._error_response(provider, exc)
        self._count("tokens_issued")
        return _json(200, answer)

    def _new_access_token(self, provider: Provider, client_id: str, user: str | None,
                          scopes: Iterable[str], roles: Iterable[str], *, app_only: bool,
                          claims: dict[str, Any] | None = None) -> _AccessToken:
        now = time.time()
        lifetime = self.access_token_lifetime
        if provider == "microsoft":
            payload = dict(claims or {})
            payload.update({"iat": int(now), "nbf": int(now), "exp": int(now + lifetime),
                            "uti": secrets.token_urlsafe(16)})
            value = jwt.encode(payload, _signing_key(), algorithm="RS256",
                               headers={"kid": _signing_kid(), "typ": "JWT"})
        elif provider == "google":
            value = "ya29.a0" + secrets.token_urlsafe(120)
        else:
            value = secrets.token_urlsafe(32)
        record = _AccessToken(value=value, provider=provider, client_id=client_id, user=user,
                              scopes=tuple(scopes), roles=tuple(roles),
                              expires_at=now + lifetime, issued_at=now, app_only=app_only)
        self._access[value] = record
        return record

    def _new_refresh_token(self, provider: Provider, client_id: str, user: str,
                           scopes: Iterable[str], tenant_id: str | None) -> _RefreshToken:
        prefix = {"microsoft": "0.A", "google": "1//0", "generic": ""}[provider]
        record = _RefreshToken(value=prefix + secrets.token_urlsafe(96 if provider ==
                                                                     "microsoft" else 48),
                               provider=provider, client_id=client_id, user=user,
                               scopes=tuple(scopes), tenant_id=tenant_id, issued_at=time.time())
        self._refresh[record.value] = record
        return record

    def _grant_client_credentials(self, provider: Provider, tenant: Tenant | None,
                                  form: dict[str, str], headers: dict[str, str],
                                  token_url: str) -> dict[str, Any]:
        if provider == "google":
            raise _OAuthError(400, "unsupported_grant_type",
                              "Invalid grant_type: client_credentials")
        app, method = self._authenticate_client(provider, tenant, form, headers, token_url)
        if method == "none":
            raise _OAuthError(
                401, "invalid_client",
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.", aadsts=7000218)
        scopes = form.get("scope", "").split()
        if provider == "microsoft":
            if len(scopes) != 1 or not scopes[0].endswith("/.default"):
                raise _OAuthError(
                    400, "invalid_scope",
                    f"The provided value for scope {' '.join(scopes)} is not valid. Client "
                    "credential flows must have a scope value with /.default suffixed to the "
                    "resource identifier (application ID URI).", aadsts=1002012)
            resource = scopes[0][: -len("/.default")]
            tenant_obj = self._tenants[app.tenant_id or ""]
            roles = app.app_roles if app.admin_consent else ()
            claims: dict[str, Any] = {
                "aud": resource, "iss": f"https://sts.windows.net/{tenant_obj.id}/",
                "app_displayname": app.name, "appid": app.client_id,
                "appidacr": "2" if method == "certificate" else "1",
                "idp": f"https://sts.windows.net/{tenant_obj.id}/", "idtyp": "app",
                "oid": app.service_principal_id, "sub": app.service_principal_id,
                "tid": tenant_obj.id, "ver": "1.0",
            }
            if roles:
                claims["roles"] = list(roles)
            record = self._new_access_token(provider, app.client_id, None, scopes, roles,
                                            app_only=True, claims=claims)
            return {"token_type": "Bearer", "expires_in": self.access_token_lifetime,
                    "ext_expires_in": self.access_token_lifetime,
                    "access_token": record.value}
        record = self._new_access_token(provider, app.client_id, None, scopes, (),
                                        app_only=True)
        return {"access_token": record.value, "token_type": "Bearer",
                "expires_in": self.access_token_lifetime, "scope": " ".join(scopes)}

    def _grant_device_code(self, provider: Provider, tenant: Tenant | None,
                           form: dict[str, str], headers: dict[str, str],
                           token_url: str) -> dict[str, Any]:
        self._count("device_polls")
        app, _method = self._authenticate_client(provider, tenant, form, headers, token_url)
        code = self._device_codes.get(form.get("device_code", ""))
        if code is None or code.client_id != app.client_id:
            raise _OAuthError(400, "bad_verification_code" if provider == "microsoft"
                              else "invalid_grant",
                              "The provided value for the 'device_code' is not valid.",
                              aadsts=70000)
        if code.expires_at <= time.time():
            raise _OAuthError(400, "expired_token", "Verification code expired.",
                              aadsts=70019)
        if code.state == "pending":
            raise _OAuthError(400, "authorization_pending",
                              "The provided request has not yet been authorized by the user. "
                              "The user must input their code.", aadsts=70016)
        if code.state == "denied":
            if provider == "microsoft":
                raise _OAuthError(400, "authorization_declined",
                                  "The end user declined the authorization request.",
                                  aadsts=70000)
            raise _OAuthError(400, "access_denied", "The end user denied the request.")
        del self._device_codes[code.device_code]
        assert code.user is not None
        return self._issue_user_tokens(provider, app, code.user, code.scopes, tenant,
                                       form, nonce=None)

    def _grant_authorization_code(self, provider: Provider, tenant: Tenant | None,
                                  form: dict[str, str], headers: dict[str, str],
                                  token_url: str) -> dict[str, Any]:
        app, _method = self._authenticate_client(provider, tenant, form, headers, token_url)
        code = self._auth_codes.get(form.get("code", ""))
        if code is None or code.client_id != app.client_id or code.provider != provider:
            raise _OAuthError(400, "invalid_grant",
                              "Malformed auth code." if provider == "google" else
                              "The provided authorization code or refresh token has "
                              "expired due to inactivity. Send a new interactive "
                              "authorization request for this user and resource.",
                              aadsts=70008)
        if code.used:
            raise _OAuthError(400, "invalid_grant",
                              "The code was already redeemed." if provider != "microsoft" else
                              "OAuth2 Authorization code was already redeemed, please "
                              "retry with a new valid code or use an existing refresh "
                              "token.", aadsts=54005)
        if code.expires_at <= time.time():
            raise _OAuthError(400, "invalid_grant",
                              "The provided authorization code has expired.", aadsts=70008)
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise _OAuthError(400, "invalid_grant" if provider != "google"
                              else "redirect_uri_mismatch",
                              "The reply URL specified in the request does not match the "
                              "reply URL used to obtain the authorization code.", aadsts=50011)
        if code.challenge is not None:
            verifier = form.get("code_verifier", "")
            if code.method == "S256":
                computed = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            else:
                computed = verifier
            if not verifier or not secrets.compare_digest(computed, code.challenge):
                raise _OAuthError(400, "invalid_grant",
                                  "Invalid code verifier." if provider == "google" else
                                  "The code_verifier does not match the code_challenge "
                                  "supplied in the authorization request for PKCE.",
                                  aadsts=501481)
        code.used = True
        return self._issue_user_tokens(provider, app, code.user, code.scopes, tenant, form,
                                       nonce=code.nonce)

    def _grant_refresh_token(self, provider: Provider, tenant: Tenant | None,
                             form: dict[str, str], headers: dict[str, str],
                             token_url: str) -> dict[str, Any]:
        app, _method = self._authenticate_client(provider, tenant, form, headers, token_url)
        record = self._refresh.get(form.get("refresh_token", ""))
        if record is None or record.client_id != app.client_id or record.provider != provider:
            raise _OAuthError(400, "invalid_grant",
                              "Bad Request" if provider == "google" else
                              "Invalid refresh token.", aadsts=9002313)
        if record.revoked is not None:
            if provider == "google":
                raise _OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
            issued = dt.datetime.fromtimestamp(record.issued_at, dt.UTC)
            if record.revoked == "expired":
                raise _OAuthError(
                    400, "invalid_grant",
                    "The refresh token has expired due to inactivity. The token was issued "
                    f"on {issued.isoformat()} and was inactive for 90.00:00:00.",
                    aadsts=700082)
            if record.revoked == "consent":
                raise _OAuthError(
                    400, "invalid_grant",
                    "The user or administrator has not consented to use the application "
                    f"with ID '{app.client_id}' named '{app.name}'. Send an interactive "
                    "authorization request for this user and resource.",
                    aadsts=65001, suberror="consent_required")
            raise _OAuthError(
                400, "invalid_grant",
                "The provided grant has expired due to it being revoked, a fresh auth token "
                "is needed. The user might have changed or reset their password. The grant "
                f"was issued on '{issued.isoformat()}' and the TokensValidFrom date (before "
                "which tokens are not valid) for this user is "
                f"'{dt.datetime.now(dt.UTC).isoformat()}'.", aadsts=50173)
        requested = form.get("scope", "").split()
        scopes: tuple[str, ...]
        if provider == "microsoft" and requested:
            scopes = tuple(requested)
        else:
            scopes = record.scopes
        self._count("refreshes")
        return self._issue_user_tokens(provider, app, record.user, scopes, tenant, form,
                                       nonce=None, refreshing=record)

    def _issue_user_tokens(self, provider: Provider, app: OAuthApp, login: str,
                           scopes: Iterable[str], tenant: Tenant | None,
                           form: dict[str, str], *, nonce: str | None,
                           refreshing: _RefreshToken | None = None) -> dict[str, Any]:
        scopes = tuple(scopes)
        user = self.add_user(login)
        resource_scopes = tuple(s for s in scopes if s not in _OIDC_SCOPES)
        if provider == "microsoft":
            if not app.user_consent:
                raise _OAuthError(
                    400, "invalid_grant",
                    "The user or administrator has not consented to use the application "
                    f"with ID '{app.client_id}' named '{app.name}'. Send an interactive "
                    "authorization request for this user and resource.",
                    aadsts=65001, suberror="consent_required")
            tenant_obj = tenant or self._tenants[app.tenant_id or ""]
            resource = next((s.rsplit("/", 1)[0] for s in resource_scopes if "/" in s),
                            OUTLOOK)
            short = " ".join(_ms_short_scope(s) for s in resource_scopes)
            claims: dict[str, Any] = {
                "aud": resource, "iss": f"https://sts.windows.net/{tenant_obj.id}/",
                "acr": "1", "amr": ["pwd"], "app_displayname": app.name,
                "appid": app.client_id, "appidacr": "0" if not app.confidential else "1",
                "idtyp": "user", "name": user.name, "oid": user.oid, "scp": short,
                "sub": _pairwise(user.oid, app.client_id), "tid": tenant_obj.id,
                "unique_name": user.login, "upn": user.login, "ver": "1.0",
            }
            access = self._new_access_token(provider, app.client_id, user.login,
                                            resource_scopes, (), app_only=False, claims=claims)
            answer: dict[str, Any] = {
                "token_type": "Bearer", "scope": " ".join(resource_scopes),
                "expires_in": self.access_token_lifetime,
                "ext_expires_in": self.access_token_lifetime,
                "access_token": access.value,
            }
            if "offline_access" in scopes or refreshing is not None:
                answer["refresh_token"] = self._new_refresh_token(
                    provider, app.client_id, user.login, scopes, tenant_obj.id).value
            if "openid" in scopes:
                answer["id_token"] = self._id_token({
                    "aud": app.client_id, "iss": f"{self.base_url}/{tenant_obj.id}/v2.0",
                    "name": user.name, "oid": user.oid, "preferred_username": user.login,
                    "sub": _pairwise(user.oid, app.client_id), "tid": tenant_obj.id,
                    "ver": "2.0", **({"nonce": nonce} if nonce else {}),
                })
            if form.get("client_info") == "1":
                answer["client_info"] = _b64url(json.dumps(
                    {"uid": user.oid, "utid": tenant_obj.id}).encode("utf-8"))
            return answer
        access = self._new_access_token(provider, app.client_id, user.login, resource_scopes
                                        if provider == "google" else scopes, (), app_only=False)
        answer = {"access_token": access.value, "expires_in": self.access_token_lifetime,
                  "token_type": "Bearer", "scope": " ".join(scopes)}
        if provider == "google":
            if refreshing is None:
                answer["refresh_token"] = self._new_refresh_token(
                    provider, app.client_id, user.login, scopes, None).value
            if {"openid", "email"} & set(scopes):
                answer["id_token"] = self._id_token({
                    "iss": "https://accounts.google.com", "azp": app.client_id,
                    "aud": app.client_id, "sub": user.google_id, "email": user.login,
                    "email_verified": True, **({"nonce": nonce} if nonce else {}),
                })
            return answer
        answer["refresh_token"] = self._new_refresh_token(
            provider, app.client_id, user.login, scopes, None).value
        return answer

    def _id_token(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {**claims, "iat": now, "nbf": now, "exp": now + 3600}
        return jwt.encode(payload, _signing_key(), algorithm="RS256",
                          headers={"kid": _signing_kid(), "typ": "JWT"})

    def _grant_google_jwt_bearer(self, form: dict[str, str]) -> dict[str, Any]:
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise _OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from None
        account = self._service_accounts.get(str(unverified.get("iss", "")))
        if account is None:
            raise _OAuthError(400, "invalid_grant", "Invalid grant: account not found")
        if header.get("kid") not in (None, account.private_key_id):
            raise _OAuthError(400, "invalid_grant", "Invalid JWT Signature.")
        public_key = serialization.load_pem_private_key(
            account.private_key_pem.encode("ascii"), password=None).public_key()
        try:
            claims = jwt.decode(assertion, public_key,  # type: ignore[arg-type]
                                algorithms=["RS256"],
                                audience=sorted(GOOGLE_TOKEN_AUDIENCES | {account.token_uri}),
                                issuer=account.client_email, leeway=60,
                                options={"require": ["exp", "iat", "aud", "iss"]})
        except jwt.InvalidSignatureError:
            raise _OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from None
        except jwt.PyJWTError:
            raise _OAuthError(
                400, "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            ) from None
        if int(claims["exp"]) - int(claims["iat"]) > 3600:
            raise _OAuthError(
                400, "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.")
        scopes = tuple(str(claims.get("scope", "")).split())
        if not scopes:
            raise _OAuthError(400, "invalid_scope",
                              "Invalid OAuth scope or ID token audience provided.")
        subject = claims.get("sub")
        if subject is not None:
            subject = str(subject)
            if not account.may_impersonate(subject) or not set(scopes) <= \
                    account.delegated_scopes:
                raise _OAuthError(401, "unauthorized_client", GOOGLE_DWD_REFUSAL)
            self.add_user(subject)
        record = self._new_access_token("google", account.client_id, subject, scopes, (),
                                        app_only=False)
        return {"access_token": record.value, "expires_in": self.access_token_lifetime,
                "token_type": "Bearer"}

    # ------------------------------------------------------- device authorization

    def _device_authorization(self, provider: Provider, tenant_segment: str | None,
                              form: dict[str, str],
                              headers: dict[str, str]) -> _Response | _Special:
        fault = self._take_fault("devicecode")
        if fault is not None:
            return fault
        try:
            tenant = self._ms_tenant(tenant_segment) if tenant_segment is not None else None
            with self._changed:
                client_id = form.get("client_id", "")
                if provider == "generic" and not client_id:
                    app, _m = self._authenticate_client(provider, None, form, headers,
                                                        self.device_authorization_url)
                else:
                    app = self._lookup_app(provider, client_id, tenant)
                scopes = tuple(form.get("scope", "").split())
                if provider == "microsoft" and not scopes:
                    raise _OAuthError(400, "invalid_request",
                                      "The request body must contain the following "
                                      "parameter: 'scope'.", aadsts=900144)
                alphabet = "BCDFGHJKLMNPQRSTVWXZ"
                raw = "".join(secrets.choice(alphabet) for _ in range(8))
                user_code = raw if provider == "microsoft" else f"{raw[:4]}-{raw[4:]}"
                code = _DeviceCode(
                    device_code=secrets.token_urlsafe(96 if provider == "microsoft" else 32),
                    user_code=user_code, provider=provider, client_id=app.client_id,
                    tenant_id=tenant.id if tenant else app.tenant_id, scopes=scopes,
                    expires_at=time.time() + self.device_code_lifetime,
                )
                self._device_codes[code.device_code] = code
                self._changed.notify_all()
        except _OAuthError as exc:
            return self._error_response(provider, exc)
        self._count("device_codes")
        if provider == "microsoft":
            link = f"{self.base_url}/link"
            return _json(200, {
                "user_code": code.user_code, "device_code": code.device_code,
                "verification_uri": link, "expires_in": self.device_code_lifetime,
                "interval": self.device_poll_interval,
                "message": (f"To sign in, use a web browser to open the page {link} and "
                            f"enter the code {code.user_code} to authenticate."),
            })
        page = f"{self.base_url}/device"
        return _json(200, {
            "device_code": code.device_code, "user_code": code.user_code,
            "verification_uri": page,
            "verification_uri_complete": f"{page}?user_code={code.user_code}",
            "expires_in": self.device_code_lifetime, "interval": self.device_poll_interval,
        })

    # -------------------------------------------------------------- authorization

    def _authorize(self, provider: Provider, tenant_segment: str | None,
                   query: dict[str, str]) -> _Response | _Special:
        """The browser step: sign in as `browser_user` (or a registered `login_hint`)."""
        fault = self._take_fault("authorize")
        if fault is not None:
            return fault
        try:
            tenant = self._ms_tenant(tenant_segment) if tenant_segment is not None else None
            with self._lock:
                app = self._lookup_app(provider, query.get("client_id", ""), tenant)
        except _OAuthError as exc:
            return _html(400, "Sign in", f"{exc.error}: {exc.description}")
        redirect_uri = query.get("redirect_uri", "")
        if not _redirect_matches(app.redirect_uris, redirect_uri):
            if provider == "google":
                return _html(400, "Error 400: redirect_uri_mismatch",
                             "You can't sign in to this app because it doesn't comply with "
                             "Google's OAuth 2.0 policy.")
            return _html(400, "Sign in",
                         f"AADSTS50011: The redirect URI '{redirect_uri}' specified in the "
                         "request does not match the redirect URIs configured for the "
                         f"application '{app.client_id}'.")
        state = query.get("state")

        def back(params: dict[str, str]) -> _Response:
            if state is not None:
                params["state"] = state
            return _redirect(_append_query(redirect_uri, params))

        if query.get("response_type") != "code":
            return back({"error": "unsupported_response_type",
                         "error_description": "Only response_type=code is supported."})
        challenge = query.get("code_challenge")
        method = query.get("code_challenge_method", "plain" if challenge else None)
        if challenge is not None and method not in ("S256", "plain"):
            return back({"error": "invalid_request",
                         "error_description": "Unsupported code_challenge_method."})
        hint = query.get("login_hint")
        with self._lock:
            user = (hint if hint and hint.lower() in self._users else self.browser_user)
        if user is None:
            return _html(200, "Sign in to your account", "Email, phone, or Skype")
        if self.browser_denies:
            description = ("AADSTS65004: User declined to consent to access the app."
                           if provider == "microsoft" else "The user denied access.")
            return back({"error": "access_denied", "error_description": description})
        scopes = tuple(query.get("scope", "").split())
        with self._lock:
            code = _AuthCode(
                code=("0.A" if provider == "microsoft" else "4/0") + secrets.token_urlsafe(64),
                provider=provider, client_id=app.client_id,
                tenant_id=tenant.id if tenant else app.tenant_id, redirect_uri=redirect_uri,
                scopes=scopes, challenge=challenge, method=method, nonce=query.get("nonce"),
                user=user, expires_at=time.time() + 600,
            )
            self._auth_codes[code.code] = code
        self._count("authorizations")
        params = {"code": code.code}
        if provider == "microsoft":
            params["session_state"] = str(uuid.uuid4())
        elif provider == "google":
            params["scope"] = " ".join(scopes)
        return back(params)


def _pairwise(oid: str, client_id: str) -> str:
    return _b64url(hashlib.sha256(f"{oid}:{client_id}".encode()).digest())[:43]


def _is_ms_mail_scope(scope: str) -> bool:
    return any(scope.startswith(resource + "/") for resource in _MS_MAIL_RESOURCES)


def _ms_short_scope(scope: str) -> str:
    return scope.rsplit("/", 1)[-1] if "/" in scope else scope


# ---------------------------------------------------------------------------- HTTP layer


class _Listener(ThreadingHTTPServer):
    """One listening socket; TLS is negotiated in the request thread, never in accept()."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, owner: OAuthServer, tls: ssl.SSLContext | None, name: str) -> None:
        self.owner = owner
        self.tls = tls
        self.name = name
        super().__init__((HOST, 0), _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        if self.tls is not None:
            try:
                request.settimeout(10)
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                try:
                    request.close()
                except OSError:
                    pass
                return
        self.owner._track(request, add=True)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.owner._track(request, add=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, faults) are normal here; stay quiet about them."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Listener

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        form: dict[str, str] = {}
        if content_type == "application/json" and body:
            try:
                parsed = json.loads(body)
                form = {str(k): str(v) for k, v in parsed.items()} if isinstance(
                    parsed, dict) else {}
            except ValueError:
                form = {}
        elif body:
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        headers = {k: v for k, v in self.headers.items()}
        owner = self.server.owner
        answer = owner._dispatch(self.server.name, method, split.path, query, form, headers)
        if answer is _HANG:
            owner._stopping.wait(owner.hang_limit_s)
            self.close_connection = True
            return
        if isinstance(answer, _Special):
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        return
