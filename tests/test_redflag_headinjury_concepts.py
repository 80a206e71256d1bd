"""Head injury read by its concepts (domain/headinjury.py, TRIAGE_EVAL.md "Round 32"): a blow
to the head told any way beside a warning sign, a blow to a baby, an elderly person or
someone on a blood thinner, or a fall with a sign of the brain raise head injury; the same
words in ordinary lives (a knock days ago and fine now, a helmet that did its job, a
concussion form, a CT bill, a head against the wall over a bill, a sign denied) stay quiet.
Sentences of our own, none a line of any labelled set, read by the whole detector
(triage.assess), in English and Spanish.
"""

from __future__ import annotations

import pytest

from cxinbox.domain import headinjury, triage

POSITIVES = [
    # a blow told every way, and a sign
    ("en", "my roommate got smacked in the head by a swinging shelf at work and keeps throwing up"),
    ("en", "fell off the scaffold this morning, head hit the plank. he's slurring and sleepy"),
    ("en", "the horse threw my daughter and she landed on the back of her head. now she is confused"),
    ("en", "took a softball to the temple at practice, now his pupils look different sizes"),
    ("en", "banged my head on the open car door getting groceries, now the worst headache ever"),
    ("en", "stood up right into the kitchen cabinet, nasty knock. an hour later i'm seeing double"),
    ("en", "he was headbutted in a fight outside the bar and now clear fluid is dripping from his nose"),
    ("en", "son crashed his dirt bike, no helmet, and he doesn't know where he is"),
    ("en", "my husband fell off the ladder cleaning gutters and had a seizure on the lawn"),
    ("es", "mi papá se dio un trancazo con la viga del garaje y ahora está vomitando"),
    ("es", "se pegó en la cabeza con el columpio y está muy adormilado, cuesta despertarlo"),
    ("es", "mi hijo se cayó de la bici sin casco y pregunta lo mismo una y otra vez"),
    ("es", "le cayó una caja en la cabeza en la bodega y le sale líquido claro por la nariz"),
    # a blow to the guide's groups, no other sign
    ("en", "my 5 month old rolled off the bed onto the tile and bumped her head, she cried and is nursing now"),
    ("en", "grandpa is on warfarin and whacked his head on the bathroom shelf this morning"),
    ("en", "mom takes eliquis and bonked her forehead on the car door an hour ago, she seems fine"),
    ("es", "mi abuelita de 88 años se pegó en la frente con la puerta de la alacena"),
    ("es", "mi esposo toma aspirina para el corazón y se dio un golpe en la cabeza con el gabinete"),
    ("es", "mi bebé de 6 meses se cayó de la cama hace un rato"),
    ("en", "my dad (84) slipped in the shower and hit the back of his head on the tub"),
    ("en", "mom, who's on xarelto, tripped and face-planted on the sidewalk"),
    ("en", "baby rolled off the changing table onto the floor"),
    ("es", "se me cayó la bebé de los brazos en la cocina"),
    ("es", "mi papá que toma warfarina se cayó en el baño y se golpeó la cabeza"),
    ("en", "she has no idea where she is after the fall"),
    ("en", "my dad took a tumble down the basement stairs and is really drowsy, he's 81"),
    ("en", "coworker was struck by a falling pipe, he's conscious but his speech is slurred"),
    ("es", "se cayó de la moto sin casco, está despierto pero no reconoce a su esposa"),
]

NEAR_MISSES = [
    # a knock days behind, fine now; a helmet that did its job
    ("en", "bumped my head on a low beam last week, felt fine since. can i move my physical to friday"),
    ("en", "crashed my bike on sunday but the helmet did its job, no symptoms at all. need a work note"),
    ("es", "me pegué en la cabeza con la puerta hace dos semanas, ya estoy bien, quería pedir cita"),
    # a form, a scan asked about or billed
    ("en", "my son needs the concussion clearance form signed before he goes back to practice"),
    ("en", "why was I billed twice for the CT scan after I hit my head in march?"),
    ("es", "me cobraron la resonancia de cuando me golpeé la cabeza, ¿me pueden ayudar?"),
    # a head against the wall, a headache from screens
    ("en", "this insurance form has me banging my head against the wall, nobody answers the phone"),
    ("en", "headaches every afternoon from staring at screens all day, can i get an eye referral"),
    # a child's knock with the signs denied; a fall with no head and no sign
    ("en", "my 4 year old bumped his forehead on the table, didn't pass out, no vomiting, playing now"),
    ("es", "mi hijo de 7 años se pegó en la frente jugando, no vomitó, no se desmayó, está bien"),
    ("en", "tripped on the curb and scraped both knees, any appointment this week?"),
    ("en", "if my son gets hit in the head at football, what signs should we watch for?"),
    # a blow years back, for a lawyer or a record
    ("en", "I cracked my skull in a car wreck in 2015, my attorney wants the old records"),
    ("es", "necesito el reporte del golpe en la cabeza que tuve el año pasado para el seguro"),
    ("en", "ugh, i must have hit my head, i showed up a day early. when is my visit really?"),
    # confusion over a bill, a fall asleep, a phone that fell
    ("en", "i'm so confused by this bill, i fell out of my chair when i saw the total"),
    ("en", "I fell asleep at my desk and woke up confused about the time, is that normal on this med?"),
    ("es", "se cayó mi celular y se rompió la pantalla, no puedo ver los mensajes del portal"),
    ("en", "the kids were so sleepy after the fall carnival, can we move Monday's checkups to 4pm?"),
]


@pytest.mark.parametrize(("lang", "text"), POSITIVES)
def test_a_blow_with_a_sign_or_to_the_guides_groups_reads_head_injury(lang: str, text: str) -> None:
    assert lang in ("en", "es")
    assert triage.assess(text, channel="sms").red_flag == "head_injury"


@pytest.mark.parametrize(("lang", "text"), NEAR_MISSES)
def test_the_same_words_in_ordinary_lives_stay_quiet(lang: str, text: str) -> None:
    assert lang in ("en", "es")
    assert triage.assess(text, channel="sms").red_flag is None


@pytest.mark.parametrize("text", [
    "my 9 year old got elbowed in the head at recess",
    "se pegó en la cabeza con la mesa, está jugando normal",
])
def test_a_blow_alone_outside_the_guides_groups_is_not_read(text: str) -> None:
    assert headinjury.concept_flag(text) is None


def test_a_fall_with_one_side_not_moving_and_no_head_stays_a_stroke() -> None:
    text = "my uncle fell over in the yard, didn't hit his head, his left arm and leg won't move"
    assert triage.assess(text, channel="sms").red_flag == "stroke"


def test_a_blow_that_explains_double_vision_is_head_injury_not_stroke() -> None:
    text = "a crate fell on his head in the warehouse and now he is seeing double"
    assert headinjury.blow_caused(text)
    assert triage.assess(text, channel="sms").red_flag == "head_injury"


def test_a_current_sign_keeps_a_blow_told_beside_a_form() -> None:
    text = "he needs the school concussion form, but he hit his head again today and keeps vomiting"
    assert not headinjury.quiet_hit(text)
    assert triage.assess(text, channel="sms").red_flag == "head_injury"


def test_a_denied_blood_thinner_is_not_the_guides_group() -> None:
    text = "my husband bumped his head on the shelf, he doesn't take blood thinners, just a small bump"
    assert headinjury.concept_flag(text) is None


def test_a_pregnancy_week_count_is_not_a_babys_age() -> None:
    assert headinjury.concept_flag("fell on the steps at 30 weeks pregnant, no pain, baby moving") is None


def test_a_mailing_is_never_flagged_by_the_reader() -> None:
    body = ("Monthly safety tips. If your child hits their head and vomits or is confused, "
            "call 911. Unsubscribe at any time.")
    raw = (b"From: news@clinic.example.org\r\nList-Unsubscribe: <mailto:u@example.org>\r\n"
           b"Subject: Safety tips\r\n\r\n" + body.encode())
    assert triage.assess_message(raw).red_flag is None


@pytest.mark.parametrize("text", [
    "grandpa slipped in the kitchen and hit his head on the table, he takes eliquis",
    "my aunt (84) knocked her head on the table edge when she bent down, little bump",
    "our 7 month old rolled off and hit her head on the coffee table",
    "my brother hit his head on the wall when he fell at work and has been vomiting since",
])
def test_a_head_struck_on_a_table_or_a_wall_is_a_blow_not_the_idiom(text: str) -> None:
    """A past blow on a table or a wall is the head struck (the idiom is one's own head
    against the wall or the desk over a bill, or wanting to): with a sign, or to a baby, the
    old or someone on a thinner, it is head injury."""
    assert triage.assess(text, channel="sms").red_flag == "head_injury"


@pytest.mark.parametrize("text", [
    "i have been banging my head against the wall with this prior auth, can billing call me",
    "this portal makes me want to bang my head on the desk. how do i see my results",
    "hit my head against the wall for an hour trying to fill in the disability form",
    "the kids are banging their heads against the wall over the school forms too",
])
def test_ones_own_head_against_the_wall_over_a_bill_stays_quiet(text: str) -> None:
    assert triage.assess(text, channel="sms").red_flag is None
