"""Test and benchmark infrastructure for cxinbox.

Everything here exists so that sync, ingest and UI tests run against a real IMAP server
(Dovecot) and realistic clinic mail rather than mocks: the failures that matter in a
clinic (lost or duplicated messages, UIDVALIDITY resets, cut connections, hostile
headers) only show up against the real thing.

Imports are relative so the package works both as `tests.support` (repository root on
sys.path) and as `support` (tests/ on sys.path, as some bench scripts do).
"""

from .dovecot import DovecotError, DovecotNotInstalled, DovecotServer
from .mailgen import generate_corpus, hostile_messages
from .tcpproxy import CuttingProxy

__all__ = [
    "CuttingProxy",
    "DovecotError",
    "DovecotNotInstalled",
    "DovecotServer",
    "generate_corpus",
    "hostile_messages",
]
