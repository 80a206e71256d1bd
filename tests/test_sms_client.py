"""The SMS REST client against the local provider that speaks the documented API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.smsprovider import SmsProvider

from cxinbox.channels.sms import (
    SmsAuthError,
    SmsClient,
    SmsRateLimited,
    SmsRejected,
    SmsServerError,
)
from cxinbox.config import SmsConfig, SmsNumber

CLINIC = "+15550100100"
PATIENT = "+15557654321"


@pytest.fixture
def provider() -> Iterator[SmsProvider]:
    with SmsProvider(numbers=[CLINIC]) as p:
        yield p


def make_client(provider: SmsProvider, token: str | None = None, **kw: object) -> SmsClient:
    cfg = SmsConfig(base_url=provider.base_url, account_sid=provider.account_sid,
                    verify_tls=False, numbers=(SmsNumber(number=CLINIC),))
    sleeps: list[float] = []
    client = SmsClient(cfg, provider.token if token is None else token,
                       sleep=sleeps.append, **kw)  # type: ignore[arg-type]
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def list_requests(provider: SmsProvider) -> list[dict[str, list[str]]]:
    return [q for method, path, q in provider.requests
            if method == "GET" and path.endswith("/Messages.json")]


def test_paging_follows_next_page_uri_across_pages(provider: SmsProvider) -> None:
    base = datetime.now(UTC) - timedelta(hours=2)
    sids = [provider.inject_inbound(f"+1555700{i:04d}", CLINIC, f"text {i}",
                                    at=base + timedelta(seconds=i)) for i in range(23)]
    with make_client(provider, page_size=7) as client:
        got = list(client.list_messages(base - timedelta(minutes=1), to=CLINIC))
    assert [m.sid for m in got] == list(reversed(sids))  # newest first, each exactly once
    requests = list_requests(provider)
    assert len(requests) == 4  # 7 + 7 + 7 + 2
    assert requests[0]["DateSent>"] == [base.strftime("%Y-%m-%d")]
    assert all(q.get("To") == [CLINIC] for q in requests)
    assert all("PageToken" in q for q in requests[1:])
    assert got[0].body == "text 22" and got[0].inbound and got[0].status == "received"
    assert got[0].date_sent == (base + timedelta(seconds=22)).replace(microsecond=0)


def test_rows_arriving_while_paging_do_not_shift_pages(provider: SmsProvider) -> None:
    base = datetime.now(UTC) - timedelta(hours=1)
    older = [provider.inject_inbound(PATIENT, CLINIC, f"m{i}", at=base + timedelta(seconds=i))
             for i in range(10)]
    with make_client(provider, page_size=4) as client:
        it = client.list_messages(base, to=CLINIC)
        first = [next(it) for _ in range(4)]
        provider.inject_inbound(PATIENT, CLINIC, "newest", at=base + timedelta(minutes=5))
        rest = list(it)
    assert {m.sid for m in first + rest} == set(older)
    assert len(first + rest) == 10


def test_date_filter_is_day_granular_and_excludes_older_days(provider: SmsProvider) -> None:
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    old = provider.inject_inbound(PATIENT, CLINIC, "two days ago", at=today - timedelta(days=2))
    early = provider.inject_inbound(PATIENT, CLINIC, "this morning",
                                    at=today.replace(hour=0, minute=0, second=5))
    with make_client(provider) as client:
        sids = {m.sid for m in client.list_messages(today, to=CLINIC)}
    assert early in sids and old not in sids


def test_wrong_token_is_a_clear_auth_error_without_the_token(provider: SmsProvider) -> None:
    provider.inject_inbound(PATIENT, CLINIC, "hello")
    secret = "not-the-token-0123456789"
    with make_client(provider, token=secret) as client, pytest.raises(SmsAuthError) as info:
        list(client.list_messages(datetime.now(UTC), to=CLINIC))
    text = str(info.value)
    assert "401" in text and "auth token" in text
    assert secret not in text and provider.account_sid not in text and "\n" not in text


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
def test_transient_failures_are_retried(provider: SmsProvider, kind: str) -> None:
    base = datetime.now(UTC) - timedelta(minutes=30)
    sids = {provider.inject_inbound(PATIENT, CLINIC, f"t{i}", at=base + timedelta(seconds=i))
            for i in range(12)}
    provider.fail_next(2, kind, retry_after=3)
    with make_client(provider, page_size=5) as client:
        got = [m.sid for m in client.list_messages(base, to=CLINIC)]
        sleeps = client.sleeps  # type: ignore[attr-defined]
    assert sorted(got) == sorted(sids) and len(got) == 12
    assert len(sleeps) == 2
    if kind == "429":
        assert sleeps == [3.0, 3.0]  # Retry-After honoured


def test_retries_give_up_with_typed_errors(provider: SmsProvider) -> None:
    provider.fail_next(10, "500")
    with make_client(provider, retries=2) as client, pytest.raises(SmsServerError) as info:
        client.fetch("SM0123")
    assert "HTTP 500" in str(info.value) and "20500" in str(info.value)
    provider._faults.clear()
    provider.fail_next(1, "429", retry_after=120)  # longer than a request should wait
    with make_client(provider) as client, pytest.raises(SmsRateLimited) as rate:
        client.fetch("SM0123")
    assert rate.value.retry_after == 120


def test_media_are_listed_not_downloaded(provider: SmsProvider) -> None:
    sid = provider.inject_inbound(PATIENT, CLINIC, "my rash", media=["image/jpeg", "image/png"])
    with make_client(provider) as client:
        msg = client.fetch(sid)
        media = client.media(sid)
    assert msg.num_media == 2 and msg.media_uri.endswith(f"/Messages/{sid}/Media.json")
    assert [m.content_type for m in media] == ["image/jpeg", "image/png"]
    assert media[0].filename == f"{media[0].sid}.jpg" and media[1].filename.endswith(".png")
    assert all(m.uri.startswith(f"/2010-04-01/Accounts/{provider.account_sid}/") for m in media)


def test_send_fetch_and_status_progress(provider: SmsProvider) -> None:
    with make_client(provider) as client:
        result = client.send(CLINIC, PATIENT, "See you at 3pm")
        assert result.status == "queued" and result.sid.startswith("SM")
        provider.advance(result.sid)
        provider.advance(result.sid)
        assert client.fetch(result.sid).status == "sent"
        provider.advance(result.sid)
        done = client.fetch(result.sid)
    assert done.status == "delivered" and done.direction == "outbound-api"
    assert done.date_sent is not None and done.body == "See you at 3pm"


def test_send_refusals_are_permanent_errors(provider: SmsProvider) -> None:
    provider.inject_inbound(PATIENT, CLINIC, "STOP")
    with make_client(provider) as client:
        with pytest.raises(SmsRejected) as info:
            client.send(CLINIC, PATIENT, "Reminder")
        assert info.value.code == 21610
        with pytest.raises(SmsRejected) as bad:
            client.send(CLINIC, "555-1234", "x")
        assert bad.value.code == 21211
    assert provider.outbound() == []


def test_send_failure_says_whether_it_may_have_been_sent(provider: SmsProvider) -> None:
    provider.fail_next(1, "drop")
    with make_client(provider) as client, pytest.raises(SmsServerError) as info:
        client.send(CLINIC, PATIENT, "hello")
    assert info.value.maybe_sent
    cfg = SmsConfig(base_url="http://127.0.0.1:9", account_sid="AC1", verify_tls=False)
    with SmsClient(cfg, "t") as dead, pytest.raises(SmsServerError) as refused:
        dead.send(CLINIC, PATIENT, "hello")
    assert not refused.value.maybe_sent and "cannot connect" in str(refused.value)


def test_find_sent_recovers_a_send_with_unknown_outcome(provider: SmsProvider) -> None:
    with make_client(provider) as client:
        earlier = client.send(CLINIC, PATIENT, "Your results are ready")
        since = datetime.now(UTC)
        mine = client.send(CLINIC, PATIENT, "Your results are ready")  # the "lost" answer
        client.send(CLINIC, PATIENT, "Something else")
        found = client.find_sent(CLINIC, PATIENT, "Your results are ready", since,
                                 exclude={earlier.sid})
        assert found is not None and found.sid == mine.sid
        assert found.status == "queued"  # found although it has no sent date yet
        assert client.find_sent(CLINIC, PATIENT, "Never sent", since) is None
        assert client.find_sent(CLINIC, "+15550000000", "Your results are ready", since) is None


def test_next_page_uri_leaving_the_account_is_not_followed(provider: SmsProvider) -> None:
    for i in range(3):
        provider.inject_inbound(PATIENT, CLINIC, f"x{i}")
    with make_client(provider, page_size=1) as client:
        client._root = client._root + "X"  # our account path no longer matches the provider's
        with pytest.raises(SmsServerError) as info:
            list(client._pages(f"/2010-04-01/Accounts/{provider.account_sid}/Messages.json",
                               {"PageSize": "1"}))
    assert "next_page_uri" in str(info.value)


def test_429_without_retry_after_backs_off_exponentially_with_jitter(
        provider: SmsProvider) -> None:
    """Issue 10 point 13: Twilio documents no Retry-After; a bare 429 was retried after 1 s,
    about ten times the normal request rate while rate-limited."""
    sid = provider.inject_inbound(PATIENT, CLINIC, "hi")
    provider.fail_next(3, "429", retry_after=None)
    with make_client(provider, retries=3) as client:
        assert client.fetch(sid).sid == sid
        sleeps = client.sleeps  # type: ignore[attr-defined]
    assert len(sleeps) == 3
    assert sleeps[0] >= 2.0  # never the old fixed 1 s
    assert sleeps[1] > sleeps[0] and sleeps[2] > sleeps[1]  # exponential
    assert len(set(sleeps)) == 3
    # Jitter: two clients rate-limited together do not come back in step.
    provider.fail_next(1, "429", retry_after=None)
    with make_client(provider) as one:
        one.fetch(sid)
    provider.fail_next(1, "429", retry_after=None)
    with make_client(provider) as two:
        two.fetch(sid)
    assert one.sleeps != two.sleeps  # type: ignore[attr-defined]
    # Beyond the client's own retries the poller waits longer still, also with jitter.
    provider.fail_next(10, "429", retry_after=None)
    with make_client(provider, retries=0) as client, pytest.raises(SmsRateLimited) as rate:
        client.fetch(sid)
    assert rate.value.retry_after is None


def test_find_sent_does_not_assume_list_order_or_an_unchanged_body(
        provider: SmsProvider) -> None:
    """Issue 10 point 10: recovery assumed queued rows are listed first and that the provider
    keeps the posted body; when either was false the outbox texted the patient again."""
    old = datetime.now(UTC) - timedelta(days=3)
    for i in range(4):  # an older history between the same two numbers
        provider.inject_outbound(CLINIC, PATIENT, f"Reminder {i}", at=old + timedelta(hours=i))
    provider.list_order = "queued_last"
    provider.body_rewrite = lambda body: "Sent from your Twilio trial account - " + body
    with make_client(provider, page_size=2) as client:
        since = datetime.now(UTC)
        mine = client.send(CLINIC, PATIENT, "Your results are ready \u2019call us\u2019")
        found = client.find_sent(CLINIC, PATIENT, "Your results are ready \u2019call us\u2019",
                                 since)
        assert found is not None and found.sid == mine.sid
        assert client.find_sent(CLINIC, PATIENT, "Something else entirely", since) is None
        provider.list_order = "shuffled"
        again = client.find_sent(CLINIC, PATIENT, "Your results are ready 'call us'", since)
        assert again is not None and again.sid == mine.sid
