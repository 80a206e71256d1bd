"""Spanish opt-out words through the local SMS provider: the clinic's Spanish question says
"Responda BAJA", so a patient texting BAJA is opted out exactly like STOP, is texted no more,
and the closed conversation stays closed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from tests.test_csat_flow import ANN, Env, _env

from cxinbox.contract.errors import BadRequest
from cxinbox.domain.csat import QUESTIONS
from cxinbox.service.replies import ReplyService
from cxinbox.store.sms import is_opted_out

SPANISH = "Hola, necesito una cita para mi hija mañana por la tarde, por favor."


@pytest.fixture
def now_env(tmp_path: object) -> Iterator[Env]:
    yield from _env(tmp_path, delay=0)  # type: ignore[arg-type]


@pytest.mark.parametrize("word", ["BAJA", "baja", " Baja. ", "Alto", "PARAR", "cancelar"])
def test_a_spanish_opt_out_word_is_honoured(now_env: Env, word: str) -> None:
    env = now_env
    conv = env.text_in(SPANISH)
    env.inbox.set_status(conv, "closed")
    assert env.csat.round(int(time.time())) == 1
    env.worker.process_due()
    asked = env.questions()
    assert asked == [QUESTIONS["es"]["sms"]] and "BAJA" in asked[0]

    env.text_in(word)
    assert is_opted_out(env.db.conn, ANN)
    assert env.status(conv) == "closed"  # an opt-out asks nothing of the desk
    lines = [n.body for n in env.inbox.get_conversation(conv, record_view=False).notes]
    assert any("opted out" in line for line in lines), lines
    assert [a for a, _ in env.events("sms.opt_out")] == ["sync"]

    replies = ReplyService(env.inbox)
    draft = replies.start_draft(conv)
    replies.save_draft(draft.id, "Recordatorio de su cita")
    with pytest.raises(BadRequest, match="opted out"):
        replies.send(draft.id)
    env.worker.process_due()
    assert env.questions() == asked  # the question only: nothing after BAJA


def test_alta_opts_back_in_and_a_sentence_is_no_keyword(now_env: Env) -> None:
    env = now_env
    conv = env.text_in(SPANISH)
    env.text_in("Baja")
    assert is_opted_out(env.db.conn, ANN)
    env.text_in("Alta")
    assert not is_opted_out(env.db.conn, ANN)
    env.inbox.set_status(conv, "closed")
    env.text_in("quiero dar de baja mi cita del martes")  # a message, not the keyword
    assert not is_opted_out(env.db.conn, ANN)
    assert env.status(conv) == "open"
