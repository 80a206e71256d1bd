"""The one way cxinbox makes a client TLS context (IMAP, SMTP): verifying, TLS 1.2 or later,
with an optional extra CA bundle. Verification is switched off only when the config allowed
it, which it does for loopback test servers alone."""

from __future__ import annotations

import ssl
from pathlib import Path


def client_context(*, verify: bool, ca_file: Path | None) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
