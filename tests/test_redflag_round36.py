"""Round 36 (blind49-51: older adults and voice dictation, teenagers and parents at night,
replies in threads and new medicines): the families behind their misses and false alarms,
each with sentences of our own.

- the wrong category: an oximeter called "the oxy thing", a man with lung disease "nodding
  off between breaths", a rescue inhaler given twice as the doctor said are no poisoning, so
  the breath names the message; a hearing aid that whistles is no wheeze; a chest that hurts
  "when I breathe in" is chest pain, not a failing breath; a thick tongue with one arm numb
  and nothing swelling is a stroke; blood coughed up by the mouthful is a bleed; pills laid
  out after farewells and a plan are an attempt, not an accident;
- false overdose alarms: a mailing's yearly figure and help line, a signature's "overdose?
  call 911", a form's question about family history, a feast "que me intoxicó", mushrooms
  seen growing, a worry about what someone may take, a
  child who is "her usual self" days after;
- misses: nitroglycerin used up on a squeezing that keeps coming back; a weight "en el
  pecho" told by a comparison; a hand gone clumsy on one side; a ball taken on the side of
  the head; a cutting again, deeper ("stopped mostly" is not stopped); pills mixed with
  drink; acetaminophen counted past the limit; a baby's age in the months' shorthand; a
  first allergic reaction ("never had a reaction before") is no reaction behind.
"""

from __future__ import annotations

import pytest

from cxinbox.domain.triage import assess


def flag(body: str, subject: str = "", channel: str = "sms") -> str | None:
    return assess(body, subject=subject, channel=channel).red_flag


# -- the breath named beside a device, a disease or a rescue inhaler ------------------------

@pytest.mark.parametrize("body", [
    "got the flu 3 days ago and now i cant catch my breath at all, the oxy thing on my finger reads 85",
    "my mum is gasping for air sitting up, the pulse oxy reads 83 and her lips are going blue",
    ("my dad has emphysema and he's struggling for every breath tonight, lips bluish, he keeps "
     "nodding off between breaths which he never does"),
    ("mi hijo de 6 años no puede respirar bien, se le hunden las costillas, le di el inhalador "
     "dos veces como me dijo el pediatra y sigue igual"),
])
def test_breath_beside_a_device_or_an_inhaler_is_breathing(body: str) -> None:
    assert flag(body) == "breathing"


@pytest.mark.parametrize("body", [
    "he took a handful of oxy from his brother and now he's barely breathing, nodding off",
    "my roommate used heroin and is nodding off and breathing really slow",
    "le di a mi hijo su jarabe para la tos dos veces por error y ahora está muy dormido",
])
def test_a_drug_taken_still_names_a_poisoning(body: str) -> None:
    assert flag(body) == "overdose_poisoning"


def test_a_hearing_aid_that_whistles_is_no_wheeze() -> None:
    body = ("My hearing aid whistles whenever I put my glasses on. Since lunch I've had a crushing "
            "pressure in the middle of my chest going into my left arm and I'm sweating.")
    assert flag(body, channel="email") == "chest_pain"


def test_a_wheezing_chest_still_names_breathing() -> None:
    assert flag("my chest is tight and whistles when I breathe, I can't get a full breath") == "breathing"


@pytest.mark.parametrize("body", [
    "started a new blood pressure pill friday, now my chest hurts when I breathe in, sharp on the left",
    "desde que empecé la pastilla nueva me duele el pecho cuando respiro hondo, como un piquete",
])
def test_chest_pain_worse_on_breathing_is_chest_pain(body: str) -> None:
    assert flag(body) == "chest_pain"


def test_a_chest_said_not_to_hurt_leaves_the_breath() -> None:
    body = "my chest doesn't hurt, it's that I can't get air in, even sitting still, lips look a bit blue"
    assert flag(body) == "breathing"


@pytest.mark.parametrize("body", [
    "after starting the new blood pressure tablet my words came out wrong and my tongue feels thick, left arm is numb",
    "tomé la medicina nueva y ahora la lengua se siente gruesa y el brazo derecho está dormido, hablo raro",
])
def test_thick_tongue_with_one_side_numb_is_a_stroke(body: str) -> None:
    assert flag(body) == "stroke"


def test_thick_tongue_with_swelling_stays_an_allergy() -> None:
    body = "new antibiotic today, my tongue feels thick and my lips are swelling, my left arm is itchy with hives"
    assert flag(body) == "anaphylaxis"


@pytest.mark.parametrize("body", [
    "my uncle is coughing up blood by the mouthful, a pool of it in the sink, and he's short of breath",
    "mi papá está tosiendo sangre a bocanadas y le falta el aire",
])
def test_blood_coughed_by_the_mouthful_is_a_bleed(body: str) -> None:
    assert flag(body) == "severe_bleeding"


def test_streaks_of_blood_with_breathlessness_stay_breathing() -> None:
    body = "cough for a week, a few streaks of blood this morning, and now i can't catch my breath walking to the car"
    assert flag(body) == "breathing"


@pytest.mark.parametrize("body", [
    ("gave my dog to my cousin yesterday and deleted all my socials. i've been planning this, tonight "
     "is the night, i have all my pills lined up on the bed"),
    ("le di mi perro a mi vecina y borré mis redes. lo he estado planeando, esta noche es la noche, "
     "tengo todas las pastillas en la mesa"),
])
def test_pills_laid_out_after_farewells_are_an_attempt(body: str) -> None:
    assert flag(body) == "suicide_self_harm"


# -- a medicine or a poison named, nobody poisoned ------------------------------------------

@pytest.mark.parametrize(("body", "subject"), [
    (("Safety bulletin: each year thousands of toddlers swallow magnets, pods and grandma's pills. "
      "Store them high. Poison Help line 555-0199."), "Home safety month"),
    ("Boletín: cada año miles de niños se tragan pilas de botón y pastillas. Guárdelas bajo llave.",
     "Semana de prevención"),
])
def test_a_mailings_yearly_figure_is_nobodys_poisoning(body: str, subject: str) -> None:
    assert flag(body, subject=subject, channel="email") is None


@pytest.mark.parametrize("body", [
    "see you tuesday at 3. - Sam | Street Outreach Team | overdose? call 911 and use narcan",
    "gracias, allí estaré - Rosa | Programa Comunitario | ¿sobredosis? llame al 911",
    ("the intake form asks about family history of overdose or poisoning, my cousin overdosed "
     "back in 2009, do I list a cousin?"),
    "el formulario pregunta por antecedentes familiares de sobredosis, ¿pongo a mi tío?",
    "jajaja nos intoxicamos de tamales en la posada, ¿abren el lunes?",
    "lol i OD'd on cookies at the party. are you open monday?",
    ("we moved to a place with a big lawn and I've spotted mushrooms growing everywhere after the "
     "rain, what should I do to keep the toddler safe?"),
    ("my dad is 90 and I worry he'll take his water pill twice because he forgets, is there a "
     "pill box with an alarm you recommend?"),
])
def test_a_product_or_a_worry_named_is_no_poisoning(body: str) -> None:
    assert flag(body) is None


def test_a_pest_poison_eaten_is_a_poisoning() -> None:
    assert flag("mi niño de 3 años se comió el veneno para ratas, lo encontré con la caja") == "overdose_poisoning"


@pytest.mark.parametrize("body", [
    "mi niña de 5 años se hunde entre las costillas cuando respira y silba, ya le di el salbutamol",
    "my toddler ate some of the mushrooms growing by the back fence",
])
def test_a_childs_breath_or_a_mushroom_eaten_still_flag(body: str) -> None:
    assert flag(body) is not None


def test_a_child_her_usual_self_days_after_is_over() -> None:
    body = ("Thank you both. On Saturday our boy got into the dishwasher pods, poison control talked "
            "us through it, and he has been his usual self for four days now.")
    assert flag(body, channel="email") is None


# -- misses -----------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "please send my nitro refill, I used my last three tonight and the pressure keeps coming back",
    "me tomé dos nitroglicerinas hoy y la opresión en el pecho sigue volviendo",
    "tengo como una piedra encima del pecho desde hace una hora y sudo frío",
])
def test_angina_told_by_the_nitro_or_a_weight(body: str) -> None:
    assert flag(body) == "chest_pain"


def test_nitro_refill_alone_is_no_chest_pain() -> None:
    assert flag("can you send a refill of my nitro spray, the pharmacy says it expired") is None


@pytest.mark.parametrize("body", [
    "woke from a nap and my left hand is clumsy, I keep dropping the cup, mouth feels odd",
    "mi esposo amaneció con la mano derecha torpe y habla enredado",
])
def test_a_hand_gone_clumsy_on_one_side_is_a_stroke(body: str) -> None:
    assert flag(body) == "stroke"


@pytest.mark.parametrize("body", [
    "my son caught a line drive on the side of the head an hour ago, now he's throwing up and sleepy",
    "a mi hijo le pegaron un pelotazo en un lado de la cabeza y ahora vomita y ve doble",
])
def test_a_ball_on_the_side_of_the_head_is_a_head_injury(body: str) -> None:
    assert flag(body) == "head_injury"


@pytest.mark.parametrize("body", [
    "i cut again last night, deeper than before, it stopped mostly but i don't really care",
    "me volví a cortar hoy, más profundo que otras veces, ya paró casi",
])
def test_cutting_again_deeper_is_self_harm(body: str) -> None:
    assert flag(body) == "suicide_self_harm"


def test_a_kitchen_cut_again_is_no_self_harm() -> None:
    assert flag("cut my thumb again on the mandoline, it stopped bleeding with pressure") is None


@pytest.mark.parametrize("body", [
    "my brother mixed his sleeping pills with vodka, a lot, and he won't stay awake",
    "mi prima mezcló las pastillas de los nervios con cerveza y está muy dormida",
    "I've taken something like 20 tablets of Tylenol since yesterday for a tooth, now I'm vomiting",
])
def test_pills_with_drink_or_past_the_limit_are_an_overdose(body: str) -> None:
    assert flag(body) == "overdose_poisoning"


@pytest.mark.parametrize("body", [
    "watching my sister's 7 mo and he's burning up, 103.8 and limp",
    "6mo has a fever of 104 and won't wake properly",
])
def test_a_babys_age_in_shorthand_names_an_infant(body: str) -> None:
    assert flag(body) == "infant_fever"


@pytest.mark.parametrize("body", [
    "ate a shrimp taco 20 minutes ago and my lips and tongue are swelling, throat tight, never had a reaction before",
    "le di maní por primera vez y se le hinchó la cara y le cuesta respirar, nunca había tenido una reacción",
])
def test_a_first_reaction_is_current(body: str) -> None:
    assert flag(body) == "anaphylaxis"


def test_no_reaction_since_stays_behind() -> None:
    body = "he had hives with peanuts at age 2 and has never had a reaction since, just need the form"
    assert flag(body) is None


# -- a pregnancy's fit and its labour, a blow on the job, a fall at the counter --------------

@pytest.mark.parametrize("body", [
    "my sister is 35 weeks along and just had a fit on the couch, her whole body shook, now she's confused",
    "Can't come to my 30-week appointment Friday, I've had cramps every 4 minutes since midnight and they're stronger",
    "tengo 31 semanas y me dan contracciones cada cinco minutos desde la madrugada",
])
def test_a_pregnancys_fit_or_early_labour(body: str) -> None:
    assert flag(body) == "pregnancy_emergency"


def test_a_cramp_now_and_then_in_pregnancy_is_no_labour() -> None:
    assert flag("I'm 20 weeks and get a small cramp now and then when I stand up, normal?") is None


@pytest.mark.parametrize("body", [
    "necesito el formulario del seguro, se me cayó una tabla en la cabeza en el trabajo, me atonté y ahora tengo náuseas",
    "mi abuela se cayó y se dio en la cabeza con el borde de la mesa, ahora vomita y tiene mucho sueño",
])
def test_a_blow_with_signs_is_a_head_injury_beside_a_form_or_an_edge(body: str) -> None:
    assert flag(body) == "head_injury"


def test_a_pet_handed_on_with_pills_saved_is_self_harm() -> None:
    body = ("you asked about the new tablets. I stopped them and I've been keeping them in a drawer "
            "instead. I've given my cat to my sister.")
    assert flag(body, channel="email") == "suicide_self_harm"


def test_someone_elses_pets_are_no_farewell() -> None:
    body = "my daughter gave the dog to her sister while she works abroad. can I get her refill sent?"
    assert flag(body) is None


def test_a_baby_beside_an_older_sibling_is_still_a_baby() -> None:
    body = ("our daughter is 4 months old and has 39.3 since lunch, she's floppy and won't feed. "
            "I'm home with her and our 5-year-old")
    assert flag(body) == "infant_fever"


# -- the past, a plot, a leaflet, a slogan ---------------------------------------------------

@pytest.mark.parametrize("body", [
    "I had a stroke in twenty nineteen and my left leg is still weak, nothing new, I need the parking form",
    "tuve un derrame en el 2018 y sigo con la mano izquierda débil, sigo igual, necesito la carta para el seguro",
    "my son had anaphylaxis to peanuts age 4, none since, he needs a new epi pen prescription for camp",
    "a mi hermana le dio anafilaxia con camarones el verano pasado, quiero que le hagan pruebas a mi hijo",
    "estuve internado en marzo por pensamientos de quitarme la vida, ya estoy en mi casa con tratamiento, quiero cita",
    "my 13 yr old is reading a book about a boy who kills himself, she seems fine, how do I bring it up?",
    "el folleto dice que puede aumentar las ideas suicidas al principio, ¿qué señales vigilo?",
    "Pharmacy news: fever in babies under 3 months = see a doctor. Thermometers half price this week",
    "our twins are due in May. The class said a fever in a newborn is always serious, what number counts?",
    "my baby has \"fever\" for her new teething toy lol, thanks for the gift at her 2 month visit",
    "soy mamá primeriza, ¿a partir de cuánto es fiebre en un bebé de 2 semanas? pregunto por si acaso",
])
def test_the_past_a_plot_a_leaflet_or_a_slogan_is_no_flag(body: str) -> None:
    assert flag(body) is None


@pytest.mark.parametrize(("body", "category"), [
    ("I had a stroke in twenty nineteen but this morning my right arm went numb and my face droops", "stroke"),
    ("my throat is closing after the shrimp, I had anaphylaxis age 6, none since until today", "anaphylaxis"),
])
def test_the_past_does_not_hide_a_new_episode(body: str, category: str) -> None:
    assert flag(body) == category


@pytest.mark.parametrize("body", [
    "desde el almuerzo tengo un dolor que aprieta y se me va al brazo izquierdo, tengo 60 años",
    "a heavy pressure since 6am that goes into my left shoulder, I'm 58 and sweaty",
])
def test_a_squeezing_pain_to_the_left_arm_is_chest_pain(body: str) -> None:
    assert flag(body) == "chest_pain"


def test_a_squeezing_headache_is_no_chest_pain() -> None:
    assert flag("tengo un dolor de cabeza que aprieta desde ayer, ¿me pueden dar cita?") is None


@pytest.mark.parametrize("body", [
    "see you at 4. - Coach Lee, Eastside Soccer | Concussion? Sit out and see a doc",
    "llego tarde, perdón. - Marta | Liga Infantil | ¿golpe en la cabeza? llame a su médico",
    "cuando entramos a la sala nueva me quedé sin aire, qué hermosa quedó, felicidades",
    "after the mole removal, the nurse said scalps bleed a lot, what counts as too much?",
    "starting warfarin on monday, what counts as bleeding I should call about?",
    "Grandma fell and bumped her head 4 days ago, the ER scan was clear and she's been her normal chatty self",
])
def test_slogans_idioms_rules_and_a_blow_behind_are_no_flag(body: str) -> None:
    assert flag(body) is None


# -- merged with the retrained model: a toilet turned red with clots; safety said plainly ---

@pytest.mark.parametrize("body", [
    "my husband went to the bathroom twice and the toilet was full of blood with clots, he looks grey",
    "el inodoro se puso rojo de sangre, con coágulos, y mi mamá está pálida y débil",
    "the bowl was red with blood, a lot, and she nearly fainted getting up",
    "la taza del baño quedó llena de sangre, mucha, y toma anticoagulantes",
])
def test_a_toilet_turned_red_with_clots_or_a_lot_is_a_bleed(body: str) -> None:
    assert flag(body) == "severe_bleeding"


@pytest.mark.parametrize("body", [
    "the toilet cleaner turned the bowl blue, is that dye safe for septic tanks",
    "me salió un poco de sangre al limpiarme, una gotita, creo que son hemorroides",
])
def test_a_toilet_without_blood_by_the_bowlful_is_no_bleed(body: str) -> None:
    assert flag(body) is None


@pytest.mark.parametrize("body", [
    ("Since my husband died in spring I can't sleep. I'm not in any danger, I want to be clear, I "
     "have my sister and my garden. Is there something for sleep that won't leave me foggy?"),
    ("Desde que murió mi esposa duermo muy mal. No estoy en ningún peligro, tengo a mis nietos. "
     "¿Hay algo suave para dormir que no me deje atontado?"),
])
def test_safety_said_plainly_in_grief_is_no_alarm(body: str) -> None:
    assert flag(body) is None


@pytest.mark.parametrize("body", [
    "I'm not in any danger right now but I have the pills counted out for tonight",
    "no estoy en peligro, pero ya escribí la carta y quiero morirme",
])
def test_safety_said_then_a_plan_still_flags(body: str) -> None:
    assert flag(body) == "suicide_self_harm"
