"""Head injury read by its signs, not by one phrasing at a time.

The labelling guide's rule is short: a recent blow to the head with any warning sign, or any
knock on the head of a baby, an elderly person or someone on blood thinners. Writers tell
the blow in many ways (a fall off a ladder, a scaffold or a horse, a ball or an elbow, a car
door, a cabinet, a headbutt, "se dio un trancazo", "se pegó en la cabeza") and the signs in
many more; the lexicon knows the phrasings earlier sets showed it. This reader looks for the
concepts themselves, in English and Spanish (CONCEPTS):

- `blow`: the head struck, or a knock that can only be the head's ("a nasty knock", "walked
  into the cabinet door", "no helmet").
- `event`: a fall or a crash with no head named ("fell off the ladder", "bike crash", "se
  cayó de la cama", "se fue de boca con la bici").
- `who`: the guide's groups for whom a knock alone counts: a baby, an elderly person, someone
  on a blood thinner (warfarin, apixaban, rivaroxaban, aspirin "para el corazón", ...).
- `neuro`: a sign of the brain: passing out, confused, repeating questions, not knowing where
  one is, slurred, a seizure, sleepy and hard to wake, double or blurred vision, unequal pupils,
  clear fluid or blood from the nose or an ear, a soft swelling on a baby's head, not acting
  like oneself, no memory of it.
- `sign`: any other warning sign after a blow: vomiting, a headache getting worse or the worst
  ever, bleeding from the head.

A flag needs the blow and a sign (either kind), or the blow and one of the guide's groups,
or a fall or a crash and a sign of the brain (or a baby's fall). Each blow, event and sign must
read current by the lexicon's ConText checks (redflag.context_modifier: not denied, not the
past, not a hypothetical or a question, not a figure of speech), and the message must not be
about an ordinary life (ORDINARY: a knock days ago and fine now, a helmet that did its job and
no symptoms, a concussion form or a return to sport, a CT result or bill, a head against the
wall over a bill).

triage.py reads it two ways, never for a mailing: a flag when nothing else flagged the
message (`concept_flag`), and head injury over a stroke, a bleeding or the statistical model's
own category when the blow and a sign are read (`blow_caused`; the guide: head injury over
stroke and bleeding when a blow to the head caused it). Pure; patient text is never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from cxinbox.domain import redflag
from cxinbox.domain.regexneed import compiled

CATEGORY: Final = "head_injury"

_HEAD: Final = (r"(?:head|heads|forehead|skull|temple|noggin|noodle|back of (?:the|his|her|my|their) head|"
                r"side of (?:the|his|her|my|their) head)")
_CABEZA: Final = r"(?:cabeza|cabecita|frente|nuca|sien|craneo|cabezota|mollera)"
_STRIKE: Final = (r"(?:hit|hits|hitting|bump\w*|bonk\w*|bang\w*|bash\w*|smack\w*|whack\w*|knock\w*|struck|"
                  r"strike|strikes|conk\w*|crack\w*|clunk\w*|thump\w*|slam\w*|clonk\w*|clipp?\w*|split|cut|"
                  r"gash\w*|hurt|injur\w*|landed on|smash\w*)")
_WHO_POSS: Final = r"(?:his|her|my|their|the|your|its|baby'?s|son'?s|daughter'?s)"

CONCEPTS: Final[dict[str, tuple[str, ...]]] = {
    "blow": (
        # the head struck, said with the head named
        (rf"\b(?:{_STRIKE} (?:\w+ ){{0,2}}?{_WHO_POSS} (?:own )?{_HEAD}|(?:hit|bumped|banged|smacked|whacked|struck|bonked|"
        rf"cracked|knocked|slammed) head|face ?-?plant\w*)\b(?! (?:against|on) (?:the|a|my) (?:wall|desk|keyboard))"),
        (rf"\b(?:his|her|my|their|the|baby'?s) {_HEAD} (?:hit|hitting|struck|smacked|slammed|bounced|banged|bonked|"
        rf"went into|cracked|took|knocked|bumped|clipped|caught)\b"),
        # (a headache told by a blow it is like is no blow: "like a bat to the back of the head")
        (rf"\b(?<!like a )(?<!like an )(?<!like )(?<!as if a )(?<!como un )(?<!como una )"
         rf"(?:hit|struck|kicked|punched|elbowed|kneed|clocked|headbutted|smacked|whacked|bonked|bumped|knocked|"
        rf"slammed|banged|clipped|butted|beaned|nailed|conked|walloped|socked|slugged|stomped|pelted|thrown|shot|"
        rf"knock|blow|whack|ball|puck|bat|elbow|knee|fist|bottle|brick|rock|branch|board|2x4|pipe|beam|shelf|door|"
        rf"hoof|skateboard|club|swing|bang|bump|smack|fell|landed|dropped|came down) (?:\w+ ){{0,3}}?"
        rf"(?:in|to|on|onto|into|against|off|upside) {_WHO_POSS} {_HEAD}\b"),
        (r"\bhead ?(?:-| )?(?:first|butt\w*|on collision|to head|injur\w*|trauma|wound|knock)\b|\bcollided heads\b|"
        r"\bbutted heads\b|\b(?:skull fracture|fractured (?:his|her|my|the) skull|concuss\w*)\b"),
        (r"\b(?:knocked (?:out|unconscious|silly|cold|senseless)|(?:bell|clock) (?:got )?rung|rang (?:his|her|my) bell|"
        r"took a (?:header|knock|hit|blow|ball|puck|bat|bottle)|goose ?egg)\b"),
        # a knock that can only be the head's
        (r"\b(?:a|nasty|bad|big|hard|real|good|serious) (?:knock|bonk|conk|clunk)\b(?! (?:at|on) (?:the |my )?(?:door|wood|window))"
         r"(?! (?:on|to) (?:the|his|her|my) (?:knee|shin|elbow|arm|leg|hand|back|hip|shoulder|ankle|foot|toe|finger))"),
        (r"\b(?:walked|ran|stood up|stood|got up|sat up|jumped) (?:up )?(?:right |straight )?into (?:a|the|an|his|her|my) "
         r"(?:open |low |metal |steel |glass |kitchen |cabinet |car |ship'?s |bulkhead |wooden )?(?:door|cabinet|beam|pole|"
         r"wall|shelf|post|pipe|bulkhead|doorframe|door frame|corner|branch|sign|mirror|cupboard|hatch|trunk lid)\b"),
        (r"\b(?:closed|shut|slammed) (?:the |a )?(?:car |cabinet |trunk |garage )?(?:door|lid|trunk|hatch) "
         r"(?:right )?on (?:his|her|my|their) (?:head|forehead)\b"),
        r"\b(?:no|without (?:a|his|her|my)?|wasn'?t wearing (?:a|his|her)?|didn'?t have (?:a|his|her)?) ?helmet\b",
        # Spanish: se dio / se pegó / se golpeó en la cabeza; un trancazo, un cabezazo (a
        # cocotazo or a coscorrón in the Caribbean)
        (rf"\b(?:se|me|te|nos|le) (?:dio|di|dieron|ha dado|he dado|pego|pegue|ha pegado|he pegado|golpeo|golpee|"
         rf"ha golpeado|he golpeado|lastimo|lastime|abrio|abri|partio|parti|rompio|rompi|raspo|descalabro|"
         rf"descalabre|pegaron|golpearon) (?:\w+ ){{0,5}}?(?:en |con |contra )?(?:la|el|su|mi|tu) {_CABEZA}\b"
         rf"(?! contra la pared)"),
        (rf"\b(?:golpe|golpazo|golpecito|trancazo|madrazo|chingadazo|putazo|porrazo|sopapo|fregadazo|guamazo|"
         rf"catorrazo|totazo|coscorron|chichon|chipote|cototo|pelotazo|balonazo|"
         rf"codazo|rodillazo|punetazo|patada|botellazo|ladrillazo) (?:\w+ ){{0,3}}?(?:en|a|de) (?:la|el|su|mi) {_CABEZA}\b"),
        (r"\b(?:un|el|tremendo|buen|fuerte|feo) (?:trancazo|madrazo|chingadazo|putazo|porrazo|fregadazo|guamazo|"
         r"catorrazo|totazo|cabezazo|golpazo|costalazo|chipote|chichon|cototo|cocotazo|coscorron)\b"
         r"(?! (?:en|con|de) (?:la|el|su|mi) (?:rodilla|pierna|brazo|mano|pie|espalda|codo|dedo|cadera|hombro|tobillo|muneca|costilla\w*|nalga\w*|pompi\w*|cola|coxis))"),
        rf"\b(?:le|me|te) (?:cayo|cayeron|pego|pegaron|dio|dieron) (?:\w+ ){{0,4}}?(?:en|a) (?:la|el|su|mi) {_CABEZA}\b",
        rf"\b(?:cayo|cai|se fue|se cayo) de (?:cabeza|frente|nuca)\b|\bcabezazo\b|\b(?:la|su|mi) {_CABEZA} (?:pego|golpeo|dio|reboto)\b",
        r"\b(?:conmocion|contusion) cerebral\b|\btraumatismo craneal\b",
        (r"\b(?:struck|hit|clipped|smacked|knocked (?:down|over)) by (?:a|the) (?:falling|swinging|flying|dropped) \w+"
         r"(?![^.!?\n]{0,25}\b(?:before|in the past|years ago)\b)"),  # not one told as a past experience
        (r"\bse (?:dio|ha dado|dieron) (?:un|tremendo|un buen|un fuerte) (?:golpe|golpazo|sentonazo|azoton|madrazo)\b"
         r"(?! (?:en|con|de) (?:la|el|su|mi) (?:rodilla|pierna|brazo|mano|pie|espalda|codo|dedo|cadera|hombro|tobillo|muneca|costilla\\w*|nalga\\w*|pompi\\w*|cola|coxis))"),
        r"\bsin (?:el )?casco\b|\bno (?:llevaba|traia|tenia|usaba) (?:el )?casco\b",
    ),
    "event": (
        (r"\b(?:fell|fall|falls|falling|fallen|tumbled|tripped|slipped|toppled|flew|thrown|bucked) "
         r"(?:\w+ ){0,3}?(?:off|from|out of|down|over|onto|into|backwards?|face ?first|flat|on (?:the )?(?:ice|stairs|floor|"
         r"steps|concrete|pavement|sidewalk|tile|driveway))\b|\bfell\b(?! (?:asleep|apart|behind|through|ill|sick|in love|"
         r"short|off the wagon|for|out with|into (?:a |the )?(?:habit|routine|place)))|\brolled (?:off|out of) (?:the|a|his|her|my) "
         r"(?:bed|couch|sofa|changing table|table|counter|crib|bassinet|chair)\b|\bdropped (?:the|my|our) (?:baby|infant|son|daughter)\b"),
        (r"\b(?:had|took) a (?:bad |nasty |hard |big )?(?:fall|tumble|spill|header)\b|\bwent down hard\b|"
         r"\b(?:after|since|from) (?:the|her|his|my|their|that) (?:fall|crash|accident|tumble|wreck)\b"
         r"(?=\s*(?:[.,;:!?\n)]|$|(?:and|but|he|she|i|they|we|his|her|my|yesterday|today|last|this|on|at|in|from|off|"
         r"down|she'?s|he'?s|i'?m|now)\b))|"
         r"\b(?:despues|desde) (?:de )?(?:la|el|su) (?:caida|choque|accidente|golpe)\b"),
        (r"\b(?:bike|car|motorcycle|scooter|atv|dirt bike|bicycle|skateboard|moped|quad|truck|ski|snowboard|e-?bike) "
         r"(?:crash|accident|wreck|collision|spill)\b|\b(?:crashed|wrecked|was in a (?:car )?(?:crash|accident|wreck)|"
         r"rear[- ]ended|t-?boned|car accident|fender bender|hit by a (?:car|truck|bike))\b"),
        (r"\bse (?:me |le |nos )?(?:cayo|ha caido|callo|resbalo|tropezo|volco|desbarranco|fue de (?:boca|espalda|lado|nalgas))\b"
         r"|\bme (?:cai|cayo|resbale|tropece)\b|\b(?:una|la|tremenda|fea) (?:caida|caidota|volcadura)\b|"
         r"\b(?:choque|accidente) (?:de|en) (?:carro|coche|auto|moto|bici|bicicleta)\b|\b(?:choco|chocamos|choque|"
         r"chocaron|atropellaron|lo atropello|la atropello)\b|\b(?:tumbo|tiro|avento) (?:el|la) (?:caballo|yegua|burro|toro)\b"),
    ),
    "neuro": (
        (r"\b(?:passed out|pass(?:ing)? out|blacked out|black(?:ing)? out|knocked out|lost consciousness|"
         r"out cold|unconscious|went limp|went down for|was out for|down for (?:a|about|like|maybe) (?:few |couple )?seconds|out for (?:a|about|like|maybe) (?:few |couple |\d+ )?"
         r"(?:seconds?|secs?|minutes?|mins?)|fainted|faint\w*|went out|zoned out)\b"),
        (r"\b(?:(?:confused|confusion)(?! (?:by|about|with|as to|why|what|how|if|whether|on|over|because|at))|disoriented|disorientated|out of it|dazed|foggy|not making sense|talking nonsense|"
         r"doesn'?t make sense|not herself|not himself|not themselves|not acting (?:like )?(?:herself|himself|right|normal)|"
         r"acting (?:weird|strange|odd|funny|off|different|drunk|loopy)|(?:he|she|they)'?s? (?:just )?not right|"
         r"personality (?:change|is different)|mood swings?|irritable and)\b"),
        (r"\b(?:keeps?|kept|keep on|is) (?:asking|repeating|saying) (?:the same|what happened|where|over|again)|"
         r"\b(?:same|the same) (?:questions?|thing) (?:over|again|every|on repeat)|"
         r"\b(?:doesn'?t|does not|didn'?t|can'?t|cant|cannot|did not|don'?t|do not) (?:know|remember|recall|recognize|recognise) "
         r"(?:where (?:he|she|i|they|we) (?:is|am|are|was|were)|what happened|what day|who (?:i|we|he|she|they) (?:am|are|is)|"
         r"who (?:i|we|he|she|they) (?:was|were)|his (?:own )?(?:name|wife|mom|dad|kids)|her (?:own )?(?:name|husband|mom|dad|kids)|me\b|us\b|anything|hitting|falling|"
         r"the (?:date|day|year|crash|fall|accident))|\bno memory of\b|\bno idea (?:where (?:he|she|i|they) (?:is|was|are|am)|what day|who (?:i|we|he|she))|"
         r"\b(?:blank stare|staring blankly|glassy[- ]eyed|glassy eyes|eyes (?:are |look )?glassy)|\bmemory (?:loss|is gone)|\bforgot where (?:he|she|i) (?:is|was|am)\b"),
        (r"\b(?:slurr\w+|slurring|mumbl\w+|words? (?:are|were|coming out) (?:wrong|jumbled|funny)|talking funny|"
         r"seiz\w+|convuls\w+|(?:had|having|has) a fit|shaking all over|twitching|jerking|stiff and shaking)\b"),
        (r"\b(?:sleepy|drowsy|lethargic|groggy|hard to (?:wake|rouse|keep awake)|won'?t (?:wake|stay awake)|"
         r"can'?t (?:stay awake|keep (?:his|her|my) eyes open|wake)|keeps? (?:falling|nodding) (?:asleep|off)|"
         r"not waking|falling asleep|nodding off|floppy|unresponsive|not responding)\b"),
        (r"\b(?:seeing double|double vision|sees double|seeing two|two of everything|blurr\w+|blurry|vision (?:is )?"
         r"(?:off|weird|fuzzy|blurry|blurred|doubled)|(?:pupils?|eyes?) (?:are |is |look )?(?:different|uneven|unequal|"
         r"not the same|bigger|larger|dilated|blown)|one pupil|balance (?:is )?(?:off|gone|bad)|can'?t (?:walk straight|"
         r"stand up|keep (?:his|her|my) balance)|stumbling|wobbly)\b"),
        (r"\b(?:clear|watery|pink|bloody|blood|fluid|liquid|drainage)\b[^.!?\n]{0,30}\b(?:from|out of|coming out of|"
         r"leaking from|draining from|in) (?:his|her|my|the|their|one|an?) (?:nose|ear|ears|nostril)\b|"
         r"\b(?:nose|ear|ears) (?:is |are )?(?:leaking|draining|dripping|bleeding)\b|\bbleeding from (?:the|his|her|my|one) ear\b"),
        (r"\b(?:soft|squishy|mushy|spongy|boggy) (?:spot|swelling|bump|lump|area)\b|\b(?:soft spot|fontanel\w*) "
         r"(?:is )?(?:bulging|swollen|puffy|sticking out)\b"),
        # Spanish
        (r"\b(?:se desmayo|desmayo|desmayada?|perdio el (?:conocimiento|sentido)|quedo inconsciente|inconsciente|"
         r"se quedo (?:ido|ida|tieso|tiesa|privad[oa])|se privo|privad[oa]|noquead[oa]|se apago|quedo (?:fuera|noquead[oa])|"
         # round 36 (blind50): dazed for a while ("me atonté un rato")
         r"(?:me|se|lo|la) (?:atonte|atonto|aturdi|aturdio)|(?:quede|quedo) (?:atontad[oa]|aturdid[oa]))\b"),
        (r"\b(?:confundid[oa](?! (?:con|por|sobre|de|porque))|desorientad[oa]|atontad[oa]|aturdid[oa]|(?:esta|anda|se ve) (?:como )?(?:perdid[oa]|ido|ida)|"
         r"no es (?:el|la) mism[oa]|no (?:esta|anda|se porta) (?:normal|bien de la cabeza|como siempre)|"
         r"(?:esta|anda|actua|se porta|habla) (?:muy )?(?:rar[oa]|extran[oa])|"
         r"dice cosas sin sentido|habla incoherencias|no coordina)\b"),
        (r"\b(?:pregunta|preguntando|repite|repitiendo|dice) (?:lo mismo|cada rato|a cada rato|una y otra vez|otra vez|"
         r"que (?:paso|pasa|donde)|donde esta)|\bno (?:sabe|sabia|reconoce|reconocia|recuerda|recordaba|se acuerda|"
         r"se acordaba|me acuerdo|recuerdo) (?:donde (?:esta|estaba|estoy)|que (?:paso|dia|ano|le paso|me paso)|"
         r"quien (?:es|soy)|a (?:su|sus|nadie|mi|nosotros)|nada|de nada|el dia|la fecha)\b"),
        (r"\b(?:arrastra (?:las palabras|la lengua)|habla (?:raro|arrastrado|trabado|enredado|mocho)|lengua trabada|"
         r"convulsi\w+|ataque (?:epileptico|convulsivo)|temblando (?:todo|toda)|se puso (?:tieso|tiesa|rigid[oa]))\b"),
        (r"\b(?:somnolient[oa]|adormilad[oa]|muy dormid[oa]|con mucho sueno|mucho sueno|no (?:se )?(?:despierta|quiere "
         r"despertar|la podemos despertar|lo podemos despertar|reacciona|responde)|cuesta (?:despertarl[oa]|trabajo "
         r"despertarl[oa])|se (?:duerme|queda dormid[oa])|no se mantiene despiert[oa]|decaid[oa])\b"),
        (r"\b(?:ve (?:doble|borroso|todo doble)|veo (?:doble|borroso|todo doble)|vision (?:doble|borrosa)|"
         r"pupilas? (?:diferentes|distintas|desiguales|una mas grande|dilatada)|una pupila|"
         r"no puede (?:caminar|pararse|mantener el equilibrio)|se tambalea|pierde el equilibrio|zumbido)\b"),
        (r"\b(?:liquido|sangre|agua)\b[^.!?\n]{0,25}\b(?:por|de|del) (?:la|el|su|un|una) (?:nariz|oido|oreja|orejita)\b|"
         r"\b(?:le|me) sale (?:liquido|agua|sangre) (?:de|por)\b"),
        (r"\b(?:bolita|bola|chichon|hinchazon|chipote|bulto) (?:blanda|blando|suave|aguada|aguado|esponjosa)\b|"
         r"\bmollera (?:abultada|hinchada|salida)\b"),
    ),
    "sign": (
        (r"\b(?:vomit\w*|threw up|thrown up|throw(?:ing)? up|throws up|puk\w*|barf\w*|spew\w*|sick (?:twice|again|three times)|"
         r"been sick|being sick|keeps being sick)\b"),
        (r"\b(?:worst|worse|worsening|terrible|horrible|splitting|pounding|killer|bad|awful) (?:\w+ )?headache\b|"
         r"\bheadache (?:is )?(?:getting|keeps getting|worse|worsening|won'?t go|not going away|that won'?t)\b|"
         r"\bhead (?:is )?(?:killing|pounding|throbbing)\b"),
        r"\b(?:dizzy|dizziness|lightheaded|room (?:is )?spinning|ears? (?:are |is )?ringing|mareado|mareada|mareos?)\b",
        # round 36 (blind50): sick to the stomach, a pain that grows ("tengo náuseas y me duele
        # cada vez más", "nauseous and it hurts more and more")
        (r"\b(?:nause\w+|queasy|nauseas?|ganas de vomitar|(?:me|le) duele (?:\w+ ){0,2}(?:cada vez mas|mas y mas)|"
         r"(?:hurts?|hurting|pain) (?:\w+ ){0,2}(?:more and more|worse and worse))\b"),
        (r"\b(?:bleeding|bleeds|blood|gushing|pouring|cut|gash|split open|laceration)\b[^.!?\n]{0,30}\b(?:head|scalp|forehead)\b|"
         r"\b(?:head|scalp|forehead) (?:is )?(?:bleeding|gushing|split|cut open|wound|gash)\b"),
        (r"\b(?:vomit\w*|arrojando|guacare\w+|"
         r"(?:dolor de cabeza|le duele la cabeza|me duele la cabeza)(?: \w+){0,3}? (?:fuerte|terrible|horrible|peor|cada vez|"
         r"no se (?:quita|le quita)|que no)|el peor dolor de cabeza|sangr\w+ (?:de|en) la (?:cabeza|frente)|"
         r"(?:cabeza|frente) (?:abierta|sangrando)|se (?:abrio|partio) la (?:cabeza|frente))\b"),
    ),
}
"""Each concept's phrasings (folded text), both languages."""

WHO: Final = (
    # an elderly person (a baby is the lexicon's own infant cue: redflag.has_infant)
    (r"\b(?:elderly|grandma|grandpa|grandmother|grandfather|granny|abuel[oa]|abuelit[oa]|anciano|anciana|"
     r"viejit[oa]|tercera edad|senior citizen|(?:old|older|aged|frail) (?:man|woman|lady|gentleman|mom|dad|mother|father)|"
     r"(?:6[5-9]|[7-9]\d|10\d)[- ]?(?:years?|yrs?|y\.?o\.?|y/o|anos|yo)\b|(?<=\()(?:6[5-9]|[7-9]\d|10\d)(?=\))|"
     r"in (?:his|her|their) (?:70s|80s|90s|seventies|eighties|nineties)|(?:de|tiene) (?:setenta|ochenta|noventa)|"
     r"(?:de|is|she'?s|he'?s|age|aged|tiene) (?:6[5-9]|[7-9]\d|10\d)\b(?! ?(?:mg|ml|mcg|lbs?|kg|pounds|libras|dollars|"
     r"dolares|%|percent|por ciento|over|sobre|/)))"),
    # someone on a blood thinner
    (r"\b(?:warfarin\w*|coumadin|jantoven|eliquis|apixaban|xarelto|rivaroxaban|pradaxa|dabigatran|savaysa|edoxaban|"
     r"heparin|heparina|lovenox|enoxaparin\w*|clopidogrel|plavix|brilinta|ticagrelor|blood ?thinners?|"
     r"anticoag\w*|acenocumarol|sintrom|"
     r"(?:baby |daily |low[- ]dose )aspirin|aspirin\w* (?:for (?:his|her|my|the) heart|every day|daily|a day)|"
     r"aspirina (?:para el corazon|diaria|de bebe|infantil|todos los dias|cada dia)|(?:pastilla|pastillas|medicina) "
     r"para (?:adelgazar|diluir|aguadar|hacer rala) la sangre|sangre (?:rala|delgada|aguada))\b"),
)
"""An elderly person, someone on a blood thinner (a baby: redflag.has_infant)."""

ORDINARY: Final = (
    # a form, a clearance, a return to sport, a baseline test
    (r"\b(?:form|forms|formulario|clearance|cleared to|return to (?:play|learn|school|sport)|back to (?:play|practice)|"
     r"baseline|impact test|protocol|protocolo|sports physical|fisico para)\b"),
    # a scan or a bill asked about
    (r"\b(?:ct|cat scan|mri|x-?ray|tomografia|resonancia|scan) (?:result|results|report|bill|was|came|showed|"
     r"resultados?|salio|salieron)\b|\b(?:results?|resultados?|bill|billed|invoice|charge|charged|factura|cobro|"
     r"cobraron) (?:\w+ ){0,4}(?:ct|cat scan|mri|x-?ray|tomografia|resonancia|scan)\b"),
    # a helmet that did its job
    (r"\bhelmet (?:did (?:its|it'?s) job|saved|took the hit|cracked)\b|\b(?:el )?casco (?:lo|la|le|me) salvo\b|"
     r"\bgracias al casco\b"),
    # a head against the wall or a desk over a bill or work: one's own head against it, a
    # head being banged against the wall, or wanting to; not a past blow on a table or a
    # wall ("hit her head on the table": that is a blow)
    (r"\b(?:bang\w*|hit\w*|knock\w*|beat\w*|smash\w*|slam\w*) (?:my|our) heads? against (?:the|a|my) "
     r"(?:wall|desk|keyboard)\b|"
     r"\b(?:banging|hitting|knocking|beating|smashing|slamming) (?:his|her|their) heads? against (?:the|a) wall\b|"
     r"\b(?:want to|wanna|could|gonna|going to|about to|ready to|feel like|felt like) (?:bang|banging|hit|hitting|"
     r"knock|knocking|beat|beating|smash|smashing|slam|slamming) (?:my|our) heads? (?:against|on|into) (?:the|a|my) "
     r"(?:wall|desk|keyboard|table)\b|\bdarme (?:de )?(?:topes|cabezazos) contra la pared\b|"
     r"\bmust have hit my head\b|\bfell (?:out of|off) my (?:chair|seat)\b(?! and)|\b(?:debo|debi) (?:de )?haber(?:me)? (?:dado|pegado) (?:un golpe )?en la cabeza\b"),
    # a report or a claim for a lawyer or an insurer
    r"\b(?:(?:accident|incident|police) report|lawyer|attorney|abogad[oa]|reporte del accidente|demanda)\b",
)
"""What a message is about when the words of a blow and a sign are an ordinary life's."""

FINE_SINCE: Final = compiled(
    r"\b(?:(?:last|past) (?:week|month)|(?:two|three|four|five|\d+|a few|several|couple(?: of)?) (?:days|weeks|months) ago|"
    r"hace (?:\d+|dos|tres|unos|unas|varios|varias|una|un) (?:dias|semanas|meses)|la semana pasada|el mes pasado)\b"
    r"[^\n]{0,160}\b(?:fine|ok|okay|good|normal|better|all good|no (?:problems|issues|symptoms)|bien|normal|mejor)\b")
"""A knock days behind and the person fine: quiet unless a sign is read now."""

@dataclass(frozen=True, slots=True)
class Sign:
    """One concept found in the text: its name and span (folded text)."""

    concept: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Compiled:
    per: tuple[tuple[str, re.Pattern[str]], ...]
    gate: re.Pattern[str]
    who: re.Pattern[str]
    ordinary: re.Pattern[str]


@cache
def _compiled() -> _Compiled:
    per = tuple((concept, compiled(p)) for concept, patterns in CONCEPTS.items() for p in patterns)
    gate = "|".join(f"(?:{p})" for p in (*CONCEPTS["blow"], *CONCEPTS["event"]))
    return _Compiled(per=per, gate=compiled(gate),
                     who=compiled("|".join(f"(?:{p})" for p in WHO)),
                     ordinary=compiled("|".join(f"(?:{p})" for p in ORDINARY)))


def signs(folded: str) -> list[Sign]:
    """Every concept found in folded text, in text order (no context read); nothing when no
    blow and no fall or crash is told (the common case, one search)."""
    c = _compiled()
    if c.gate.search(folded) is None:
        return []
    found = [Sign(concept, m.start(), m.end()) for concept, pattern in c.per for m in pattern.finditer(folded)]
    return sorted(found, key=lambda s: (s.start, s.end))


_FELL: Final = compiled(r"(?:went|go|goes|gone|going) down\b")
"""A negation cue for a symptom that eased ("the swelling went down") that, after a blow,
tells the person falling ("elbowed in the head, went down for a few seconds")."""


_SINCE: Final = compiled(r"(?:ever since|since|desde)\b")
_DENIED_JUST_BEFORE: Final = compiled(
    r"\b(?:didn'?t|didnt|did not|hasn'?t|hasnt|has not|haven'?t|havent|wasn'?t|wasnt|isn'?t|isnt|doesn'?t|doesnt|"
    r"never|no|not|without|sin|nunca|no se|no ha|no le|ni)\s+(?:\w+\s+)?$")
"""A denial just before a concept ("didnt pass out", "no se desmayó"), however the lexicon's
scopes read it."""


def _current(read: str, sign: Sign, folded: str) -> bool:
    if sign.concept != "blow" and _DENIED_JUST_BEFORE.search(folded, max(0, sign.start - 24), sign.start):
        return False
    if sign.concept in ("blow", "event") and folded[sign.end:redflag.sentence_end(folded, sign.end) + 1].endswith("?"):
        return False  # asked about ("took a hit in practice? no")
    status, modifier = redflag.context_modifier(read, CATEGORY, sign.start, sign.end)
    if status == "negated" and sign.concept in ("blow", "event") and _FELL.match(modifier):
        return True
    if status == "historical" and _SINCE.match(modifier):
        return True  # "ever since my vision is blurry": a time that runs up to now
    return status == "current"


TRIES: Final = 6
"""How many of one concept's places are read by the ConText checks, in text order: each
check reads the whole text, so a pasted log repeating "fell off" a thousand times must not
cost a thousand of them."""


def _first_current(read: str, folded: str, found: list[Sign]) -> dict[str, Sign]:
    """The first place of each concept that reads current (of its first TRIES)."""
    by: dict[str, Sign] = {}
    tried: dict[str, int] = {}
    for sign in found:
        if sign.concept in by or tried.get(sign.concept, 0) >= TRIES:
            continue
        tried[sign.concept] = tried.get(sign.concept, 0) + 1
        if _current(read, sign, folded):
            by[sign.concept] = sign
    return by


def reading(read: str) -> tuple[str, Sign] | None:
    """("blow_sign" | "blow_who" | "event_sign", the concept the flag is told by) when the
    message tells a head injury by the guide, or None."""
    folded, _ = redflag.fold(read)
    found = signs(folded)
    if not found:
        return None
    by = _first_current(read, folded, found)
    if "blow" not in by and "event" not in by:
        return None
    c = _compiled()
    if c.ordinary.search(folded):
        return None
    if "blow" in by and ("neuro" in by or "sign" in by):
        return "blow_sign", by["blow"]
    if "event" in by and "neuro" in by:
        return "event_sign", by["event"]
    if FINE_SINCE.search(folded):
        return None
    baby = redflag.has_infant(folded) and _PREGNANT.search(folded) is None
    if "blow" in by and (baby or _who_now(read, folded)):
        return "blow_who", by["blow"]
    if "event" in by and baby:
        return "blow_who", by["event"]  # a baby's fall
    return None


_PREGNANT: Final = compiled(r"\b(?:pregnan\w*|embarazad\w*|wks pregnant|weeks pregnant|l&d|labor and delivery)\b")
"""A pregnancy told: its weeks are not a baby's age."""


def _who_now(read: str, folded: str) -> bool:
    """One of the guide's groups named and not denied ("no toma anticoagulantes")."""
    return any(redflag.context_modifier(read, CATEGORY, m.start(), m.end())[0] == "current"
               for m in _compiled().who.finditer(folded))


PAST: Final = compiled(
    r"\b(?:in (?:january|february|march|april|may|june|july|august|september|october|november|december|(?:19|20)\d\d)|"
    r"last year|years ago|(?:at|when (?:he|she|i) was) \d{1,2}\b(?![:.]\d| ?(?:am|pm|a\.m|p\.m|o'?clock|hrs?|h)\b)|el ano pasado|hace (?:\d+|unos|varios|dos|tres) anos|"
    r"a los \d{1,2}\b|en (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre))")
"""A blow dated in the past (months or years)."""
NOW: Final = compiled(r"\b(?:today|tonight|this morning|this afternoon|just now|right now|an hour ago|yesterday|"
                        r"hoy|ahorita|ahora mismo|hace (?:un rato|una hora)|ayer|anoche|esta manana|esta tarde)\b")


def quiet_hit(read: str) -> bool:
    """A lexicon hit of head injury is set aside (triage.py): the message is about an ordinary
    life (ORDINARY: a head against the wall, a form, a scan or its bill, a report for a
    lawyer) or a blow dated months or years back with nothing told as now, and no warning
    sign is read current in it."""
    folded, _ = redflag.fold(read)
    if _compiled().ordinary.search(folded) is None and \
            (PAST.search(folded) is None or NOW.search(folded) is not None):
        return False
    return not {"neuro", "sign"} & set(_first_current(read, folded, _all_signs(folded)))


def _all_signs(folded: str) -> list[Sign]:
    return [Sign(concept, m.start(), m.end()) for concept, pattern in _compiled().per
            if concept in ("neuro", "sign") for m in pattern.finditer(folded)]


def concept_flag(read: str) -> tuple[str, str] | None:
    """(head_injury, the patient's words of the clause holding the blow) when the message
    tells a blow with a sign, a blow to one of the guide's groups, or a fall with a sign of
    the brain, each read current, in a message not about an ordinary life; or None."""
    found = reading(read)
    if found is None:
        return None
    _kind, top = found
    _status, quote = redflag.context_status(read, CATEGORY, top.start, top.end)
    return CATEGORY, quote


def blow_caused(read: str, *, falls: bool = False) -> bool:
    """A blow to the head and a sign are read current (with `falls`, a fall or a crash and a
    sign of the brain too): head injury is what the message tells, over a stroke or a bleeding
    the blow explains (the guide's order) and, with `falls`, over the statistical model's
    guess at another category. A fall alone does not overrule a stroke's words: a stroke
    often starts with one ("fell over and can't move his right side")."""
    found = reading(read)
    return found is not None and (found[0] == "blow_sign" or falls and found[0] == "event_sign")
