"""Files attached to replies: read by the client, kept with the draft, sent exactly.

Dovecot holds the mailbox, aiosmtpd captures what was sent, and one test goes through a
real `cxinbox serve` so the bytes cross the Unix socket as they do for every staff client.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import Desk, make_desk, parsed, patient_mail
from tests.test_serve_support import ME, Server, socket_dir

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.api.upload import read_for_upload
from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.domain.compose import MAX_ATTACHMENT_BYTES

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    d.server.deliver(patient_mail())
    d.sync()
    yield d
    d.sink.stop()
    d.db.close()


def _files(desk: Desk) -> int:
    return int(desk.db.conn.execute("SELECT count(*) FROM reply_files").fetchone()[0])


def _attached(raw: bytes) -> list[tuple[str, str, bytes]]:
    msg = parsed(raw)
    return [(p.get_filename() or "", p.get_content_type(), p.get_payload(decode=True) or b"")
            for p in msg.iter_attachments()]


def test_attached_bytes_are_what_the_patient_gets_even_if_the_file_changes(
        desk: Desk, tmp_path: Path) -> None:
    form = tmp_path / "intake form.pdf"
    form.write_bytes(PDF)
    draft = desk.replies.start_draft(desk.conv_id())
    desk.replies.save_draft(draft.id, "The form is attached.")
    name, data, kind = read_for_upload(str(form))
    assert (name, kind) == ("intake form.pdf", "application/pdf")
    view = desk.replies.attach_file(draft.id, name, data, kind)
    assert [(f.filename, f.size) for f in view.attachments] == [("intake form.pdf", len(PDF))]
    # The file is edited, then deleted, before the send: the patient still gets the
    # bytes that were attached.
    form.write_bytes(b"something else")
    form.unlink()
    desk.replies.send(draft.id)
    assert desk.worker.process_due() == 1
    (captured,) = desk.sink.messages
    assert _attached(captured.data) == [("intake form.pdf", "application/pdf", PDF)]
    body = parsed(captured.data).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "The form is attached." in body
    # Once sent, the bytes live in the sent message; the stored copy is gone.
    assert _files(desk) == 0


def test_detach_discard_and_cancel_keep_exactly_the_files_still_needed(desk: Desk) -> None:
    conv = desk.conv_id()
    draft = desk.replies.start_draft(conv)
    desk.replies.save_draft(draft.id, "Two files.")
    a = desk.replies.attach_file(draft.id, "a.txt", b"first").attachments[0]
    view = desk.replies.attach_file(draft.id, "b.txt", b"second")
    assert [f.filename for f in view.attachments] == ["a.txt", "b.txt"]
    view = desk.replies.detach_file(draft.id, a.id)
    assert [f.filename for f in view.attachments] == ["b.txt"]
    assert _files(desk) == 1
    with pytest.raises(NotFound):
        desk.replies.detach_file(draft.id, a.id)
    # Saving the text leaves the files alone (the composer saves as you type).
    assert [f.filename for f in desk.replies.save_draft(draft.id, "Edited.").attachments] \
        == ["b.txt"]
    # Queued then cancelled within the undo window: the draft comes back with its file.
    item = desk.replies.send(draft.id)
    desk.replies.cancel(item.id)
    (restored,) = desk.replies.my_drafts()
    assert [f.filename for f in restored.attachments] == ["b.txt"]
    assert _files(desk) == 1
    desk.replies.discard_draft(restored.id)
    assert _files(desk) == 0
    assert desk.sink.messages == []


def test_hostile_names_limits_and_texts(desk: Desk, tmp_path: Path) -> None:
    draft = desk.replies.start_draft(desk.conv_id())
    desk.replies.save_draft(draft.id, "Files.")
    for hostile, expected in [("../../etc/passwd", "passwd"),
                              ("\x1b[31mred\x1b[0m.pdf", "red.pdf"),
                              ("C:\\Users\\x\\scan.jpg", "scan.jpg"),
                              ("[bold]x[red].txt", "[bold]x[red].txt"),
                              ("...", "attachment"),
                              ("a\r\nBcc: evil@example.com.pdf", "a Bcc: evil@example.com.pdf")]:
        view = desk.replies.attach_file(draft.id, hostile, b"x")
        got = view.attachments[-1].filename
        assert got == expected, (hostile, got)
        assert "\n" not in got and "\x1b" not in got
    with pytest.raises(BadRequest, match="content type"):
        desk.replies.attach_file(draft.id, "x.bin", b"x", "text/plain\r\nBcc: x@y")
    big = b"\0" * (MAX_ATTACHMENT_BYTES // 2 + 1)
    desk.replies.attach_file(draft.id, "big1.bin", big)
    with pytest.raises(BadRequest, match="MB"):
        desk.replies.attach_file(draft.id, "big2.bin", big)
    desk.replies.send(draft.id)
    assert desk.worker.process_due() == 1
    (captured,) = desk.sink.messages
    headers = captured.data.split(b"\r\n\r\n", 1)[0]
    assert b"Bcc" not in headers and captured.rcpt_tos == [desk.replies.outbox(None, 1)[0]
                                                            .recipients[0]]
    names = [n for n, _k, _d in _attached(captured.data)]
    assert names[:3] == ["passwd", "red.pdf", "scan.jpg"] and names[-1] == "big1.bin"


def test_reading_for_upload_gives_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="No such file"):
        read_for_upload(str(tmp_path / "missing.pdf"))
    with pytest.raises(BadRequest, match="not a regular file"):
        read_for_upload(str(tmp_path))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(BadRequest, match="not a regular file"):
        read_for_upload(str(fifo))  # never blocks waiting for a writer
    sparse = tmp_path / "huge.bin"
    with sparse.open("wb") as handle:
        handle.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(BadRequest, match="at most 20 MB"):
        read_for_upload(str(sparse))
    with pytest.raises(BadRequest, match="type the path"):
        read_for_upload("  ")


def test_attachment_travels_over_the_server_socket(desk: Desk) -> None:
    """The staff member's client reads the file; the server never opens a client's path."""
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        desk.config_path.write_text(
            desk.config_path.read_text()
            + f'\n[server]\nsocket = "{sock}"\n\n[[staff]]\nos_user = "{ME}"\n'
              f'name = "Desk Person"\nrole = "admin"\n')
        secret = desk.tmp / "only-the-client-could-read.pdf"
        secret.write_bytes(PDF)

        async def scenario() -> int:
            found = probe(sock)
            assert found is not None
            api = SocketAPI(sock, *found)
            try:
                draft = await api.start_draft(desk.conv_id())
                await api.save_draft(draft.id, "Your results are attached.")
                name, data, kind = read_for_upload(str(secret))
                view = await api.attach_file(draft.id, name, data, kind)
                assert [(f.filename, f.size) for f in view.attachments] == [
                    ("only-the-client-could-read.pdf", len(PDF))]
                item = await api.send_draft(draft.id)
                return int(item.id)
            finally:
                await api.aclose()

        with Server(desk.config_path, sock) as server:
            item_id = asyncio.run(scenario())
            limit = time.monotonic() + 60
            while not desk.sink.messages and time.monotonic() < limit:
                time.sleep(0.05)
            assert desk.sink.messages, server.log
            # The sink has the message before the server records the 250 it answered:
            # wait for the record while the server still runs.
            state = ""
            while time.monotonic() < limit:
                state = desk.db.conn.execute("SELECT state FROM outbox WHERE id = ?",
                                             (item_id,)).fetchone()[0]
                if state == "sent":
                    break
                time.sleep(0.05)
            assert state == "sent", server.log
        (captured,) = desk.sink.messages
        assert _attached(captured.data) == [
            ("only-the-client-could-read.pdf", "application/pdf", PDF)]
        assert hashlib.sha256(_attached(captured.data)[0][2]).digest() == \
            hashlib.sha256(PDF).digest()


def test_a_draft_from_before_migration_6_is_never_read_by_path(desk: Desk,
                                                               tmp_path: Path) -> None:
    secret = tmp_path / "server-only.pdf"
    secret.write_bytes(PDF)
    draft = desk.replies.start_draft(desk.conv_id())
    desk.replies.save_draft(draft.id, "Old draft.")
    with desk.db.write() as conn:  # what an older version stored: a path
        conn.execute("UPDATE drafts SET attachments = ? WHERE id = ?",
                     (f'["{secret}"]', draft.id))
    (view,) = desk.replies.my_drafts()
    assert [(f.filename, f.size) for f in view.attachments] == [("server-only.pdf", -1)]
    with pytest.raises(BadRequest, match="attach 'server-only.pdf' again"):
        desk.replies.send(draft.id)
    assert desk.sink.messages == [] and desk.replies.outbox(None, 10) == []
