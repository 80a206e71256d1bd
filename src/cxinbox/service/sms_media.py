"""MMS pictures for staff: an SMS attachment's bytes, fetched from the provider on demand.

Why it works this way:
- SMS sync lists each MMS attachment (type and provider media id) but never downloads it.
  The bytes are patient data (insurance cards, rashes, referral letters), so they are
  fetched only when a person asks, every time, and never written to disk or the database
  here: the provider stays the one copy, and deleting it there deletes it everywhere.
- Only media listed on that very message can be fetched: the part path must be one of the
  message's own recorded media ids, so a caller cannot use the server's credentials to pull
  arbitrary media from the provider account.
- The client is built exactly as the SMS poller builds its own (config + the same token
  resolver), and lives only for one fetch: a changed token is picked up at once.
- Every provider or credential failure becomes one ApiError line: NotFound when the picture
  is gone, BadRequest when the request can never succeed as asked (SMS not configured, the
  picture over the size limit), ServerUnavailable when trying again later may help
  (provider down or rate-limiting, bad token or credential source).
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass

from cxinbox.channels.credentials import CredentialError
from cxinbox.channels.sms import (
    MAX_MEDIA_BYTES,
    SmsAuthError,
    SmsClient,
    SmsError,
    SmsNotFound,
    SmsRateLimited,
    SmsRejected,
    SmsServerError,
)
from cxinbox.config import SmsConfig
from cxinbox.contract.errors import ApiError, BadRequest, NotFound, ServerUnavailable
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.logsafe import error_class, fields
from cxinbox.service.sms_sync import ClientFactory, TokenResolver, default_token
from cxinbox.store.records import SmsMediaRow, SmsMessageMedia

log = logging.getLogger("cxinbox.sms")

_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


@dataclass(frozen=True, slots=True)
class FetchedMedia:
    """One picture as staff get it: a file name to save it under, its type and bytes."""

    filename: str
    content_type: str
    data: bytes


def _default_client(config: SmsConfig, token: str) -> SmsClient:
    return SmsClient(config, token)


class SmsMediaFetcher:
    """Fetches the MMS media of stored SMS messages through the SMS channel."""

    def __init__(self, sms: SmsConfig, token_resolver: TokenResolver = default_token, *,
                 client_factory: ClientFactory | None = None,
                 max_bytes: int = MAX_MEDIA_BYTES) -> None:
        self.sms = sms
        self.token_resolver = token_resolver
        self.client_factory: ClientFactory = client_factory or _default_client
        self.max_bytes = max_bytes

    def fetch(self, message: SmsMessageMedia, part_path: str) -> FetchedMedia:
        """The bytes of `part_path` (a media id listed on `message`); raises ApiError."""
        listed = _listed(message, part_path)
        if not self.sms.configured:
            raise BadRequest("SMS is not configured on this server ([sms] base_url); "
                             "MMS pictures cannot be fetched")
        if not message.provider_id:
            raise NotFound(f"message {message.message_pk} has no provider id; its pictures "
                           "cannot be fetched")
        try:
            client = self.client_factory(self.sms, self.token_resolver(self.sms))
            with client:
                media_sid = self._media_sid(client, message, listed)
                content_type, data = client.media_content(message.provider_id, media_sid,
                                                          max_bytes=self.max_bytes)
        except ApiError:
            raise
        except (SmsError, CredentialError) as exc:
            raise _api_error(exc) from None
        ctype = content_type if content_type not in _GENERIC_TYPES else listed.content_type
        return FetchedMedia(_filename(listed, media_sid, ctype), clean_line(ctype), data)

    @staticmethod
    def _media_sid(client: SmsClient, message: SmsMessageMedia, listed: SmsMediaRow) -> str:
        """The provider media id: as recorded, or (for rows stored without one) looked up by
        its position in the provider's media list."""
        if not listed.part_path.isdigit():
            return listed.part_path
        index = int(listed.part_path) - 1
        media = client.media(message.provider_id)
        if not 0 <= index < len(media) or not media[index].sid:
            raise NotFound(f"message {message.message_pk}: the provider no longer lists "
                           f"picture {listed.part_path}")
        return media[index].sid


def _listed(message: SmsMessageMedia, part_path: str) -> SmsMediaRow:
    for row in message.media:
        if row.part_path and row.part_path == part_path:
            return row
    raise NotFound(f"message {message.message_pk} has no part {clean_line(part_path)[:80]}")


def _filename(listed: SmsMediaRow, media_sid: str, content_type: str) -> str:
    name = clean_line(listed.filename)
    if name:
        return name
    ext = mimetypes.guess_extension(content_type) or ".bin"
    return f"{media_sid}{ext}"


def _api_error(exc: SmsError | CredentialError) -> ApiError:
    """One ApiError line for a provider or credential failure."""
    line = clean_line(str(exc)) or type(exc).__name__
    log.warning("sms media fetch failed", extra=fields(error=error_class(exc)))
    if isinstance(exc, SmsNotFound):
        return NotFound("the SMS provider no longer has this picture (HTTP 404)")
    if isinstance(exc, SmsAuthError):
        return ServerUnavailable(line)
    if isinstance(exc, SmsRateLimited | SmsServerError):
        return ServerUnavailable(f"{line}; try again later")
    if isinstance(exc, SmsRejected):
        return BadRequest(line)
    if isinstance(exc, CredentialError):
        return ServerUnavailable(f"sms: {line}")
    return ServerUnavailable(line)
