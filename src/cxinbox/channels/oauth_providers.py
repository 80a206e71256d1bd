"""The sign-in providers: Microsoft (msal), Google (google-auth), any OAuth2 server
(httpx), and the authorization-code flow with PKCE, loopback or pasted."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Self

from cxinbox.channels.credentials import CredentialError, resolve_secret
from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    from cxinbox.config import AccountConfig, OAuth2Config
from cxinbox.channels.oauth import (
    Grant,
    OAuthError,
    Prompt,
    _network_problem,
    describe_provider_error,
)


class Provider:
    """One account's sign-in. `refresh` is called by the broker, `login` by `auth login`."""

    def __init__(self, account: AccountConfig) -> None:
        assert account.oauth2 is not None
        self.account = account
        self.cfg: OAuth2Config = account.oauth2

    @property
    def name(self) -> str:
        return self.account.name

    def secret(self, *, whole: bool = False) -> str:
        return resolve_secret(self.name, self.cfg.secret, keyring_user=f"{self.name}/oauth2",
                              whole=whole, prefix="secret")

    def verify(self) -> str | bool:
        return str(self.cfg.ca_file) if self.cfg.ca_file else True

    def session(self) -> Any:
        """The HTTP session msal and google-auth use: our CA and timeout, always.

        requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's own CA bundle
        (so a configured ca_file would be ignored) and applies no timeout when a session is
        handed to msal. Environment proxies are still honoured, read once here."""
        import urllib.request

        import requests

        timeout = self.cfg.timeout_s

        class _Session(requests.Session):
            def request(self, *args: Any, **kwargs: Any) -> Any:
                kwargs.setdefault("timeout", timeout)
                return super().request(*args, **kwargs)

        session = _Session()
        session.trust_env = False
        session.proxies.update(urllib.request.getproxies())
        session.verify = self.verify()
        return session

    def refresh(self, stored: str) -> Grant:
        raise NotImplementedError

    def login(self, prompt: Prompt) -> Grant:
        """Client credentials and service accounts need no person: one token proves it."""
        return self.refresh("")


def _expiry(expires_in: object, now: float | None = None) -> float:
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = 3600.0
    return (time.time() if now is None else now) + max(0.0, seconds)


# -- Microsoft (msal) -----------------------------------------------------------------------

class MicrosoftProvider(Provider):
    """Exchange Online through msal: app-only (client credentials, secret or certificate),
    or delegated (device code / authorization code, refreshed from msal's token cache)."""

    def _authority(self) -> str:
        from cxinbox.config import MICROSOFT_AUTHORITY

        return f"{self.cfg.authority or MICROSOFT_AUTHORITY}/{self.cfg.tenant}"

    def _common(self) -> dict[str, Any]:
        return {"authority": self._authority(), "http_client": self.session(),
                # Without this msal asks login.microsoftonline.com whether a non-Microsoft
                # authority is trusted; the tenant's own discovery document is enough.
                "instance_discovery": False if self.cfg.authority else None}

    def _client_credential(self) -> str | dict[str, str]:
        if self.cfg.credential == "secret":
            return self.secret()
        pem = self.secret(whole=True)
        key, cert = split_pem(pem)
        if not key or not cert:
            raise OAuthError(f'account "{self.name}": the certificate secret must hold a PEM '
                             "private key and its certificate", permanent=True)
        return {"private_key": key, "public_certificate": cert}

    def _app(self) -> Any:
        import msal

        common = {k: v for k, v in self._common().items() if v is not None}
        return msal.ConfidentialClientApplication(
            self.cfg.client_id, client_credential=self._client_credential(), **common)

    def _public(self, cache: Any) -> Any:
        import msal

        common = {k: v for k, v in self._common().items() if v is not None}
        return msal.PublicClientApplication(self.cfg.client_id, token_cache=cache, **common)

    def _grant(self, result: Mapping[str, Any] | None, cache: Any = None) -> Grant:
        if not result:
            raise OAuthError("not signed in: run `cxinbox auth login "
                             f"{self.name}`", permanent=True)
        if "access_token" not in result:
            message, permanent = describe_provider_error(result, "microsoft")
            raise OAuthError(message, permanent=permanent)
        refresh = _strip_access_tokens(cache.serialize()) if cache is not None else None
        return Grant(str(result["access_token"]), _expiry(result.get("expires_in")), refresh,
                     tuple(str(result.get("scope", "")).split()))

    def refresh(self, stored: str) -> Grant:
        try:
            if self.cfg.flow == "client_credentials":
                return self._grant(self._app().acquire_token_for_client(
                    scopes=list(self.cfg.scopes)))
            import msal

            cache = msal.SerializableTokenCache()
            if not stored:
                raise OAuthError(f"not signed in: run `cxinbox auth login {self.name}`",
                                 permanent=True)
            cache.deserialize(stored)
            app = self._public(cache)
            accounts = app.get_accounts()
            if not accounts:
                raise OAuthError(f"no signed-in user in the token store: run `cxinbox auth "
                                 f"login {self.name}`", permanent=True)
            result = app.acquire_token_silent_with_error(list(self.cfg.scopes), accounts[0],
                                                          force_refresh=True)
            return self._grant(result, cache)
        except OAuthError:
            raise
        except CredentialError:
            raise
        except Exception as exc:  # noqa: BLE001 - msal and requests raise many kinds
            raise OAuthError(_network_problem(exc)) from None

    def login(self, prompt: Prompt) -> Grant:
        if self.cfg.flow == "client_credentials":
            return self.refresh("")
        import msal

        cache = msal.SerializableTokenCache()
        try:
            app = self._public(cache)
            if self.cfg.flow == "device_code":
                flow = app.initiate_device_flow(scopes=list(self.cfg.scopes))
                if "user_code" not in flow:
                    message, permanent = describe_provider_error(flow, "microsoft")
                    raise OAuthError(message, permanent=permanent)
                prompt.say(clean_line(str(flow.get("message") or (
                    f"Open {flow.get('verification_uri')} and enter {flow['user_code']}")),
                    max_len=400))
                return self._grant(app.acquire_token_by_device_flow(flow), cache)
            with LoopbackRedirect(self.cfg.redirect_port) as redirect:
                flow = app.initiate_auth_code_flow(list(self.cfg.scopes),
                                                   redirect_uri=redirect.uri)
                params = redirect.wait(flow["auth_uri"], prompt, self.cfg.timeout_s * 30)
                return self._grant(app.acquire_token_by_auth_code_flow(flow, params), cache)
        except OAuthError:
            raise
        except CredentialError:
            raise
        except ValueError as exc:  # msal: state mismatch and the like
            raise OAuthError(f"sign-in refused: {clean_line(str(exc), max_len=200)}",
                             permanent=True) from None
        except Exception as exc:  # noqa: BLE001
            raise OAuthError(_network_problem(exc)) from None


def _strip_access_tokens(serialized: str) -> str:
    """msal's cache without its access tokens: those stay in memory only."""
    try:
        doc = json.loads(serialized)
    except ValueError:
        return serialized
    doc["AccessToken"] = {}
    return json.dumps(doc, sort_keys=True)


def split_pem(pem: str) -> tuple[str, str]:
    """(private key block, first certificate block) from one PEM text."""
    key = cert = ""
    for kind in ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"):
        begin, end = f"-----BEGIN {kind}-----", f"-----END {kind}-----"
        if begin in pem and end in pem and not key:
            key = pem[pem.index(begin):pem.index(end) + len(end)]
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    if begin in pem and end in pem:
        cert = pem[pem.index(begin):pem.index(end) + len(end)]
    return key, cert


def certificate_not_after(pem: str) -> datetime | None:
    """When the certificate in a PEM text stops being valid (UTC), if there is one."""
    _key, cert = split_pem(pem)
    if not cert:
        return None
    try:
        from cryptography import x509

        return x509.load_pem_x509_certificate(cert.encode()).not_valid_after_utc
    except (ValueError, ImportError):
        return None


# -- Google (google-auth) -------------------------------------------------------------------


class GoogleProvider(Provider):
    """Google Workspace: a service account impersonating the mailbox (domain-wide
    delegation), or a person's sign-in refreshed by google-auth's user credentials."""

    def _request(self) -> Any:
        from google.auth.transport.requests import Request

        return Request(self.session())

    def refresh(self, stored: str) -> Grant:
        from google.auth import exceptions

        try:
            if self.cfg.flow == "service_account":
                creds = self._service_account()
            else:
                creds = self._user_credentials(stored)
            creds.refresh(self._request())
        except exceptions.RefreshError as exc:
            body = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
            if not body:
                body = {"error": "refresh_failed",
                        "error_description": clean_line(str(exc.args[0] if exc.args else exc),
                                                        max_len=200)}
            message, permanent = describe_provider_error(body, "google")
            if exc.retryable:
                permanent = False
            raise OAuthError(message, permanent=permanent) from None
        except exceptions.TransportError as exc:
            raise OAuthError(_network_problem(exc)) from None
        except (exceptions.GoogleAuthError, ValueError, KeyError) as exc:
            raise OAuthError(f"the Google credentials are not usable: "
                             f"{clean_line(str(exc), max_len=200)}", permanent=True) from None
        expiry = creds.expiry.replace(tzinfo=UTC).timestamp() if creds.expiry else _expiry(3600)
        refresh = None
        if self.cfg.flow == "authorization_code":
            refresh = creds.refresh_token or stored
        return Grant(str(creds.token), expiry, refresh, tuple(self.cfg.scopes))

    def _service_account(self) -> Any:
        from google.oauth2 import service_account

        try:
            info = json.loads(self.secret(whole=True))
        except ValueError:
            raise OAuthError(f'account "{self.name}": the service-account key is not JSON '
                             "(download a JSON key for the service account)",
                             permanent=True) from None
        return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(self.cfg.scopes), subject=self.account.username)

    def _token_url(self) -> str:
        from cxinbox.config import GOOGLE_TOKEN_URL

        return self.cfg.token_url or GOOGLE_TOKEN_URL

    def _client_secret(self) -> str | None:
        return self.secret() if self.cfg.secret.configured else None

    def _user_credentials(self, stored: str) -> Any:
        from google.oauth2.credentials import Credentials

        if not stored:
            raise OAuthError(f"not signed in: run `cxinbox auth login {self.name}`",
                             permanent=True)
        return Credentials(  # type: ignore[no-untyped-call]
            None, refresh_token=stored, token_uri=self._token_url(),
                           client_id=self.cfg.client_id, client_secret=self._client_secret(),
                           scopes=list(self.cfg.scopes))

    def login(self, prompt: Prompt) -> Grant:
        if self.cfg.flow == "service_account":
            return self.refresh("")
        from cxinbox.config import GOOGLE_AUTHORIZATION_URL

        grant = authorization_code_login(
            self.cfg.authorization_url or GOOGLE_AUTHORIZATION_URL, self._token_url(),
            self.cfg, self._client_secret(), prompt,
            extra={"access_type": "offline", "prompt": "consent",
                   "login_hint": self.account.username})
        return grant


# -- any OAuth2 server (httpx) --------------------------------------------------------------


class GenericProvider(Provider):
    """RFC 6749 client credentials and refresh tokens, RFC 8628 device code, and the
    authorization code with PKCE (RFC 7636), for providers without a library of their own."""

    def _client_secret(self) -> str | None:
        return self.secret() if self.cfg.secret.configured else None

    def refresh(self, stored: str) -> Grant:
        form: dict[str, str] = {"client_id": self.cfg.client_id}
        if self.cfg.flow == "client_credentials":
            form.update(grant_type="client_credentials", scope=" ".join(self.cfg.scopes))
        else:
            if not stored:
                raise OAuthError(f"not signed in: run `cxinbox auth login {self.name}`",
                                 permanent=True)
            form.update(grant_type="refresh_token", refresh_token=stored)
        secret = self._client_secret()
        if secret:
            form["client_secret"] = secret
        body = token_request(self.cfg.token_url, form, self.cfg)
        return Grant(str(body["access_token"]), _expiry(body.get("expires_in")),
                     str(body.get("refresh_token") or stored) if stored or
                     body.get("refresh_token") else None,
                     tuple(str(body.get("scope", "")).split()))

    def login(self, prompt: Prompt) -> Grant:
        if self.cfg.flow == "client_credentials":
            return self.refresh("")
        if self.cfg.flow == "authorization_code":
            return authorization_code_login(self.cfg.authorization_url, self.cfg.token_url,
                                            self.cfg, self._client_secret(), prompt)
        return self._device_login(prompt)

    def _device_login(self, prompt: Prompt) -> Grant:
        form = {"client_id": self.cfg.client_id, "scope": " ".join(self.cfg.scopes)}
        secret = self._client_secret()
        if secret:
            form["client_secret"] = secret
        start = token_request(self.cfg.device_authorization_url, form, self.cfg,
                              want="device_code")
        uri = start.get("verification_uri_complete") or start.get("verification_uri")
        prompt.say(f"To sign in, open {clean_line(str(uri))} and enter the code "
                   f"{clean_line(str(start.get('user_code', '')))}")
        interval = max(1.0, float(start.get("interval") or 5))
        deadline = time.monotonic() + float(start.get("expires_in") or 900)
        poll = {"client_id": self.cfg.client_id, "device_code": str(start["device_code"]),
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
        if secret:
            poll["client_secret"] = secret
        while time.monotonic() < deadline:
            time.sleep(interval)
            try:
                body = token_request(self.cfg.token_url, poll, self.cfg)
            except OAuthError as exc:
                text = str(exc)
                if text.startswith("authorization_pending"):
                    continue
                if text.startswith("slow_down"):
                    interval += 5
                    continue
                raise
            return Grant(str(body["access_token"]), _expiry(body.get("expires_in")),
                         str(body.get("refresh_token") or ""),
                         tuple(str(body.get("scope", "")).split()))
        raise OAuthError("the sign-in code expired before it was used; run the login again",
                         permanent=True)


def token_request(url: str, form: Mapping[str, str], cfg: OAuth2Config,
                  want: str = "access_token") -> dict[str, Any]:
    """POST a form to a token endpoint; the JSON answer, or OAuthError in one line."""
    import httpx

    where = _origin(url)
    verify: Any = True
    if cfg.ca_file:
        import ssl

        verify = ssl.create_default_context(cafile=str(cfg.ca_file))
    try:
        with httpx.Client(verify=verify, timeout=cfg.timeout_s, follow_redirects=False) as http:
            resp = http.post(url, data=dict(form), headers={"Accept": "application/json"})
    except httpx.TimeoutException:
        raise OAuthError(f"{where}: the token endpoint did not answer within "
                         f"{cfg.timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise OAuthError(f"{where}: {_network_problem(exc)}") from None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = clean_line(resp.headers.get("content-type", "no content type"), max_len=60)
        raise OAuthError(f"{where}: the token endpoint answered HTTP {resp.status_code} "
                         f"with {kind}, not JSON (is token_url right?)")
    if want in body:
        return body
    message, permanent = describe_provider_error(body, cfg.provider)
    raise OAuthError(message, permanent=permanent)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 for the browser's redirect, with a pasted URL
    as the fallback: over SSH the browser runs on another machine, its redirect to
    127.0.0.1 fails there, and the admin pastes the address it shows instead."""

    def __init__(self, port: int = 0) -> None:
        import http.server

        outer = self
        self.params: dict[str, str] | None = None
        self._got = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urllib.parse.urlsplit(self.path).query
                found = dict(urllib.parse.parse_qsl(query))
                if "code" in found or "error" in found:
                    outer.params = found
                    outer._got.set()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.end_headers()
                self.wfile.write(b"cxinbox: sign-in received; you can close this tab.\n")

            def log_message(self, *args: object) -> None:
                return

        self._server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        self.uri = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="oauth-redirect")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, auth_url: str, prompt: Prompt, timeout_s: float) -> dict[str, str]:
        prompt.say("Open this address in a browser and sign in:")
        prompt.say(auth_url)
        prompt.say("Over SSH, the browser's last page will not load: copy its address and "
                   "paste it here.")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._got.wait(0.2):
                break
            if prompt.paste is not None:
                line = prompt.paste(0.3)
                if line:
                    query = urllib.parse.urlsplit(line.strip()).query or line.strip()
                    found = dict(urllib.parse.parse_qsl(query))
                    if "code" in found or "error" in found:
                        self.params = found
                        break
                    prompt.say("That address has no sign-in code in it; paste the whole "
                               "address from the browser.")
        if self.params is None:
            raise OAuthError("no sign-in arrived in time; run the login again", permanent=True)
        if "error" in self.params:
            message, _ = describe_provider_error(self.params, "generic")
            raise OAuthError(f"sign-in refused: {message}", permanent=True)
        return self.params


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def authorization_code_login(authorization_url: str, token_url: str, cfg: OAuth2Config,
                             client_secret: str | None, prompt: Prompt,
                             extra: Mapping[str, str] | None = None) -> Grant:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    with LoopbackRedirect(cfg.redirect_port) as redirect:
        query = {"response_type": "code", "client_id": cfg.client_id,
                 "redirect_uri": redirect.uri, "scope": " ".join(cfg.scopes), "state": state,
                 "code_challenge": challenge, "code_challenge_method": "S256", **(extra or {})}
        url = f"{authorization_url}?{urllib.parse.urlencode(query)}"
        params = redirect.wait(url, prompt, cfg.timeout_s * 30)
        if params.get("state") != state:
            raise OAuthError("sign-in refused: the answer does not belong to this sign-in "
                             "(state mismatch); run the login again", permanent=True)
        form = {"grant_type": "authorization_code", "code": params.get("code", ""),
                "redirect_uri": redirect.uri, "client_id": cfg.client_id,
                "code_verifier": verifier}
    if client_secret:
        form["client_secret"] = client_secret
    body = token_request(token_url, form, cfg)
    return Grant(str(body["access_token"]), _expiry(body.get("expires_in")),
                 str(body.get("refresh_token") or ""), tuple(str(body.get("scope", "")).split()))


def provider_for(account: AccountConfig) -> Provider:
    assert account.oauth2 is not None
    kind = {"microsoft": MicrosoftProvider, "google": GoogleProvider,
            "generic": GenericProvider}[account.oauth2.provider]
    return kind(account)



def secret_expiry(account: AccountConfig) -> date | None:
    """When the account's client secret or certificate stops working, if known."""
    cfg = account.oauth2
    if cfg is None:
        return None
    if cfg.credential == "certificate":
        try:
            not_after = certificate_not_after(provider_for(account).secret(whole=True))
        except CredentialError:
            return None
        return not_after.date() if not_after else None
    return cfg.secret_expires
