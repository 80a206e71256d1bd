"""The OAuth2 test support is faithful: the real client libraries work against it unmodified.

msal, google-auth and authlib's client talk to tests/support/oauthserver.py exactly as
they would talk to Entra ID, Google and a generic provider; Dovecot's `passdb oauth2`
checks the tokens through the server's introspection; the SMTP sink accepts XOAUTH2 and
OAUTHBEARER only with a live token. What each library sent is asserted here from the
server's request log, so the product code can rely on it (summary in the docstring of
tests/support/oauthserver.py).

Observed with Dovecot 2.3.19 and `imap_capability` set to Exchange Online's list: only
the advertisement changes. CAPABILITY (before and after login) loses CONDSTORE, QRESYNC,
ENABLE, ESEARCH and SPECIAL-USE, but the server still accepts `ENABLE CONDSTORE`,
`SELECT ... (CONDSTORE)`, `FETCH ... (CHANGEDSINCE n)` and reports HIGHESTMODSEQ; only
imapclient's own `enable()` refuses, because it checks the advertised list. A test of the
"no CONDSTORE" path must therefore prove the client *chose* not to use it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jwt
import msal
import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import credentials as google_credentials
from google.oauth2 import service_account
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from tests.support.dovecot import EXCHANGE_ONLINE_CAPABILITY, DovecotServer, find_dovecot
from tests.support.oauthserver import (
    GOOGLE_MAIL_SCOPE,
    MS_APP_SCOPE,
    MS_IMAP_SCOPE,
    MS_SMTP_SCOPE,
    OAuthServer,
    make_app_certificate,
    sasl_oauthbearer,
    sasl_xoauth2,
)
from tests.support.smtpsink import BASIC_REFUSED, OAUTH_REFUSED, SmtpSink

TENANT = "riverside-clinic.onmicrosoft.com"
FRONTDESK = "frontdesk@riverside-clinic.example"
BILLING = "billing@riverside-clinic.example"
USER_SCOPES = [MS_IMAP_SCOPE, MS_SMTP_SCOPE]


@pytest.fixture
def auth() -> Iterator[OAuthServer]:
    with OAuthServer() as server:
        yield server


@pytest.fixture
def mail(auth: OAuthServer) -> Iterator[DovecotServer]:
    """Dovecot whose XOAUTH2/OAUTHBEARER logins are checked by `auth`'s introspection."""
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    with DovecotServer((FRONTDESK, BILLING),
                       oauth2_introspection_url=auth.dovecot_introspection_url) as server:
        yield server


def imap(server: DovecotServer) -> IMAPClient:
    return server.imap_client(login=False, timeout=10)


def assert_imap_login(server: DovecotServer, user: str, token: str, *,
                      mechanism: str = "XOAUTH2") -> None:
    client = imap(server)
    if mechanism == "XOAUTH2":
        client.oauth2_login(user, token)
    else:
        client.oauthbearer_login(user, token)
    assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0


def assert_imap_refused(server: DovecotServer, user: str, token: str) -> None:
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        imap(server).oauth2_login(user, token)


def confidential(auth: OAuthServer, client_id: str, credential: object,
                 tenant: str = TENANT) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id, client_credential=credential, authority=auth.microsoft_authority(tenant),
        instance_discovery=False, http_client=auth.session())


def public(auth: OAuthServer, client_id: str) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        client_id, authority=auth.microsoft_authority(TENANT), instance_discovery=False,
        http_client=auth.session())


def jwt_claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def device_sign_in(auth: OAuthServer, app: msal.PublicClientApplication, user: str,
                   scopes: list[str] = USER_SCOPES) -> dict[str, object]:
    """msal's device flow with a person approving the code after msal's first poll."""
    flow = app.initiate_device_flow(scopes)
    assert "user_code" in flow, flow
    seen: list[str] = []

    def person() -> None:
        """Reads the code from the server, as a test driving the CLI in a subprocess would."""
        auth.wait_for("device_polls", 1)
        seen.append(auth.wait_for_device_code())
        auth.approve_device_code(seen[0], user)

    approver = threading.Thread(target=person)
    approver.start()
    result = app.acquire_token_by_device_flow(flow)
    approver.join()
    assert seen == [flow["user_code"]]
    return dict(result)


# --------------------------------------------------------------- Microsoft, app-only


def test_msal_client_secret_token_opens_exactly_the_granted_mailboxes(
        auth: OAuthServer, mail: DovecotServer) -> None:
    app = auth.register_app(tenant=TENANT, secret="s3cret-value")
    auth.grant_mailbox(app.client_id, FRONTDESK)
    result = confidential(auth, app.client_id, "s3cret-value").acquire_token_for_client(
        [MS_APP_SCOPE])
    token = result["access_token"]

    assert_imap_login(mail, FRONTDESK, token)
    assert_imap_refused(mail, BILLING, token)
    claims = jwt_claims(token)
    assert claims["roles"] == ["IMAP.AccessAsApp", "SMTP.SendAsApp"]
    assert claims["aud"] == "https://outlook.office365.com" and claims["idtyp"] == "app"

    tenant_id = auth.add_tenant(TENANT).id
    discovery = [r.path for r in auth.requests if r.method == "GET"]
    assert discovery == [f"/{TENANT}/v2.0/.well-known/openid-configuration"]
    (sent,) = auth.token_requests()
    assert sent.path == f"/{tenant_id}/oauth2/v2.0/token"
    assert sent.form == {"client_id": app.client_id, "grant_type": "client_credentials",
                         "client_info": "1", "client_secret": "s3cret-value",
                         "scope": MS_APP_SCOPE}
    assert sent.headers["x-client-sku"] == "MSAL.Python"
    dovecot_calls = [r for r in auth.requests if r.listener == "http"]
    assert {r.path for r in dovecot_calls} == {
        "/introspect/frontdesk@riverside-clinic.example",
        "/introspect/billing@riverside-clinic.example"}
    assert all(r.headers["X-Dovecot-Auth-Service"] == "imap" for r in dovecot_calls)
    assert auth.counts["introspections_active"] == 1


def test_msal_wrong_secret_gets_aadsts7000215(auth: OAuthServer) -> None:
    app = auth.register_app(tenant=TENANT, secret="right")
    result = confidential(auth, app.client_id, "wrong").acquire_token_for_client([MS_APP_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret")


def test_msal_unknown_tenant_fails_at_discovery(auth: OAuthServer) -> None:
    """Entra answers 400 AADSTS90002; msal raises ValueError without the server's text."""
    with pytest.raises(ValueError, match="Unable to get authority configuration for "
                                         r"https://127\.0\.0\.1:\d+/nowhere"):
        confidential(auth, "00000000-0000-0000-0000-000000000000", "x",
                     tenant="nowhere.onmicrosoft.com")
    answer = auth.session().get(f"{auth.base_url}/nowhere.onmicrosoft.com/v2.0/"
                                ".well-known/openid-configuration")
    assert answer.status_code == 400 and answer.json()["error_codes"] == [90002]


@pytest.mark.parametrize(("with_certificate", "alg", "header"),
                         [(True, "PS256", "x5t#S256"), (False, "RS256", "x5t")])
def test_msal_certificate_credential(auth: OAuthServer, with_certificate: bool, alg: str,
                                     header: str) -> None:
    cert = make_app_certificate()
    app = auth.register_app(tenant=TENANT, certificate=cert)
    result = confidential(auth, app.client_id, cert.msal_credential(
        with_certificate=with_certificate)).acquire_token_for_client([MS_APP_SCOPE])
    assert "access_token" in result, result
    assert jwt_claims(result["access_token"])["appidacr"] == "2"

    (sent,) = auth.token_requests("client_credentials")
    assert "client_secret" not in sent.form
    assert sent.form["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    assertion = sent.form["client_assertion"]
    head = jwt.get_unverified_header(assertion)
    assert head["alg"] == alg and header in head
    claims = jwt_claims(assertion)
    tenant_id = auth.add_tenant(TENANT).id
    assert claims["aud"] == f"{auth.base_url}/{tenant_id}/oauth2/v2.0/token"
    assert claims["iss"] == claims["sub"] == app.client_id
    assert int(claims["exp"]) - int(claims["iat"]) == 600  # type: ignore[call-overload]


def test_msal_certificate_not_registered_gets_aadsts700027(auth: OAuthServer) -> None:
    app = auth.register_app(tenant=TENANT, certificate=make_app_certificate())
    stranger = make_app_certificate("someone else")
    result = confidential(auth, app.client_id, stranger.msal_credential()
                          ).acquire_token_for_client([MS_APP_SCOPE])
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]


def test_app_without_admin_consent_gets_a_token_that_opens_nothing(
        auth: OAuthServer, mail: DovecotServer) -> None:
    """Entra issues app-only tokens even without consent; they simply carry no roles."""
    app = auth.register_app(tenant=TENANT, secret="s", admin_consent=False)
    auth.grant_mailbox(app.client_id, FRONTDESK)
    token = confidential(auth, app.client_id, "s").acquire_token_for_client(
        [MS_APP_SCOPE])["access_token"]
    assert "roles" not in jwt_claims(token)
    assert_imap_refused(mail, FRONTDESK, token)


def test_client_credentials_need_a_default_scope(auth: OAuthServer) -> None:
    app = auth.register_app(tenant=TENANT, secret="s")
    result = confidential(auth, app.client_id, "s").acquire_token_for_client([MS_IMAP_SCOPE])
    assert result["error"] == "invalid_scope" and result["error_codes"] == [1002012]


# --------------------------------------------------------------- Microsoft, delegated


def test_device_flow_then_silent_refresh_after_the_access_token_expired(
        auth: OAuthServer, mail: DovecotServer) -> None:
    auth.access_token_lifetime = 2
    registration = auth.register_app(tenant=TENANT)
    app = public(auth, registration.client_id)
    first = device_sign_in(auth, app, FRONTDESK)
    token = str(first["access_token"])
    assert first["id_token_claims"]["preferred_username"] == FRONTDESK  # type: ignore[index]
    assert_imap_login(mail, FRONTDESK, token, mechanism="OAUTHBEARER")
    assert_imap_refused(mail, BILLING, token)

    deadline = time.monotonic() + 60
    while auth.introspect(token)["active"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_imap_refused(mail, FRONTDESK, token)

    (account,) = app.get_accounts()
    assert account["username"] == FRONTDESK
    again = app.acquire_token_silent(USER_SCOPES, account=account)
    assert again is not None and again["access_token"] != token
    assert auth.counts["refreshes"] == 1
    assert_imap_login(mail, FRONTDESK, again["access_token"])

    (devicecode,) = [r for r in auth.requests if r.path.endswith("/devicecode")]
    assert devicecode.form["client_id"] == registration.client_id
    assert set(devicecode.form["scope"].split()) == {*USER_SCOPES, "offline_access", "openid",
                                                     "profile"}
    polls = auth.token_requests("urn:ietf:params:oauth:grant-type:device_code")
    assert len(polls) == 2 and polls[-1].form["client_info"] == "1"
    assert polls[-1].form["device_code"] == polls[-1].form["code"]  # msal sends both
    (refresh,) = auth.token_requests("refresh_token")
    assert set(refresh.form) == {"client_id", "grant_type", "refresh_token", "scope",
                                 "client_info"}
    assert set(refresh.form["scope"].split()) == {*USER_SCOPES, "offline_access", "openid",
                                                  "profile"}


@pytest.mark.parametrize(("deny", "error"), [(True, "authorization_declined"),
                                             (False, "expired_token")])
def test_device_flow_declined_or_expired(auth: OAuthServer, deny: bool, error: str) -> None:
    auth.device_code_lifetime = 900 if deny else 1
    registration = auth.register_app(tenant=TENANT)
    app = public(auth, registration.client_id)
    flow = app.initiate_device_flow(USER_SCOPES)
    flow["expires_at"] = time.time() + 30  # let the server, not msal's clock, end it
    if deny:
        auth.deny_device_code(flow["user_code"])
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == error


def test_missing_consent_gets_aadsts65001(auth: OAuthServer) -> None:
    registration = auth.register_app(tenant=TENANT, user_consent=False)
    result = device_sign_in(auth, public(auth, registration.client_id), FRONTDESK)
    assert result["error"] == "invalid_grant" and result["error_codes"] == [65001]
    assert result["suberror"] == "consent_required"


@pytest.mark.parametrize(("reason", "code"), [("revoked", 50173), ("expired", 700082)])
def test_dead_refresh_token_stops_silent_sign_in(auth: OAuthServer, reason: str,
                                                 code: int) -> None:
    auth.access_token_lifetime = 1
    registration = auth.register_app(tenant=TENANT)
    app = public(auth, registration.client_id)
    assert "access_token" in device_sign_in(auth, app, FRONTDESK)
    assert auth.revoke_refresh_tokens(user=FRONTDESK, reason=reason) == 1  # type: ignore[arg-type]
    (account,) = app.get_accounts()
    result = app.acquire_token_silent_with_error(USER_SCOPES, account=account)
    assert result is not None and result["error"] == "invalid_grant"
    assert result["error_codes"] == [code]
    assert app.acquire_token_silent(USER_SCOPES, account=account) is None


@pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")
def test_msal_authorization_code_with_pkce_and_loopback_redirect(auth: OAuthServer) -> None:
    registration = auth.register_app(tenant=TENANT, redirect_uris=["http://localhost"])
    app = public(auth, registration.client_id)
    auth.browser_user = BILLING
    flow = app.initiate_auth_code_flow(USER_SCOPES, redirect_uri="http://localhost:53117")
    browser = auth.session()
    answer = browser.get(flow["auth_uri"], allow_redirects=False)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert (location.hostname, location.port) == ("localhost", 53117)
    result = app.acquire_token_by_auth_code_flow(flow, dict(parse_qsl(location.query)))
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == BILLING

    (authorize,) = [r for r in auth.requests if r.path.endswith("/authorize")]
    assert authorize.query["code_challenge_method"] == "S256"
    assert {"client_id", "response_type", "redirect_uri", "scope", "state", "code_challenge",
            "nonce"} <= set(authorize.query)
    (redeem,) = auth.token_requests("authorization_code")
    assert {"code", "redirect_uri", "code_verifier", "client_id", "client_info"} <= set(
        redeem.form)
    replay = browser.post(auth.base_url + redeem.path, data=redeem.form)
    assert replay.json()["error_codes"] == [54005]


@pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")
def test_pkce_verifier_must_match(auth: OAuthServer) -> None:
    registration = auth.register_app(tenant=TENANT, redirect_uris=["http://localhost"])
    auth.browser_user = FRONTDESK
    app = public(auth, registration.client_id)
    flow = app.initiate_auth_code_flow(USER_SCOPES, redirect_uri="http://localhost:8400")
    browser = auth.session()
    location = browser.get(flow["auth_uri"], allow_redirects=False).headers["Location"]
    code = dict(parse_qsl(urlsplit(location).query))["code"]
    tenant_id = auth.add_tenant(TENANT).id
    answer = browser.post(f"{auth.base_url}/{tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "authorization_code", "client_id": registration.client_id,
        "code": code, "redirect_uri": "http://localhost:8400", "code_verifier": "x" * 50,
        "scope": " ".join(USER_SCOPES)})
    assert answer.status_code == 400 and answer.json()["error_codes"] == [501481]


# ------------------------------------------------------------------------------ Google


def test_google_service_account_impersonates_an_allowed_mailbox(
        auth: OAuthServer, mail: DovecotServer) -> None:
    account = auth.add_service_account(subjects=[FRONTDESK])
    creds = service_account.Credentials.from_service_account_info(
        account.info, scopes=[GOOGLE_MAIL_SCOPE], subject=FRONTDESK)
    creds.refresh(Request(auth.session()))
    assert creds.valid and creds.token.startswith("ya29.")
    assert_imap_login(mail, FRONTDESK, creds.token)
    assert_imap_refused(mail, BILLING, creds.token)

    (sent,) = auth.token_requests()
    assert sent.path == "/google/token"
    assert sent.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert set(sent.form) == {"grant_type", "assertion"}
    assert jwt.get_unverified_header(sent.form["assertion"])["kid"] == account.private_key_id
    claims = jwt_claims(sent.form["assertion"])
    assert claims["aud"] == "https://oauth2.googleapis.com/token"
    assert claims["iss"] == account.client_email
    assert claims["sub"] == FRONTDESK and claims["scope"] == GOOGLE_MAIL_SCOPE


def test_google_service_account_without_delegation_is_refused(auth: OAuthServer) -> None:
    account = auth.add_service_account(subjects=[FRONTDESK])
    creds = service_account.Credentials.from_service_account_info(
        account.info, scopes=[GOOGLE_MAIL_SCOPE], subject=BILLING)
    with pytest.raises(RefreshError, match="unauthorized_client: Client is unauthorized to "
                                           "retrieve access tokens using this method"):
        creds.refresh(Request(auth.session()))
    auth.allow_delegation(account, "@riverside-clinic.example")
    creds.refresh(Request(auth.session()))
    assert auth.check_access(creds.token, BILLING, "imap")


def test_google_installed_app_code_with_pkce_then_refresh(auth: OAuthServer) -> None:
    client = auth.register_app(provider="google", secret="GOCSPX-test",
                               redirect_uris=["http://127.0.0.1"])
    auth.browser_user = FRONTDESK
    verifier = base64.urlsafe_b64encode(b"v" * 48).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).rstrip(b"=").decode()
    browser = auth.session()
    answer = browser.get(auth.google_auth_uri, params={
        "client_id": client.client_id, "redirect_uri": "http://127.0.0.1:49152/",
        "response_type": "code", "scope": GOOGLE_MAIL_SCOPE, "state": "st",
        "code_challenge": challenge, "code_challenge_method": "S256",
        "access_type": "offline"}, allow_redirects=False)
    back = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert back["state"] == "st" and back["scope"] == GOOGLE_MAIL_SCOPE
    tokens = browser.post(auth.google_token_uri, data={
        "grant_type": "authorization_code", "code": back["code"], "code_verifier": verifier,
        "client_id": client.client_id, "client_secret": "GOCSPX-test",
        "redirect_uri": "http://127.0.0.1:49152/"}).json()
    assert auth.check_access(tokens["access_token"], FRONTDESK, "smtp")

    creds = google_credentials.Credentials(
        None, refresh_token=tokens["refresh_token"], token_uri=auth.google_token_uri,
        client_id=client.client_id, client_secret="GOCSPX-test")
    creds.refresh(Request(auth.session()))
    assert creds.token != tokens["access_token"]
    assert auth.check_access(creds.token, FRONTDESK, "imap")
    (refresh,) = auth.token_requests("refresh_token")
    assert set(refresh.form) == {"grant_type", "client_id", "client_secret", "refresh_token"}

    auth.revoke_refresh_tokens(user=FRONTDESK)
    with pytest.raises(RefreshError, match="invalid_grant: Token has been expired or revoked"):
        creds.refresh(Request(auth.session()))


# ----------------------------------------------------------------------------- generic


def test_generic_provider_with_authlib_and_rfc8628(auth: OAuthServer) -> None:
    from authlib.integrations.requests_client import OAuth2Session

    service = auth.register_app(provider="generic", secret="gen-secret")
    auth.grant_mailbox(service.client_id, FRONTDESK)
    client = OAuth2Session(service.client_id, "gen-secret", scope="mail")
    client.verify = str(auth.ca_file)
    client.trust_env = False
    token = client.fetch_token(auth.token_url, grant_type="client_credentials")
    assert auth.check_access(token["access_token"], FRONTDESK, "imap")
    assert not auth.check_access(token["access_token"], BILLING, "imap")
    assert auth.token_requests()[0].headers["Authorization"].startswith("Basic ")

    device = auth.register_app(provider="generic", confidential=False)
    session = auth.session()
    started = session.post(auth.device_authorization_url,
                           data={"client_id": device.client_id, "scope": "mail"}).json()
    assert {"device_code", "user_code", "verification_uri", "verification_uri_complete",
            "expires_in", "interval"} <= set(started)
    poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": started["device_code"], "client_id": device.client_id}
    assert session.post(auth.token_url, data=poll).json()["error"] == "authorization_pending"
    auth.approve_device_code(started["user_code"], BILLING)
    issued = session.post(auth.token_url, data=poll).json()
    answer = session.post(auth.introspection_url, data={"token": issued["access_token"]}).json()
    assert answer["active"] is True and answer["username"] == BILLING
    public_client = OAuth2Session(device.client_id, token_endpoint_auth_method="none")
    public_client.verify = str(auth.ca_file)
    public_client.trust_env = False
    refreshed = public_client.refresh_token(auth.token_url,
                                            refresh_token=issued["refresh_token"])
    assert auth.check_access(refreshed["access_token"], BILLING, "imap")
    assert auth.counts["refreshes"] == 1


# ------------------------------------------------------------------ lifecycle, faults


def test_expire_access_tokens_now(auth: OAuthServer, mail: DovecotServer) -> None:
    app = auth.register_app(tenant=TENANT, secret="s")
    auth.grant_mailbox(app.client_id, FRONTDESK, BILLING)
    token = confidential(auth, app.client_id, "s").acquire_token_for_client(
        [MS_APP_SCOPE])["access_token"]
    assert_imap_login(mail, BILLING, token)
    assert auth.expire_access_tokens(client_id=app.client_id) == 1
    assert_imap_refused(mail, BILLING, token)
    assert auth.wait_for("introspections", 2)


def test_token_endpoint_answering_html_200(auth: OAuthServer) -> None:
    """msal raises JSONDecodeError (a ValueError) instead of returning an error dict."""
    app = auth.register_app(tenant=TENANT, secret="s")
    client = confidential(auth, app.client_id, "s")
    auth.fail("token", "html200")
    with pytest.raises(ValueError):
        client.acquire_token_for_client([MS_APP_SCOPE])
    assert "access_token" in client.acquire_token_for_client([MS_APP_SCOPE])
    assert auth.counts["token_requests"] == 2


def test_token_endpoint_answering_html_500_is_replayed_by_msal(auth: OAuthServer) -> None:
    """msal raises MsalServiceError("HTTP Error: 500"), and its throttling cache replays a
    429/5xx answer for the same client and scope (Retry-After, default 5 s for confidential
    and 60 s for public clients) without asking the server again. A fresh application
    object has a fresh cache."""
    app = auth.register_app(tenant=TENANT, secret="s")
    client = confidential(auth, app.client_id, "s")
    auth.fail("token", "html500")
    for _ in range(2):
        with pytest.raises(msal.exceptions.MsalServiceError, match="HTTP Error: 500"):
            client.acquire_token_for_client([MS_APP_SCOPE])
    assert auth.counts["token_requests"] == 1
    fresh = confidential(auth, app.client_id, "s")
    assert "access_token" in fresh.acquire_token_for_client([MS_APP_SCOPE])


def test_hanging_token_endpoint_times_the_client_out_and_still_stops(
        auth: OAuthServer) -> None:
    auth.fail("token", "hang", times=None)
    with pytest.raises(requests.Timeout):
        auth.session().post(auth.token_url, data={"grant_type": "client_credentials"},
                            timeout=0.3)
    outcome: list[BaseException | None] = []

    def patient_client() -> None:
        try:
            auth.session().post(auth.token_url, data={}, timeout=60)
            outcome.append(None)
        except requests.RequestException as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=patient_client)
    waiting.start()
    assert auth.wait_for("faults", 2)
    started = time.monotonic()
    auth.stop()
    waiting.join(timeout=30)
    assert time.monotonic() - started < 20  # not the client's 60 s timeout
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)


# ------------------------------------------------------------------------------ Dovecot


def test_password_logins_still_work_beside_oauth2(mail: DovecotServer) -> None:
    client = mail.imap_client(user=FRONTDESK)
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert b"AUTH=XOAUTH2" in imap(mail).capabilities()


def test_exchange_like_capabilities_only_change_the_advertisement() -> None:
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed")
    with DovecotServer(imap_capability=EXCHANGE_ONLINE_CAPABILITY) as server:
        server.deliver(b"Subject: hello\r\n\r\nbody\r\n")
        client = server.imap_client()
        advertised = set(client.capabilities())
        for gone in (b"CONDSTORE", b"QRESYNC", b"ENABLE", b"ESEARCH", b"SPECIAL-USE"):
            assert gone not in advertised
        assert {b"IDLE", b"MOVE", b"UIDPLUS"} <= advertised
        typ, _data = client._imap._simple_command("ENABLE", "CONDSTORE")
        assert typ == "OK"
        client.select_folder("INBOX")
        fetched = client.fetch([1], ["FLAGS"], modifiers=["CHANGEDSINCE 0"])
        assert b"MODSEQ" in fetched[1]


# --------------------------------------------------------------------------------- SMTP


def smtp_for(sink: SmtpSink) -> smtplib.SMTP_SSL:
    context = ssl.create_default_context(cafile=str(sink.ca_file))
    return smtplib.SMTP_SSL("127.0.0.1", sink.port, context=context, timeout=10)


def test_smtp_sink_xoauth2_and_oauthbearer(auth: OAuthServer, tmp_path: Path) -> None:
    app = auth.register_app(tenant=TENANT, secret="s")
    auth.grant_mailbox(app.client_id, FRONTDESK)
    token = confidential(auth, app.client_id, "s").acquire_token_for_client(
        [MS_APP_SCOPE])["access_token"]
    with SmtpSink(tmp_path, user=FRONTDESK, oauth=auth, basic_auth=False) as sink:
        with smtp_for(sink) as smtp:
            smtp.ehlo()
            assert {"XOAUTH2", "OAUTHBEARER"} <= set(smtp.esmtp_features["auth"].split())
            code, _ = smtp.auth("XOAUTH2", lambda _challenge=None: sasl_xoauth2(FRONTDESK, token))
            assert code == 235
            smtp.sendmail(FRONTDESK, ["patient@example.org"], b"Subject: hi\r\n\r\nhello\r\n")
        assert sink.messages[0].login == FRONTDESK

        with smtp_for(sink) as smtp:
            smtp.ehlo()
            code, _ = smtp.auth("OAUTHBEARER", lambda _c=None: sasl_oauthbearer(
                FRONTDESK, token, "127.0.0.1", sink.port))
            assert code == 235

        for user, bad in ((BILLING, token), (FRONTDESK, "not-a-token")):
            with smtp_for(sink) as smtp, pytest.raises(smtplib.SMTPAuthenticationError) as err:
                smtp.ehlo()
                smtp.auth("XOAUTH2", lambda _c=None, u=user, t=bad: sasl_xoauth2(u, t))
            assert (err.value.smtp_code, err.value.smtp_error.decode()) == (
                535, OAUTH_REFUSED[4:])

        with smtp_for(sink) as smtp, pytest.raises(smtplib.SMTPAuthenticationError) as err:
            smtp.login(FRONTDESK, sink.password)
        assert (err.value.smtp_code, err.value.smtp_error.decode()) == (550, BASIC_REFUSED[4:])


def test_smtp_needs_the_smtp_permission(auth: OAuthServer, tmp_path: Path) -> None:
    """A delegated token with only IMAP.AccessAsUser.All cannot send, as in Exchange."""
    registration = auth.register_app(tenant=TENANT)
    result = device_sign_in(auth, public(auth, registration.client_id), FRONTDESK,
                            scopes=[MS_IMAP_SCOPE])
    token = str(result["access_token"])
    assert auth.check_access(token, FRONTDESK, "imap")
    with SmtpSink(tmp_path, user=FRONTDESK, oauth=auth) as sink, smtp_for(sink) as smtp:
        smtp.ehlo()
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.auth("XOAUTH2", lambda _c=None: sasl_xoauth2(FRONTDESK, token))
        assert sink.auth_failures == 1


def test_introspection_answers_rfc7662(auth: OAuthServer) -> None:
    app = auth.register_app(provider="generic", secret="s")
    session = auth.session()
    issued = session.post(auth.token_url, data={"grant_type": "client_credentials",
                                                "client_id": app.client_id,
                                                "client_secret": "s"}).json()
    live = session.post(auth.introspection_url, data={"token": issued["access_token"]}).json()
    assert live["active"] is True and live["client_id"] == app.client_id
    assert json.loads(session.post(auth.introspection_url, data={"token": "nope"}).text) == {
        "active": False}
    plain = requests.Session()
    plain.trust_env = False
    over_http = plain.post(f"http://127.0.0.1:{auth.http_port}/introspect",
                           data={"token": issued["access_token"]}).json()
    assert over_http["active"] is True
    assert plain.post(f"http://127.0.0.1:{auth.http_port}/token", data={}).status_code == 404
