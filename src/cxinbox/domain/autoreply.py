"""May a machine answer this mail? RFC 3834 ("Recommendations for Automatic Responses to
Electronic Mail") and the habits of mailing lists, as one pure check.

An automatic acknowledgement must never answer another machine (two auto-responders
answering each other loop for ever), a mailing list (hundreds of subscribers get it) or a
bounce. RFC 3834 section 2 says: do not respond to `Auto-Submitted` other than "no", and
section 3.1.8 adds the `Precedence: bulk/list/junk` and `List-*` conventions; we also refuse
mailer-daemon / no-reply senders and delivery reports, which often carry none of these.
Only the header block is read (at most 256 kB), with the standard library's parser.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Final

_HEADER_END: Final = re.compile(rb"\r?\n\r?\n")
_MAX_HEADER: Final = 256_000
_NO_REPLY_LOCAL: Final = re.compile(
    r"(?:mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|"
    r"notifications?|listserv|majordomo|owner-.*|.*-request|.*-bounces?)", re.IGNORECASE)
_LIST_HEADERS: Final = ("list-id", "list-unsubscribe", "list-post", "list-help")


def refusal(raw: bytes) -> str | None:
    """Why this message must get no automatic answer ("auto-submitted", "mailing list",
    "no-reply sender", "delivery report"), or None when a machine may answer it."""
    end = _HEADER_END.search(raw, 0, _MAX_HEADER)
    head = raw[:end.start() if end else min(len(raw), _MAX_HEADER)] + b"\r\n\r\n"
    msg = BytesHeaderParser(policy=compat32).parsebytes(head)
    auto = str(msg.get("auto-submitted", "")).split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if msg.get("x-autoreply") is not None or msg.get("x-autorespond") is not None:
        return "auto-submitted"
    if str(msg.get("precedence", "")).strip().lower() in ("bulk", "list", "junk"):
        return "mailing list"
    if any(msg.get(h) is not None for h in _LIST_HEADERS):
        return "mailing list"
    if str(msg.get("content-type", "")).split(";", 1)[0].strip().lower() == "multipart/report":
        return "delivery report"
    return_path = msg.get("return-path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "delivery report"
    sender = parseaddr(str(msg.get("from", "")))[1]
    local = sender.partition("@")[0]
    if not sender or _NO_REPLY_LOCAL.fullmatch(local):
        return "no-reply sender"
    return None
