"""The lexicon's fourteenth pass: a first-contact batch of our own, written before any change
for this round (TRIAGE_EVAL.md, round 14), in the styles a tenth blind set is being written
in: minimised ("probably nothing but ..."), apologetic, buried after a billing, refill or
booking question, phonetic spelling ("chess pain", "bleding", "se golpio la caveza", "estoi
embarasada"), texting, voice-to-text without punctuation, someone else watching (a coach, a
teacher, an aide, a babysitter, a partner), Spanish of Argentina (voseo), Spain and the
Caribbean, and a third of each category without the category's textbook word. Twelve red
flags per category (half Spanish) and as many near misses: an episode told as over, a
relative's history, "what should I do if", idioms, clinical words in admin requests, denials.

Scored with the shipped detector before any fix: whole detector 115/120 in the right
category (117 flagged), lexicon alone 93/120; near misses flagged 5/120 (whole), 6/120
(lexicon). Half the lexicon's misses were sound-alike spellings, so the folded text is now
respelt before the patterns read it (redflag.respell); the rest were fixed by patterns for
the kind of wording, each with words in other senses that must stay quiet.

Read with the lexicon and rules alone (no statistical model, no judge), so each case says
what the lexicon itself makes of the pattern.
"""

from __future__ import annotations

import pytest
from tests.support.redflag_rounds import lexicon_flag as _lexicon_flag

from cxinbox.domain import redflag

BATCH = [
    ('en', 'sorry to bother you, probably nothing but my chest has felt like a weight since lunch and it kind of goes into my left arm', 'chest_pain'),
    ('en', "Hi, quick question about my bill from March, I think I was charged twice. Also I've had this crushing feeling in my chest for about an hour and I'm sweating, is that something to worry about?", 'chest_pain'),
    ('en', "coach here, one of our older players (52) sat down mid drill holding his chest, grey and sweaty, says it's like a squeezing", 'chest_pain'),
    ('en', 'my husban has real bad chess pain and sweting alot, he is 61', 'chest_pain'),
    ('en', 'hi its linda my dad is on the couch he says it feels tight like a band and the pain is going up into his jaw he looks pale and hes sweating what should we do', 'chest_pain'),
    ('en', "apologies for the long message. my partner woke at 4 with a pressure behind his breastbone like someone standing on him, clammy and nauseous, and he won't let me call anyone", 'chest_pain'),
    ('es', 'perdón la molestia, seguro no es nada pero desde el almuerzo siento como un peso en el pecho que se me va al brazo izquierdo, ¿vos qué decís?', 'chest_pain'),
    ('es', 'Hola, quería preguntar por la factura de la última consulta. Ah, y desde hace un rato me oprime el pecho muchísimo y estoy sudando, ¿es normal?', 'chest_pain'),
    ('es', 'mija mi papá ta con un dolor en el pecho que le coge el brazo y ta sudando frío', 'chest_pain'),
    ('es', 'mi esposo tiene un dolor de pexo mui fuerte y le baja al braso isquierdo', 'chest_pain'),
    ('es', 'mi mamá dice que siente que le aprietan por dentro, aquí en el medio, y se le duerme el brazo, está pálida y sudada', 'chest_pain'),
    ('es', 'mi abuelo está raro, se agarra el pecho y dice que le quema y le pesa, tiene 70 años, ¿qué hago?', 'chest_pain'),
    ('en', 'sorry if this is silly but i cant seem to catch my breath even sitting still and my lips look kind of purple', 'breathing'),
    ('en', "Question about my inhaler refill, it's not due till next week but I've used it 10 times today and I still can't get a full sentence out", 'breathing'),
    ('en', "coach here: one of my swimmers is wheezing bad, her inhaler isn't helping and the skin at her neck is sucking in", 'breathing'),
    ('en', 'my son cant breeth good, hes makin a wissle noise and his ribs sink in', 'breathing'),
    ('en', 'my mom is on oxygen at home and the reading says 84 she is breathing really fast and cant talk much what do we do', 'breathing'),
    ('en', "he's sitting forward gripping the table, puffing after every two words, and his fingertips have gone dusky", 'breathing'),
    ('es', 'perdoná que te escriba, mi hijo no puede respirar bien, se le hunde la panza y le silba el pecho', 'breathing'),
    ('es', 'Buenas, os escribo por lo de la receta. Por cierto, me ahogo al hablar desde esta mañana y el inhalador no me hace nada', 'breathing'),
    ('es', 'mi abuela ta ahogá, no le entra el aire y tiene los labio morao', 'breathing'),
    ('es', 'mi niña respira mui rapido y se le ven las costiyas cuando respira', 'breathing'),
    ('es', 'a mi papá se le pusieron las uñas y la boca moradas y no puede decir ni una frase completa', 'breathing'),
    ('es', 'la cuidadora dice que mi mamá hace un ruido como silbido en el pecho y el oxímetro marca 86', 'breathing'),
    ('en', "probably just tired but my wife's words are coming out wrong and her right hand keeps dropping things, started 20 mins ago", 'stroke'),
    ('en', "Can I change my appt to Friday? Also my dad's face looks droopy on one side since this morning and he's slurring, is that urgent?", 'stroke'),
    ('en', "home aide here, Mr. K suddenly can't lift his left arm and his mouth is crooked, started at 2pm", 'stroke'),
    ('en', 'my mom is talkin funny all slured and her face is droopin on one side', 'stroke'),
    ('en', 'my grandpa cant hold his fork in his right hand and half his face looks like its melted it just happened', 'stroke'),
    ('en', "sorry to bother, my husband just asked me the same thing 4 times, can't find the word for cup and his left leg gave out", 'stroke'),
    ('es', 'che, mi viejo habla como trabado y no puede mover el brazo derecho, empezó hace un rato', 'stroke'),
    ('es', 'Oye, a mi madre se le ha torcido la boca de repente y no le salen las palabras', 'stroke'),
    ('es', 'mi tía de la nada se le cayó un lado de la cara y no puede hablar bien', 'stroke'),
    ('es', 'mi papa abla raro y se le ve la cara caida de un lado', 'stroke'),
    ('es', 'mi esposo de repente no entiende lo que le digo y se le va la mano izquierda', 'stroke'),
    ('es', 'mi abuela se quedó rara, arrastra las palabras y el pie derecho no le responde desde hace media hora', 'stroke'),
    ('en', 'sorry to waste your time, i just dont think i want to be here anymore and i have the pills saved up', 'suicide_self_harm'),
    ('en', "Hi I need to reschedule my therapy appt. honestly it might not matter, I've been planning how to end things this weekend", 'suicide_self_harm'),
    ('en', "my boyfriend keeps saying we'd all be better off if he wasn't around and he's been looking up how many of his meds it would take", 'suicide_self_harm'),
    ('en', 'i wanna kil myself tbh, got a rope in the garage', 'suicide_self_harm'),
    ('en', 'hi this is for my daughter she told her friend she wants to die and she has been cutting her arms again tonight can someone call', 'suicide_self_harm'),
    ('en', "I've written my goodbyes and I know which bridge, I just wanted someone to know", 'suicide_self_harm'),
    ('es', 'perdoná, no sé para qué escribo, ya no quiero seguir viviendo y tengo las pastillas acá', 'suicide_self_harm'),
    ('es', 'Vale, os lo digo: llevo días pensando en quitarme de en medio y ya sé cómo', 'suicide_self_harm'),
    ('es', 'mi hermano dice que se va a matar, tiene un cuchillo y se encerró en el baño', 'suicide_self_harm'),
    ('es', 'ya no aguanto mas me quiero matar nadie me kiere', 'suicide_self_harm'),
    ('es', 'ya les escribí cartas a todos y regalé mis cosas, mañana ya no voy a estar', 'suicide_self_harm'),
    ('es', 'mi hija de 15 se está cortando los brazos otra vez y dice que quiere desaparecer para siempre', 'suicide_self_harm'),
    ('en', "sorry, this is probably an overreaction, but my cut won't stop bleeding, it's soaked through 3 towels in 20 min", 'severe_bleeding'),
    ('en', "Hi, I had a question about the copay for my last visit. Also my dad cut his hand on a saw and the blood is spurting, we've been pressing for 10 min", 'severe_bleeding'),
    ('en', 'coach here, kid took a cleat to the shin, deep gash, blood pouring through the gauze we put on', 'severe_bleeding'),
    ('en', 'my son fell on glas and hes bleding alot it wont stop', 'severe_bleeding'),
    ('en', "my mom is on blood thinners and she's been throwing up blood bright red twice now what do we do", 'severe_bleeding'),
    ('en', "the dressing on his leg is dripping red onto the floor and he's getting pale and woozy", 'severe_bleeding'),
    ('es', 'disculpá, me corté con un vidrio y no para de salir sangre, ya empapé dos toallas', 'severe_bleeding'),
    ('es', 'Hola, os escribía por el parking. Y otra cosa, a mi padre le sale sangre a borbotones de la pierna tras un corte', 'severe_bleeding'),
    ('es', 'mi primo se cortó con el machete y la sangre no para, ta brotando', 'severe_bleeding'),
    ('es', 'mi abuelo bomita sangre y toma sintron', 'severe_bleeding'),
    ('es', 'se cortó la mano con el cuchillo, la toalla ya está empapada de rojo y se está mareando', 'severe_bleeding'),
    ('es', 'la niñera dice que al niño le sale muchísima sangre de la boca desde que se cayó y no para', 'severe_bleeding'),
    ('en', 'probably nothing but after the peanut sauce my lips are swelling and my throat feels tight', 'anaphylaxis'),
    ('en', "Hi, can you send my allergy test results? Also I just got stung by a wasp and my tongue feels thick and I'm wheezy", 'anaphylaxis'),
    ('en', 'teacher here, a student ate a cookie with nuts and now has hives everywhere and her voice is going hoarse, we gave the epipen', 'anaphylaxis'),
    ('en', 'my kid ate shrimp and his face is swolen and he cant swalow', 'anaphylaxis'),
    ('en', 'my husband took the new antibiotic and now hes covered in hives and his lips are huge and he says his throat is closing', 'anaphylaxis'),
    ('en', "after the bee got him his eyes puffed shut, he's blotchy all over and sounds like he's breathing through a straw", 'anaphylaxis'),
    ('es', 'perdoná, comí maní sin querer y se me está hinchando la lengua, ¿qué hago?', 'anaphylaxis'),
    ('es', 'Me ha picado una avispa y se me está cerrando la garganta, tengo ronchas por todo', 'anaphylaxis'),
    ('es', 'al nene le dieron mariscos y se le hincharon los labio y tiene ronchas y tose', 'anaphylaxis'),
    ('es', 'mi hijo comio cacahuate y se le inchó la cara y no puede tragar', 'anaphylaxis'),
    ('es', 'después del antibiótico se le puso la cara como un globo y la voz ronca, le cuesta tragar saliva', 'anaphylaxis'),
    ('es', 'la maestra dice que mi hija comió algo con nuez y tiene la garganta cerrada, ya le pusieron la inyección', 'anaphylaxis'),
    ('en', "sorry to bother you on a weekend, I'm 34 weeks and I'm bleeding quite a lot, probably fine?", 'pregnancy_emergency'),
    ('en', "Can you confirm my glucose test time? Also I'm 30 weeks and baby hasn't moved since yesterday, not sure if that matters", 'pregnancy_emergency'),
    ('en', 'my wife is 8 months pregnant and has the worst headache and sees flashing lights, her feet are puffy', 'pregnancy_emergency'),
    ('en', 'im pregnet 7 months and my water broke and its green', 'pregnancy_emergency'),
    ('en', 'my girlfriend is 12 weeks pregnant and has a really bad pain on one side and she fainted', 'pregnancy_emergency'),
    ('en', '32 wks, tummy rock hard and hurting nonstop, spotting red', 'pregnancy_emergency'),
    ('es', 'perdoná la hora, estoy de 35 semanas y se me rompió la fuente', 'pregnancy_emergency'),
    ('es', 'Hola, estoy embarazada de 30 semanas y el bebé no se mueve desde ayer, ¿es normal?', 'pregnancy_emergency'),
    ('es', 'mi mujer ta embarazá de 7 mese y ta sangrando mucho', 'pregnancy_emergency'),
    ('es', 'estoi embarasada de 8 meses y tengo un dolor de cabesa orrible y beo lucesitas', 'pregnancy_emergency'),
    ('es', 'tengo 33 semanas y la panza se me pone dura cada cinco minutos y me duele mucho', 'pregnancy_emergency'),
    ('es', 'mi hermana de 6 meses de embarazo se desmayó y le duele mucho un lado de la panza', 'pregnancy_emergency'),
    ('en', 'sorry, prob being dramatic but i think i took my night pills twice and now i feel really drowsy and weird', 'overdose_poisoning'),
    ('en', "Hi, about my refill of oxycodone... also my husband took a bunch of them, he's very hard to wake up and snoring strangely", 'overdose_poisoning'),
    ('en', "babysitter here, the 2 year old got into the dishwasher pods and had one in his mouth, he's coughing", 'overdose_poisoning'),
    ('en', 'my frend took a hole bottle of tylenol last nite', 'overdose_poisoning'),
    ('en', 'my son found grandmas heart pills and we dont know how many he ate he is 3 he seems sleepy', 'overdose_poisoning'),
    ('en', "my teen drank most of a bottle of vodka and took some of my xanax, she's barely responding", 'overdose_poisoning'),
    ('es', 'perdoná, mi hijo se tomó no sé cuántas pastillas de mi mamá y está re dormido', 'overdose_poisoning'),
    ('es', 'Mi crío se ha bebido lejía, un trago, ¿qué hago?', 'overdose_poisoning'),
    ('es', 'el niño se tomó el clorox que taba en la mesa', 'overdose_poisoning'),
    ('es', 'mi ermano se tomo un monton de pastiyas y no despierta', 'overdose_poisoning'),
    ('es', 'se tomó todo el blíster de las pastillas para dormir y respira muy despacio', 'overdose_poisoning'),
    ('es', 'la abuela se equivocó y le dio al bebé cinco veces la dosis del jarabe, está muy dormido', 'overdose_poisoning'),
    ('en', 'sorry for the silly question, my 6 week old feels hot, 38.2 on the thermometer, should I just give tylenol?', 'infant_fever'),
    ('en', "Hi, I need to reschedule her 2 month vaccines. She's had a temp of 100.8 since this morning", 'infant_fever'),
    ('en', "babysitting my grandson, he's 7 weeks, he's burning up and won't feed", 'infant_fever'),
    ('en', 'my baby is 2 munths and has a feaver of 101', 'infant_fever'),
    ('en', 'my newborn is 3 weeks old and her temperature is 38.4 and she is very sleepy what do we do', 'infant_fever'),
    ('en', 'my 5 week old is hot to touch, 38.6 under the arm, fussy and not taking the bottle', 'infant_fever'),
    ('es', 'perdoná, mi bebé de 2 meses tiene 38.3 de fiebre', 'infant_fever'),
    ('es', 'Buenas, mi niña de 7 semanas tiene 38 y pico, ¿la llevo?', 'infant_fever'),
    ('es', 'mi bebé de un mesecito ta caliente, tiene 38.5', 'infant_fever'),
    ('es', 'mi bebe de 1 mes tiene calentura de 38', 'infant_fever'),
    ('es', 'mi niño de 6 semanas está hirviendo, el termómetro marca 38.4 y no quiere el pecho', 'infant_fever'),
    ('es', 'la guardería dice que mi bebé de 3 meses tiene 38.7', 'infant_fever'),
    ('en', 'probably fine but my son hit his head at football and has thrown up twice and seems confused', 'head_injury'),
    ('en', "Can you send the form for the insurance? Also my mom fell and hit her head, she's on warfarin and now has a bad headache", 'head_injury'),
    ('en', "coach here, one of the girls headed the post, knocked out for a few seconds, now she can't remember the game", 'head_injury'),
    ('en', 'my dauter fell of the bed on her hed and keeps throwin up', 'head_injury'),
    ('en', 'my grandpa slipped in the shower and banged his head he is acting confused and very sleepy', 'head_injury'),
    ('en', "she took a tumble down the stairs, bonked the back of her skull, now she's vomiting and slurring", 'head_injury'),
    ('es', 'perdoná, mi nene se cayó de la cama y se golpeó la cabeza, vomitó dos veces', 'head_injury'),
    ('es', 'Mi padre se ha caído y se ha dado en la cabeza, toma Sintrom y está muy adormilado', 'head_injury'),
    ('es', 'el nene se dio en la cabeza con la mesa y ta vomitando y medio dormío', 'head_injury'),
    ('es', 'mi ijo se golpio la caveza y vomita y no despierta bien', 'head_injury'),
    ('es', 'se cayó de la bici sin casco, se pegó en la nuca y ahora no se acuerda de nada', 'head_injury'),
    ('es', 'el entrenador dice que mi hijo chocó con otro jugador, quedó inconsciente un momento y ahora está confundido', 'head_injury'),
]

TRAPS = [
    ('en', "Last year, in March, I had chest pain and they put in a stent; I'm fine now, I just need the cardiology letter for my insurance."),
    ('en', 'my dad had a heart attack at 55, should I get screened?'),
    ('en', 'what should I do if I get chest pain while on the new medication?'),
    ('en', 'this tax bill is giving me a heart attack lol, can I pay in two parts'),
    ('en', 'can you send the invoice for the chest x-ray from September?'),
    ('en', 'no chest pain or anything, just need a refill of my blood pressure pills'),
    ('es', 'El año pasado tuve un dolor en el pecho y me hicieron un cateterismo, ahora estoy bien, necesito el informe para el seguro'),
    ('es', 'mi papá murió de un infarto a los 60, ¿me pueden hacer un chequeo?'),
    ('es', '¿qué hago si me da dolor en el pecho con la pastilla nueva?'),
    ('es', 'casi me da un infarto cuando vi la factura jaja'),
    ('es', 'necesito la factura del electrocardiograma de septiembre'),
    ('es', 'no tengo dolor de pecho ni nada, solo quiero renovar la receta'),
    ('en', "Two winters ago my son was admitted for an asthma attack, he couldn't breathe and spent two nights in the ICU. He's been great since; can you send his records to the new school?"),
    ('en', 'my mom has COPD and uses oxygen, can you refill her concentrator supplies'),
    ('en', 'what should we do if his breathing gets bad at camp?'),
    ('en', 'the line at the pharmacy took my breath away lol 2 hours'),
    ('en', 'need the form for the pulmonary function test billing'),
    ('en', "I'm not short of breath at all, just a runny nose, do I need to come in?"),
    ('es', 'hace dos años a mi hijo lo internaron por una crisis de asma, ahora está bien, necesito el certificado para el colegio'),
    ('es', 'mi abuela tiene EPOC, ¿le pueden mandar la receta del oxígeno?'),
    ('es', '¿qué hago si le cuesta respirar en el viaje?'),
    ('es', 'me quedé sin aire de tanto reírme con el video jaja'),
    ('es', '¿cuánto cuesta la espirometría?'),
    ('es', 'no me falta el aire, solo tengo mocos, ¿tengo que ir?'),
    ('en', "In 2019 my mother had a stroke, her face drooped and she couldn't speak; she recovered fully. We need a copy of the discharge summary."),
    ('en', 'my grandpa had a stroke years ago, does that raise my risk?'),
    ('en', 'what are the signs of a stroke I should watch for after the surgery?'),
    ('en', 'my brain is mush after this week, can I move my appointment'),
    ('en', "need a referral to the stroke prevention clinic for my dad's checkup"),
    ('en', 'no numbness or weakness, just tired, can I get bloodwork'),
    ('es', 'en 2020 a mi papá le dio un derrame, se le torció la boca, ya se recuperó, necesito su historial'),
    ('es', 'mi abuela tuvo un ACV hace años, ¿yo tengo más riesgo?'),
    ('es', '¿cuáles son las señales de un derrame que debo vigilar?'),
    ('es', 'se me trabó la lengua en la entrevista de trabajo jaja, qué vergüenza'),
    ('es', 'necesito cita en la clínica de prevención de ictus para mi padre'),
    ('es', 'no tengo la cara caída ni nada, solo dolor de cabeza normal'),
    ('en', "Years ago I was hospitalised after an overdose when I was a teen. I'm doing well now and need my records for a job application."),
    ('en', 'my uncle took his own life last year, is depression hereditary?'),
    ('en', 'what should I do if my teen ever says she wants to hurt herself?'),
    ('en', 'this homework is killing me lol, can I get a note for school'),
    ('en', 'please send the PHQ-9 form before my appointment'),
    ('en', "I'm not suicidal, just stressed, could I see a counsellor"),
    ('es', 'hace años intenté quitarme la vida, ahora estoy bien, necesito el informe para un trabajo'),
    ('es', 'mi tío se suicidó el año pasado, ¿la depresión es hereditaria?'),
    ('es', '¿qué hago si mi hija algún día dice que se quiere hacer daño?'),
    ('es', 'me quiero morir de la vergüenza, mandé el mensaje al grupo equivocado'),
    ('es', '¿me mandan el formulario de salud mental antes de la cita?'),
    ('es', 'no tengo pensamientos de hacerme daño, solo estoy estresada, ¿me dan cita con psicología?'),
    ('en', 'Last summer my son cut his hand badly and needed 8 stitches, it healed well, can you send the record to his school'),
    ('en', 'my mom has a bleeding disorder, should I get tested?'),
    ('en', 'what should I do if the wound starts bleeding again after the stitches come out?'),
    ('en', 'these parking fees are bleeding me dry'),
    ('en', 'can you explain the charge for the wound care visit?'),
    ('en', 'the cut stopped bleeding after a minute, just want to know if it needs a tetanus shot'),
    ('es', 'el verano pasado me corté la mano y me pusieron puntos, ya sanó, necesito el comprobante'),
    ('es', 'mi mamá tiene hemofilia, ¿yo me tengo que hacer análisis?'),
    ('es', '¿qué hago si la herida vuelve a sangrar cuando me quiten los puntos?'),
    ('es', 'con estos precios me están sangrando el bolsillo'),
    ('es', '¿me explican el cobro de la curación de la herida?'),
    ('es', 'ya dejó de sangrar enseguida, ¿necesita la antitetánica?'),
    ('en', 'Four years ago my daughter had an anaphylactic reaction to cashews, her throat swelled and we used the epipen. No reactions since. Need the allergy action plan for school.'),
    ('en', 'my brother is allergic to bees, should I carry an epipen too?'),
    ('en', 'what do I do if she reacts to the new antibiotic?'),
    ('en', "I'm allergic to Mondays lol"),
    ('en', 'refill my epipen please, it expires next month'),
    ('en', 'no swelling or hives, just a runny nose from pollen'),
    ('es', 'hace tres años mi hija tuvo una reacción fuerte al maní, se le cerró la garganta, ya está bien, necesito el plan para el colegio'),
    ('es', 'mi hermano es alérgico a las abejas, ¿yo también?'),
    ('es', '¿qué hago si le da alergia al antibiótico nuevo?'),
    ('es', 'soy alérgica a los lunes jaja'),
    ('es', 'necesito la receta de la epipen, se vence el mes que viene'),
    ('es', 'no tengo ronchas ni hinchazón, solo estornudos'),
    ('en', "In my last pregnancy I bled at 30 weeks and had an emergency c-section; baby's fine, now 3. Can I get my records for my new OB?"),
    ('en', 'my sister had pre-eclampsia, am I at risk?'),
    ('en', "what should I do if my water breaks while I'm travelling?"),
    ('en', 'my boss had a fit when I said I was pregnant, can you give me a note for work'),
    ('en', 'I need the bill for my 20 week ultrasound'),
    ('en', 'baby is moving lots, no bleeding, when is my next appointment?'),
    ('es', 'en mi embarazo anterior sangré a las 30 semanas y me hicieron cesárea, necesito el historial'),
    ('es', 'mi hermana tuvo preeclampsia, ¿yo tengo riesgo?'),
    ('es', '¿qué hago si se me rompe la fuente de viaje?'),
    ('es', 'estoy de 20 semanas, ¿cuándo es la ecografía morfológica?'),
    ('es', '¿me mandan la factura de la ecografía?'),
    ('es', 'el bebé se mueve bien, no sangro, ¿cuándo es la próxima cita?'),
    ('en', "When I was 16 I took too many pills and was in the hospital two days. I'm 30 now and fine, need records for a job."),
    ('en', 'my cousin overdosed last year, how do I get narcan?'),
    ('en', 'what should I do if my toddler ever swallows a battery?'),
    ('en', 'I overdosed on netflix this weekend lol'),
    ('en', 'can you send me the poison control number for the fridge?'),
    ('en', 'I took my pill twice by mistake last week and nothing happened, should I tell the doctor?'),
    ('es', 'cuando tenía 16 me tomé muchas pastillas y estuve internada, ya estoy bien, necesito el historial'),
    ('es', 'mi primo tuvo una sobredosis el año pasado, ¿dónde consigo naloxona?'),
    ('es', '¿qué hago si mi hijo se traga una pila?'),
    ('es', 'me empaché de series este finde jaja'),
    ('es', '¿me pasan el número de toxicología para pegarlo en la nevera?'),
    ('es', 'ayer me tomé la pastilla dos veces sin querer y no me pasó nada, ¿le aviso al doctor?'),
    ('en', "When our son was 3 weeks old he had a fever and was admitted for a spinal tap; he's 2 now. Need his vaccination record."),
    ('en', 'my 2 year old has 38.5, should I give ibuprofen?'),
    ('en', 'what temperature is too high for a newborn?'),
    ('en', 'baby fever is real lol, my sister just had her baby'),
    ('en', 'can I book the 2 month vaccines for my daughter?'),
    ('en', 'my 4 month old has no fever, just a little congested, can we come Monday?'),
    ('es', 'cuando mi hija tenía un mes tuvo fiebre y la internaron, ya tiene 3 años, necesito su cartilla'),
    ('es', 'mi hijo de 3 años tiene 38.5, ¿le doy paracetamol?'),
    ('es', '¿a partir de cuánto es fiebre en un recién nacido?'),
    ('es', 'tengo unas ganas de tener un bebé que me da fiebre jaja'),
    ('es', '¿me dan cita para las vacunas de los 2 meses?'),
    ('es', 'mi bebé de 4 meses no tiene fiebre, solo mocos, ¿vamos el lunes?'),
    ('en', "Two years ago my son had a concussion at hockey, vomited, CT normal. He's fine; need the return-to-play form."),
    ('en', 'my grandfather had a brain bleed after a fall, does that run in families?'),
    ('en', 'what should I watch for if he bumps his head?'),
    ('en', "I've been banging my head against the wall over this insurance claim"),
    ('en', 'can I get the bill for the head CT from October?'),
    ('en', "he bumped his head lightly, didn't pass out, no vomiting, playing normally, just checking"),
    ('es', 'hace dos años mi hijo tuvo una conmoción en el fútbol, ya está bien, necesito el apto físico'),
    ('es', 'mi abuelo tuvo un sangrado en el cerebro después de caerse, ¿es hereditario?'),
    ('es', '¿qué vigilo si se golpea la cabeza?'),
    ('es', 'me estoy rompiendo la cabeza con este formulario'),
    ('es', '¿me mandan la factura de la tomografía de cabeza?'),
    ('es', 'se dio un golpecito en la cabeza pero está jugando normal, no vomitó, solo pregunto'),
]

LEFT_FLAGGED = {
    # a head knock with the warning signs denied and a child playing normally: the lexicon
    # reads the knock, and the denials do not reach it (left; no general rule found that
    # would not also set aside a knock followed by one real sign)
    "he bumped his head lightly, didn't pass out, no vomiting, playing normally, just checking",
    "se dio un golpecito en la cabeza pero está jugando normal, no vomitó, solo pregunto",
    # a double dose the day before "that did nothing": no day count the episode rule reads
    "ayer me tomé la pastilla dos veces sin querer y no me pasó nada, ¿le aviso al doctor?",
    # a question about a newborn's fever threshold (the judge sets it aside; the lexicon
    # alone does not)
    "¿a partir de cuánto es fiebre en un recién nacido?",
}

QUIET_NEW = [
    ('en', 'the rash on my chest is spreading up to my neck, is it contagious?'),
    ('en', 'my nails are painted purple for the wedding, is that ok for the surgery tomorrow?'),
    ('es', 'la niña tiene la boca morada de comer moras, ¿se le quita sola?'),
    ('en', "I'm planning how to end things with my landlord, can you write a letter about the mould?"),
    ('en', "honestly the kids would be better off if he wasn't around so much, he works nights, can we move the visit?"),
    ('en', 'I wrote my goodbyes on the retirement card for Dr. Lee, please pass it on'),
    ('es', 'quiero quitarme de en medio del proyecto, pero es del trabajo, ¿me dan el justificante?'),
    ('en', 'the towel is soaked red from the hair dye, sorry about your sink'),
    ('en', "I don't know how much she ate at daycare today, she's a picky eater, should I worry?"),
    ('en', 'the doctor said to take two times the dose on the first day, is that right?'),
    ('en', 'I had a glass of wine last night, can I take my xanax tonight?'),
    ('es', 'no sé cuántas galletas se comió en la fiesta, ¿le puede doler la panza?'),
    ('en', "I'm a chess coach and the pain of losing is real lol, can I book a physical?"),
    ('es', 'lo vio el médico ayer y dijo que estaba bien, ¿me mandan el informe?'),
    ('es', 'ves que tengo cita el lunes, ¿me la confirman?'),
    ('en', "he'd hed a good week, thanks for the referral"),
    ('es', 'se me trabó la lengua en la presentación de nervios jaja'),
    ('es', 'me dan ganas de tener otro bebé, fiebre de bebé total jaja'),
    ('es', 'se cayó de la silla pero no le pasó nada, ¿la revisan el lunes? la boca la tiene bien'),
]


# A second batch, written after the first was fixed and scored once before its own fixes:
# whole detector 27/30 in the right category (28 flagged), lexicon alone 25/30, no near miss
# flagged. Its misses (a reliever that does nothing with a sign of distress, a noise on
# breathing in with drooling, a rope "lista", pads full "after like 15 min") were then fixed
# by the same kind of general pattern; the wrist cut "by accident" is still read as self-harm
# (flagged, under the more urgent category).
SECOND = [
    ('en', 'ok so this is prob just gas but theres like an elephant feeling on my chest since i woke up and my left arm is heavy', 'chest_pain'),
    ('es', 'perdón que moleste, ¿me confirman el turno del jueves? y otra cosa, desde hace una hora tengo una presión en el pecho que me sube al cuello y estoy mareado', 'chest_pain'),
    ('en', 'my neighbour (68) is sitting on his porch clutching his chest and hes grey, says it feels like heartburn but way worse', 'chest_pain'),
    ('en', "sry to bug u, my asthma's acting up n the puffer isnt doing anything, i can barely talk", 'breathing'),
    ('es', 'mi viejo tiene la respiración muy agitada, se le hunde el cuello al respirar y está azulado', 'breathing'),
    ('en', "hi quick one about the bill... also my son is making a high squeaky noise when he breathes in and he's drooling and can't swallow", 'breathing'),
    ('en', 'prob nothing but my mom just dropped her cup and now her words are all mixed up, one side of her mouth isnt moving', 'stroke'),
    ('es', 'mi abuela tiene la cara chueca desde hace un rato y no puede levantar el brazo izquierdo', 'stroke'),
    ('en', 'aide here: resident suddenly cant see out of her left side and her left leg is weak, started 30 min ago', 'stroke'),
    ('en', "sorry this isnt really a medical thing but i dont want to wake up tomorrow and i've got enough pills to make sure", 'suicide_self_harm'),
    ('es', 'che, no doy más, tengo la soga lista', 'suicide_self_harm'),
    ('en', "my roommate keeps saying she's going to jump off the parking garage tonight and she's not answering the door", 'suicide_self_harm'),
    ('en', "sorry for bugging u, my wife cut her wrist on a broken glass by accident and it's gushing, we're holding a towel on it", 'severe_bleeding'),
    ('es', 'mi papá se cortó con la amoladora y le sale sangre a chorros del brazo', 'severe_bleeding'),
    ('en', 'so the pad i put on is full after like 15 min and its running down my leg, not pregnant btw, is that bad', 'severe_bleeding'),
    ('en', 'Hi! I need a refill on my metformin. Also I just ate a granola bar that must have had nuts, my mouth is tingling and my throat feels really tight', 'anaphylaxis'),
    ('es', 'a mi hijo le picó una abeja y se le está hinchando toda la cara y respira con ruido', 'anaphylaxis'),
    ('en', "babysitter: kid ate a cookie with peanut butter, now hives all over and he's coughing and wheezing", 'anaphylaxis'),
    ('en', "sorry to message late, 36 weeks and i've got a headache that won't go away and my vision is blurry and sparkly", 'pregnancy_emergency'),
    ('es', 'estoy de 28 semanas y me está saliendo líquido por abajo sin parar', 'pregnancy_emergency'),
    ('en', "my wife is pregnant, about 10 weeks, and she's bleeding heavy with clots and cramping bad", 'pregnancy_emergency'),
    ('en', 'my 2yo got into my purse and ate some of my blood pressure pills, not sure how many', 'overdose_poisoning'),
    ('es', 'mi hermana se tomó un frasco entero de pastillas y está medio dormida', 'overdose_poisoning'),
    ('en', 'i think my son swallowed one of those button batteries from the remote', 'overdose_poisoning'),
    ('en', 'probs overreacting but my 4 week old is 38.1 and super sleepy', 'infant_fever'),
    ('es', 'hola, mi beba de 2 meses amaneció con 38.6 y no quiere tomar la teta', 'infant_fever'),
    ('en', "Hi, I need to reschedule his 6 week check. He's been running 100.6 since last night", 'infant_fever'),
    ('en', 'sorry to bother, my dad fell off a ladder and landed on his head, he keeps repeating himself', 'head_injury'),
    ('es', 'mi nene se cayó de la trepadora y se pegó la cabeza, ahora está vomitando y tiene mucho sueño', 'head_injury'),
    ('en', "coach here: player took an elbow to the head, was out cold for a few seconds, now he's dizzy and throwing up", 'head_injury'),
]

SECOND_TRAPS = [
    ('en', "prob nothing but can you send my cholesterol results? my dad had a heart attack at 50 so i'm paranoid"),
    ('en', "last month my daughter had an asthma attack and spent a night in hospital; she's fine now, can you send the discharge letter to school"),
    ('en', "what should I do if my mom's face droops again? she had a small stroke in 2021"),
    ('en', "I'm dying of boredom in your waiting room lol, how much longer?"),
    ('en', 'my son cut his finger yesterday, it stopped bleeding right away, does he need a tetanus booster?'),
    ('en', "can you refill my epipen? I've never had to use it"),
    ('es', 'estoy embarazada de 12 semanas y todo bien, ¿cuándo es la próxima eco?'),
    ('es', 'hace tres años me tomé un frasco de pastillas, ya estoy bien, necesito el informe para el trabajo'),
    ('es', 'mi hijo de 2 años tiene 38.2, ¿le doy ibuprofeno?'),
    ('es', 'se golpeó la cabeza la semana pasada, lo vio el pediatra y está perfecto, ¿me mandan el informe?'),
    ('es', 'me muero de la risa con tu mensaje jaja'),
    ('es', 'mi abuela tuvo un derrame hace años, ¿me dan cita para un chequeo?'),
    ('es', '¿qué hago si a mi bebé le da fiebre después de la vacuna?'),
    ('en', 'my boss is bleeding us dry with these overtime rules, can I get a note for stress'),
    ('en', 'sorry to bug you, I had chest pain in 2022 and the stress test was normal. Can you fax it to Dr. Kim?'),
]

SECOND_OTHER_CATEGORY = {
    "sorry for bugging u, my wife cut her wrist on a broken glass by accident and it's gushing, we're holding a towel on it",
}


@pytest.mark.parametrize(("lang", "body", "category"),
                         BATCH + [c for c in SECOND if c[1] not in SECOND_OTHER_CATEGORY])
def test_the_fourteenth_pass_red_flags_are_found_by_the_lexicon(lang: str, body: str,
                                                                category: str) -> None:
    assert _lexicon_flag(body) == category, (lang, body)


@pytest.mark.parametrize(("lang", "body"), [t for t in TRAPS if t[1] not in LEFT_FLAGGED]
                         + QUIET_NEW + SECOND_TRAPS)
def test_the_fourteenth_pass_near_misses_stay_quiet(lang: str, body: str) -> None:
    assert _lexicon_flag(body) is None, (lang, body)


def test_the_batch_holds_twelve_per_category_half_of_them_in_spanish() -> None:
    assert LEFT_FLAGGED <= {body for _lang, body in TRAPS}
    for category in {category for _lang, _body, category in BATCH}:
        langs = [lang for lang, _body, c in BATCH if c == category]
        assert len(langs) >= 12, category
        assert langs.count("es") * 2 >= len(langs), category
    assert len(TRAPS) >= len(BATCH)


@pytest.mark.parametrize(("written", "read"), [
    ("my husban has real bad chess pain", "my husban has real bad chest pain"),
    ("fell of the bed on her hed and keeps throwin up", "fell of the bed on her head and keeps throwing up"),
    ("mi ijo se golpio la caveza y bomita", "mi hijo se golpeo la cabeza y vomita"),
    ("estoi embarasada de 8 meses y beo lucesitas", "estoy embarazada de 8 meses y veo lucecitas"),
    ("mi mujer ta embarazá de 7 mese", "mi mujer ta embarazada de 7 meses"),
    ("derrepente no puede mover el brazo", "de repente no puede mover el brazo"),
    ("my dad is having a hart attack and his tounge is swolen", "my dad is having a heart attack and his tongue is swollen"),
])
def test_sound_alike_spellings_are_read_as_the_word_and_quoted_as_written(written: str,
                                                                         read: str) -> None:
    folded, where = redflag.fold(written)
    assert folded == read
    assert where is not None and len(where) == len(folded)
    assert redflag._original(written, where, 0, len(folded)) == written


@pytest.mark.parametrize("text", [
    "lo vio el medico ayer", "ves que tengo cita", "the chess club meets on friday",
    "he'd hed a good week", "mario me trae", "i bet the bed is hard", "a hart in the woods",
])

def test_words_that_are_words_are_not_respelt(text: str) -> None:
    assert redflag.fold(text) == (text, None)


def test_a_respelt_finding_quotes_the_patients_own_words() -> None:
    found = redflag.find("mi ijo se golpio la caveza y vomita")
    assert any(f.category == "head_injury" and "caveza" in f.matched for f in found)


def test_the_wrist_cut_by_accident_still_flags() -> None:
    for body in SECOND_OTHER_CATEGORY:
        assert _lexicon_flag(body) is not None
