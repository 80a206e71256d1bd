"""What Twilio's published API description (2010-04-01) says a Messages response holds.

Written down in our own words from the public OpenAPI description of the 2010-04-01 API
(the Message, Media and list envelope schemas and the create request), so the local test
provider (tests/support/smsprovider.py) can be checked against the contract instead of
against what our client happens to expect. Points that matter for a client:

- every Message field is nullable, even `from` (a Messaging Service send has no sender until
  the pool picks one) and `date_sent` (not sent yet);
- `num_segments` and `num_media` are strings; `error_code` is an integer (or null);
  `price` is a string; dates are RFC 2822 in GMT;
- `status` and `direction` come from closed enumerations (below);
- `messaging_service_sid` is always an `MG` sid: Twilio assigns a unique default one when
  no Messaging Service was used;
- the create request needs `To`, one of `From` / `MessagingServiceSid`, and one of
  `Body` / `MediaUrl` (up to ten) / `ContentSid`; `StatusCallback` is optional;
- the list endpoint's order is not specified, and a 429 carries no documented Retry-After.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Final

MESSAGE_STATUSES: Final = ("queued", "sending", "sent", "failed", "delivered", "undelivered",
                           "receiving", "received", "accepted", "scheduled", "read",
                           "partially_delivered", "canceled")
MESSAGE_DIRECTIONS: Final = ("inbound", "outbound-api", "outbound-call", "outbound-reply")

# field -> the JSON type it has when not null ("rfc2822" is a string in that date format)
MESSAGE_FIELDS: Final[Mapping[str, str]] = {
    "account_sid": "sid:AC", "api_version": "string", "body": "string",
    "date_created": "rfc2822", "date_sent": "rfc2822", "date_updated": "rfc2822",
    "direction": "enum:direction", "error_code": "integer", "error_message": "string",
    "from": "string", "messaging_service_sid": "sid:MG", "num_media": "digits",
    "num_segments": "digits", "price": "string", "price_unit": "string",
    "sid": "sid:SM|MM", "status": "enum:status", "subresource_uris": "object",
    "to": "string", "uri": "string",
}
MEDIA_FIELDS: Final[Mapping[str, str]] = {
    "account_sid": "sid:AC", "content_type": "string", "date_created": "rfc2822",
    "date_updated": "rfc2822", "parent_sid": "sid:SM|MM", "sid": "sid:ME", "uri": "string",
}
# Paging envelope shared by every list response, besides the list itself.
PAGE_FIELDS: Final[Mapping[str, str]] = {
    "end": "integer", "first_page_uri": "string", "next_page_uri": "string",
    "page": "integer", "page_size": "integer", "previous_page_uri": "string",
    "start": "integer", "uri": "string",
}
PAGE_NULLABLE: Final = frozenset({"next_page_uri", "previous_page_uri"})
ERROR_FIELDS: Final[Mapping[str, str]] = {
    "code": "integer", "message": "string", "more_info": "string", "status": "integer",
}
CREATE_FIELDS: Final = frozenset({
    "To", "From", "MessagingServiceSid", "Body", "MediaUrl", "ContentSid", "StatusCallback",
    "ApplicationSid", "MaxPrice", "ProvideFeedback", "Attempt", "ValidityPeriod",
    "ForceDelivery", "ContentRetention", "AddressRetention", "SmartEncoded",
    "PersistentAction", "ShortenUrls", "ScheduleType", "SendAt", "SendAsMms",
    "ContentVariables", "RiskCheck"})
MAX_MEDIA_URLS: Final = 10

_SID = re.compile(r"(?P<prefix>[A-Z]{2})[0-9a-f]{32}")


def _type_problem(name: str, kind: str, value: Any) -> str | None:
    """None when `value` (not null) has the documented type `kind`, else why not."""
    textual = kind in ("string", "rfc2822", "digits") or kind.startswith(("sid:", "enum:"))
    if textual and not isinstance(value, str):
        return f"{name}: expected a string, got {type(value).__name__}"
    if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return f"{name}: expected an integer, got {type(value).__name__}"
    if kind == "object" and not isinstance(value, dict):
        return f"{name}: expected an object, got {type(value).__name__}"
    if kind == "digits" and not value.isdigit():
        return f"{name}: expected a count as a string of digits, got {value!r}"
    if kind == "rfc2822":
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return f"{name}: not an RFC 2822 date: {value!r}"
        if when.utcoffset() is None or when.utcoffset().total_seconds() != 0:  # type: ignore[union-attr]
            return f"{name}: not in GMT: {value!r}"
    if kind.startswith("sid:"):
        match = _SID.fullmatch(value)
        if match is None or match["prefix"] not in kind[4:].split("|"):
            return f"{name}: not a {kind[4:]} sid: {value!r}"
    if kind == "enum:status" and value not in MESSAGE_STATUSES:
        return f"{name}: {value!r} is not a documented message status"
    if kind == "enum:direction" and value not in MESSAGE_DIRECTIONS:
        return f"{name}: {value!r} is not a documented direction"
    return None


def _object_problems(obj: Any, fields: Mapping[str, str], what: str,
                     nullable: Iterable[str] | None = None) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{what}: expected an object"]
    allowed_null = set(fields) if nullable is None else set(nullable)
    problems = [f"{what}: missing {name}" for name in fields if name not in obj]
    for name, kind in fields.items():
        value = obj.get(name)
        if value is None:
            if name in obj and name not in allowed_null:
                problems.append(f"{what}: {name} must not be null")
            continue
        problem = _type_problem(name, kind, value)
        if problem:
            problems.append(f"{what}: {problem}")
    return problems


def message_problems(obj: Any) -> list[str]:
    """Every way `obj` departs from the documented Message resource ([] = conforms)."""
    problems = _object_problems(obj, MESSAGE_FIELDS, "message")
    if isinstance(obj, dict):
        media = obj.get("subresource_uris")
        if isinstance(media, dict) and not isinstance(media.get("media"), str):
            problems.append("message: subresource_uris has no media URI")
    return problems


def media_problems(obj: Any) -> list[str]:
    return _object_problems(obj, MEDIA_FIELDS, "media")


def page_problems(obj: Any, list_key: str) -> list[str]:
    """The paging envelope and every item of a list response."""
    problems = _object_problems(obj, PAGE_FIELDS, "page", PAGE_NULLABLE)
    if not isinstance(obj, dict):
        return problems
    items = obj.get(list_key)
    if not isinstance(items, list):
        return [*problems, f"page: {list_key} is not a list"]
    check = message_problems if list_key == "messages" else media_problems
    for item in items:
        problems.extend(check(item))
    return problems


def error_problems(obj: Any) -> list[str]:
    return _object_problems(obj, ERROR_FIELDS, "error", ())


def response_problems(path: str, status: int, obj: Any) -> list[str]:
    """Check one JSON response by what the request asked for."""
    if status >= 400:
        return error_problems(obj)
    if path.endswith("/Messages.json"):
        return page_problems(obj, "messages") if status == 200 else message_problems(obj)
    if path.endswith("/Media.json"):
        return page_problems(obj, "media_list")
    if "/Media/" in path:
        return media_problems(obj)
    return message_problems(obj)


def create_problems(form: Mapping[str, list[str]]) -> list[str]:
    """What is wrong with a create request's form fields, by the documented rules."""
    problems = [f"create: unknown field {name}" for name in form if name not in CREATE_FIELDS]
    if not form.get("To"):
        problems.append("create: To is required")
    if not (form.get("From") or form.get("MessagingServiceSid")):
        problems.append("create: From or MessagingServiceSid is required")
    if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
        problems.append("create: Body, MediaUrl or ContentSid is required")
    if len(form.get("MediaUrl", [])) > MAX_MEDIA_URLS:
        problems.append(f"create: more than {MAX_MEDIA_URLS} MediaUrl")
    for sid in form.get("MessagingServiceSid", []):
        if _SID.fullmatch(sid) is None or not sid.startswith("MG"):
            problems.append(f"create: MessagingServiceSid {sid!r} is not an MG sid")
    return problems
