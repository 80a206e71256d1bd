"""The patient's new text in replies written below a quote and in very long messages.

A patient who answers under the clinic's own acknowledgement ("On ... wrote:" then the
quoted acknowledgement, then "I have crushing chest pain now") wrote that last line now;
so did a patient who adds an emergency at the end of a 25,000-character pasted bill. Both
were once dropped unread.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.triage_devset import RED

from cxinbox.domain.newtext import HEAD_CHARS, MAX_CHARS, new_text
from cxinbox.domain.triage import assess

ATTRIBUTIONS = [
    "On Sat, Dec 5, 2026 at 9:00 AM Riverside Clinic <desk@clinic.example> wrote:",
    "On Sat, Dec 5, 2026 at 9:00 AM Riverside Clinic <\ndesk@clinic.example> wrote:",
    "El sáb, 5 dic 2026 a las 9:00, Clínica Riverside (<desk@clinic.example>) escribió:",
]
ACK = ("We received your message and will answer by Monday 8:00.\n"
       "If this is an emergency, call 911.")
BENIGN = ["ok thanks", "Monday works for me.", "Gracias, ahí estaré.",
          "Please send the form to my email.", "Got it, I'll pick it up tomorrow."]
RED_BODIES = [body for body, _ in RED]


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())


def test_a_reply_below_the_quote_is_read() -> None:
    body = (f"{ATTRIBUTIONS[0]}\n{_quoted(ACK)}\n\n"
            "I have crushing chest pain now and my left arm is numb.")
    assert new_text(body) == "I have crushing chest pain now and my left arm is numb."
    assert assess(body).red_flag == "chest_pain"


def test_answers_between_quoted_questions_are_all_read() -> None:
    body = (f"{ATTRIBUTIONS[0]}\n> Which day suits you?\nTuesday\n\n"
            "> Anything else we should know?\nmy chest hurts and I'm sweating a lot\n")
    assert new_text(body) == "Tuesday\n\nmy chest hurts and I'm sweating a lot"


def test_history_without_quote_marks_after_an_attribution_stays_history() -> None:
    # A reader that quotes without ">" (an attribution, then the old text plain) leaves no
    # way to tell where the old text ends: all of it is history, as before.
    body = f"Thanks, see you then.\n\n{ATTRIBUTIONS[0]}\nI had chest pain last month."
    assert new_text(body) == "Thanks, see you then."


def test_each_part_loses_its_own_signature() -> None:
    body = (f"{ATTRIBUTIONS[0]}\n{_quoted(ACK)}\n\nSee you Monday.\n\nThanks,\n"
            "Pat Doe\nVolunteer, Stroke Survivors Choir\n")
    assert new_text(body) == "See you Monday."
    assert assess(body).red_flag is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(red=st.sampled_from(RED), attribution=st.sampled_from(ATTRIBUTIONS),
       history=st.sampled_from(RED_BODIES + [ACK]))
def test_an_emergency_written_below_any_quote_is_found(
        red: tuple[str, str], attribution: str, history: str) -> None:
    body = f"{attribution}\n{_quoted(history)}\n\n{red[0]}"
    assert assess(body).red_flag == red[1], body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new=st.lists(st.sampled_from(BENIGN), min_size=1, max_size=2),
       attribution=st.sampled_from(ATTRIBUTIONS),
       history=st.lists(st.sampled_from(RED_BODIES), min_size=1, max_size=3))
def test_quoted_emergencies_above_a_benign_reply_never_raise_a_flag(
        new: list[str], attribution: str, history: list[str]) -> None:
    body = f"{attribution}\n{_quoted(chr(10).join(history))}\n\n" + "\n".join(new)
    found = assess(body)
    assert found.red_flag is None, (body, found)


def test_the_end_of_a_very_long_message_is_read() -> None:
    bill = "Line item: office visit, copay 25.00, adjustment 0.00.\n" * 450
    assert len(bill) > MAX_CHARS
    body = f"{bill}\nAlso I cannot breathe and my lips are turning blue."
    assert assess(body).red_flag == "breathing"
    sms = "word " * 5000 + "no puedo respirar y tengo los labios morados"
    assert assess(sms, channel="sms").red_flag == "breathing"


def test_a_long_quoted_history_below_a_short_reply_stays_history() -> None:
    old = _quoted("I had crushing chest pain and went to the ER.\n" * 600)
    body = f"Thanks, all good now.\n\n{ATTRIBUTIONS[0]}\n{old}"
    assert len(body) > MAX_CHARS
    assert new_text(body) == "Thanks, all good now."
    assert assess(body).red_flag is None


def test_a_long_bottom_posted_reply_is_read_past_the_quote() -> None:
    old = _quoted("Your statement for November is attached.\n" * 600)
    body = f"{ATTRIBUTIONS[0]}\n{old}\n\nmy baby is 6 weeks old and has a fever of 38.5"
    assert len(body) > HEAD_CHARS
    assert assess(body).red_flag == "infant_fever"


def test_a_quoted_line_rewrapped_without_its_mark_stays_quoted() -> None:
    # The clinic's own safety advice, quoted back with one line re-wrapped by the
    # patient's mail program: still quote, never the patient's words.
    body = (f"Thanks, see you then.\n\n{ATTRIBUTIONS[0]}\n"
            "> Your results are normal. If you develop chest pain or\n"
            "shortness of breath, call 911 straight away.\n"
            "> Kind regards\n")
    assert new_text(body) == "Thanks, see you then."
    assert assess(body).red_flag is None
    at_end = (f"{ATTRIBUTIONS[0]}\n> Your results are normal. If you develop chest pain or\n"
              "shortness of breath, call 911 straight away.\n")
    assert assess(f"See you Monday.\n\n{at_end}").red_flag is None
    # an answer under a quoted question is the patient's, re-wrap or not
    answer = f"{ATTRIBUTIONS[0]}\n> How are you feeling today?\nmy chest is crushing me\n"
    assert assess(answer).red_flag == "chest_pain"
