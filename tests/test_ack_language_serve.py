"""The out-of-hours acknowledgement in the patient's language, through `cxinbox serve`: mail
delivered into Dovecot, texts from the SMS test provider, answers caught by the SMTP sink
and the provider. A Spanish writer gets the Spanish text (the built-in one for mail, the
config's `sms_es` for texts), an English writer the English one."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider
from tests.support.smtpsink import SmtpSink
from tests.test_rules import OPEN_DAY, patient_mail
from tests.test_rules_serve import CLINIC, _config, _rows, _wait
from tests.test_serve_support import Server, socket_dir

from cxinbox.config import ACK_EMAIL_ES

RULE = '''
[[rules]]
name = "after hours"
on = "arrival"
actions = { acknowledge = true }
'''
SMS_EN = '{{clinic}}: got your text, we answer by {{next_open}}. Emergency? Call 911.'
SMS_ES = ('{clinic}: recibimos su texto, respondemos el {next_open}.'
          ' ¿Emergencia? Llame al 911.')
ES_PHONE = "+15558675311"
EN_PHONE = "+15558675312"
DAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _body(raw: bytes) -> tuple[str, str]:
    msg = message_from_bytes(raw)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return str(make_header(decode_header(msg["Subject"]))), text


def test_acknowledgement_speaks_the_patients_language(dovecot: Any, tmp_path: Path,
                                                      sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    db = tmp_path / "data" / "cxinbox.db"
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    provider = SmsProvider(numbers=[CLINIC]).start()
    try:
        cfg = _config(tmp_path, dovecot, sink, provider, sock, RULE)
        text = cfg.read_text()
        assert SMS_EN.replace("{{", "{").replace("}}", "}") in text
        cfg.write_text(text.replace("[acknowledge]\n", f'[acknowledge]\nsms_es = "{SMS_ES}"\n',
                                    1))
        opens = DAYS_ES[OPEN_DAY]  # the one day the config's hours open
        dovecot.deliver(patient_mail("", message_id="es1@patients.example",
                                     sender="Ana Ruiz <ana@patients.example>",
                                     body="Hola, necesito una cita para mi hija, por favor."
                                          " Gracias."))
        dovecot.deliver(patient_mail("Reschedule", message_id="en1@patients.example",
                                     body="Hello, can I move my appointment to Friday?"))
        provider.inject_inbound(ES_PHONE, CLINIC, "Buenos días, ¿puedo cambiar mi cita de"
                                " mañana para la tarde?")
        provider.inject_inbound(EN_PHONE, CLINIC, "Hi, can I move my appointment to Friday?")
        with Server(cfg, sock) as server:
            _wait("four acknowledgements sent", lambda: _rows(
                db, "SELECT count(*) FROM outbox WHERE state = 'sent'") == [(4,)], server)
            assert sink.wait_for(2)
            mails = {m.rcpt_tos[0]: _body(m.data) for m in sink.messages}
            subject, body = mails["ana@patients.example"]
            assert subject == "Recibimos su mensaje"  # the patient's mail had no subject
            assert body.strip() == ACK_EMAIL_ES.format(next_open=f"{opens} 9:00",
                                                       clinic="").strip()
            subject, body = mails["jane.doe@patients.example"]
            assert subject == "Re: Reschedule"
            assert body.startswith("We received your message. We will answer by ")
            texts = {m.to: m.body for m in provider.outbound()}
            assert texts[ES_PHONE].endswith(f"recibimos su texto, respondemos el {opens} 9:00."
                                            " ¿Emergencia? Llame al 911.")
            assert "got your text" in texts[EN_PHONE] and "recibimos" not in texts[EN_PHONE]
    finally:
        provider.stop()
        sink.stop()
