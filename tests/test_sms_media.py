"""MMS pictures: downloaded from the local provider on demand, never with our credentials
sent to another origin, capped in size, retried when the provider stumbles, and audited."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.smsprovider import SmsProvider, media_bytes, write_sms_config

from cxinbox.api.interface import InProcessAPI
from cxinbox.channels import sms as sms_channel
from cxinbox.channels.sms import (
    MAX_MEDIA_BYTES,
    SmsAuthError,
    SmsClient,
    SmsNotFound,
    SmsRejected,
    SmsServerError,
)
from cxinbox.config import Config, SmsConfig, SmsNumber, load_config
from cxinbox.contract.errors import BadRequest, NotFound, ServerUnavailable
from cxinbox.service import sms_media
from cxinbox.service.inbox import InboxService
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.db import Database

CLINIC = "+15550100100"
PATIENT = "+15557654321"


# -- the channel against the provider -----------------------------------------------------------


@pytest.fixture
def provider() -> Iterator[SmsProvider]:
    with SmsProvider(numbers=[CLINIC]) as p:
        yield p


def make_client(provider: SmsProvider, token: str | None = None) -> SmsClient:
    cfg = SmsConfig(base_url=provider.base_url, account_sid=provider.account_sid,
                    verify_tls=False, numbers=(SmsNumber(number=CLINIC),))
    sleeps: list[float] = []
    client = SmsClient(cfg, provider.token if token is None else token, sleep=sleeps.append)
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def basic(provider: SmsProvider) -> str:
    return "Basic " + base64.b64encode(f"{provider.account_sid}:{provider.token}".encode()).decode()


def mms(provider: SmsProvider, *types: str) -> tuple[str, list[str]]:
    sid = provider.inject_inbound(PATIENT, CLINIC, "my insurance card", media=types)
    return sid, provider.media_sids(sid)


def test_bytes_come_back_exactly_and_credentials_stay_home(provider: SmsProvider) -> None:
    sid, media = mms(provider, "image/jpeg", "image/png", "application/pdf")
    with make_client(provider) as client:
        got = [client.media_content(sid, me) for me in media]
    assert [g[0] for g in got] == ["image/jpeg", "image/png", "application/pdf"]
    for (_ctype, data), me, ctype in zip(got, media, ["image/jpeg", "image/png",
                                                     "application/pdf"], strict=True):
        assert data == media_bytes(me, ctype) and len(data) >= 1000
    assert got[0][1].startswith(b"\xff\xd8\xff") and got[1][1].startswith(b"\x89PNG")
    # The provider answered each authenticated request with a redirect to another origin.
    assert provider.media_base_url != provider.base_url
    api = [r for r in provider.media_requests if r.server == "api"]
    host = [r for r in provider.media_requests if r.server == "media"]
    assert len(api) == len(host) == 3
    assert all(r.authorization == basic(provider) for r in api)  # the API did get them
    assert all(r.authorization is None for r in host)  # the media host never did


def test_httpx_alone_also_drops_authorization_across_origins(provider: SmsProvider) -> None:
    """The library's own redirect handling agrees (a guard should the client ever rely on
    it): httpx strips Authorization when a redirect leaves the origin."""
    sid, (me,) = mms(provider, "image/jpeg")
    with httpx.Client(base_url=provider.base_url, follow_redirects=True,
                      auth=httpx.BasicAuth(provider.account_sid, provider.token)) as http:
        response = http.get(f"/2010-04-01/Accounts/{provider.account_sid}/Messages/{sid}"
                            f"/Media/{me}")
    assert response.status_code == 200 and response.content == provider.content_of(me)
    assert [r.authorization is None for r in provider.media_requests] == [False, True]


@pytest.mark.parametrize("mode", ["same", "none"])
def test_same_origin_link_or_direct_answer(provider: SmsProvider, mode: str) -> None:
    provider.media_redirect = mode
    sid, (me,) = mms(provider, "image/gif")
    with make_client(provider) as client:
        ctype, data = client.media_content(sid, me)
    assert (ctype, data) == ("image/gif", provider.content_of(me))
    assert all(r.server == "api" and r.authorization == basic(provider)
               for r in provider.media_requests)
    assert len(provider.media_requests) == (2 if mode == "same" else 1)


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_oversize_is_refused_at_the_default_cap(provider: SmsProvider, chunked: bool) -> None:
    provider.media_chunked = chunked
    sid, (me,) = mms(provider, "image/jpeg")
    provider.set_media(me, size=MAX_MEDIA_BYTES + 1)
    with make_client(provider) as client, pytest.raises(SmsRejected) as err:
        client.media_content(sid, me)
    line = str(err.value)
    assert "over the 10.0 MB limit" in line and "not downloaded" in line and "\n" not in line
    # A declared length is refused before the body is read; without one, while counting.
    assert ("picture is 10.0 MB, over" in line) == (not chunked)
    assert client.sleeps == []  # type: ignore[attr-defined]  # a refusal: not retried
    # Exactly at the cap is fine.
    provider.set_media(me, size=MAX_MEDIA_BYTES)
    with make_client(provider) as client:
        assert len(client.media_content(sid, me)[1]) == MAX_MEDIA_BYTES


def test_a_smaller_cap_applies_to_a_body_without_length(provider: SmsProvider) -> None:
    provider.media_chunked = True
    sid, (me,) = mms(provider, "image/jpeg")
    provider.set_media(me, size=300_000)
    with make_client(provider) as client:
        with pytest.raises(SmsRejected, match="over the 0.1 MB limit"):
            client.media_content(sid, me, max_bytes=100_000)
        assert len(client.media_content(sid, me, max_bytes=300_000)[1]) == 300_000


@pytest.mark.parametrize(("where", "kind"), [("api", "500"), ("api", "429"), ("api", "drop"),
                                             ("media", "500"), ("media", "drop")])
def test_transient_failures_are_retried(provider: SmsProvider, where: str, kind: str) -> None:
    sid, (me,) = mms(provider, "image/jpeg")
    if where == "api":
        provider.fail_next(2, kind, retry_after=0)
    else:
        provider.fail_media_next(2, kind)
    with make_client(provider) as client:
        assert client.media_content(sid, me)[1] == provider.content_of(me)
        assert len(client.sleeps) == 2  # type: ignore[attr-defined]
    # Each retry starts again at the API address: a fresh short-lived link every time.
    api = [r for r in provider.media_requests if r.server == "api"]
    assert len(api) == (1 if where == "api" else 3)


def test_retries_give_up_with_one_line(provider: SmsProvider) -> None:
    sid, (me,) = mms(provider, "image/jpeg")
    provider.fail_media_next(10, "500")
    with make_client(provider) as client, pytest.raises(SmsServerError) as err:
        client.media_content(sid, me)
    assert str(err.value) == "sms media download: the media host answered HTTP 500"
    assert len(client.sleeps) == client.retries  # type: ignore[attr-defined]


def test_missing_media_is_not_found(provider: SmsProvider) -> None:
    sid, (me, other) = mms(provider, "image/jpeg", "image/jpeg")
    provider.delete_media(other)
    with make_client(provider) as client:
        with pytest.raises(SmsNotFound, match="HTTP 404"):
            client.media_content(sid, other)
        with pytest.raises(SmsNotFound):
            client.media_content(sid, "ME" + "0" * 32)
        with pytest.raises(SmsNotFound):  # a media sid under another message
            client.media_content(provider.inject_inbound(PATIENT, CLINIC, "x"), me)
        provider.fail_media_next(1, "404")  # the link itself gone
        with pytest.raises(SmsNotFound, match="media host answered HTTP 404"):
            client.media_content(sid, me)
        assert client.sleeps == []  # type: ignore[attr-defined]
        assert client.media_content(sid, me)[1] == provider.content_of(me)


def test_expired_link_is_refused_cleanly(provider: SmsProvider) -> None:
    provider.media_link_s = -1  # every link is already expired when followed
    sid, (me,) = mms(provider, "image/jpeg")
    with make_client(provider) as client, pytest.raises(SmsNotFound, match="picture is gone"):
        client.media_content(sid, me)


def test_wrong_token_is_an_auth_error_and_nothing_reaches_the_media_host(
        provider: SmsProvider) -> None:
    sid, (me,) = mms(provider, "image/jpeg")
    with make_client(provider, token="not-the-token") as client, \
            pytest.raises(SmsAuthError) as err:
        client.media_content(sid, me)
    assert "HTTP 401" in str(err.value) and "not-the-token" not in str(err.value)
    assert [path.rsplit("/", 1)[-1] for _m, path, _q in provider.requests] == [me]
    assert provider.media_requests == []  # refused at the API, no link handed out


def test_bad_sids_are_refused_before_any_request(provider: SmsProvider) -> None:
    with make_client(provider) as client:
        for message_sid, media_sid in [("../../x", "ME1"), ("MM1", "ME1/../../Messages"),
                                       ("MM1", ""), ("MM1", "ME1?x=1")]:
            with pytest.raises(SmsRejected):
                client.media_content(message_sid, media_sid)
    assert provider.requests == []


def _redirect(url: str, location: str) -> tuple[httpx.URL, httpx.Response]:
    return httpx.URL(url), httpx.Response(302, headers={"Location": location})


def test_redirect_rules_downgrade_and_odd_schemes() -> None:
    base = "https://api.example.test/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    with pytest.raises(SmsRejected, match="https to plain http"):
        sms_channel._next_hop(*_redirect(base, "http://cdn.example.test/a"))
    with pytest.raises(SmsRejected, match="not http"):
        sms_channel._next_hop(*_redirect(base, "file:///etc/passwd"))
    assert str(sms_channel._next_hop(*_redirect(base, "/media/abc"))) == \
        "https://api.example.test/media/abc"
    assert sms_channel._origin(httpx.URL("https://a.test/x")) == \
        sms_channel._origin(httpx.URL("https://a.test:443/y"))
    assert sms_channel._origin(httpx.URL("http://a.test:8080/")) != \
        sms_channel._origin(httpx.URL("http://a.test:8081/"))


@pytest.mark.parametrize("where", ["http://127.0.0.2:{port}", "http://[::1]:{port}",
                                   "http://169.254.169.254", "http://10.20.30.40:{port}",
                                   "http://192.168.1.10", "http://100.64.0.1"])
def test_a_redirect_into_private_space_is_refused(provider: SmsProvider, where: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: the media fetch followed the provider's redirect anywhere, so a provider
    (or whoever answers as it) could make the server fetch from the clinic's own network,
    the loopback or the cloud metadata address. Only public addresses, or the API host's
    own, are fetched from; the refusal is one line and nothing is requested there."""
    port = httpx.URL(provider.media_base_url).port
    monkeypatch.setattr(SmsProvider, "media_base_url", property(lambda _: where.format(
        port=port)))
    sid, (me,) = mms(provider, "image/jpeg")
    with make_client(provider) as client, \
            pytest.raises(SmsRejected, match="private, loopback or link-local address"):
        client.media_content(sid, me)
    assert [r.server for r in provider.media_requests] == ["api"]  # asked once, not retried


def test_a_redirect_goes_to_the_address_that_was_checked(
        provider: SmsProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name is resolved once and the hop made to that address: a resolver that answers
    differently the second time (DNS rebinding) is never asked again."""
    port = httpx.URL(provider.media_base_url).port
    monkeypatch.setattr(SmsProvider, "media_base_url",
                        property(lambda _: f"http://media.cdn.test:{port}"))
    real = socket.getaddrinfo
    answers: list[str] = []

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "media.cdn.test":
            return real(host, *args, **kwargs)
        answers.append(host)
        # First the API host's own address (allowed), then somewhere it must not go.
        return real("127.0.0.1" if len(answers) == 1 else "127.0.0.2", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    sid, (me,) = mms(provider, "image/png")
    with make_client(provider) as client:
        ctype, data = client.media_content(sid, me)
    assert (ctype, data) == ("image/png", provider.content_of(me))
    assert answers == ["media.cdn.test"]
    assert [r.server for r in provider.media_requests] == ["api", "media"]


def test_which_addresses_count_as_public() -> None:
    for address in ("10.1.2.3", "172.16.0.1", "192.168.0.9", "127.0.0.1", "169.254.169.254",
                    "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1",
                    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not an address"):
        assert not sms_channel._public(address), address
    for address in ("8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"):
        assert sms_channel._public(address), address


# -- the service, with MMS polled by the real SMS poller ---------------------------------------


@dataclass
class Env:
    provider: SmsProvider
    config: Config
    db: Database
    poller: SmsPoller
    tmp: Path

    def inbox(self, config: Config | None = None) -> InboxService:
        return InboxService(self.db, config or self.config, "maria")

    def events(self, action: str) -> list[tuple[str, str, dict[str, object]]]:
        return [(r[0], r[1], json.loads(r[2])) for r in self.db.conn.execute(
            "SELECT actor, target, details FROM events WHERE action = ? ORDER BY seq",
            (action,))]

    def poll_mms(self, *types: str, body: str = "photo of my rash") -> tuple[int, int, list[str]]:
        """An MMS from the patient, polled in: (conversation, message pk, media part paths)."""
        self.provider.inject_inbound(PATIENT, CLINIC, body, media=types)
        assert self.poller.poll_once().new == 1
        conv = int(self.db.conn.execute(
            "SELECT id FROM conversations WHERE channel = 'sms' AND from_addr = ?",
            (PATIENT,)).fetchone()[0])
        message = self.inbox().get_conversation(conv, record_view=False).messages[-1]
        return conv, message.id, [a.part_path for a in message.attachments]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    # The service builds its own client; keep its retry back-off out of the test's time.
    monkeypatch.setattr(sms_media, "_default_client",
                        lambda c, t: SmsClient(c, t, sleep=lambda s: None))
    with SmsProvider(numbers=[CLINIC]) as provider:
        config = load_config(write_sms_config(tmp_path, provider, [CLINIC]))
        db = Database(config.db_path)
        poller = SmsPoller(db, config)
        yield Env(provider, config, db, poller, tmp_path)
        poller.close()
        db.close()


def test_mms_picture_end_to_end_through_the_service(env: Env) -> None:
    conv, pk, parts = env.poll_mms("image/jpeg", "image/png")
    assert len(parts) == 2 and all(p.startswith("ME") for p in parts)
    assert env.provider.media_requests == []  # polling lists media, never downloads them
    filename, ctype, data = env.inbox().attachment(pk, parts[1])
    assert data == media_bytes(parts[1], "image/png")
    assert (filename, ctype) == (f"{parts[1]}.png", "image/png")
    assert [r.authorization is None for r in env.provider.media_requests] == [False, True]
    assert env.events("attachment.export") == [
        ("maria", f"conversation:{conv}", {"message": pk, "part": parts[1], "bytes": len(data)})]
    # Patient data is not kept: no stored row holds the picture's bytes.
    probe = data[100:164]
    for table, column in [("raw_messages", "data"), ("messages", "body_text"),
                          ("messages", "attachments")]:
        hits = env.db.conn.execute(f"SELECT count(*) FROM {table} WHERE instr({column}, ?) > 0",
                                   (probe,)).fetchone()[0]
        assert hits == 0, table
    # Fetched again each time, and audited each time.
    assert env.inbox().attachment(pk, parts[0])[2] == media_bytes(parts[0], "image/jpeg")
    assert len(env.events("attachment.export")) == 2


def test_through_the_in_process_api(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    api = InProcessAPI(env.inbox())
    filename, _ctype, data = asyncio.run(api.attachment(pk, part))
    assert filename.endswith(".jpg") and data == env.provider.content_of(part)


def test_provider_trouble_is_retried_then_one_line(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    env.provider.fail_next(1, "500")
    env.provider.fail_media_next(1, "500")
    assert env.inbox().attachment(pk, part)[2] == env.provider.content_of(part)
    env.provider.fail_media_next(10, "500")
    with pytest.raises(ServerUnavailable) as err:
        env.inbox().attachment(pk, part)
    assert "HTTP 500" in str(err.value) and "try again later" in str(err.value)
    assert "\n" not in str(err.value)
    assert len(env.events("attachment.export")) == 1  # the failure exported nothing


def test_provider_down_is_server_unavailable(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    env.provider.stop()
    with pytest.raises(ServerUnavailable, match="sms media download: cannot connect"):
        env.inbox().attachment(pk, part)
    assert env.events("attachment.export") == []


def test_gone_picture_is_not_found(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    env.provider.delete_media(part)
    with pytest.raises(NotFound, match="no longer has this picture"):
        env.inbox().attachment(pk, part)
    assert env.events("attachment.export") == []


def test_only_media_listed_on_that_message_can_be_fetched(env: Env) -> None:
    _conv, first, (part,) = env.poll_mms("image/jpeg", body="card front")
    _conv, second, _ = env.poll_mms("image/jpeg", body="card back")
    with pytest.raises(NotFound, match="has no part"):
        env.inbox().attachment(second, part)  # a real media sid, but not this message's
    with pytest.raises(NotFound):
        env.inbox().attachment(first, "ME" + "0" * 32)
    with pytest.raises(NotFound, match="no message"):
        env.inbox().attachment(999_999, part)
    assert env.provider.media_requests == []


def test_oversize_picture_is_a_bad_request(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    env.provider.set_media(part, size=MAX_MEDIA_BYTES + 1)
    with pytest.raises(BadRequest, match="over the 10.0 MB limit"):
        env.inbox().attachment(pk, part)
    assert env.events("attachment.export") == []


def test_sms_not_configured_is_a_bad_request(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    bare = dataclasses.replace(env.config, sms=SmsConfig())  # same store, no [sms] any more
    with pytest.raises(BadRequest, match="SMS is not configured"):
        env.inbox(bare).attachment(pk, part)
    assert env.provider.media_requests == []


def test_wrong_token_is_server_unavailable_without_the_token(env: Env) -> None:
    _conv, pk, (part,) = env.poll_mms("image/jpeg")
    (env.tmp / "sms.token").write_text("a-wrong-token\n")
    with pytest.raises(ServerUnavailable) as err:
        env.inbox().attachment(pk, part)
    assert "HTTP 401" in str(err.value) and "auth token" in str(err.value)
    assert "a-wrong-token" not in str(err.value)
    (env.tmp / "sms.token").unlink()
    with pytest.raises(ServerUnavailable, match="sms: account"):
        env.inbox().attachment(pk, part)  # no credential at all: one line too


def test_email_attachments_still_come_from_the_raw_message(env: Env) -> None:
    """The mail path is untouched: a non-SMS message never asks the SMS provider."""
    from tests.test_tui_support import ingest_raw

    raw = (b"From: Ann <ann@example.org>\r\nTo: desk@clinic.test\r\nSubject: referral\r\n"
           b"Message-ID: <r1@example.org>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
           b"Content-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\n"
           b"Content-Type: application/pdf; name=ref.pdf\r\n"
           b"Content-Disposition: attachment; filename=ref.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n")
    ingest_raw(env.db, raw)
    row = env.db.conn.execute("SELECT id, attachments FROM messages WHERE channel = 'email'"
                              ).fetchone()
    part = json.loads(row[1])[0]["part_path"]
    assert env.inbox().attachment(int(row[0]), part) == ("ref.pdf", "application/pdf",
                                                          b"%PDF-1.4\n")
    assert env.provider.media_requests == [] and env.provider.requests == []


# -- the TUI: `w` on an MMS message saves the picture ----------------------------------------


async def test_tui_w_saves_an_mms_picture(env: Env) -> None:
    from tests.test_tui_support import wait_for, wait_rows
    from textual.widgets import Input

    from cxinbox.tui.app import CxInboxApp
    from cxinbox.tui.screens.choice import ChoiceScreen
    from cxinbox.tui.screens.prompt import PromptScreen

    _conv, _pk, (part,) = env.poll_mms("image/jpeg")
    target = env.tmp / "saved"
    target.mkdir()
    app = CxInboxApp(InProcessAPI(env.inbox()), env.config, calm=True, idle_lock_s=0,
                     poll_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None, what="thread open")
        await pilot.press("w")
        if isinstance(app.screen, ChoiceScreen):
            await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(target.iterdir()), what="picture saved")
    saved = next(target.iterdir())
    assert saved.name == f"{part}.jpg" and saved.read_bytes() == env.provider.content_of(part)
    assert (saved.stat().st_mode & 0o777) == 0o600
    assert [e[0] for e in env.events("attachment.export")] == ["maria"]
