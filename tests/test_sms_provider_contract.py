"""The local SMS provider keeps the published Twilio API contract (tests/support/twilio_schema).

Our client is tested against this provider, so the provider must not be kinder than the
real API: every answer it serves is checked against the documented Message, Media, list and
error shapes, across every status, every direction, null senders, Messaging Services, every
list order, rate limits with and without Retry-After and both kinds of media redirect.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.support.smsprovider import SmsProvider
from tests.support.twilio_schema import (
    MESSAGE_DIRECTIONS,
    MESSAGE_STATUSES,
    create_problems,
    message_problems,
    response_problems,
)

CLINIC = "+15550100100"
POOL = ("+15550100111", "+15550100112")
ANN = "+15557654321"


@pytest.fixture
def provider() -> Iterator[SmsProvider]:
    with SmsProvider(numbers=[CLINIC]) as p:
        yield p


def _http(p: SmsProvider) -> httpx.Client:
    return httpx.Client(base_url=p.base_url, auth=(p.account_sid, p.token),
                        follow_redirects=False)


def _root(p: SmsProvider) -> str:
    return f"/2010-04-01/Accounts/{p.account_sid}"


def _all_listed(http: httpx.Client, p: SmsProvider, **params: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    url: str | None = f"{_root(p)}/Messages.json"
    query: dict[str, str] | None = {"PageSize": "3", **params}
    while url:
        page = http.get(url, params=query).json()
        out.extend(page["messages"])
        url, query = page["next_page_uri"], None
    return out


def _exercise(p: SmsProvider) -> None:
    """Make the provider serve every kind of answer the contract describes."""
    service = p.add_service(POOL)
    p.auto_reply = "Thanks, we got your text. Reply STOP to opt out."
    first = p.inject_inbound(ANN, CLINIC, "Hello", at=datetime.now(UTC) - timedelta(hours=2))
    p.auto_reply = None
    mms = p.inject_inbound(ANN, POOL[0], "card", media=["image/jpeg", "application/pdf"],
                           receiving=True)
    p.inject_outbound(CLINIC, ANN, "from a voice flow", direction="outbound-call")
    with _http(p) as http:
        sent = http.post(f"{_root(p)}/Messages.json",
                         data={"From": CLINIC, "To": ANN, "Body": "queued one",
                               "StatusCallback": "https://clinic.example/status"}).json()
        pooled = http.post(f"{_root(p)}/Messages.json",
                           data={"MessagingServiceSid": service, "To": ANN,
                                 "Body": "from the pool",
                                 "MediaUrl": "https://clinic.example/m/x.png"}).json()
        assert pooled["from"] is None and pooled["status"] == "accepted"
        for status in MESSAGE_STATUSES:
            sid = p.inject_outbound(CLINIC, ANN, f"status {status}", status="queued")
            p.set_status(sid, status, 30007 if status in ("failed", "undelivered") else None,
                         "Message filtered" if status in ("failed", "undelivered") else None)
            http.get(f"{_root(p)}/Messages/{sid}.json")
        p.settle()
        http.get(f"{_root(p)}/Messages/{sent['sid']}.json")
        for order in ("newest", "queued_last", "shuffled"):
            p.list_order = order
            _all_listed(http, p)
            _all_listed(http, p, **{"DateSent>": "2000-01-01"})
        p.list_order = "newest"
        http.get(f"{_root(p)}/Messages/{mms}/Media.json")
        p.finish_receiving(mms)
        media = http.get(f"{_root(p)}/Messages/{mms}/Media.json").json()["media_list"]
        for status_code in (302, 307):
            p.media_redirect_status = status_code
            hop = http.get(f"{_root(p)}/Messages/{mms}/Media/{media[0]['sid']}")
            assert hop.status_code == status_code and hop.headers["Location"]
        http.get(f"{_root(p)}/Messages/{mms}/Media/{media[1]['sid']}.json")
        p.fail_next(1, "429", retry_after=None)
        bare = http.get(f"{_root(p)}/Messages/{first}.json")
        assert bare.status_code == 429 and "Retry-After" not in bare.headers
        p.fail_next(1, "429", retry_after=7)
        told = http.get(f"{_root(p)}/Messages/{first}.json")
        assert told.status_code == 429 and told.headers["Retry-After"] == "7"
        http.get(f"{_root(p)}/Messages/SM{'0' * 32}.json")  # 404
        http.post(f"{_root(p)}/Messages.json", data={"To": ANN, "Body": "no sender"})  # 400


def test_every_answer_the_provider_serves_conforms_to_the_published_schema(
        provider: SmsProvider) -> None:
    _exercise(provider)
    problems = [f"{method} {path} {status}: {problem}"
                for method, path, status, payload in provider.served
                for problem in response_problems(path, status, payload)]
    assert problems == []
    messages = [m for _, path, status, payload in provider.served
                if status < 400 and path.endswith("Messages.json") and "messages" in payload
                for m in payload["messages"]]
    assert {m["status"] for m in messages} | {
        p["status"] for _, path, s, p in provider.served
        if s < 400 and "status" in p and "sid" in p} >= set(MESSAGE_STATUSES)
    assert {m["direction"] for m in messages} == set(MESSAGE_DIRECTIONS)
    assert any(m["from"] is None for _, _, s, p in provider.served if s < 400
               for m in p.get("messages", [p]) if isinstance(m, dict) and "from" in m)
    pool_senders = {m["from"] for m in messages if m["from"] in POOL}
    assert pool_senders  # the Messaging Service picked a sender from its pool
    assert {s for _, _, s, _ in provider.served} >= {200, 201, 400, 404, 429}


def test_list_order_is_not_always_newest_first(provider: SmsProvider) -> None:
    now = datetime.now(UTC)
    for minutes in (30, 20, 10):
        provider.inject_inbound(ANN, CLINIC, f"{minutes} min ago",
                                at=now - timedelta(minutes=minutes))
    queued = provider.inject_outbound(CLINIC, ANN, "not sent yet", status="queued")
    with _http(provider) as http:
        orders = {}
        for order in ("newest", "queued_last", "shuffled"):
            provider.list_order = order
            orders[order] = [m["sid"] for m in _all_listed(http, provider)]
    assert orders["newest"][0] == queued and orders["queued_last"][-1] == queued
    # "shuffled" is random: it may happen to equal one of the others, so only the two
    # fixed orders must differ.
    assert orders["newest"] != orders["queued_last"]
    assert all(sorted(v) == sorted(orders["newest"]) for v in orders.values())  # same rows


def test_the_schema_itself_refuses_what_the_contract_forbids() -> None:
    assert message_problems({"sid": "XX1"}) != []
    good = {"account_sid": "AC" + "a" * 32, "api_version": "2010-04-01", "body": None,
            "date_created": "Thu, 30 Jul 2015 20:12:31 +0000", "date_sent": None,
            "date_updated": "Thu, 30 Jul 2015 20:12:31 +0000", "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": None,
            "messaging_service_sid": "MG" + "a" * 32, "num_media": "0", "num_segments": "0",
            "price": None, "price_unit": None, "sid": "SM" + "a" * 32, "status": "accepted",
            "subresource_uris": {"media": "/x/Media.json"}, "to": ANN, "uri": "/x.json"}
    assert message_problems(good) == []
    assert message_problems({**good, "num_segments": 1}) != []  # a count is a string
    assert message_problems({**good, "status": "pending"}) != []
    assert message_problems({**good, "direction": "outbound"}) != []
    assert message_problems({**good, "error_code": "30003"}) != []
    assert create_problems({"To": [ANN], "Body": ["x"]}) != []  # no From nor service
    assert create_problems({"To": [ANN], "MessagingServiceSid": ["MG" + "b" * 32],
                            "MediaUrl": ["https://x/y.png"]}) == []
    assert create_problems({"To": [ANN], "From": [CLINIC], "Body": ["x"], "Tag": ["y"]}) != []
