"""The lexicon's twelfth pass: a first-contact batch of our own. Before any fix, 120 red flags
were written for this file (twelve per category, half in Spanish) told without the textbook
word: what is felt, seen, measured or done, a caregiver's account, texting, voice-to-text
without punctuation, Spanish of several countries. The lexicon alone found 97 of them and the
whole detector 115 (TRIAGE_EVAL.md, round 12); the patterns behind the misses were then added
where a general pattern covers them. One sentence is left to the statistical model (the
lexicon has no general pattern for "eyes like balls, covered in spots after the egg").

Then the policies decided in round 12 (an infant's age said with "only", a visit named for an
age, a rash that does not fade under a glass, "had a fit" with a convulsion's signs), and the
words of each pattern in senses that must stay quiet.

Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

LEFT_TO_THE_MODEL = {
    "a mi nena se le pusieron los ojos como pelotas y está llena de granos después del huevo",
}

BATCH = [
    # chest_pain
    ('en', 'my husband is sitting on the stairs sweating buckets and rubbing his breastbone, says it feels like an elephant sat on him', 'chest_pain'),
    ('en', 'theres a squeezing behind my ribs in the middle that goes up into my jaw been 20 min and i feel sick', 'chest_pain'),
    ('en', 'dad says his heart feels like its in a vice and hes gone grey and clammy', 'chest_pain'),
    ('en', 'voice to text sorry my moms got this pressure in the middle of her chest going down her arm she threw up she looks pale what do we do', 'chest_pain'),
    ('en', 'Dear Doctor, since breakfast I have had a heavy weight upon my sternum which travels to my left shoulder and I am short of wind on the stairs.', 'chest_pain'),
    ('en', 'feels like a tight band round my upper body and my left arm tingles, im 58 and sweaty', 'chest_pain'),
    ('es', 'mi papá dice que siente como si le apretaran el pecho con una mano y está sudando frío', 'chest_pain'),
    ('es', 'tengo un peso aquí en medio del pecho que se me va al brazo izquierdo y a la quijada desde hace media hora', 'chest_pain'),
    ('es', 'mi marido se agarra el pecho, dice que le oprime como un cinturón y está empapado en sudor', 'chest_pain'),
    ('es', 'oye tengo como una presión fuerte detrás del esternón y me suda todo, me encuentro fatal', 'chest_pain'),
    ('es', 'mi abuela dice que tiene como un ladrillo encima del pecho y el brazo izquierdo se le duerme', 'chest_pain'),
    ('es', 'me arde y me aprieta el centro del pecho desde que subí las escaleras y no se me quita tengo 60 años', 'chest_pain'),
    # breathing
    ('en', "my son's ribs are sucking in with every breath and he's too puffed to finish a word", 'breathing'),
    ('en', 'I can only get out two or three words before I have to stop and gulp air', 'breathing'),
    ('en', "grandpa's lips have gone a bit blue and he's sitting bolt upright gasping", 'breathing'),
    ('en', "pulse ox says 86 and she's breathing really fast", 'breathing'),
    ('en', "used my blue puffer 6 times in the last hour and it's not touching it, I'm wheezing like a whistle", 'breathing'),
    ('en', 'he keeps waking up choking for air and cannot lie flat at all tonight', 'breathing'),
    ('es', 'a mi hija se le hunden las costillas cuando respira y hace ruido al sacar el aire', 'breathing'),
    ('es', 'no me alcanza el aire para hablar, tengo que parar a cada rato', 'breathing'),
    ('es', 'el oxímetro marca 85 y mi mamá respira muy rápido', 'breathing'),
    ('es', 'mi papá tiene los labios morados y se ahoga acostado', 'breathing'),
    ('es', 'me silba el pecho y el inhalador ya no me hace nada, llevo toda la noche así', 'breathing'),
    ('es', 'el niño respira como un perrito cansado y se le mete la barriga con cada respiración', 'breathing'),
    # stroke
    ('en', "my mom's smile is crooked on one side and her coffee is dribbling out the corner of her mouth", 'stroke'),
    ('en', "he's trying to talk but the words are coming out jumbled and he cant lift his right hand", 'stroke'),
    ('en', "I suddenly can't feel the left side of my face and my left hand won't grip the cup", 'stroke'),
    ('en', "grandad is leaning to one side in his chair and his speech sounds drunk but he hasn't had a drink", 'stroke'),
    ('en', 'when she tries to write her name the letters come out all wrong and her right side is clumsy started 30 mins ago', 'stroke'),
    ('en', 'my wife suddenly couldnt find any words and her face has dropped on the left', 'stroke'),
    ('es', 'a mi mamá se le fue la boca para un lado y no puede agarrar la taza', 'stroke'),
    ('es', 'mi papá habla raro como trabado y no mueve la pierna derecha', 'stroke'),
    ('es', 'de repente se me durmió media cara y la mano izquierda no me responde', 'stroke'),
    ('es', 'mi abuelo no encuentra las palabras y arrastra el pie izquierdo desde hace una hora', 'stroke'),
    ('es', 'le pedí a mi esposo que sonriera y solo se le levanta un lado de la boca', 'stroke'),
    ('es', 'de un momento a otro mi tía empezó a hablar enredado y se le cae el brazo', 'stroke'),
    # suicide_self_harm
    ('en', "I've written letters to my kids and given my dog to my neighbour, I won't be needing anything after this week", 'suicide_self_harm'),
    ('en', "everyone would be better off without me, I've got my dad's old pills lined up", 'suicide_self_harm'),
    ('en', 'i keep thinking about driving into the bridge pillar on the way home', 'suicide_self_harm'),
    ('en', 'my daughter has fresh cuts all up her thighs and says she deserves them', 'suicide_self_harm'),
    ('en', "I don't see the point of being here anymore and I've worked out how", 'suicide_self_harm'),
    ('en', 'he said goodbye to all his friends on snapchat and gave away his xbox and his guitar', 'suicide_self_harm'),
    ('es', 'ya escribí cartas para mis hijos, no voy a estar mucho tiempo más', 'suicide_self_harm'),
    ('es', 'todos estarían mejor sin mí, ya tengo las pastillas contadas', 'suicide_self_harm'),
    ('es', 'mi hija se corta los brazos con una navaja y lo esconde con mangas largas', 'suicide_self_harm'),
    ('es', 'no le encuentro sentido a seguir aquí, ya sé cómo lo voy a hacer', 'suicide_self_harm'),
    ('es', 'pienso en tirarme del puente cada vez que paso por ahí', 'suicide_self_harm'),
    ('es', 'mi hermano regaló todas sus cosas y se despidió de todos por whatsapp', 'suicide_self_harm'),
    # severe_bleeding
    ('en', "the towel's soaked through and it's still pouring out of his leg, we've gone through three", 'severe_bleeding'),
    ('en', "she cut her hand on a broken glass and it's spurting every time her heart beats", 'severe_bleeding'),
    ('en', "nosebleed for 45 minutes, won't stop with pinching, he's on warfarin and looks white", 'severe_bleeding'),
    ('en', 'my period is soaking a pad every half hour and i feel faint when i stand', 'severe_bleeding'),
    ('en', "i'm bringing up what looks like coffee grounds and my poo is black and sticky", 'severe_bleeding'),
    ('en', 'chainsaw slipped deep gash on his thigh blood everywhere wrapping it with a shirt', 'severe_bleeding'),
    ('es', 'se cortó con la sierra y la sangre sale a chorros, no para con el trapo', 'severe_bleeding'),
    ('es', 'llevo más de una hora sangrando por la nariz y no se me corta, tomo anticoagulante', 'severe_bleeding'),
    ('es', 'estoy empapando una toalla femenina cada media hora y me estoy mareando', 'severe_bleeding'),
    ('es', 'mi papá vomitó como borra de café y las heces le salen negras', 'severe_bleeding'),
    ('es', 'mi hijo se cortó el pie con un vidrio y no deja de salir sangre, ya mojó tres toallas', 'severe_bleeding'),
    ('es', 'tengo una herida en la pierna que sangra a borbotones', 'severe_bleeding'),
    # anaphylaxis
    ('en', "ate a cookie at the party, now his lips are puffing up and he's scratching all over and sounds hoarse", 'anaphylaxis'),
    ('en', "after the bee got her, her tongue feels too big and she's covered in welts", 'anaphylaxis'),
    ('en', 'her face is blowing up like a balloon since the new antibiotic and her voice is funny', 'anaphylaxis'),
    ('en', 'my throat feels tight and itchy after the shrimp, lips tingling, hives on my neck', 'anaphylaxis'),
    ('en', "he's allergic to peanuts and just had some by mistake, he's wheezy and blotchy, we don't have his pen", 'anaphylaxis'),
    ('en', 'eyes swelling shut and itchy bumps everywhere after the wasp sting, feel dizzy', 'anaphylaxis'),
    ('es', 'le picó una abeja y se le hinchó toda la cara y dice que le pica la garganta', 'anaphylaxis'),
    ('es', 'comí camarones y se me están hinchando los labios y la lengua', 'anaphylaxis'),
    ('es', 'a mi hijo le salieron ronchas por todo el cuerpo después de la amoxicilina y le cuesta tragar', 'anaphylaxis'),
    ('es', 'se me cierra la garganta después de comer cacahuate', 'anaphylaxis'),
    ('es', 'a mi nena se le pusieron los ojos como pelotas y está llena de granos después del huevo', 'anaphylaxis'),
    ('es', 'me inyectaron el antibiótico y ahora siento la lengua gorda y me pica todo', 'anaphylaxis'),
    # pregnancy_emergency
    ('en', "I'm 30 weeks and there's fluid trickling down my legs that won't stop", 'pregnancy_emergency'),
    ('en', "34 weeks along, haven't felt the baby kick since yesterday", 'pregnancy_emergency'),
    ('en', '7 weeks pregnant and I have a stabbing pain low on my right side, shoulder tip hurts too', 'pregnancy_emergency'),
    ('en', 'im pregnant and seeing sparkles, got a pounding headache and my face and hands have puffed up', 'pregnancy_emergency'),
    ('en', '36 wks and bright red blood in the toilet, lots of it', 'pregnancy_emergency'),
    ('en', 'my wife is 28 weeks and is having tightenings every 5 minutes', 'pregnancy_emergency'),
    ('es', 'tengo 32 semanas y me está saliendo agua por abajo sin parar', 'pregnancy_emergency'),
    ('es', 'estoy de 35 semanas y el bebé no se mueve desde anoche', 'pregnancy_emergency'),
    ('es', 'tengo 8 semanas de embarazo y un dolor muy fuerte de un solo lado abajo', 'pregnancy_emergency'),
    ('es', 'estoy embarazada de 30 semanas, veo lucecitas y tengo la cara muy hinchada y dolor de cabeza', 'pregnancy_emergency'),
    ('es', 'con 26 semanas de embarazo y estoy manchando mucho de sangre roja', 'pregnancy_emergency'),
    ('es', 'mi esposa tiene 29 semanas y le vienen contracciones cada 5 minutos', 'pregnancy_emergency'),
    # overdose_poisoning
    ('en', "my toddler got into the dishwasher tablets and there's blue stuff round his mouth", 'overdose_poisoning'),
    ('en', "she took a whole strip of her mum's sleeping tablets about an hour ago", 'overdose_poisoning'),
    ('en', "found my brother with pinpoint pupils and he's barely breathing, there's a needle next to him", 'overdose_poisoning'),
    ('en', 'think my son drank some of the antifreeze from the garage', 'overdose_poisoning'),
    ('en', "accidentally took my blood pressure pills twice this morning and now I'm really dizzy", 'overdose_poisoning'),
    ('en', "my 2 yr old chewed a few of grandma's heart pills we found on the floor", 'overdose_poisoning'),
    ('es', 'mi niño se tomó un trago de cloro que estaba en una botella de agua', 'overdose_poisoning'),
    ('es', 'mi hijo se comió unas pastillas de la abuela que estaban en la mesa', 'overdose_poisoning'),
    ('es', 'mi hermano se metió algo en la fiesta y no reacciona, tiene las pupilas chiquitas', 'overdose_poisoning'),
    ('es', 'me puse doble dosis de la insulina sin querer y me siento temblorosa', 'overdose_poisoning'),
    ('es', 'la niña se tomó el jarabe completo de un frasco', 'overdose_poisoning'),
    ('es', 'mi papá se tomó media caja de paracetamol ayer con alcohol', 'overdose_poisoning'),
    # infant_fever
    ('en', 'my 5 week old is burning up, 38.6 on the forehead thermometer', 'infant_fever'),
    ('en', 'baby is 7 weeks and feels really hot, temp 100.9 rectal', 'infant_fever'),
    ('en', "our newborn (12 days) has a temp of 38.1 and isn't interested in feeding", 'infant_fever'),
    ('en', 'my 2 month old is hot to touch and the thermometer says 38.3', 'infant_fever'),
    ('en', '6 wk old has a temperature of 101 and is very sleepy', 'infant_fever'),
    ('en', 'lo is 10 weeks and running a temp of 38.5', 'infant_fever'),
    ('es', 'mi bebé de 3 semanas tiene 38.2 de temperatura', 'infant_fever'),
    ('es', 'mi niña de 2 meses está calientita, el termómetro marca 38.4', 'infant_fever'),
    ('es', 'el bebé tiene 6 semanas y tiene calentura de 38.5', 'infant_fever'),
    ('es', 'mi recién nacido de 10 días está muy caliente, le puse el termómetro y marca 38', 'infant_fever'),
    ('es', 'mi hijo de 7 semanas tiene 38.7 y no quiere el pecho', 'infant_fever'),
    ('es', 'la peque tiene 5 semanitas y está ardiendo, 38.3', 'infant_fever'),
    # head_injury
    ('en', 'my son fell off the top bunk onto his head and has been sick twice and is really sleepy', 'head_injury'),
    ('en', "she banged her head on the kitchen cupboard and now she can't remember what happened this morning", 'head_injury'),
    ('en', "grandma tripped and hit her forehead on the step, she's on blood thinners and now she's muddled", 'head_injury'),
    ('en', 'he got kneed in the head at rugby, was out for a few seconds and keeps asking the same question', 'head_injury'),
    ('en', 'toddler fell down the stairs big bump and he keeps vomiting and is floppy', 'head_injury'),
    ('en', 'cracked my head on the ice, seeing double and the headache keeps getting worse', 'head_injury'),
    ('es', 'mi hijo se cayó de la litera y se pegó en la cabeza, ya vomitó dos veces', 'head_injury'),
    ('es', 'mi abuela se golpeó la frente contra el piso y toma anticoagulantes, está confundida', 'head_injury'),
    ('es', 'se dio un golpe en la cabeza jugando fútbol y se desmayó unos segundos', 'head_injury'),
    ('es', 'el niño se cayó del columpio de cabeza y está muy dormido, no se quiere despertar', 'head_injury'),
    ('es', 'me di con la cabeza contra el hielo y veo doble', 'head_injury'),
    ('es', 'al bebé se le cayó de la cama de cabeza, tiene un chichón grande y vomita', 'head_injury'),
]

POLICIES = [
    # policies (round 12): "only 9 months" is an age; the 6-month vaccine names the age;
    # a rash that does not fade under a glass in a baby; a reading given with its device;
    # "had a fit" with a convulsion's signs in a pregnancy
    ("en", "he's only 9 months and right now he's 38.9 and floppy", "infant_fever"),
    ("en", "she is just 4 months and her temp is 38.6", "infant_fever"),
    ("es", "tengo que cambiar la vacuna de los 4 meses de mi hijo porque tiene 38.5", "infant_fever"),
    ("es", "se nos pasó la consulta de los 2 meses y ahora la bebita está con 38.2", "infant_fever"),
    ("en", "my 8 month old has spots that dont fade when I press a glass on them", "infant_fever"),
    ("es", "mi bebé de 5 meses tiene manchitas que no se quitan al apretar el vaso", "infant_fever"),
    ("en", "my 6 month old had 38.5 on the forehead thermometer", "infant_fever"),
    ("en", "my 3 month old read 101 on the ear thing twice", "infant_fever"),
    ("en", "my 2 month old has a fever of 38.5, the leaflet called it serious", "infant_fever"),
    ("en", "I'm 32 weeks pregnant and I think I had a fit, my partner says I was jerking on the floor", "pregnancy_emergency"),
    ("es", "mi nuera tiene 7 meses de embarazo y le dio un ataque, quedó tiesa y temblando en el piso", "pregnancy_emergency"),
]

FOUND = [case for case in BATCH if case[1] not in LEFT_TO_THE_MODEL] + POLICIES

QUIET = [
    ('en', 'the pressure at work is crushing me lately, can I get a sick note for friday'),
    ('en', "my son is 14 months and had 38.4 yesterday, he's fine now and eating, do we still come tomorrow"),
    ('es', 'mi bebé de 8 meses tuvo 37.8 ayer, ya está bien, ¿mantenemos la cita?'),
    ('en', 'pulse ox reads 98 at rest, is that normal for someone with asthma?'),
    ('es', 'el oxímetro marca 97, ¿es normal? solo pregunto'),
    ('en', 'I gave my old clothes away to charity and moved, can you update my address'),
    ('es', 'se me hinchó el tobillo jugando fútbol la semana pasada, ¿me dan cita?'),
    ('en', 'I bumped my head on the cupboard door, no other symptoms, just a small bump, can I still come in today?'),
    ('en', '30 weeks pregnant, baby kicking lots, when is my glucose test?'),
    ('es', 'estoy de 30 semanas y el bebé se mueve mucho, ¿cuándo es la prueba de glucosa?'),
    ('es', 'mi hija se cortó el pelo sola jaja, ¿me dan cita para la vacuna?'),
    ('en', 'the towel dispenser in your restroom is empty and soaked, just letting you know'),
    ('es', 'mi papá se toma las pastillas de la presión como siempre, ¿le renuevan la receta?'),
    ('en', 'my heart is in pieces since the breakup lol, can I book a counselling intake'),
    ('en', "grandma's smile is back since the new dentures, thanks for the referral"),
    ('es', 'le picó un mosquito y tiene una roncha pequeña, ¿le pongo crema?'),
    ('en', 'I ate shrimp last night and feel totally fine, can I still get the allergy test?'),
    ('es', 'me tomé la pastilla de la presión dos veces por error la semana pasada y no pasó nada, ¿debo avisar?'),
    ('en', 'the dishwasher tablets coupon came in your newsletter by mistake I think'),
    ('en', "can you send the form for my daughter's school trip, she's allergic to bees but has never reacted badly"),
    ('es', 'necesito la constancia para el gimnasio, no tengo problemas del corazón'),
    ('en', "my words come out jumbled when I'm tired, been like that forever, can I book a hearing test"),
    ('es', 'mi abuelo arrastra el pie desde la operación de cadera hace años, necesita la receta de la andadera'),
    ('en', "I'm dying to know if my results are back lol"),
    ('es', 'me muero de ganas de ver a la doctora, ¿tienen turno el lunes?'),
    # the new patterns' words in other senses
    ("en", "my back ache goes up into my shoulder after gardening, can I see the physio"),
    ("en", "my neck is tight and it goes down into my shoulder after work, can I get a massage referral"),
    ("en", "I'm rubbing his chest with vapor rub for the cough, is that ok for a 4 year old?"),
    ("en", "my baby gulps air when she feeds, is that why she's so gassy?"),
    ("en", "her face dropped when she saw the bill, can you explain the charges"),
    ("en", "I can't find the words to thank Dr. Ruiz enough"),
    ("en", "I couldn't find any words about parking on your website"),
    ("es", "se le cayó la cara de vergüenza cuando vio la factura"),
    ("en", "mom said goodbye to her old house and gave away her furniture when she moved, new address below"),
    ("en", "I took a whole box of tissues to work, this cold is awful, can I get a sick note"),
    ("es", "compré una caja entera de vitaminas, ¿las puedo tomar con mis pastillas?"),
    ("en", "im 20 weeks pregnant and my husband had a fit when he saw the bill, can i pay in installments"),
    ("es", "estoy embarazada y mi mamá tuvo un ataque de risa con la ecografía, ¿me mandan la foto?"),
    ("en", "my 3 year old has a rash that does not fade with the glass test, is it contagious for daycare?"),
    ("en", "the thermometer we bought from you reads 101 on the ear thing for my husband, he is 40, can he take advil"),
    ("es", "mi hijo de 2 años tiene 38 en el termómetro de frente, ¿le doy paracetamol?"),
    ("en", "my words come out jumbled when I'm tired, been like that forever, can I book a hearing test"),
    ("es", "hablo enredado desde siempre, ¿me dan cita con el fonoaudiólogo?"),
    ("es", "nos dieron un folleto que se llamaba 'Fiebre en menores de 3 meses', ¿me mandan otro?"),
    ("en", 'we got a leaflet called "Chest pain: when to call 911", can you send another copy'),
]


@pytest.mark.parametrize(("lang", "body", "category"), FOUND)
def test_the_twelfth_pass_red_flags_are_found_by_the_lexicon(lang: str, body: str,
                                                             category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), QUIET)
def test_the_twelfth_pass_words_in_other_senses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)


def test_the_batch_holds_ten_or_more_per_category_half_of_them_in_spanish() -> None:
    assert {body for _lang, body, _category in BATCH} >= LEFT_TO_THE_MODEL
    for category in {category for _lang, _body, category in BATCH}:
        langs = [lang for lang, _body, c in BATCH if c == category]
        assert len(langs) >= 10, category
        assert langs.count("es") * 2 >= len(langs), category
