"""The satisfaction question by email: a reply in the patient's thread through the real SMTP
sink, the answer synced back from Dovecot; robots and mailing lists are never asked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import PATIENT, Desk, make_desk, parsed, patient_mail

from cxinbox.config import load_config
from cxinbox.service.csat import CsatService


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    with d.config_path.open("a") as handle:
        handle.write("\n[csat]\nenabled = true\ndelay_minutes = 0\n")
    d.config = load_config(d.config_path)
    yield d
    d.sink.stop()
    d.db.close()


def _status(desk: Desk, conv: int) -> str:
    return str(desk.db.conn.execute("SELECT status FROM conversations WHERE id = ?",
                                    (conv,)).fetchone()[0])


def test_question_is_a_reply_in_the_thread_and_a_bare_rating_keeps_it_closed(desk: Desk,
                                                                             ) -> None:
    desk.server.deliver(patient_mail())
    desk.sync()
    conv = desk.conv_id()
    desk.inbox.set_status(conv, "closed")
    assert CsatService(desk.db, desk.config).round(int(time.time())) == 1
    assert desk.worker.process_due() == 1
    assert len(desk.sink.messages) == 1
    msg = parsed(desk.sink.messages[0].data)
    assert msg["To"] == PATIENT and msg["In-Reply-To"] == "<p1@patients.example>"
    assert msg["Subject"] == "Re: Reschedule my appointment"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("How did we do? Reply to this message with a number from 1 to 5")
    ours = msg["Message-ID"]
    answer = patient_mail(
        "Re: Reschedule my appointment", message_id="p2@patients.example",
        body=f"5 stars!\n\nOn {formatdate()}, Riverside Clinic wrote:\n> How did we do?",
        extra=f"In-Reply-To: {ours}\r\nReferences: <p1@patients.example> {ours}\r\n",
        date=formatdate(time.time() + 5))
    desk.server.deliver(answer)
    desk.sync()
    row = desk.db.conn.execute("SELECT rating, rating_message FROM csat_requests"
                               " WHERE conversation_id = ?", (conv,)).fetchone()
    assert row[0] == 5 and row[1] is not None
    assert _status(desk, conv) == "closed"
    notes = [n.body for n in desk.inbox.get_conversation(conv, record_view=False).notes]
    assert notes == ["Patient rated 5/5"]


@pytest.mark.parametrize("extra", ["Auto-Submitted: auto-replied\r\n",
                                   "List-Id: <news.lists.example>\r\n"])
def test_robots_and_mailing_lists_are_not_asked(desk: Desk, extra: str) -> None:
    desk.server.deliver(patient_mail(extra=extra))
    desk.sync()
    conv = desk.conv_id()
    desk.inbox.set_status(conv, "closed")
    assert CsatService(desk.db, desk.config).round(int(time.time())) == 0
    desk.worker.process_due()
    assert desk.sink.messages == []
    row = desk.db.conn.execute("SELECT state, reason FROM csat_requests"
                               " WHERE conversation_id = ?", (conv,)).fetchone()
    assert tuple(row) == ("skipped", "automatic or mailing-list mail")
