"""Round 36's retrained statistical model (round 35's recipe: every labelled set through
blind45 and the three corpora) and the model's gate (TRIAGE_EVAL.md, "Model retrained (round
36)"): five families of our own near misses that model read as an emergency, each told as
something else beside the word it leaned on hardest, set aside for the model's hits of the
categories named (redflag.near_miss, called by triage.set_aside):

- an injury denied in the same breath ("the chainsaw cut my jeans, not my leg"), for a
  bleeding or a self-harm hit;
- medicines handed back, thrown out or taken for disposal unopened ("I returned all of the
  sleeping pills unopened", "devolví las pastillas sin abrir");
- a picture or a list of the medicines one takes ("a picture of the pills I take");
- a dose asked about for a named ordinary ache ("how many tablets it would take to help
  this toothache");
- an idiom of praise ("to die for", brownies that are "lethal", food "de muerte");
- a time that does not suit, told as what one cannot do ("I can't do the 8 am");
- thoughts of not wanting to live told as gone, with thanks ("ya no tengo esos
  pensamientos ... gracias por todo"), read anywhere in the message.

And one overdose the lexicon now reads itself (the retrained model read it as self-harm): a
dose given again by someone who did not know it had been given.

Each is undone by its emergency told anywhere in the message (bleeding, pills swallowed or
kept back, a wish to die), and none of them sets aside a lexicon hit.
"""

from __future__ import annotations

import pytest

from cxinbox.domain import redflag, triage
from cxinbox.domain.triage import assess


def _aside(text: str, category: str, word: str) -> bool:
    """Whether the model's hit of `category`, leaning hardest on `word`, is set aside."""
    folded = redflag.fold(text)[0]
    return triage.set_aside(folded, category, folded.index(word))


@pytest.mark.parametrize(("text", "category", "word"), [
    # an injury denied in the same breath
    ("the chainsaw cut my jeans, not my leg, all good", "severe_bleeding", "chainsaw"),
    ("the grinder went right through my glove but not my hand", "severe_bleeding", "grinder"),
    ("the dog bit his sleeve, not his arm, he is just scared", "severe_bleeding", "bit"),
    ("the dog bit his sleeve, not his arm, he is just scared", "suicide_self_harm", "not"),
    ("not my leg, just my work pants, the saw slipped", "severe_bleeding", "saw"),
    ("se cortó la bota, no el pie, gracias a dios", "severe_bleeding", "corto"),
    ("la motosierra rasgó el pantalón pero no la pierna", "severe_bleeding", "motosierra"),
    ("el perro mordió la manga, ni le tocó la piel", "severe_bleeding", "perro"),
    # medicines handed back or thrown out unopened
    ("I returned all of the sleeping pills unopened, I'd rather not take them",
     "suicide_self_harm", "pills"),
    ("we took them to the pharmacy for disposal last week", "overdose_poisoning", "took"),
    ("threw out the old painkillers still sealed in the box", "overdose_poisoning", "painkillers"),
    ("I took a whole box of tablets back to the pharmacy", "overdose_poisoning", "whole"),
    ("devolví las pastillas sin abrir, no las quiero tomar", "suicide_self_harm", "pastillas"),
    ("las llevé a la farmacia para desecharlas", "overdose_poisoning", "farmacia"),
    ("tiré los frascos de jarabe sellados, ¿me dan otra receta?", "overdose_poisoning", "frascos"),
    # a picture or a list of the medicines one takes
    ("I sent a picture of the pills I take, sorry for the blurry photo", "suicide_self_harm", "pills"),
    ("here is a photo of all the meds she's on. sorry it's blurry", "overdose_poisoning", "sorry"),
    ("attached a list of his medications for the chart", "overdose_poisoning", "medications"),
    ("updated med list attached, I take them every morning", "suicide_self_harm", "take"),
    ("le mandé una foto de las pastillas que tomo", "suicide_self_harm", "pastillas"),
    ("aquí va la lista de medicamentos de mi mamá para su cita", "overdose_poisoning", "medicamentos"),
    # a dose asked about for a named ordinary ache
    ("how many tablets it would take to help this toothache", "suicide_self_harm", "would"),
    ("how much tylenol can I take for a bad headache?", "overdose_poisoning", "tylenol"),
    ("how many advil is too many with period cramps", "overdose_poisoning", "too"),
    ("¿cuántas pastillas puedo tomar para el dolor de muela?", "overdose_poisoning", "pastillas"),
    ("cuantos ibuprofenos me tomo pa la migraña", "suicide_self_harm", "ibuprofenos"),
    # an idiom of praise
    ("here's the brownie recipe, everyone says they're lethal and to die for",
     "suicide_self_harm", "everyone"),
    ("that dress is a killer, you'll look amazing at the gala", "suicide_self_harm", "killer"),
    ("I'm dying to try the new cafe downstairs", "suicide_self_harm", "dying"),
    ("el pastel de mi abuela está de muerte", "suicide_self_harm", "pastel"),
    ("me muero por probar los tamales de la fiesta", "overdose_poisoning", "muero"),
    # a time that does not suit
    ("I can't do the 8 am, I'm at work then. Anything after 11 works", "suicide_self_harm", "can't"),
    ("we can't make tuesday, sorry, any chance of thursday?", "suicide_self_harm", "sorry"),
    ("no puedo a las 8, trabajo en el campo, ¿hay algo en la tarde?", "suicide_self_harm", "puedo"),
    # thoughts of not wanting to live told as gone, with thanks sentences later
    (("ya no tengo esos pensamientos de no querer vivir, la terapia me ayudó mucho. Hoy volví "
     "al trabajo. Gracias por todo, de corazón."), "suicide_self_harm", "todo"),
    (("I don't have those dark thoughts anymore since the new meds. I went to school today. "
     "Thank you for everything."), "suicide_self_harm", "everything"),
])
def test_the_near_miss_families_set_the_model_hit_aside(text: str, category: str,
                                                        word: str) -> None:
    assert _aside(text, category, word), text


@pytest.mark.parametrize(("text", "category", "word"), [
    # the injury told after all: bleeding, a wound, the limb itself cut
    ("the chainsaw cut my jeans, not my leg, but my hand is bleeding a lot",
     "severe_bleeding", "chainsaw"),
    ("the chainsaw cut through my jeans and my leg is gushing", "severe_bleeding", "chainsaw"),
    ("se cortó la bota, no el pie, pero la mano está sangrando mucho", "severe_bleeding", "corto"),
    ("the saw cut his leg, not just his jeans", "severe_bleeding", "saw"),
    ("I tried with the blade, it cut my sleeve, not my wrist", "suicide_self_harm", "blade"),
    ("the knife cut my sleeve not my arm, I want to die", "suicide_self_harm", "knife"),
    # the pills taken, kept back or swallowed after all
    ("I returned the pills unopened but kept enough to end it tonight",
     "suicide_self_harm", "pills"),
    ("she swallowed some of them, then I took the rest to the pharmacy for disposal",
     "overdose_poisoning", "took"),
    ("devolví las pastillas sin abrir pero antes me tomé todas las de dormir",
     "suicide_self_harm", "pastillas"),
    ("here's a picture of the pills I take, my son swallowed a handful an hour ago",
     "overdose_poisoning", "son"),
    ("foto de las pastillas que toma mi papá, se tomó el frasco entero y no despierta",
     "overdose_poisoning", "papa"),
    ("how many would it take for this headache to end it all", "suicide_self_harm", "take"),
    ("took the whole bottle for my toothache", "overdose_poisoning", "bottle"),
    # the family not told: a dose for no ordinary ache, pills not pictured, no praise
    ("how many pills would it take so I don't wake up", "suicide_self_harm", "pills"),
    ("I returned to the house and took all of her sleeping pills", "overdose_poisoning", "pills"),
    ("the pills I take are not working and I want to die", "suicide_self_harm", "pills"),
    ("I want to die, this pain is killing me", "suicide_self_harm", "die"),
    ("everyone would be better off, tonight's the night", "suicide_self_harm", "everyone"),
    ("tengo pensamientos de muerte todo el día", "suicide_self_harm", "pensamientos"),
    ("that mix of pills and alcohol is lethal", "overdose_poisoning", "pills"),
    ("I can't do this anymore, I'm done", "suicide_self_harm", "can't"),
    ("I can't do the appointment, I won't be here by then. goodbye", "suicide_self_harm", "can't"),
    ("ya no tengo esos pensamientos, pero esta noche volvieron", "suicide_self_harm", "pensamientos"),
    ("ya no tengo ganas de seguir viviendo, ya compré las pastillas", "suicide_self_harm", "ganas"),
    ("ya no tengo ideas de nada, ni ganas de vivir", "suicide_self_harm", "ideas"),
    ("I don't have those thoughts anymore, I've decided. Thank you for everything",
     "suicide_self_harm", "everything"),
])
def test_the_same_words_with_the_emergency_told_are_not_set_aside(text: str, category: str,
                                                                  word: str) -> None:
    assert not _aside(text, category, word), text


@pytest.mark.parametrize(("text", "category", "word"), [
    ("the chainsaw cut my jeans, not my leg", "head_injury", "chainsaw"),  # bleeding only
    ("I returned all of the sleeping pills unopened", "chest_pain", "pills"),
    ("how much tylenol can I take for a bad headache?", "stroke", "headache"),
])
def test_a_family_sets_aside_only_its_own_categories(text: str, category: str,
                                                     word: str) -> None:
    assert not _aside(text, category, word), text


@pytest.mark.parametrize(("body", "matched"), [
    (("mum's carer gave her the morphine at 6 and the day nurse gave it again at 8 not knowing, "
     "she is very sleepy"), "gave it again at 8 not knowing"),
    ("gave him another dose of his oxy, didn't know his wife already had",
     "gave him another dose of his oxy, didn't know"),
    ("la enfermera de la noche se la volvió a dar sin saber y está muy dormida",
     "se la volvió a dar sin saber"),
])
def test_a_dose_given_again_by_someone_who_did_not_know_is_an_overdose(body: str,
                                                                      matched: str) -> None:
    found = assess(body, channel="sms")
    assert found.red_flag == "overdose_poisoning", body
    assert found.matched == matched, body


@pytest.mark.parametrize("body", [
    "the nurse gave it again at 8 as the doctor ordered, she is comfortable",
    "le volvieron a dar la dosis de la noche como siempre, ¿a qué hora es la cita?",
])
def test_a_dose_given_again_as_prescribed_is_not(body: str) -> None:
    assert assess(body, channel="sms").red_flag is None, body


def test_a_family_in_another_part_of_the_message_sets_nothing_aside() -> None:
    text = ("here is a photo of the pills I take. Anyway, not why I'm writing. "
            "Last night was fine. Today my daughter got into the cleaning cabinet, she is "
            "drooling and her lips are burned")
    folded = redflag.fold(text)[0]
    assert redflag.near_miss(folded, "overdose_poisoning", folded.index("drooling")) is None
    assert redflag.near_miss(folded, "overdose_poisoning", folded.index("photo")) is not None


@pytest.mark.parametrize("body", [
    "the chainsaw cut my jeans, not my leg, all good",
    "the dog bit his sleeve, not his arm, he is just scared",
    "se cortó la bota con la motosierra, no el pie, todo bien",
    "I returned all of the sleeping pills unopened, I'd rather not take them",
    "devolví las pastillas para dormir sin abrir, prefiero no tomarlas",
    "here's the brownie recipe, everyone says they're lethal and to die for",
    "I sent a picture of the pills I take, sorry for the blurry photo",
    "how many tablets it would take to help this toothache",
    "¿cuántas pastillas puedo tomar para el dolor de muela?",
])
def test_the_near_misses_are_no_red_flag(body: str) -> None:
    for channel in ("sms", "email"):
        assert assess(body, channel=channel).red_flag is None, (body, channel)


@pytest.mark.parametrize(("body", "category"), [
    ("took the whole bottle for my toothache", "overdose_poisoning"),
    ("se tomó el frasco entero de pastillas para el dolor de muela y no despierta",
     "overdose_poisoning"),
    ("the chainsaw cut through my jeans and my leg is bleeding everywhere, won't stop",
     "severe_bleeding"),
    ("I returned the pills unopened but I kept enough to end it tonight",
     "suicide_self_harm"),
    ("here's the brownie recipe. I won't be here to make them again, I want to die",
     "suicide_self_harm"),
])
def test_the_emergency_told_around_such_words_flags(body: str, category: str) -> None:
    assert assess(body, channel="sms").red_flag == category, body
