"""Test and benchmark infrastructure for cxinbox.

Everything here exists so that sync, ingest and UI tests run against a real IMAP server
(Dovecot) and realistic clinic mail rather than mocks: the failures that matter in a
clinic (lost or duplicated messages, UIDVALIDITY resets, cut connections, hostile
headers) only show up against the real thing.
"""

from tests.support.dovecot import DovecotError, DovecotNotInstalled, DovecotServer
from tests.support.mailgen import generate_corpus, hostile_messages
from tests.support.tcpproxy import CuttingProxy

__all__ = [
    "CuttingProxy",
    "DovecotError",
    "DovecotNotInstalled",
    "DovecotServer",
    "generate_corpus",
    "hostile_messages",
]
