"""Trouble breathing read by its signs, not by one phrasing at a time.

A writer tells a breathing emergency by what it does to someone, often without the words the
lexicon keeps ("tengo un silbido en el pecho q no me deja hablar", "so winded I can't walk
from the car to the door", "sprayed the field without a mask and now his breathing sounds
ugly"). The clinical signs are few and each is said in a bounded vocabulary, so this reader
looks for the signs themselves (CONCEPTS, English and Spanish) and raises `breathing` when
**two different signs** are read current in the patient's new text, or one strong sign
alone (STRONG):

- `air`: the air itself: can't get a breath or enough air, gasping, suffocating, drowning,
  "me falta el aire", "no le llega el aire".
- `speech`: too breathless to talk: can't finish a sentence, stops between words.
- `effort`: the body working to breathe: ribs or the belly pulling in, nostrils flaring,
  grunting, sitting or leaning forward to breathe, unable to lie flat. Strong.
- `noise`: wheeze, whistle, stridor, a rattle, noisy breathing ("un pitido", "le chifla").
- `colour`: blue, grey or purple lips, face or fingers. Strong.
- `device`: a home device's number: oxygen 91 % or lower, 30 or more breaths a minute.
  Strong.
- `rescue`: the rescue treatment failing (an inhaler or a nebuliser not helping, used many
  times, back to back) or run out while the trouble goes on.
- `airway`: choking, something inhaled or stuck, a throat closing, an object in a child's
  mouth that went down the wrong way.
- `exertion`: breathless after a few steps, across a room, from the car to the door, having
  to stop or sit down to breathe.
- weak signs, which pair only with one of the above (WEAK): `exposure` (smoke, fumes,
  chemicals, spraying, a fire), `course` (getting worse, sudden, for half an hour, since
  this morning), `cough` (coughing without stop), `noticed` (someone else saw it: "my wife
  says my lips", "the teacher sent him home").

A sign counts only when the ConText checks (redflag.context_modifier) read it current: not
denied (a negation that is the symptom itself, "no le entra el aire", stays current), not a
past episode unless the message says it is happening now, not a hypothetical, a question or
inside a pseudo phrase. The same words in ordinary lives stay quiet (ORDINARY_MESSAGE: a
sleep study, spirometry, quitting smoking, a view that is breathtaking, breathing exercises;
RECORD: a form or a record; ORDINARY_SENTENCE: traffic, a packed bus, laughing, "I can
breathe again", breathing that is fine).

triage.py reads it once (`reread`), never for a mailing: a flag when nothing else flagged
the message (two signs needed when the hit judge set a breathing hit aside: the reader must
not bring back the same words); a breathing hit in an ordinary life set aside when neither
two signs of the breathing nor a strong one are read; breathing over an anaphylaxis hit
with no swelling, no hives, no adrenaline pen, no itch, no allergen or drug named and no shot
received, or with the allergy denied ("no allergies, just panic"); breathing over a poisoning
hit when a child choked on food or a small object and nothing poisonous is named. The
guide's order otherwise stands: chest pain, pregnancy, a poisoning and a true anaphylaxis keep
their category. Pure; patient text is never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from cxinbox.domain import redflag
from cxinbox.domain.regexneed import NeedIndex, compiled
from cxinbox.domain.signreader import ConceptReader, Sign

CATEGORY: Final = "breathing"

_CANT: Final = (r"(?:can'?t|cant|cannot|couldn'?t|couldnt|could not|unable to|not able to|barely|"
                r"hardly|struggling to|struggles to|struggle to|trouble|hard to|having a hard time)")
_RESCUE: Final = (r"(?:inhalers?|puffers?|pumps?|nebuli[sz]ers?|nebs?|albuterol|salbutamol|ventolin|"
                  r"proair|rescue (?:meds?|inhaler)|breathing treatments?|inhalador\w*|nebulizador\w*|"
                  r"bomba|bombita|puff\w*|aerosol\w*)")

CONCEPTS: Final[dict[str, tuple[str, ...]]] = {
    "air": (
        (rf"\b{_CANT} (?:even )?(?:get|getting|catch|catching|take|taking|pull|pulling|draw|suck|grab) (?:in )?(?:a |my |his |her |their |any |enough |"
         r"a full |a deep |a good )?(?:breath|air)\b"),
        (rf"\b{_CANT} (?:even )?(?:breathe?|breath|breathing)\b|\b(?:not|isn'?t|aren'?t|no) (?:getting|moving) "
         r"(?:enough |any )?air\b|\bair (?:isn'?t|is not|won'?t|will not|doesn'?t|does not|not) (?:going|getting|get|go) "
         r"(?:in|through|down)\b"),
        (r"\b(?:gasp\w*|suffocat\w*|smother\w*|air hunger|fighting for (?:air|breath)|struggling (?:for|to) "
         r"(?:air|breath\w*)|like (?:i'?m|he'?s|she'?s|im|hes|shes|i am) drowning|drowning on dry land|"
         r"breathing through a (?:straw|pillow)|lungs? (?:won'?t|can'?t|don'?t|wont|cant|dont|will not) "
         r"(?:fill|open|expand)|out of breath|short(?:ness)? of breath|breathless\w*|winded)\b"),
        (r"\b(?:me|le|nos|te) (?:falta|faltaba|esta faltando|hace falta) (?:mucho |el |la )?(?:aire|respiracion|aliento)\b|"
         r"\bno (?:me|le|nos) (?:llega|entra|alcanza|pasa) (?:el )?aire\b|\b(?:no|casi no) (?:puedo|puede|podia|pudo) "
         r"(?:respirar|agarrar aire|jalar aire|tomar aire|coger aire|sacar el aire)\b"),
        (r"\b(?:me|se|le|te) (?:ahog\w+|esta ahogando|estoy ahogando|asfixi\w+|sofoc\w+)\b|\bahogandos?[e]?\b|"
         r"\b(?:falta|dificultad|problemas?) (?:de|para) (?:aire|respirar)\b|\bsin (?:aire|aliento)\b|"
         r"\b(?:me|le) cuesta (?:mucho |trabajo )?respirar\b|\bjade\w+|\brespira\w* (?:muy )?(?:rapido|agitad\w+|"
         r"con (?:mucha )?dificultad|con esfuerzo|fuerte|hondo|cortito|entrecortad\w+)\b|\bno (?:respira|esta respirando) bien\b"),
        (r"\bbreath\w* (?:is |was |has been |getting |gotten |keeps getting |feels )?(?:\w+ )?(?:fast|rapid|shallow|"
         r"labou?red|hard|heavy|quick|short|ragged|funny|weird|wrong)\b|\bbreath (?:keeps )?(?:running out|cutting off)\b"),
    ),
    "speech": (
        (rf"\b{_CANT} (?:finish|complete|get out|say|talk in|speak in) (?:a |full |whole |complete |his |her |my )?"
         r"(?:sentence|sentences|words|phrase)\b"),
        (r"\b(?:stop\w*|pause\w*|has to stop|have to stop) (?:\w+ )?(?:between|after (?:every|each|a few)) "
         r"(?:words|word|sentences)\b|\b(?:one|two|a few|couple) words? at a time\b|"
         r"\b(?:even )?(?:just )?(?:talking|speaking)\b[^.!?\n]{0,30}\b(?:have|has|had) to stop\b|"
         rf"\b{_CANT} (?:talk|speak) (?:without (?:gasping|stopping)|for (?:the )?breath\w*)\b"),
        (r"\bno (?:me|le|nos) deja (?:ni )?hablar\b|\bno (?:puede|puedo|podia) (?:ni )?(?:terminar (?:una |la |las )?"
         r"(?:frases?|oracion\w*|palabras?)|hablar (?:sin (?:ahogarse|ahogarme)|de (?:lo )?(?:que|q) (?:le|me) falta el aire))\b|\bhabla (?:a pedazos|entrecortad\w+|de a poquito)\b|"
         r"\b(?:entre|cada) (?:palabra|frase)\b"),
    ),
    "effort": (
        (r"\b(?:ribs?|chest|belly|tummy|stomach|neck|skin (?:between|under) (?:his|her|the) ribs) (?:\w+ ){0,2}"
         r"(?:sucking|pulling|caving|sinking|going|sucked|pulled|caved) in\b|\bretraction\w*\b|\bnostrils? "
         r"(?:are |is |keep )?flar\w*|\bhead bobb\w*|\bgrunt\w*\b"),
        (r"\b(?:sit|sits|sitting|sat|sleep\w*|propped|leaning|lean\w*|bent) (?:\w+ ){0,2}(?:up|forward|over|upright) "
         r"(?:\w+ ){0,3}(?:to|so (?:he|she|i) can|in order to) (?:breathe|breath|get air)\b|"
         rf"\b{_CANT} (?:lie|lay|lying|laying) (?:down|flat)\b|\bhands on (?:his |her |my )?knees\b"),
        (r"\bse le (?:hunden|hunde|marcan|meten|jalan|sumen) (?:el pecho|las costillas|la panza|el estomago|la barriga|"
         r"el cuello|la piel)\b|\b(?:aleteo|aletea|le aletean?|abre (?:mucho )?la nariz)\b|\btiraje\b|\bquejid\w+|"
         r"\b(?:no (?:puede|puedo) acostar(?:se|me)|sentad[oa] (?:para|pa) (?:respirar|poder respirar)|"
         r"solo (?:puede|puedo) respirar sentad[oa])\b|\bla panza (?:le )?(?:sube y baja|se mueve) (?:muy )?(?:rapido|fuerte)\b"),
    ),
    "noise": (
        (r"\bwheez\w*|\bstridor\b|\bcrowing\b|\bwhistl\w* (?:when|as|while|with|in) (?:he |she |i )?(?:breath\w*|each)|"
         r"\b(?:whistling|rattl\w+|gurgl\w+|noisy|squeak\w*) (?:\w+ )?(?:breath\w*|sound\w*|chest|noise)\b|"
         r"\b(?:breath\w*|chest) (?:is |sounds? |sounding )?(?:like a |so )?(?:noisy|whistl\w*|rattl\w*|squeak\w*|crackl\w*)\b|"
         r"\bhigh[- ]pitched (?:noise|sound|squeak|whistl\w*|breath\w*)\b"),
        (r"\b(?:silbido|silbid\w+|pitido|chiflido|hervidero|ronquera rara|sibilanc\w+|estertor\w*)\b|\b(?:le |me )?(?:chifla|silba|"
         r"hierve|suena|ronca) (?:el pecho|al respirar|cuando respira|el pulmon)\b|\bruid\w* (?:\w+ )?(?:al respirar|"
         r"cuando respira|en el pecho)\b|\brespira\w* con (?:un )?(?:ruido|pitido|silbido|chiflido)\b|\bruido (?:feo|raro|extrano)\b"),
    ),
    "colour": (
        (r"\b(?:lips?|face|fingers?|fingertips?|fingernails?) (?:\w+ ){0,3}(?:blue\w*|gr[ae]y\w*|purple\w*|"
         r"dusky|ashy|dark)\b|\b(?:he|she|baby|he'?s|she'?s|is|was) (?:\w+ )?(?:turn\w*|going|gone|went|look\w*) (?:a bit |kind of |kinda |slightly )?(?:blue|gr[ae]y)\b|\bblue (?:around|in) (?:the |his |her |my )?(?:mouth|lips|face)\b|\bcyano\w+"),
        (r"\b(?:labios|cara|dedos|unas|unitas|labitos) (?:\w+ ){0,3}(?:morad\w+|azul\w*|gris\w*|negr\w+|"
         r"moradit\w+|azulit\w+)\b|\bse (?:esta )?(?:puso|pone|poniendo|ve|ven) (?:\w+ )?(?:morad\w+|azul\w*|gris\w*)\b|"
         r"\bcianosis\b"),
    ),
    "device": (
        (r"\b(?:o2|oxygen|ox|spo2|sats?|saturation|sat level|pulse ?ox\w*|oximeter|oxigeno|saturacion|oximetro|"
         r"saturando|satura)\b(?! (?:tank|tanks|concentrator|bottle|cylinder|tanque|concentrador))\D{0,20}?"
         r"\b(?:[5-8]\d|9[01])\b(?! ?(?:years?|anos|mg|lbs?|kg|dollars|\$|yo|y/o))"),
        (r"\b(?:[3-9]\d) (?:breaths|respiraciones|resp\w*) (?:a|per|por|each|every|x) (?:minute|min|minuto)\b|"
         r"\b(?:respira|breath\w*) (?:\w+ ){0,2}(?:[3-9]\d) (?:times|veces) (?:a|per|por|en un|al) (?:minute|min|minuto)\b"),
    ),
    "rescue": (
        (rf"\b{_RESCUE} (?:\w+ ){{0,2}}(?:is ?n'?t|not|isnt|doesn'?t|does not|didn'?t|did not|won'?t|is not|aint|ain'?t) "
         r"(?:\w+ )?(?:helping|help|working|work|touching it|doing (?:anything|much|a thing)|lasting)\b|"
         rf"\b{_RESCUE} (?:did|does|is doing) nothing\b|\b(?:no help|useless|not touching it)\b"),
        (rf"\b(?:used|using|gave|given|took|taken|done|did|had) (?:\w+ ){{0,3}}{_RESCUE}\b[^.!?\n]{{0,30}}\b(?:\d+|two|three|"
         r"four|five|six|seven|eight|ten|several|many|a bunch of|like a million) (?:times|puffs|rounds|treatments)\b|"
         rf"\b(?:\d+|three|four|five|six|eight|ten|several) (?:puffs|times|rounds) (?:of (?:the |his |her |my )?{_RESCUE} )?"
         r"(?:already|in the last|since|back to back|in an hour|in (?:\d+|two|three) hours?)\b|\bback to back\b"),
        (rf"\b{_RESCUE} (?:\w+ ){{0,2}}(?:no (?:le |me )?(?:hace|hizo|sirve|sirvio|ayuda|ayudo|funciona|funciono)|ya no "
         r"(?:le |me )?(?:hace|sirve|ayuda|funciona))\b|\b(?:ya )?(?:le |me )?(?:di|dimos|puse|use|usamos|eche|heche) "
         rf"(?:\w+ ){{0,3}}(?:\d+|dos|tres|cuatro|cinco|seis|ocho|diez|varias|muchas) (?:veces|disparos|puff\w*|"
         r"inhalaciones|nebulizaciones)\b"),
        (rf"\b(?:ran out of|out of|run out of|no more|lost|forgot|finished) (?:my |his |her |the )?{_RESCUE}\b|"
         rf"\b(?:se (?:me|le) )?(?:acabo|termino|perdio|olvido) (?:el |la |mi |su )?{_RESCUE}\b|"
         rf"\b{_RESCUE} (?:\w+ ){{0,3}}(?:se (?:me|le) )?(?:acabo|termino)\b|\bse (?:me|le) acabo\b|\bya no tengo\b"),
    ),
    "airway": (
        (r"\b(?:chok\w+|gagging on|inhaled|aspirated|breathed in) (?:on )?(?:a |an |the |some |his |her |my )?"
         r"(?:\w+ )?(?:peanut|nut|grape|popcorn|candy|coin|bead|toy|lego|button|battery|piece|food|bone|seed|marble|"
         r"something|hot dog|meat|bite)s?\b|\bsomething (?:stuck|caught|lodged) in (?:his|her|my|the) (?:throat|windpipe|"
         r"airway)\b|\bwent down the wrong (?:way|pipe)\b"),
        (r"\b(?:se )?(?:atragant\w+|atoro|atoró|atoraba|atorado|atorada|atoro con)\b|\bse (?:le|me) (?:fue|atoro|atranco) "
         r"(?:\w+ ){0,3}(?:por (?:el otro lado|mal camino|el lado equivocado)|en la garganta)\b|\b(?:se )?(?:trago|metio|"
         r"aspiro) (?:\w+ ){0,3}(?:mani|cacahuate|cacahuete|uva|moneda|canica|juguete|dulce|caramelo|semilla|palomita|"
         r"pieza|lego|boton|hueso)s?\b"),
        (r"\bthroat (?:\w+ ){0,4}(?:closing|closed|clos\w+ up|tight\w*|narrowing)\b|\b(?:se )?(?:me|le) (?:esta )?"
         r"(?:cierra|cerro|cerrando|aprieta|apreta) (?:la )?garganta\b|\bgarganta (?:se )?(?:me |le )?(?:esta )?"
         r"(?:cerrando|cierra|cerrada|apretada)\b|\b(?:squeez\w+|sitting on|grip\w*) (?:my|his|her) throat\b"),
    ),
    "exertion": (
        (rf"\b{_CANT} (?:even )?(?:walk|get|make it|go|climb|cross) (?:\w+ ){{0,4}}(?:from (?:the|my) \w+ to|to the "
         r"(?:bathroom|kitchen|door|mailbox|car|couch|bed|end of|corner)|across the (?:room|kitchen|house|hall)|a few "
         r"(?:steps|feet|yards)|one flight|the hallway)\b|\b(?:after|walking|every) (?:just )?(?:a few|two|three|ten) "
         r"(?:steps|feet|yards)\b|\b(?:had|have|has) to (?:sit|stop|rest) (?:down )?(?:on|every|after|halfway|to (?:catch|"
         r"breathe|get))\b"),
        (r"\b(?:no (?:puedo|puede|podia) (?:ni )?(?:caminar|llegar|subir|andar) (?:\w+ ){0,3}(?:al bano|a la cocina|a la "
         r"puerta|una cuadra|unos pasos|dos pasos|tres pasos|al carro|al cuarto|la escalera)|(?:me |se |le )?(?:tengo|tiene|"
         r"tuve|tuvo) (?:que|q) (?:sentar|parar|detener)\w* (?:\w+ ){0,3}(?:cada|a (?:respirar|agarrar)|para (?:respirar|"
         r"agarrar)|en (?:la banqueta|el piso|el suelo|la acera)|cada (?:\w+ )?(?:pasos|rato|cuadra)))\b|\bsentad[oa] en el (?:suelo|piso)\b"),
    ),
    "exposure": (
        (r"\b(?:(?:the|of|from|thick|black|wildfire|fire|campfire|kitchen|so much|a lot of) smoke|smoke (?:from|in|filled|"
         r"everywhere|came)|fumes|chemicals?|pesticides?|herbicides?|insecticides?|(?<!nasal )(?<!throat )spray\w*|bleach|ammonia|chlorine|"
         r"gas leak|carbon monoxide|paint fumes|fire|mold|dust cloud|crop dust\w*|weed killer|roundup|fumigat\w+)\b"),
        (r"\b(?:humo|gases|quimicos?|pesticidas?|insecticidas?|herbicidas?|fumig\w+|rociando|roci\w+|cloro|amoniaco|"
         r"incendio|veneno (?:del campo|para plagas)|sin (?:mascarilla|mascara|cubrebocas|tapabocas)|without (?:a )?mask)\b"),
    ),
    "course": (
        (r"\b(?:getting|gotten|got|is getting|keeps getting) (?:\w+ )?worse\b|\bworse (?:and worse|by the (?:minute|hour)|"
         r"every (?:minute|hour)|than (?:an hour|this morning))\b|\b(?:suddenly|all of a sudden|out of nowhere)\b|"
         r"\b(?:been|for|going on|for the last|for about|over) (?:about |like |almost |over )?(?:\d+|half an|an|one|two|"
         r"three|twenty|thirty|forty|fifteen|ten) (?:min\w*|hours?|hrs?)\b|\bsince (?:this morning|last night|yesterday|"
         r"(?:an|one|two) hours? ago|lunch|dinner|breakfast|noon)\b|\b(?:started|began) (?:about |like )?(?:\d+|an|one|"
         r"two|half an) (?:min\w*|hours?|hrs?) ago\b|\b(?:\d+|half an|an) (?:min\w*|hours?|hrs?) (?:now|already)\b"),
        (r"\b(?:cada vez (?:peor|mas)|empeor\w+|se (?:puso|esta poniendo|pone) peor|de repente|de pronto|derrepente)\b|"
         r"\b(?:llev\w+|lleva) (?:\w+ )?(?:media hora|una hora|\d+ (?:min\w*|horas?)|rato|toda la (?:manana|tarde|noche))\b|"
         r"\b(?:mucho|bien|mas) peor\b|\bdesde (?:esta manana|anoche|ayer|hace (?:\d+|media|una|un|dos|tres) (?:min\w*|horas?|hora|rato))\b"),
    ),
    "cough": (
        (r"\bcough\w* (?:\w+ )?(?:non ?stop|without stopping|and can'?t stop|so hard|nonstop|constantly|fits?)\b|"
         r"\bcan'?t stop cough\w*|\btose (?:y tose|sin parar|sin poder parar|mucho|fuerte)\b|\btos (?:que no (?:para|"
         r"se le quita)|sin parar)\b|\bno (?:para|deja) de toser\b"),
    ),
    "noticed": (
        (r"\b(?:my |his |her |the )?(?:wife|husband|mom|dad|teacher|nurse|coach|boss|coworker|daughter|son|neighbou?r|"
         r"aide|caregiver|daycare|school) (?:\w+ ){0,2}(?:noticed|says|said|told me|saw|sent (?:him|her|me) home|called)\b|"
         r"\b(?:la maestra|el maestro|mi esposa|mi esposo|la enfermera|la guarderia|mi jefe|la vecina|mi hija|mi hijo) "
         r"(?:\w+ ){0,2}(?:se dio cuenta|dice|dijo|noto|vio|me llamo|lo mando|la mando)\b"),
    ),
}
"""Each sign's phrasings, over folded text (lower case, no accents)."""

STRONG: Final = frozenset({"effort", "colour", "device"})
"""Signs that are enough on their own."""
WEAK: Final = frozenset({"exposure", "course", "cough", "noticed"})
"""Signs that say when, why or who, not what: they pair only with a sign of the breathing."""


def pairs(concepts: set[str]) -> bool:
    """Two different signs, at least one of them a sign of the breathing itself."""
    return len(concepts) >= 2 and bool(concepts - WEAK)


ORDINARY_MESSAGE: Final = (
    (r"\b(?:sleep (?:study|test|lab|clinic)|spirometr\w*|pulmonary function|pfts?|"
     r"breathtaking|breath-taking|took my breath away|breathing exercises?|breathwork|meditat\w*|yoga|"
     r"(?:quit|quitting|stop|stopping|give up|giving up) (?:smoking|cigarettes|vaping|the vape)|nicotine|"
     r"smoking cessation|chantix|dejar de fumar|estudio del sueno|apnea del sueno|espirometr\w*|ejercicios de "
     r"respiracion|me dejo sin aliento)\b"),
)
"""What a message is about when breathing words are an ordinary life's: quiets the reader
unless a strong sign is read, and a lexicon or model breathing hit unless two signs pair or
a strong one is read (`reread`)."""
RECORD: Final = (
    r"\b(?:form|forms|questionnaire|for the record|on record|for (?:my|his|her) (?:chart|file|records?)|"
    r"to (?:my|his|her) chart|formulario|cuestionario|para (?:el|mi|su) expediente)\b"
)
"""A form or a record asked for: quiets the reader (the lexicon reads a current symptom told
beside one)."""
ORDINARY_SENTENCE: Final = (
    (r"\b(?:running late|late for|traffic|stuck behind|on the bus|the bus is|packed like|laugh\w*|"
     r"trafico|trancon|me rei|riendome|de la risa)\b"),
    r"\b(?:can|could|finally|i can) (?:breathe|breath|respirar) (?:again|easier|a little easier)\b|\bya respiro\b",
    (r"(?<!n't )(?<!nt )(?<!not )(?<!no )(?<!puede )(?<!puedo )\b(?:breathing|breathes|breathe|breath|respira|respirando|pulmones) "
     r"(?:is |are |was |sounds |seems |looks |suenan )?(?:fine|normal|ok|okay|great|normally|easy|easily|"
     r"bien(?=\s*(?:[.,;!?\n]|$|y|and|no)))\b|\bno (?:wheez\w*|trouble breathing|breathing (?:problems|issues|trouble)|"
     r"shortness of breath)\b"),
)
"""A sign in a sentence about these is an ordinary life's: quiet, whatever its kind."""

ANAPHYLAXIS_OWN: Final = compiled(
    r"\b(?:swell\w*|swollen|puff\w* up|hives|welts|ronchas|habones|hinch\w+|inflamad\w+|epi ?pen\w*|epinephrine|"
    r"epinefrina|adrenalina|auvi-?q|anaphyla\w*|anafila\w*|(?:ate|eaten|eating|after eating|comio|comi|se comio|"
    r"stung|sting|bee|wasp|hornet|abeja|avispa|pico|picadura|bitten|mordio|itch\w*|picazon|comezon|"
    r"shrimp|shellfish|peanuts?|cashews?|almonds?|walnuts?|tree nuts?|sesame|crab|lobster|mani|cacahuates?|"
    r"nueces|camaron\w*|mariscos|amoxicillin|penicillin|antibiotics?|sulfa|bactrim|cephalexin|keflex|"
    r"amoxicilina|penicilina|antibiotico\w*)\b|\b(?:after|got|had|gave|given|received|from|despues de|le pusieron|"
    r"me pusieron) (?:\w+ ){0,3}(?:shot|vaccine|injection|infusion|dye|contrast|vacuna|inyeccion)\b)")
"""Anaphylaxis's own signs and a trigger taken: with any of these, an anaphylaxis hit stands."""
ALLERGY_DENIED: Final = compiled(
    r"\b(?:no|not|without|zero|nada de|sin|ningun\w*) (?:known |real |any )?(?:allerg\w+|alergi\w+|alergic\w*|"
    r"allergy stuff|allergic)\b|\bnot allergic\b|\bno (?:es|soy) alergic\w+\b|\bnothing (?:new )?(?:i|he|she) ate\b|"
    r"\bno (?:hives|swelling|rash|ronchas|hinchazon)\b|\b(?:or|ni) (?:anything|nada) (?:new )?(?:i|he|she|que) "
    r"(?:ate|comi|comio)\b")
"""The writer rules an allergy out ("no allergies that I know", "no allergy stuff, just panic")."""
POISON: Final = compiled(
    r"\b(?:pills?|tablets?|meds?|medicines?|medicine|medication\w*|bleach|detergent|pods?|battery|batteries|button "
    r"cell|magnets?|poison\w*|chemical\w*|cleaner|antifreeze|alcohol|vodka|drunk|pastillas?|tabletas?|medicina\w*|"
    r"jarabe|cloro|detergente|pila|pilas|iman\w*|veneno|quimico\w*|limpiador\w*|alcohol)\b")
"""Something swallowed that is a poisoning, not a choking (the guide puts a battery, a pod or
pills under overdose/poisoning)."""


GIVES_WAY: Final = frozenset({"anaphylaxis", "overdose_poisoning", CATEGORY})
"""Categories whose hit the signs read again (`reread`)."""


_SIGNS: Final = NeedIndex()


@dataclass(frozen=True, slots=True)
class _Compiled:
    reader: ConceptReader
    ordinary_message: re.Pattern[str]
    record: re.Pattern[str]
    ordinary_sentence: re.Pattern[str]


@cache
def _compiled() -> _Compiled:
    return _Compiled(
        reader=ConceptReader(CONCEPTS, _SIGNS),
        ordinary_message=compiled("|".join(f"(?:{p})" for p in ORDINARY_MESSAGE)),
        record=compiled(RECORD),
        ordinary_sentence=compiled("|".join(f"(?:{p})" for p in ORDINARY_SENTENCE)),
    )


def signs(folded: str) -> list[Sign]:
    """Every sign in folded text, in text order (no context read)."""
    return _compiled().reader.signs(folded)


_NOW: Final = compiled(
    r"\b(?:now|right now|rn|today|tonight|this (?:morning|afternoon|evening)|currently|still|at the moment|"
    r"ahora|ahorita|hoy|esta (?:manana|tarde|noche)|todavia|aun|sigue)\b")
_ASKS_NOW: Final = compiled(
    r"\b(?:what (?:should|do|can) (?:i|we) do|wat do i do|what now|que hago|q hago|que hacemos|que debo hacer)\b")
_HABIT: Final = compiled(r"\b(?:used to|use to|solia|solian|de nino|de nina|as a kid|when i was)\b")
_WELL: Final = compiled(
    r"\b(?:fine now|better now|all better|back to normal|(?:running|jogging|hiking|playing) \w+ again|"
    r"gone now|resolved|cleared up|went away|(?:been|was|were|have been|has been) (?:fine|well|ok|okay|stable) "
    r"(?:for|since)|breathe normally|breathing normally|se (?:le )?quito|ya (?:esta|estoy) (?:bien|mejor)|ya paso)\b")
def _sentence(folded: str, start: int, end: int) -> tuple[int, int]:
    return redflag.sentence_start(folded, start), redflag.sentence_end(folded, end)


_SOMEONE_ELSE: Final = compiled(
    r"\b(?:his|her|their|he|she|hes|shes|he'?s|she'?s|they|wife|husband|son|daughter|mom|mum|mother|dad|"
    r"father|grandma|grandpa|baby|esposa|esposo|hijo|hija|mama|papa|abuela|abuelo|ella)\b")
OWNER_REACH: Final = 25
"""Characters before a sign read for whose breath it is."""


def _ordinary_sentence(folded: str, begin: int, end: int, start: int, stop: int) -> bool:
    """The sentence [begin, end) is about traffic, being late or laughing (ORDINARY_SENTENCE)
    and the breath at [start, stop) is the writer's own: someone else's breath ("running
    late, my wife can't catch her breath") is not explained by the writer's errand."""
    if _compiled().ordinary_sentence.search(folded, begin, end) is None:
        return False
    return _SOMEONE_ELSE.search(folded, max(begin, start - OWNER_REACH), min(end, stop)) is None


def _current(read: str, folded: str, sign: Sign) -> bool:
    """The sign reads current by the ConText checks. A negation that is the symptom itself
    ("no le entra el aire") stays current; a sign the checks date to the past counts when
    the message says it is happening now and nobody is well again."""
    begin, end = _sentence(folded, sign.start, sign.end)
    if sign.concept not in STRONG and _ordinary_sentence(folded, begin, end, sign.start, sign.end):
        return False
    status, modifier = redflag.context_modifier(read, CATEGORY, sign.start, sign.end)
    if status == "current":
        return _HABIT.search(folded, begin, sign.start) is None
    if status == "negated":
        if _WITHOUT.match(modifier) and _UNABLE.search(folded, begin, sign.start):
            return True  # "can't walk to the kitchen without gasping": the gasping is now
        if modifier and modifier in folded[sign.start:sign.end]:
            return True  # the negation is the sign's own: "no le entra el aire"
        cue = folded.rfind(modifier, begin, sign.start) if modifier else -1
        if cue >= 0 and _NOW_BREAK.search(folded, cue + len(modifier), sign.start):
            return True  # the negation stops at "and now": "sin cubrebocas y ahora no le entra el aire"
        if modifier and folded.find(modifier, sign.end, end) >= 0 and \
                _NEGATION.search(folded, begin, sign.start) is None and not _FINE.search(modifier):
            return True  # a cue after the sign, of something else: "como bajo el agua y no puede salir"
        return redflag.negation_is_symptom(folded, sign.start, sign.end)
    if status == "historical":
        # dated in the past, but told as happening now: "(COVID last week) and she's
        # breathing fast ... what should I do now?"
        now = _NOW.search(folded, begin, end) or _ASKS_NOW.search(folded)
        return now is not None and _WELL.search(folded) is None and \
            _HABIT.search(folded, begin, sign.start) is None
    return False


_WITHOUT: Final = compiled(r"(?:without|sin)\b")
_UNABLE: Final = compiled(r"\b(?:can'?t|cant|cannot|couldn'?t|couldnt|unable to|no (?:puedo|puede|podia|pudo))\b")
_NEGATION: Final = compiled(r"\b(?:no|not|never|without|sin|nunca|ni|denies|isn'?t|doesn'?t|don'?t)\b")
_FINE: Final = compiled(r"\b(?:fine|well|better|ok|okay|normal|bien|mejor)\b")
_NOW_BREAK: Final = compiled(r"\b(?:and now|now|y ahora|ahora|ahorita)\b")


def current_signs(read: str) -> list[Sign]:
    """The signs in `read` (the patient's new text, as triage reads it) that read current."""
    folded, _ = redflag.fold(read)
    found = signs(folded)
    if not found:
        return []
    if _RESCUE_WORD.search(folded) is None:  # "se me acabó" is the rescue run out only beside one
        found = [s for s in found if s.concept != "rescue"]
    return [s for s in found if _current(read, folded, s)]


_RESCUE_WORD: Final = compiled(rf"\b{_RESCUE}\b")


def concept_flag(read: str, *, pair_needed: bool = False) -> tuple[str, str] | None:
    """(breathing, the patient's words of the clause holding the strongest sign) when two
    different current signs pair (`pairs`) or a strong one is read (unless `pair_needed`),
    and the message is not about an ordinary life (ORDINARY_MESSAGE) unless a strong sign is
    among them; or None."""
    kept = current_signs(read)
    if not kept:
        return None
    best: dict[str, Sign] = {}
    for s in kept:
        best.setdefault(s.concept, s)
    concepts = set(best)
    strong = concepts & STRONG
    if not pairs(concepts) and (pair_needed or not strong):
        return None
    folded, _ = redflag.fold(read)
    if _compiled().ordinary_message.search(folded) or _compiled().record.search(folded):
        return None
    top = min((s for s in best.values() if s.concept not in WEAK),
              key=lambda s: (s.concept not in STRONG, s.start))
    _status, quote = redflag.context_status(read, CATEGORY, top.start, top.end)
    return CATEGORY, quote


def _ordinary_hit(read: str, folded: str, where: list[int] | None,
                  findings: list[redflag.Finding]) -> bool:
    """A breathing hit in an ordinary life: the message is about a sleep study, spirometry,
    quitting smoking or a view (ORDINARY_MESSAGE), or every current breathing finding sits in
    a sentence about traffic or laughing (ORDINARY_SENTENCE); and neither two different
    signs nor a strong one (a colour, a device's number, the body working) are read."""
    c = _compiled()
    hits = [f for f in findings if f.category == CATEGORY and f.status == "current"]
    if c.ordinary_message.search(folded) is None:
        if not hits:
            return False
        for f in hits:
            start = f.start if where is None else next(
                (i for i, o in enumerate(where) if o >= f.start), len(folded))
            begin, end = _sentence(folded, start, start)
            if not _ordinary_sentence(folded, begin, end, start, start + len(f.matched)):
                return False
    concepts = {s.concept for s in current_signs(read)}
    return len(concepts - WEAK) < 2 and not concepts & STRONG


def reread(read: str, flag: tuple[str, str] | None,
           findings: list[redflag.Finding]) -> tuple[str, str] | None:
    """The flag triage settled on, read again with the signs (never for a mailing; the
    caller checks): breathing where nothing flagged; a breathing hit in an ordinary life set
    aside (`_ordinary_hit`); breathing over an anaphylaxis with none
    of its own signs or with the allergy ruled out; breathing over a poisoning that is a
    child choking on food or a small object."""
    if flag is None:
        vetoed = any(f.category == CATEGORY and f.status == "current" for f in findings)
        return concept_flag(read, pair_needed=vetoed)
    folded, where = redflag.fold(read)
    if flag[0] == CATEGORY:
        return None if _ordinary_hit(read, folded, where, findings) else flag
    if flag[0] == "anaphylaxis":
        denied = [m.span() for m in ALLERGY_DENIED.finditer(folded)]
        if any(not any(a <= m.start() < b for a, b in denied)
               for m in ANAPHYLAXIS_OWN.finditer(folded)):
            return flag  # swelling, hives, a pen or a trigger taken, not ruled out
    elif POISON.search(folded) is not None or \
            not any(s.concept == "airway" for s in current_signs(read)):
        return flag
    found = concept_flag(read, pair_needed=True)
    return (CATEGORY, found[1]) if found is not None else flag
