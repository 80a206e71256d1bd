"""`cxinbox doctor` against the real servers: Dovecot, the SMTP server, the SMS provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.doctorhelp import unwrap
from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import Desk, make_desk
from tests.test_serve_support import cx, socket_dir

pytestmark = pytest.mark.dovecot


@pytest.fixture
def desk(tmp_path: Path, dovecot: Any) -> Iterator[Desk]:
    d = make_desk(tmp_path, dovecot)
    yield d
    d.sink.stop()
    d.db.close()


def _with_sms(desk: Desk, provider: SmsProvider, token: str) -> Path:
    secret = desk.tmp / "sms.token"
    secret.write_text(token + "\n")
    secret.chmod(0o600)
    path = desk.tmp / "doctor.toml"
    path.write_text(desk.config_path.read_text() + f"""
[sms]
base_url = "{provider.base_url}"
account_sid = "{provider.account_sid}"
verify_tls = false
password_file = "{secret}"

[[sms.numbers]]
number = "+15550100100"
name = "Front desk"
""")
    return path


def test_doctor_checks_smtp_sent_folder_and_sms(desk: Desk) -> None:
    with SmsProvider() as provider:
        cfg = _with_sms(desk, provider, provider.token)
        result = cx("doctor", "--config", str(cfg))
    out = unwrap(result.stdout)
    assert result.returncode == 0, out + result.stderr
    assert "SMTP 127.0.0.1:" in out and "login ok" in out
    assert "no 'Sent' folder yet; the first reply creates it" in out
    assert "SMS +15550100100 (Front desk): provider" in out
    assert "all checks passed" in out
    # Doctor looks, it never creates: the Sent folder is still missing.
    client = desk.server.imap_client()
    assert "Sent" not in {name for _f, _d, name in client.list_folders()}
    client.logout()


def test_doctor_says_no_copy_is_filed_when_append_sent_is_never(desk: Desk) -> None:
    """With `append_sent = "never"` cxinbox appends nothing, so nothing creates the Sent
    folder: the doctor says replies are not copied, not that the first one creates it."""
    cfg = desk.tmp / "never.toml"
    text = desk.config_path.read_text()
    assert text.count('smtp_tls = "') == 1
    cfg.write_text(text.replace('smtp_tls = "', 'append_sent = "never"\nsmtp_tls = "', 1))
    result = cx("doctor", "--config", str(cfg))
    out = unwrap(result.stdout)
    assert result.returncode == 0, out + result.stderr
    assert 'appointments: replies are not copied to Sent (append_sent = "never")' in out
    assert "creates it" not in out
    # With the folder there, it says the desk's own sent mail is still read from it.
    client = desk.server.imap_client()
    client.create_folder("Sent")
    client.logout()
    again = unwrap(cx("doctor", "--config", str(cfg)).stdout)
    assert ('appointments: replies are not copied to Sent (append_sent = "never"); sent'
            " mail is read from 'Sent'") in again


def test_doctor_fails_on_a_wrong_sms_token_and_wrong_smtp_password(desk: Desk) -> None:
    desk.sink.password = "changed-on-the-server"  # the SMTP server no longer takes ours
    with SmsProvider() as provider:
        cfg = _with_sms(desk, provider, "not-the-token")
        result = cx("doctor", "--config", str(cfg))
    out = unwrap(result.stdout)
    assert result.returncode == 1
    fails = [line for line in out.splitlines() if line.strip().startswith("FAIL")]
    assert any("SMTP" in line and "login refused" in line for line in fails), out
    assert any("SMS" in line and ("401" in line or "token" in line.lower()) for line in fails), out
    assert "Traceback" not in out + result.stderr


def test_doctor_says_when_no_server_answers(desk: Desk) -> None:
    with socket_dir() as sockdir:
        cfg = desk.tmp / "server.toml"
        cfg.write_text(desk.config_path.read_text()
                       + f'\n[server]\nsocket = "{sockdir / "s.sock"}"\n')
        result = cx("doctor", "--config", str(cfg))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no cxinbox server answers on" in result.stdout
