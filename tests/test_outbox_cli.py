"""`cxinbox reply` and `cxinbox outbox` against Dovecot and the SMTP sink (in-process)."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import typer
from tests.support.smtpsink import Desk, make_desk, parsed, patient_mail
from typer.testing import CliRunner

from cxinbox.api.transport import SyncAPI
from cxinbox.cli_reply import EXIT_GUARD, register
from cxinbox.config import Config
from cxinbox.contract.errors import BadRequest, NotFound
from cxinbox.wiring import open_api as open_async_api


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)

    def open_api(cfg: Config) -> SyncAPI:
        return SyncAPI(open_async_api(cfg, "mgarcia", local=True))

    register(app, open_api)
    return app


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    d.server.deliver(patient_mail())
    d.sync()
    yield d
    d.sink.stop()
    d.db.close()


def _run(desk: Desk, *args: str) -> Any:
    return CliRunner().invoke(_app(), [*args, "--config", str(desk.config_path)])


def test_reply_with_template_saves_a_draft_then_sends(desk: Desk) -> None:
    conv = str(desk.conv_id())
    missing = _run(desk, "reply", conv, "--template", "results-ready")
    assert missing.exit_code == 2 and "test_name" in missing.output
    saved = _run(desk, "reply", conv, "--template", "results-ready", "--fill",
                 "test_name=your blood test")
    assert saved.exit_code == 0, saved.output
    assert "Hello Jane Doe," in saved.output and "555-0100" in saved.output
    assert desk.sink.messages == []
    sent = _run(desk, "reply", conv, "--template", "results-ready", "--fill",
                "test_name=your blood test", "--send", "--json")
    assert sent.exit_code == 0, sent.output
    out = json.loads(sent.stdout)
    assert out["outbox"]["state"] == "sent"
    assert len(desk.sink.messages) == 1
    body = parsed(desk.sink.messages[0].data).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "about your blood test" in body and "Maria Garcia, Riverside Clinic" in body


def test_reply_body_file_and_outbox_list(desk: Desk, tmp_path: Path) -> None:
    text = tmp_path / "reply.txt"
    text.write_text("Friday is fine.\n")
    result = _run(desk, "reply", str(desk.conv_id()), "--body-file", str(text), "--send")
    assert result.exit_code == 0, result.output
    listing = _run(desk, "outbox", "--json")
    items = json.loads(listing.stdout)
    assert [i["state"] for i in items] == ["sent"]
    # ApiErrors reach cli.main(), which prints one line and exits with their code.
    assert isinstance(_run(desk, "outbox", "cancel", str(items[0]["id"])).exception, BadRequest)
    assert isinstance(_run(desk, "outbox", "retry", "999").exception, NotFound)


def test_outbox_times_are_the_clinics_whatever_the_machines_zone(desk: Desk,
                                                                  tmp_path: Path) -> None:
    """The machine runs in Kolkata (+05:30), the clinic in New York: `cxinbox outbox` shows
    the clinic's time of the item and says which zone that is."""
    text = tmp_path / "reply.txt"
    text.write_text("Friday is fine.\n")
    sent = _run(desk, "reply", str(desk.conv_id()), "--body-file", str(text), "--send")
    assert sent.exit_code == 0, sent.output
    (item,) = json.loads(_run(desk, "outbox", "--json").stdout)
    at = datetime.fromtimestamp(item["created_at"], UTC)
    clinic = f"{at.astimezone(ZoneInfo('America/New_York')):%Y-%m-%d %H:%M}"
    machine = f"{at.astimezone(ZoneInfo('Asia/Kolkata')):%Y-%m-%d %H:%M}"
    me = pwd.getpwuid(os.getuid()).pw_name
    with desk.config_path.open("a") as f:  # the test's own login may read the outbox
        f.write(f'\n[[staff]]\nos_user = "{me}"\nname = "Test Desk"\nrole = "supervisor"\n')
    env = {**{k: v for k, v in os.environ.items() if k != "CXINBOX_CONFIG"},
           "TZ": "Asia/Kolkata", "CXINBOX_LOCAL": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.run([sys.executable, "-m", "cxinbox", "outbox", "--config",
                           str(desk.config_path)], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    assert f" sent        {clinic}  #" in line, (line, clinic)
    assert machine not in line
    assert "1 item(s); times in America/New_York" in proc.stderr


def test_guard_exit_code_lists_what_arrived(desk: Desk, tmp_path: Path) -> None:
    text = tmp_path / "reply.txt"
    text.write_text("Friday is fine.\n")
    assert _run(desk, "reply", str(desk.conv_id()), "--body-file", str(text)).exit_code == 0
    desk.server.deliver(patient_mail("Re: Reschedule my appointment", message_id="p2@x.example",
                                     body="Never mind, I'll call",
                                     extra="In-Reply-To: <p1@patients.example>\r\n"))
    desk.sync()
    blocked = _run(desk, "reply", str(desk.conv_id()), "--body-file", str(text), "--send")
    assert blocked.exit_code == EXIT_GUARD
    assert "new message from" in blocked.output and "call" in blocked.output
    assert desk.sink.messages == []
    forced = _run(desk, "reply", str(desk.conv_id()), "--body-file", str(text), "--send",
                  "--force")
    assert forced.exit_code == 0, forced.output
    assert len(desk.sink.messages) == 1


def test_bad_arguments_are_one_line_errors(desk: Desk) -> None:
    both = _run(desk, "reply", str(desk.conv_id()), "--template", "x", "--body-file", "y")
    assert both.exit_code == 2 and "exactly one" in both.output
    unknown = _run(desk, "reply", str(desk.conv_id()), "--template", "nope")
    assert isinstance(unknown.exception, NotFound) and unknown.exception.exit_code == 3
    assert _run(desk, "reply", "abc", "--body-file", "y").exit_code == 2
    assert _run(desk, "outbox", "explode", "1").exit_code == 2


def test_reply_with_attachments_sends_the_files(desk: Desk, tmp_path: Path) -> None:
    text = tmp_path / "reply.txt"
    text.write_text("The forms you asked for.\n")
    first = tmp_path / "consent.pdf"
    first.write_bytes(b"%PDF-1.4 consent\n")
    second = tmp_path / "map.png"
    second.write_bytes(b"\x89PNG\r\n\x1a\nmap")
    conv = str(desk.conv_id())
    missing = _run(desk, "reply", conv, "--body-file", str(text), "--attach",
                   str(tmp_path / "nope.pdf"), "--send")
    assert missing.exit_code == 2 and "nope.pdf" in missing.output
    assert len(missing.output.strip().splitlines()) == 1
    assert desk.sink.messages == []
    # A draft first (the files are listed), then the same reply sent: the files are not
    # attached twice.
    saved = _run(desk, "reply", conv, "--body-file", str(text), "--attach", str(first),
                 "--attach", str(second))
    assert saved.exit_code == 0, saved.output
    assert "[attached: consent.pdf" in saved.output and "[attached: map.png" in saved.output
    sent = _run(desk, "reply", conv, "--body-file", str(text), "-a", str(first), "-a",
                str(second), "--send", "--json")
    assert sent.exit_code == 0, sent.output
    (captured,) = desk.sink.messages
    parts = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
             for p in parsed(captured.data).iter_attachments()]
    assert parts == [("consent.pdf", "application/pdf", b"%PDF-1.4 consent\n"),
                     ("map.png", "image/png", b"\x89PNG\r\n\x1a\nmap")]
