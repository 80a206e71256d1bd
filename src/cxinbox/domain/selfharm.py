"""Suicide and self-harm read by the concepts of risk, not by one phrasing at a time.

Twenty-nine lexicon rounds each fixed the phrasings they were shown: a new writer tells a
wish not to go on, a decision or final arrangements in words no round has seen ("papers
signed over to the children", "the lease given back and the cat rehomed", "got the rope in
the barn. just telling somebody"). The clinical warning signs are few, though, and each is
said in a bounded vocabulary. This reader looks for the signs themselves, each a concept
with a broad lexicon in English and Spanish (CONCEPTS), and raises suicide/self-harm when
**two different signs** meet in the patient's new text (`pairs`):

- `wish`: a wish not to be alive, to be gone, not to wake, not to go on; a burden on others;
  not safe now ("para qué sigo", "they'd be better off with the life insurance", "soy una
  carga"). Strong: enough on its own.
- `injury`: self-injury now ("punching his legs until they bruise", "se lo merece"). Strong.
- `hopeless`: no point, can't go on, nothing left, tired of trying ("ya no aguanto").
- `decision`: a bare decision or a plan ("I've decided.", "ya lo decidí", "picked the day").
- `calm`: calm or at peace, the weight gone (calm after a decision is a warning sign).
- `arrange`: final arrangements: belongings, pets, a lease, keys, papers, accounts handed on;
  everything put in order; letters left; appointments cancelled as not needed any more. Two
  different arrangements make a pair on their own (`TWICE`).
- `means`: a rope, a gun, pills saved, counted or out, a blade, poison, a car running shut in.
- `place`: a bridge, the tracks, a roof, a ledge, a cliff, water: somewhere to die.
- `final`: a goodbye, "before I go", "I won't be around", "just telling somebody", "tell my
  daughter I love her", "don't look for me", "sorry for everything", joining the dead.
- `thanks`: thanks for everything, for trying, for the years ("you tried").
- `plan`: a method planned, researched by amount ("how many of the pills it would take", "the
  lethal dose" looked up) or the means got with no use for it ("rat poison and I have no
  rats"). Strong. `kept`: the means kept or looked at, only beside the means.
- `cond`: an end made conditional on news ("if the scan is bad I'm done"), only beside the
  means, a place, arrangements, a goodbye or a decision (`COND_WITH`).
- `time`: a time set ("tonight", "this weekend", "el domingo"); `nightly`: every night.
  Weak: a time pairs only with a wish, a decision or a goodbye; every night only with a
  place (`NOT_A_PAIR`).

A sign counts only when the ConText checks (redflag.context_modifier) read it current: not
denied, not the writer's or a relative's past (a time "since ..." runs up to now and stays
current), not a hypothetical, a question or inside a pseudo phrase. The same signs in
ordinary lives stay quiet by what the message is about (`ORDINARY`): a move, a trip, a call
back on return, a will for a new baby, rope for a barn, a gun from a hunt, a decision about
a job or a doctor, someone well now, a form or a screening question, a film; a wish or
self-injury is never ordinary, and the means beside a decision, a goodbye or arrangements is
read whatever the message is about (`MEANS_WITH`).

triage.py reads it four ways, never for a mailing: a flag when nothing else flagged the
message (`concept_flag`); suicide/self-harm over a poisoning, a bleeding or a head injury
the signs say was intended, and over a pregnancy that is over (`after_pregnancy_wish`); a
model-only suicide hit set aside in a move or a trip (`moving_on`); a lexicon suicide hit
set aside when the risk is denied, someone else's, a form's or long past and no sign of risk
is current (`quiet_hit`). Pure; patient text is never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from cxinbox.domain import redflag
from cxinbox.domain.regexneed import NeedIndex, compiled
from cxinbox.domain.signreader import ConceptReader, Sign

CATEGORY: Final = "suicide_self_harm"

_ME: Final = r"(?:i|i'?m|im|i am|i'?ve|ive|i have|me|my|myself)"
_KIN: Final = r"(?:mom|mother|mum|mama|dad|father|papa|wife|husband|son|daughter|brother|sister|" \
    r"grandma|grandpa|grandmother|grandfather|partner|boyfriend|girlfriend|friend|roommate|" \
    r"he|she|they|madre|padre|mami|papi|esposa|esposo|hijo|hija|hermano|hermana|abuela|abuelo|" \
    r"novio|novia|pareja|amigo|amiga)"

_THINGS: Final = (
    r"(?:clothes|things|stuff|belongings|jewel\w*|books|records|guitar|tools|furniture|possessions|"
    r"plants|collection|shoes|pictures|photos|boots|dog tags|jacket|watch|bike|motorcycle|truck|car|"
    r"cows|horses|chickens|animals|items|medals|games?|console|xbox|playstation|videojuegos?|consola|ropa|cosas|joyas|libros|herramientas|muebles|"
    r"pertenencias|fotos|plantas|zapatos|bici|bicicleta|moto|vacas|gallinas|ollas|animales|reloj|"
    r"camioneta|carro|coche|anillo|guitarra)"
)
_PETS: Final = (
    r"(?:cats?|dogs?|pets?|kitty|puppy|birds?|fish|parrot|hamster|rabbit|bunny|loro|conejo|pajarit?o|"
    r"gat[oa]s?|gatit[oa]s?|perr[oa]s?|perrit[oa]s?|mascotas?)"
)
_DEAD_KIN: Final = (
    r"(?:con (?:la|el|su|mi) (?:abuel[oa]|senora|senor|espos[oa]|mama|papa|madre|padre|viej[oa]|hij[oa])|"
    r"con (?:mi|su|el|la) (?:tio|tia|herman[oa]|novi[oa]|amig[oa]) que (?:murio|fallecio|se fue)|"
    r"with (?:grandma|grandpa|my (?:wife|husband|mom|dad|son|daughter)|his wife|her husband|mom|dad))"
)

CONCEPTS: Final[dict[str, tuple[str, ...]]] = {
    "wish": (
        # not wanting to be alive, to exist, to wake, to go on
        (r"\b(?:don'?t|dont|do not|doesn'?t|doesnt|does not|no longer|never) (?:really )?(?:want|wanna|wish|care) "
        r"(?:to )?(?:be (?:alive|here|around|kept alive)|exist|wake up|go on|keep going|live|see tomorrow|"
        r"be on this earth)\b"),
        (r"\b(?:wish(?:ed|es|ing)?|hope|hoping) (?:i|he|she) (?:was|were|could be|would be|could just be|had) "
        r"(?:gone|dead|never born|not here|not around|asleep forever|never been born)\b"),
        (r"\b(?:wish(?:ed|es|ing)?|want(?:ed|s|ing)?|wanna) (?:to )?(?:just )?(?:disappear|vanish|stop existing|"
        r"not exist|not be here|be gone|go to sleep (?:and|forever)|sleep forever|not wake up)\b"),
        (r"\b(?:would|'d|wud|will) (?:all )?be (?:better|fine|happier|set|ok|okay) (?:off )?(?:without (?:me|him|her)|"
        r"(?:with|w) (?:the|my|his|her) life insurance|if i (?:was|were|wasn'?t|weren'?t|died|didn'?t)|with a new "
        r"(?:mom|dad|wife|husband))\b|\bbetter off (?:without (?:me|him|her)|if i|dead)\b|"
        r"\beveryone (?:would|'d) be better off\b"),
        (r"\b(?:i'?m|im|i am|feel like|feeling like|being|he'?s|she'?s|is) (?:just )?(?:a|such a|only a|nothing but a) "
        r"burden\b|\bburden (?:to|on|for) (?:everyone|everybody|you|them|my|the|his|her)\b"),
        # wished, thought or prayed for, not a symptom ("he's not waking up")
        (r"\b(?:think\w*|thought|dream\w*|hope|hoping|pray\w*|wish\w*|about|of|want|wanna|rather) (?:about |of |that |i )?"
         r"(?:just )?(?:not|never|don'?t|won'?t) (?:waking|to wake|wake) up\b(?! (?:early|on time|in time|late|at|for|when|"
         r"until|to|properly|right|easily|well|fully|all the way|after|with|in the))"),
        r"\bnot (?:being|be) (?:alive|here|around)\b|\b(?:not|never) (?:going to|gonna) wake up\b",
        (r"\b(?:not|no (?:estoy|esta)) (?:safe|segur[oa]) (?:tonight|right now|with myself|alone|at home|conmigo|"
         r"esta noche|sol[oa])\b|\bdesaparecer del todo\b|\b(?:me|se) quiero ir (?:pa|para) siempre\b|"
         r"\bgo to the ancestors\b"),
        r"\b(?:rather|sooner) be dead\b(?! than)|\b(?:would|'?d) rather (?:die|not be (?:here|alive))\b(?! than)",
        (r"\b(?:stopped|don'?t|dont) car(?:e|ing) (?:what happens|if i (?:live|die|wake))\b|"
        r"\bwouldn'?t (?:mind|care) if (?:i|a car|a truck|something)\b"),
        (r"\b(?:only|one) (?:reason|thing) (?:i'?m|im|i am) still alive\b|\b(?:only|one) (?:reason|thing) "
        r"(?:keeping|that keeps|that'?s keeping) me (?:alive|here|going)\b"),
        r"\bask(?:s|ed|ing)? (?:god|her|him|them) to (?:take|come (?:and )?get) (?:me|her|him)\b",
        r"\b(?:wants|wanted|want|wanna) (?:to )?(?:die|be dead)\b",
        (r"\b(?:the |my )?urges? (?:are|is) (?:really |so |very |getting )?(?:strong|bad|back|worse|stronger)\b|"
         r"\b(?:las |mis )?ganas (?:de hacerme dano |de morirme )?(?:son|estan|volvieron) (?:muy )?(?:fuertes|peor)\b"),
        (r"\b(?:want|wanna|wanted|thinking of|thought of|plan to|planning to) (?:to )?(?:kill myself|end my life|end it all)\b"
         r"(?! (?:lol|lmao|haha|jk))|\b(?:quiero|pienso|voy a|queria) (?:matarme|quitarme la vida|suicidarme)\b"),
        (r"\b(?:para|pa) (?:que|q) (?:sigo|seguir|vivo|vivir|sigue|estoy aqui|despertar|me despierto)\b|"
        r"\bya no (?:se|sabe) (?:para|pa) (?:que|q)\b|\bno tiene? (?:para|pa) (?:que|q) vivir\b"),
        (r"\bno (?:quiero|quiere|quisiera|deseo|queria) (?:estar viv[oa]|seguir|vivir|existir|despertar|"
        r"estar aqui|amanecer|estar en este mundo)\b(?! (?:con|en (?:la|el|esa|ese|lista)|tomando|"
        r"yendo|haciendo|pagando|esperando|viniendo|usando|asistiendo|trabajando|asi|igual))"),
        (r"\b(?:quiero|quiere|quisiera|queria|ganas de|pienso en|piensa en|pensando en|pense en) "
        r"(?:desaparecer|dormir(?:me)? y no despertar|no despertar|no existir|dejar de existir|"
        r"irme para siempre|no estar|ya no estar|morir\w*|irse de este mundo|irme de este mundo)\b"),
        r"\b(?:se|me|te) (?:quiere|quiero|quieres) (?:ir|morir|irse|irme) (?:de este mundo|ya)\b",
        (r"\b(?:me voy|te vas|se va|se iba|me iba) a (?:tirar|aventar|lanzar|colgar|matar|ahorcar)\b(?! (?:la|el|los|las|un|una|su|sus|mi|mis|tu)\b)|"
         r"\b(?:i'?m|im|he'?s|hes|she'?s|shes|i am|is) (?:going to|gonna) (?:jump|hang (?:my|him|her)self)\b|"
         r"\b(?:vai|vou) (?:pular|se matar|me matar)\b"),
        r"\bmejor (?:me )?(?:muriera|muera|no estar|no estuviera|no existir|estar muert[oa])\b",
        (r"\b(?:soy|es|me siento|se siente|ser|seria) (?:una|un) (?:carga|estorbo|peso|problema)\b|"
        r"\b(?:estarian|estarias|estaria|estan|vivirian|estaria) mejor (?:sin (?:mi|el|ella)|con otr[oa])\b"),
        (r"\b(?:ya )?no (?:me|le) importa(?:ria)? (?:si (?:me|se) muer\w+|vivir|morir|lo que (?:me|le) pase|si me pasa)\b|"
        r"\bsi me (?:atropella|pasa algo)\b[^.!?\n]{0,30}\bno me importa"),
        (r"\b(?:el|mi|su) seguro de vida (?:paga|les paga|cubre)\b[^.!?\n]{0,30}\b(?:muer\w+|muere)\b|"
        r"\blife insurance (?:pays|would pay|will pay)\b"),
        r"\b(?:quer|quero|querem) morrer\b|\bnao (?:quer|quero) mais viver\b|\bvontade de morrer\b",
        (r"\b(?:quiero|quisiera|me quiero|se quiere) dormir(?:me)? y (?:que )?no (?:me )?(?:despierten|despertar)\b|"
         r"\b(?:fall|go) (?:asleep|to sleep) and (?:not|never) wake up\b|\bpero quiero\b(?=\s*(?:[.!\n]|$))"),
        (r"\b(?:running out of|run out of|no more|out of|ran out of|se me acaban las|ya no tengo|no tengo) "
         r"(?:good )?(?:reasons?|razon\w*|motivos?) (?:to|para|pa) (?:stick around|stay|live|keep going|go on|be here|"
         r"keep living|seguir|vivir|quedarme|estar aqui)\b"),
        (r"\b(?:(?:be|'?d be|would be) (?:fine|ok|okay|happy|relieved)|wouldn'?t (?:mind|care)|"
         r"(?:no )?me (?:importaria|daria igual)) if (?:a |the |un |el )?(?:bus|car|truck|train)\b|"
         r"\b(?:me (?:daria igual|importaria)|estaria bien) si (?:me )?(?:atropella|choca|pisa) (?:un|el)\b"),
        (r"\b(?:pide|pido|pedia|pedi|rezo|reza|ruego|ruega) (?:a dios |al senor |a diosito )?(?:\w+ ){0,3}?(?:que|q) no (?:la |lo |me )?"
         r"(?:deje|dejes) (?:despertar|amanecer)\b|\b(?:ask\w*|pray\w*|beg\w*) (?:god )?(?:not to|to not) "
         r"(?:let (?:me|her|him) )?wake (?:up|me)\b"),
        (r"\b(?:que|q) (?:esto|todo|todo esto) se (?:acabe|termine) (?:de una vez|ya|para siempre)\b|"
         r"\b(?:make|for) (?:it|this|everything) (?:all )?(?:to )?(?:stop|end) (?:for good|forever|once and for all)\b"),
        (r"\b(?:haven'?t|hasn'?t|have not|has not|not) (?:really )?wanted to (?:be alive|live|be here|wake up)\b|"
         r"\b(?:de |en )?no querer (?:vivir|estar viv[oa]|despertar|seguir)\b"),
        (r"\b(?:afraid|scared) (?:of )?what i (?:might|could|may|will) do(?: to myself)?\b|"
         r"\b(?:miedo|temo) (?:de )?lo (?:que|q) (?:puedo|pueda|podria) (?:hacer(?:me)?)\b"),
        (r"\b(?:imagin\w+|pienso|picture|picturing|hope) (?:que )?(?:me )?(?:choca|atropella|pisa|getting hit|get hit|"
         r"a (?:car|truck|bus) (?:hits|hitting))\b|\bme (?:choca|atropella) (?:un|el) (?:camion|carro|auto|bus|tren)\b"),
    ),
    "hopeless": (
        (r"\b(?:no|what'?s the|whats the|don'?t see the|dont see the|lost the) point (?:anymore|any more|"
        r"in (?:anything|trying|going on|living|it)|to (?:anything|any of it)|of)\b"),
        (r"\b(?:can'?t|cant|cannot) (?:do this|go on|keep going|keep doing this|take (?:it|this)) "
        r"(?:anymore|any more|any longer|much longer)\b"),
        (r"\b(?:can'?t|cant|cannot|don'?t think i can) hold on (?:till|until|much longer|any longer|to)\b|"
         r"\bno creo (?:que|q) (?:aguante|pueda aguantar) (?:hasta|mucho|mas)\b"),
        r"\bnothing (?:left|to live for|to look forward to|matters)\b|\bno (?:way out|future|hope left)\b",
        (r"\b(?:doesn'?t|doesnt|does not|don'?t) (?:really )?matter (?:much )?(?:anymore|any more|anyway|now)\b|"
        r"\b(?:ya|igual|total|despues) (?:ya )?no (?:importa|me importa nada)\b|\bya da igual\b"),
        (r"\b(?:ya )?no (?:puedo|puede|aguanto|aguanta) (?:mas|seguir|con esto|con la vida)\b"
        r"(?! con (?:el|la|los|las|este|esta|estos|mi|mis|su|sus|tanto) (?!vida|tristeza|depresion|voces|soledad|angustia))|"
        r"\bya no aguant\w+\b(?! (?:el|la|los|las|este|esta|mi|mis|con (?:el|la|los|las|este|esta|mi|mis)) "
        r"(?!vida|tristeza|depresion|voces|soledad|angustia))"),
        r"\bno (?:tiene|le veo|le ve|tengo|hay) (?:caso|sentido|salida|razon para (?:seguir|vivir))\b",
        (r"\b(?:no|ya no) (?:le |les )?(?:encuentro|encuentra|veo|ve|hallo) (?:el )?sentido (?:a|de) (?:nada|la vida|vivir|seguir)\b|"
         r"\b(?:don'?t|dont|do not|can'?t|cant) see (?:the|any) point\b(?=\s*(?:[.,;!\n]|$|and|anymore))"),
        r"\b(?:ya )?(?:no me queda|no le queda) (?:nada|nadie)\b",
        # no meaning found, said bare or of life itself
        (r"\b(?:ya )?no (?:le |les )?(?:encuentro|encuentra|veo|ve|hallo) (?:ningun |el |mas )?sentido\b"
         r"(?=\s*(?:[.,;!\n]|$|y |ya\b|desde|a (?:nada|la vida|vivir|seguir|despertar|levantarme)))|"
         r"\b(?:la vida|vivir|seguir) (?:ya )?no tiene (?:ningun )?sentido\b|"
         r"\b(?:can'?t|cannot|don'?t|dont|no longer) (?:find|see) (?:any )?(?:meaning|sense|reason) (?:in|to|for) "
         r"(?:anything|life|living|going on|any of it|getting up)\b|"
         r"\blife (?:has|holds) no (?:meaning|point)\b|\blife (?:is|feels) (?:pointless|meaningless)\b"),
        r"\b(?:give|giving|gave|gone) up on (?:everything|life|myself|it all)\b|\bme rendi\b|\bse rindio\b",
        r"\b(?:hopeless|sin esperanza|sin salida)\b|\bdone fighting\b|\bout of (?:ideas|options|reasons)\b",
        (r"\b(?:i'?m|im|i am|he'?s|hes|she'?s|shes) (?:just )?(?:so )?done\b(?! (?:with (?:the|my|work|school|"
        r"it)|at|by|eating|for the day|now|with))"),
        r"\b(?:it'?s|its|is) (?:all )?too much\b(?! (?:money|to pay|for (?:me to pay|the)))",
        (r"\b(?:tired|cansad[oa]) (?:of|de) (?:trying|fighting|everything|intentar|luchar|todo)\b|"
        r"\bno (?:doy|da) (?:mas|para mas)\b|\bya no (?:se si )?vale la pena\b|\b(?:ya )?no hay nada (?:que|q) me "
        r"(?:amarre|ate|detenga|retenga)\b|\bnothing (?:holding|keeping) me (?:here|back)\b|\bstopped caring\b|\bno one would (?:even )?notice\b|\bnobody would (?:even )?(?:notice|care|miss)\b|"
        r"\bnadie (?:me|lo|la|se) (?:va a )?(?:extran\w+|notar\w*|dar cuenta)\b"),
    ),
    "decision": (
        (r"\b(?:i'?ve|ive|i have|i) (?:finally )?(?:decided|made (?:up )?my (?:mind|decision))"
        r"(?=\s*(?:[.,;:!\n]|$|-|\u2014|and i'?m|and im|and i am|it'?s|its|this is|i feel|i'?m|im))"
        # the decision's ordinary object told next ("I've decided. Switching to the generic")
        r"(?![.,;:!\s\u2014-]*(?:switching|taking|starting|stopping|moving|getting|changing|booking|going with|"
        r"going ahead|trying|quitting|we'?re|cambio|me cambio|voy a (?:cambiar|empezar|probar|dejar (?:la|el|de))))"),
        r"\b(?:since|once) i decided\b(?! to)",
        r"\bmy mind is made up\b|\b(?:the|my) decision is made\b",
        (r"\b(?:i|i'?ve|ive|i have|he|she|he'?s|she'?s) (?:got|have|has|made|picked|chose|chosen|set) "
        r"(?:a|the|my|his|her) (?:plan|date|day|spot|time)\b(?! (?:for|to|with|of|at the|b))|"
        r"\b(?:date|day) (?:circled|picked|set)\b|\bchoose (?:his|her|my) own time\b"),
        r"\bya (?:lo )?(?:decidi|decidio|tome (?:la|mi) decision|tengo (?:la|mi) decision)(?=\s*(?:[.,;:!\n]|$|y))",
        (r"\b(?:ya )?(?:lo )?(?:tengo|tiene) (?:todo )?(?:decidido|pensado|planeado|listo)(?=\s*(?:[.,;:!\n]|$|y|pa|para este|"
        r"para el))"),
        (r"\bya (?:elegi|escogi|eligio|escogio|tengo|tiene|se|sabe) (?:el dia|la fecha|el lugar|como|donde)\b|"
        r"\bya (?:vio|vi) donde\b"),
        r"\bya esta\b(?=\s*[,.])",
        (r"\b(?:tengo|tiene) (?:todo )?decidido lo (?:del|de el|de la) (?:domingo|sabado|viernes|lunes|fin|noche)\b|"
         r"\b(?:already )?decided what (?:i'?d|i would|i'?ll|i will) do\b|"
         r"\b(?:got|have|made) a plan for (?:tonight|saturday|sunday|friday|the weekend|this weekend)\b(?=\s*(?:[.!\n]|$))"),
        r"\b(?:i know|i knew|i'?ve known) (?:what that means|how i'?(?:m|ll) do it|how)\b(?=\s*[.,!]|$)",
    ),
    "calm": (
        (r"\b(?:i'?m|im|i am|i feel|i'?ve been|ive been|been|feeling|felt|i feel|feel) (?:so |weirdly |strangely |really |"
        r"oddly |finally )?(?:calm|at peace|peaceful)\b(?! (?:down|after|since the|when|with the|about the))|"
        r"\bmade (?:my )?peace\b|\bthe weight is gone\b|\b(?:estoy|esta|me siento|se siente|estuve) (?:muy )?"
        r"(?:tranquil[oa]|en paz)\b(?! (?:con (?:el|eso|esto|ese|esa|la)|porque|de que))"),
    ),
    "arrange": (
        # round 36 (blind51): a pet handed on ("I've given the dog to my neighbour", "le dejé
        # el gato a mi hermana")
        (r"\b(?:i|i've|ive|i have|we|we've|we have|i'm|im|i am) (?:just |already )?(?:given|gave|giving|give|handed|rehomed|rehoming)\b (?:away )?(?:the|my|our) (?:dog|dogs|cat|cats|pets?|puppy|kitten|bird|parrot|rabbit|bunny)\b (?:away )?to\b"),
        r"\b(?:giv(?:e|es|ing|en)|gave|gives|handed|handing|passed|passing|regal\w*|repart\w*|"
        r"dona\w*|entreg\w*|dio|le dio|les dio) (?:away |out )?(?:to \w+ |a \w+ )?(?:\w+ ){0,3}?(?:all |most |toda |todas |"
        r"todo |todos )?(?:of )?(?:\w+ )?(?:my|his|her|their|our|the|su|sus|mi|mis|la|las|los|el) "
        r"(?:\w+ )?(?:\w+ )?" + _THINGS + r"\b",
        (r"\b(?:sign\w*|put|transferr?\w*|handed?|leave|leaving|left) (?:over )?(?:\w+ ){0,3}(?:over )?(?:to|in) "
        r"(?:the|my|his|her|our) (?:kids|children|son|daughter|sons|daughters|names?|sister|brother)\b"),
        (r"\b(?:firm\w*|pas\w*|puso|puse|pone|dej\w*) (?:\w+ ){0,3}(?:a nombre de|para|a) "
        r"(?:mis|sus|los|las|mi|su) (?:hij[oa]s?|nietos|herman[oa])\b"),
        (r"\b(?:everything|all|my affairs|my things|my papers|things|everythings|everything'?s) (?:is |are )?"
        r"(?:in order|sorted out|taken care of|squared away|settled)\b|\b(?:put|get|got|getting|putting|have|want) "
        r"(?:everything|(?:all )?my (?:affairs|things|papers|stuff)|it) (?:in order|sorted|settled)\b"),
        (r"\b(?:todo|todas? (?:mis|sus) cosas|mis papeles|mis asuntos|sus cosas) (?:esta |queda |quedo )?(?:en orden|"
        r"arreglad[oa]s?|ordenad[oa]s?|listo|resuelto|pagado|saldado)\b|\b(?:deje|dejo|dejando|dejar|dejo) "
        r"(?:todo|mis cosas|las cosas|todas sus cosas) (?:en orden|arreglad\w+|list\w+|ordenad\w+|pagad\w+|saldad\w+)\b|"
        r"\barregl\w+ (?:mis|sus) cosas\b"),
        (r"\b(?:gave|give|giving|handed|handing|turned|turning|returned|returning) (?:back|in) (?:the|my|his|her) "
        r"(?:lease|apartment|keys|place|room)\b|\b(?:broke|break|ended|ending|cancel\w*) (?:the|my|his|her) lease\b"),
        (r"\b(?:entreg\w+|devolv\w+|devolvi\w*|devuelto) (?:las llaves|el|la|las|mi|su) (?:del |de la )?"
        r"(?:departamento|apartamento|depa|piso|cuarto|llaves|casa)\b"),
        r"\b(?:rehom\w+|found (?:a )?(?:new )?homes? for|gave away|giving away|new owners? for|left|leaving) "
        r"(?:both |all )?(?:of )?(?:my|the|his|her|our) (?:\w+ )?" + _PETS + r"\b(?! (?:at|in the|with the vet|"
        r"for (?:the|a) (?:day|week|weekend|trip)))",
        (r"\b(?:giv(?:e|es|ing|en)|gave|handed|left|regale|regalo|deje|dejo|le deje|le di) (?:away )?(?:my|his|her|mis|sus|mi|su) "
         r"(?:\w+ )?(?:" + _PETS[3:-1] + r"|gall\w+|vacas|caballos?|la casa|house|truck|camioneta) (?:to|a) (?:my|his|her|mi|su|el|la)\b|"
         r"\b(?:le |les )?deje (?:la casa|el rancho|la tierra|el terreno|todo) a (?:mi|mis|su|sus)\b|"
         r"\bregale (?:mis|sus) \w+\b"),
        (r"\b(?:wrapping|wrap|wrapped|tying|tie|tied) (?:things|everything|it all|up loose ends|loose ends)(?: up)?\b|"
         r"\b(?:cleaned|cleaning|clean) out (?:the|my) (?:apartment|place|room|house|desk|locker)\b|"
         r"\b(?:cerrando|cerre|atando) (?:cabos|pendientes)\b"),
        (r"\b(?:paid|pay|paying) (?:off |back )?(?:what|everything) i owe\b|\bnot (?:to )?leave anything unpaid\b|"
         r"\b(?:no dejar|sin dejar) (?:nada|deudas) (?:sin pagar|pendiente)\b"),
        (r"\b(?:sorted|settled|closed|squared) (?:out )?(?:all )?(?:my|his|her) (?:other )?(?:accounts|debts|bills)\b|"
         r"\b(?:cerre|salde|pague) (?:todas )?(?:mis|sus) (?:otras )?(?:cuentas|deudas)\b"),
        (r"\b(?:i'?m|im|i am) not (?:gonna|going to) need (?:them|it|this|that)\b(?=\s*(?:[.,!\n]|$))|"
         r"\bya no (?:los|las|lo|la) voy a (?:usar|ocupar)\b"),
        (r"\b(?:i'?ve|ive|i have|i) (?:stopped|quit) (?:taking )?(?:all )?(?:my|his|her) (?:meds|medications|medicines|"
         r"insulin|pills)\b(?! (?:because|bc|since|due|after|for|when|until))|\b(?:deje|dejo) (?:de tomar )?(?:todas )?"
         r"(?:mis|sus) (?:medicinas|pastillas|medicamentos)\b(?! (?:porque|por|desde|hasta))"),
        r"\b(?:le |les )?(?:busq\w+|encontr\w+|consegu\w+) (?:casa|hogar|duen[oa]s?) (?:a|para) "
        r"(?:mi|mis|su|sus|el|la|los) " + _PETS + r"\b|\b(?:regal\w*|deje|dejo) (?:a )?(?:mi|su|el|la|al) "
        + _PETS + r"\b|\bme despedi de mi " + _PETS + r"\b",
        (r"\b(?:letters?|notes?|cartas?|notas?|envelopes?|sobres?(?: cerrados?)?|a letter|una carta) "
        r"(?:\w+ ){0,3}(?:to|for|para|a|with|con) (?:my|mis|mi|the|los|las|each of (?:my|the)|his|her|sus|su|cada (?:uno de )?"
        r"(?:mis|sus)?) ?(?:\w+ )?(?:kids|children|family|wife|husband|parents|mom|dad|sister|brother|daughters?|sons?|"
        r"grandkids|grandchildren|girls|boys|hij[oa]s?|familia|espos[oa]|padres|mama|papa|herman[oa]s?|niet[oa]s|"
        r"novi[oa]|uno|una)\b"),
        (r"\b(?:wrote|written|writing|escrib\w+) (?:the |las |los |mis |my )?(?:letters|cartas|notes|notas)\b|"
         r"\b(?:les |le )?(?:escribi|wrote|written) (?:to |a )?(?:each of |cada uno de )?(?:my|mis) (?:kids|children|"
         r"hij[oa]s|family|familia|sisters?|brothers?|herman[oa]s|padres|parents)\b"),
        (r"\b(?:dio|me dio|le dio|gave|handed|gave me|handed me|left me) (?:me |le )?(?:las |sus |the |his |her |"
         r"all (?:his|her) )?(?:llaves|keys)\b"),
        r"\b(?:passwords?|contrasenas?|claves?)\b",
        (r"\b(?:won'?t|wont|will not|not going to|no longer|don'?t|dont) (?:be )?(?:need|needing) (?:it|them|the \w+|"
        r"this|that|any (?:more|of (?:it|them))|my \w+)\b[^.!?\n]{0,25}\b(?:anymore|any more|or any|"
        r"again|ever|after|where)\b"),
        (r"\bya no (?:lo |la |los |las |me |le )?(?:va|van|voy|vas) a (?:necesitar|hacer falta)\b|"
        r"\bya no (?:las|los|lo|la) necesit\w+\b"),
        (r"\b(?:cancel\w*) (?:all |everything)(?:of )?(?:my|the|her|his)? ?(?:appointments|appts|schedule|on my schedule)?\b|"
        r"\bcancel\w+ todas (?:mis|las|sus) citas\b"),
        (r"\b(?:pay|paid|paying) (?:it all|all (?:of )?(?:it|my|what)|everything) off\b|\b(?:paid off|paying off) "
        r"(?:all )?(?:my|the) (?:debts|bills)\b|\b(?:pague|pagar|pagando|pago|pagó) (?:\w+ )?(?:todas )?(?:mis|las|su|sus) "
        r"(?:deudas|cuentas)\b|\b(?:nobody|no one) (?:gets|is) stuck with\b"),
        (r"\b(?:ya )?(?:pago|pague|pagaron|dejo pagado) (?:su|mi) (?:entierro|funeral|cremacion)\b|"
        r"\b(?:paid for|planned|arranged) (?:my|his|her) (?:own )?(?:funeral|burial|cremation)\b"),
        r"\b(?:who|quien|quienes|a quien) (?:gets|will get|se queda(?:n)? con|le toca)\b",
        r"\b(?:testamento|my will|the will|life insurance (?:stuff|papers|policy)|seguro de vida|papeles del seguro)\b",
        r"\b(?:cerrar|cerre|close|closed|closing) (?:todas )?(?:mis|my|all my) (?:cuentas|accounts)\b",
        (r"\b(?:returned|devolvi|return|returning) (?:all )?(?:my|the|mis|los|las) (?:\w+ )?(?:books|libros|tools|things|keys|"
         r"llaves|cosas)\b|\b(?:gave|give|put in|giving) (?:my|his|her) notice\b|\bemptied (?:my|the) (?:fridge|apartment|"
         r"closet|room)\b|\b(?:deleted|borro|borre) (?:all |todas )?(?:my|his|her|sus|mis) (?:photos|fotos|accounts|"
         r"cuentas|posts|publicaciones)\b|\b(?:paid off|pague|pagar) (?:my|mi|la) (?:credit card|tarjeta|loan|prestamo)\b"),
        (r"\b(?:don'?t|dont|no) (?:bother|need to|hace falta) (?:rescheduling|reschedule|reprogramar\w*)\b|"
         r"\b(?:or|ni) (?:ever|ninguna|ningun\w*|any other)\b(?=\s*[.!\n]|$)"),
        r"\bfor after\b|\b(?:records|everything) (?:sent )?to my (?:sister|brother|daughter|son|wife|husband)\b",
        (r"\b(?:you'?ll|you will|they'?ll|they will) find (?:everything|it all|the papers)\b|"
        r"\b(?:van a|vas a) encontrar todo\b"),
        (r"\b(?:the |my |his |her )?(?:\w+ )?" + _PETS + r" (?:is |are )?(?:going|goes|gone|went) (?:to (?:live with )?|with )"
         r"(?:the |my |a |our )?(?:neighbou?rs?|new (?:home|owner)s?|\w+'?s (?:house|place)|my (?:sister|brother|son|daughter|"
         r"niece|nephew|friend|cousin|mom|dad))\b(?!(?:'?s(?: (?:house|place))?)? (?:while|for (?:the|a|two|three|\d+)|until|during|when|this|next))|"
         r"\b(?:el|la|los|las|mi|mis) (?:\w+ )?" + _PETS + r" (?:se va|se van|va|van) (?:a vivir )?con (?:el vecino|la vecina|"
         r"los vecinos|mi \w+)\b(?! (?:mientras|por (?:el|la|unos|dos|tres)|hasta|durante|cuando|este|esta))"),
        (r"\b(?:the |my )?rent (?:is |'?s )?(?:paid|covered) (?:up )?(?:through|thru|until|till|ahead|in advance)\b|"
         r"\b(?:paid|prepaid|covered) (?:the |my )?rent (?:through|thru|until|till|ahead|in advance|for the next)\b|"
         r"\b(?:la renta|el alquiler|el arriendo) (?:ya )?(?:esta |queda |quedo )?pagad[oa] (?:hasta|por adelantado)\b|"
         r"\bpague (?:la renta|el alquiler|el arriendo) (?:hasta|por adelantado|de (?:los proximos|\w+ meses))\b"),
        (r"\b(?:i'?ve|ive|i have|i) (?:sorted|taken care of|handled|settled|dealt with|squared away) (?:out )?"
         r"(?:the rest|everything else|all the rest|the rest of it)\b|"
         r"\bya (?:arregle|resolvi|deje arreglado|deje resuelto) (?:lo demas|todo lo demas|el resto)\b"),
        (r"\b(?:take|will take|can take|cuid\w+|cuiden) (?:care of )?(?:a )?(?:my|mi|mis|su|sus) (?:cat|dog|kids|"
        r"plants|gat[oa]|perr[oa]|perrito|hij[oa]s|plantas)\b|\bcuidenl[oa]s\b|\btake care of them\b"),
    ),
    "means": (
        r"\b(?:rope|noose|cuerda|soga|lazo|nudo|knot|corda)\b",
        r"\b(?:gun|pistol|rifle|shotgun|revolver|handgun|firearm|escopeta|pistola|arma|revolver|weapons?)\b",
        r"\b(?:razor|blade|blades|box cutter|navaja|cuchilla|gillette|knife|cuchillo)\b",
        (r"\b(?:pills|tablets|meds|medications|sleeping pills|pastillas|tabletas|pildoras|medicinas|"
        r"somniferos|pastillas para dormir|them)\b[^.!?\n]{0,40}\b(?:saved|saving|kept|keeping|stor(?:ed|ing) up|counted|"
        r"counting|stash\w*|hoard\w*|hidden|hid|enough|all of them|lined up|together|guardad\w+|junt\w+|"
        r"ready|set aside|listas|preparadas|apartadas|"
        r"cont\w+|escondid\w+|suficientes|todas juntas|bastantes)\b"),
        (r"\b(?:saved|saving|kept|keeping|stor(?:ed|ing) up|counted|counting|stash\w*|hoard\w*|hid|hiding|guard\w+|junt\w+|"
        r"cont\w+|escond\w+) (?:up )?(?:all )?(?:\w+ ){0,2}(?:pills|tablets|meds|sleeping pills|pastillas|"
        r"tabletas|pildoras|somniferos|them)\b"),
        (r"\b(?:enough|suficientes?|bastantes?) (?:together|saved|guardad\w+|juntad\w+|pills|pastillas)\b|"
        r"\b(?:tengo|tiene|got|have) (?:suficiente|bastante)s? guardad\w+\b|\b(?:more than )?enough saved up\b"),
        (r"\bhow (?:many|much) (?:of )?(?:my |his |her |the )?(?:\w+ ){0,3}(?:it )?(?:would|will|does|to) "
        r"(?:take|kill)\b|\bcuant[oa]s (?:\w+ ){0,3}(?:para morir|se necesitan|hacen falta|para matar)\b"),
        r"\b(?:veneno|poison|rat poison|veneno de rat\w+|matarratas)\b",
        r"\b(?:box|boxes|caja) (?:of|de) (?:shells|ammo|bullets|rounds|balas|cartuchos)\b|\b(?:ammo|bullets|balas|municion)\b",
        (r"\b(?:have|got|found|tengo|ya tengo|compr\w+|consegu\w+) (?:out where to get )?(?:what i need|lo que necesito|"
         r"(?:su|mi) remedio)\b|\b(?:frasco|bottle)\b[^.!?\n]{0,20}\b(?:en la mano|in my hand|in hand)\b"),
        (r"\b(?:tomo|tomar|tomarme|tomarmelas|tomarlas|take|taking|swallow\w*) (?:todas|todos|all of|all) "
         r"(?:las|los|them|the|my)\b|\b(?:take|taking|swallow\w*) (?:them|it) all\b|\btomarlas todas\b"),
        r"\b(?:charcoal|carbon) (?:in|en) (?:the|el|my|mi) (?:car|bathroom|room|carro|bano|cuarto)\b",
        (r"\b(?:hose|manguera) (?:from|to|del|al|en el) (?:the )?(?:tailpipe|exhaust|escape|carro|car|caño)\b|"
         r"\b(?:pills|pastillas|meds|tablets) (?:are )?(?:out|afuera|fuera|sobre la mesa|on the table)\b"),
        r"\b(?:car|engine|carro|coche|motor) (?:running|prendido|encendido|on)\b|\bleaving the engine on\b",
        (r"\b(?:stopped|quit|dejo de tomar|deje de tomar|dejo|deje) (?:all |taking )?(?:my |his |her |la |su |mis |sus )?"
        r"(?:meds|medications|insulin|insulina|medicinas|pastillas)\b[^.!?\n]{0,40}\b(?:not by accident|on purpose|"
        r"a proposito|adrede)\b"),
    ),
    "place": (
        (r"\b(?:bridge|overpass|viaduct|the tracks|train tracks|railroad|rail yard|cliffs?|ledge|rooftop|roof|"
        r"the edge(?! (?:of|de|del) (?:the |la |el |my |mi |his |her |su )?(?:table|counter|countertop|bed|tub|bathtub|sink|desk|step|stairs?|chair|couch|sofa|dresser|cabinet|door|mesa|cama|tina|banera|lavabo|fregadero|escalon|escalera|silla|sillon|mueble|gabinete|estufa|puerta|banqueta|acera|cocina|mesita|cajon|counter|bano)\b)|the dam|the quarry|top floor|balcony|the rail|oncoming|the window|puente|ponte|vias del tren|"
        r"las vias|el tren|acantilado|barranco|azotea|terraza del|techo de|baranda|railing|viaduto|la orilla|el borde(?! (?:of|de|del) (?:the |la |el |my |mi |his |her |su )?(?:table|counter|countertop|bed|tub|bathtub|sink|desk|step|stairs?|chair|couch|sofa|dresser|cabinet|door|mesa|cama|tina|banera|lavabo|fregadero|escalon|escalera|silla|sillon|mueble|gabinete|estufa|puerta|banqueta|acera|cocina|mesita|cajon|counter|bano)\b)|la presa|mirador|balcon|la ventana|"
        r"la avenida|la autopista|la carretera)\b"),
        (r"\b(?:found|picked|chose|scouted|know) (?:the|a|my) (?:spot|place)\b|"
        r"\b(?:encontre|escogi|ya tengo|ya se) (?:el|un) (?:lugar|sitio)\b"),
        r"\b(?:river|lake|the water|the sea|the ocean|rio|lago|el mar|al agua)\b",
    ),
    "final": (
        (r"\b(?:before i go|when i'?m gone|after i'?m gone|once i'?m gone|when i am gone|after i go|when i go|"
        r"while i still can)\b(?! (?:to|on|for|in|back|home|out|into|away|shopping|through|under|abroad|over))"),
        (r"\b(?:i|he|she) (?:won'?t|will not|wont|wo?nt|isn'?t going to|is not going to|'?m not going to|am not "
        r"going to|im not going to) be (?:here|around|coming back|back)\b"),
        (r"\b(?:i'?m|im|i am|he'?s|she'?s) not (?:going to|gonna) be (?:here|around)\b|"
        r"\bya no (?:la|lo|me|nos|los|las) (?:voy|vas|van|vamos|va) a (?:ver|volver a ver)\b|"
        r"\b(?:ya )?no (?:voy|va) a (?:estar|volver|molestar)\b(?! (?:en (?:el|la|los|las|casa|la ciudad)|a la|al|"
        r"de |disponible|hasta|fuera|aqui (?:el|la|en)|el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)))|\b(?:no|ya no) (?:voy|va) a ser un (?:problema|"
        r"estorbo)\b"),
        (r"\b(?:goodbye|good bye|farewell|adios a todos|me despido|despedirme|despedirse|se despidio|me despedi|"
        r"said (?:my )?(?:goodbyes?|bye)|say (?:goodbye|bye))\b"),
        (r"\b(?:just|only) (?:telling|letting) (?:somebody|someone|anyone|one person) (?:know)?\b|"
        r"\b(?:somebody|someone|anyone|1 person|one person|you) (?:should|needed to|needs to|ought to|to) know\b|"
        r"\b(?:just )?want(?:ed)? (?:to )?(?:tell|say (?:it|this) to) (?:someone|somebody|anyone)\b|"
        r"\b(?:solo |nomas |nada mas )?quer\w+ (?:que|q) (?:alguien|ustedes) (?:lo )?(?:supiera|sepa|sepan|supieran)\b|"
        r"\b(?:solo |nomas )?quer\w+ (?:decirle a alguien|avisar a alguien|avisarle a alguien)\b"),
        (r"\b(?:tell|please tell|pls tell|plz tell) (?:my|mi|her|him) (?:\w+ ){0,2}(?:i love|that i love|i'?m sorry|"
        r"im sorry|i loved)\b|\bdigan(?:le)? a (?:mi|mis) \w+ que (?:l[oa]s? )?(?:quiero|amo)\b|"
        r"\blove (?:you|u) all\b|\bi'?m sorry mom\b"),
        (r"\b(?:don'?t|dont|do not|pls dont|please don'?t) (?:worry|come looking|look|try to find|call)"
        r"(?: (?:about|for) me| me)?\b(?=\s*(?:[.,!\n]|$))|"
        r"\bno (?:se preocupen?|te preocupes|me busquen|me llamen) (?:por|de) mi\b|\bno me (?:busquen|llamen)\b"),
        r"\b(?:sorry|perdon\w*|forgive me) (?:for|por) (?:everything|all of (?:it|this)|todo)\b|\blo perdon\w+\b",
        (r"\b(?:it|this) (?:wasn'?t|wasnt|isn'?t|isnt|is not|was not) (?:anyone'?s|anyones|anybody'?s|nobody'?s|noone'?s|your|ur) fault\b|"
        r"\bno es culpa de (?:nadie|ustedes)\b"),
        r"\b(?:cuando|para cuando) (?:ella |el |yo )?(?:ya )?no (?:este|estoy|me vaya|me haya ido)\b(?! (?:en|de|a|aqui|ahi|list))",
        r"\b(?:antes de irme|antes de que me vaya)\b(?! (?:a|al|de|para|en)\b)",
        (r"\b(?:my|this is my|the) (?:last|final) (?:message|text|week|day|night|goodbye|note)\b|"
        r"\b(?:last|final) (?:message|text|time you'?ll)\b|\bultimo mensaje\b|\bpor ultima vez\b"),
        (r"\bsee (?:u|you) (?:guys )?on the other side\b|\bctb\b|\bwhere (?:hes|he'?s|shes|she'?s|i'?m) going\b|"
        r"\bif (?:u|you) (?:dont|don'?t) hear from me\b"),
        r"\bse (?:va|iba|quiere ir) (?:a ir )?" + _DEAD_KIN + r"\b|\b(?:irse|irme) (?:ya )?" + _DEAD_KIN + r"\b|"
        r"\b(?:preparad[oa]|list[oa]) para irse\b|\b(?:va|vai) a deixar a gente em paz\b|\bem paz para sempre\b|"
        r"\b(?:come get me|join(?:ing)? (?:her|him|my wife|my husband|them))\b",
        r"\b(?:no va a volver|no voy a volver|won'?t be coming back|not coming back)\b",
        (r"\b(?:you|u|they) (?:won'?t|wont|will not|don'?t|dont) (?:need|have) to (?:book|see|chase|schedule|call|remind|"
         r"bother with|worry about|reschedule) me\b[^.!?\n]{0,40}\b(?:again|anymore|any more|after|ever)\b|"
         r"\b(?:ya )?no (?:van a tener|tendran|tienen) (?:que|q) (?:llamarme|buscarme|agendarme|recordarme)\b"),
        (r"\bwhen (?:they|someone|somebody|you) find me\b|\bcuando me (?:encuentren|hallen)\b|"
         r"\b(?:si|cuando) (?:viene|vienen|alguien viene|pregunta|preguntan) (?:a )?pregunt\w* por mi\b|"
         r"\bif (?:she|he|they|anyone|someone) (?:comes|ever comes) (?:asking|looking) (?:for|about) me\b"),
        (r"\b(?:like|want|wanna|ready|listo|lista) (?:to )?(?:go|be|para irme|para ir) (?:to|with|con) (?:her|him|them|mi|my) ?\w*\b"
         r"(?<!\bwith my doctor)(?<!\bto my appointment)(?<!\bcon mi doctor)"),
        (r"\b(?:he|she|they|you|my \w+)(?:'?ll| will) (?:need|have) to know (?:things |everything |what to do )?"
         r"(?:soon|before long|shortly)\b|\b(?:va|van) a (?:necesitar|tener que) saber (?:las cosas |todo )?(?:pronto|muy pronto)\b"),
        (r"\b(?:the )?(?:doc|doctor|dr|dra) (?:\w+ )?(?:should|ought to) know\b|\bfigured (?:you|the doc|someone) should know\b|"
         r"\bsomething from me\b|\b(?:you were|fuiste|fue) (?:always )?(?:so )?(?:kind|good|buen[oa]) (?:to|con|conmigo) ?(?:me)?\b"),
        (r"\b(?:don'?t|dont|do not) think i'?ll make it (?:to|till|until|through) (?:next week|the weekend|monday|friday|"
         r"the end of)\b|\bno creo (?:que|q) (?:llegue|llego|aguante) (?:a|hasta) (?:la otra semana|el lunes|el fin de|"
         r"la proxima semana|manana)\b"),
        (r"\b(?:i'?ll|i will|he'?ll|she'?ll) be gone\b|\b(?:last time i (?:ask|write|bother)|(?:my|his|her|mi|su) "
         r"(?:last|ultimo|ultima) (?:year|month|christmas|birthday|ano|navidad|cumpleanos|mes))\b|"
         r"\b(?:sleep|go to sleep) for a (?:long|very long) time\b|\bcountdown|cuenta regresiva\b"),
        (r"\b(?:by then|para entonces) (?:it|todo|ya|it'?ll|it will)\b|\b(?:if|si) (?:you'?re|you are|lo esta|lo estas|"
         r"usted (?:lo )?esta) (?:reading|leyendo)\b|\b(?:scheduled|programe) (?:an? |this |este |un )?"
         r"(?:email|message|text|correo|mensaje)\b"),
        (r"\b(?:cuando|para cuando) (?:yo )?me vaya\b(?! (?:a|al|de|para|en|del)\b)|\bsolo me queda ir\b|"
         r"\bno (?:me )?(?:quiero|quiere) bajar\b|\b(?:won'?t|doesn'?t want to|don'?t want to) come down\b|"
         r"\b(?:los|las) quiero\b(?=\s*(?:[.,!\"\n]|$))|\b(?:desculpa|perdon|sorry),? (?:mae|mama|mom|mami)\b|"
         r"\b(?:write|text|tell|escribirle|decirle|contarle) (?:to )?(?:someone|somebody|a alguien) (?:before|antes)\b"),
        (r"\b(?:descansar|descanse|descanso) (?:para siempre|de verdad|en paz)\b|\bpor fin descans\w+\b|"
         r"\b(?:rest|sleep) forever\b|\bfinally (?:rest|be at peace)\b"),
    ),
    "thanks": (
        (r"\b(?:thank(?:s| you| u)|gracias) (?:\w+ ){0,4}(?:for (?:trying|everything|the years|all the years|"
        r"the kindness|being kind)|por todo|por intentarlo|por tantos anos|de tantos anos)\b|\b(?:you|she|he|ustedes) "
        r"(?:all )?tried\b"),
    ),
    "time": (
        (r"\b(?:tonight|tonite|tomorrow|tmrw|this weekend|by (?:friday|saturday|sunday|monday|tomorrow)|"
        r"esta noche|manana|este fin de semana|el (?:sabado|domingo|lunes|viernes)|este (?:sabado|domingo|viernes|lunes)|"
        r"after (?:this weekend|christmas|that)|despues de eso|by then|para entonces)\b"),
        (r"\b(?:after|once|when) (?:the|my) (?:kids|children|family|wife|husband) (?:leave|go|are asleep|"
        r"fall asleep|are back)\b|\bcuando (?:se duerman|se vayan|todos esten)\b"),
        r"\btonight is the night\b|\b(?:it'?s|its|it is) time\b",
    ),
    "nightly": (
        (r"\b(?:every night|each night|night after night|todas las noches|cada noche|noche tras noche|"
        r"each day|every day|cada dia|todos los dias|longer each)\b"),
    ),
    "plan": (
        (r"\bhow (?:many|much) (?:of )?(?:my |his |her |the |these )?(?:\w+ ){0,3}(?:would|will|does|to) (?:actually |really )?"
         r"(?:do it|kill|be (?:fatal|lethal|enough to die))\b|\bcuant[oa]s (?:\w+ ){0,3}(?:serian suficientes|bastarian|"
         r"(?:me )?matarian)\b"),
        (r"\b(?:planning|planned|plan|thinking about|thought about) (?:out )?how (?:to|i'?d|i would|i'?ll) "
         r"(?:kill myself|do it|end (?:it|my life))\b|\b(?:pensando|pienso|pense|planeando|planeo) (?:en )?como "
         r"(?:matarme|hacerlo|quitarme la vida)\b|\bpensando en como\b(?=\s*(?:[.,;!\n]|$))|"
         r"\b(?:pensando|pienso|pensar) en (?:tirarme|aventarme|colgarme|matarme|ahorcarme|cortarme)\b|"
         r"\bya se a (?:que|q) hora pasa\b"),
        (r"\b(?:keep|keeps|can'?t stop|cant stop|no dejo de|no puedo dejar de|sigo) (?:thinking|pensar|pensando) "
         r"(?:about|of|en) (?:the|my|his|her|las|los|la|el|mis) (?:\w+ )?(?:pills|gun|rope|knife|blade|tablets|pastillas|"
         r"pistola|soga|cuerda|cuchillo|navaja)\b(?=\s*(?:[.,!\n]|$)| (?:in|en|under|debajo|bajo|at home)\b)"),
        (r"\b(?:sitting|sat|here|holding|staring at) (?:here )?with (?:the|my|a|all the) (?:pills|gun|rope|knife|blade|tablets)\b"),
        (r"\b(?:stopped|quit|dejo de|deje de) (?:eating|comer) (?:on purpose|a proposito|adrede)\b"),
        # a method researched by amount: what a dose would do, looked up or counted out
        (r"\b(?:look\w* up|googl\w+|search\w*(?: for| up)?|research\w*|read(?:ing)? up on|reading about|checking) "
         r"(?:online )?(?:about )?(?:(?:how (?:many|much)|what (?:dose|amount))\b[^.!?\n]{0,50}\b(?:would do it|to die|"
         r"to not wake|to never wake|would kill|be (?:fatal|lethal)|lethal|fatal|deadly|overdose)|"
         r"(?:the |a )?(?:lethal|fatal|deadly) (?:dose|amount))\b|"
         r"\bhow (?:many|much) (?:of )?(?:\w+ ){0,5}?(?:pills|tablets|meds|capsules|insulin|units)\b(?: \w+){0,2}? "
         r"(?:it )?(?:would|will|'?d|does) take\b(?=\s*(?:[.,;!\n]|$|to (?:die|end|not wake|kill|be (?:fatal|lethal))))|"
         r"\b(?:lethal|fatal|deadly) (?:dose|amount) (?:of|for) (?:me|myself|an adult|a (?:person|grown)\w*)\b|"
         r"\b(?:buscando|busque|busco|investigando|investigue|leyendo|lei|googleando|googlee) (?:en (?:internet|google) )?"
         r"(?:sobre )?(?:cuant[oa]s|cuanto|la dosis|que dosis|que cantidad)\b[^.!?\n]{0,50}\b(?:letal\w*|mortal\w*|"
         r"para (?:morir|no despertar|matarme|quitarme la vida|acabar con todo))\b|"
         r"\bdosis (?:letal|mortal) (?:para (?:mi|una persona|un adulto))\b"),
        # the means got with its ordinary use denied ("bought rat poison and I have no rats")
        (r"\b(?:bought|buy|got|picked up|compre|compro|consegui|traje) (?:\w+ ){0,3}?(?:rat poison|poison|veneno|"
         r"matarratas|rope|soga|cuerda|gun|pistola|arma|charcoal|carbon)\b[^.!?\n]{0,40}\b(?:and|y|but|pero|aunque|"
         r"even though) (?:i |yo )?(?:don'?t|dont|do not|no|ni) (?:even )?(?:have|tengo|hay|own|hunt|cazo|camp) "
         r"(?:any )?(?:rats|ratas|mice|ratones|plagas|pests|a yard|patio|jardin|a farm)\b"),
        (r"\b(?:i|i'?m|im|i am) (?:going to|gonna) kill myself\b(?! (?:lol|lmao|haha|jk))|"
         r"\b(?:i|he|she) (?:won'?t|wont|will not|isn'?t going to|am not going to|'?m not going to) be around "
         r"(?:after (?:this|today|tonight|that)|much longer|for (?:much )?longer|anymore|any more)\b|"
         r"\bya no (?:voy|va) a estar (?:despues de (?:hoy|esto|esta noche)|mucho tiempo)\b"),
    ),
    "cond": (
        # an end made conditional on news: "if the scan is bad I'm done", "si sale mal hasta aqui llego"
        (r"\b(?:if|when|once) (?:the |my |it |they |this |that )?[^.!?\n]{0,40}?(?:i'?m|im|i am) (?:done|out|finished)\b"
         r"(?! (?:with (?:the|my|this|work|school|treatment|chemo|them)|at|by|for the|early))|"
         r"\b(?:if|when|once) [^.!?\n]{0,40}?(?:that'?s it for me|i'?ll end it|i'?m not (?:doing|going through) (?:this|it|that) "
         r"again|i (?:won'?t|will not|can'?t) (?:go through|do) (?:this|it|that) again|i know what i'?(?:ll|m going to) do)\b|"
         r"\bsi [^.!?\n]{0,40}?(?:hasta aqui llego|ya no sigo|yo me acabo|ya se (?:lo )?(?:que|q) voy a hacer|no (?:lo )?vuelvo "
         r"a pasar|no pienso pasar por (?:eso|esto) otra vez|ya no mas|me quito de en medio)\b"),
    ),
    "kept": (
        (r"\b(?:la|lo|las|los) (?:miro|veo|reviso|llevo|agarro|toco) (?:cada noche|todas las noches|cada dia|todos los dias)\b|"
         r"\b(?:la|lo|las|los) (?:tengo|llevo|guardo) (?:en la mochila|en el bolso|en la bolsa|bajo la almohada|"
         r"debajo de la cama)\b|\bi (?:look at|stare at|hold|check on) (?:it|them) (?:every|each) (?:night|day)\b|"
         r"\b(?:it'?s|they'?re) (?:in|under) my (?:backpack|bag|pillow|bed)\b"),
    ),
    "injury": (
        (r"\b(?:hit|hitting|hits|punch\w*|scratch\w*|burn\w*|cut\w*|bang\w*|bit|biting) (?:my|his|her)(?:self|"
        r" (?:own )?(?:arms?|legs?|wrists?|face|head|hands?|stomach|thighs?))\b[^.!?\n]{0,40}\b(?:til|till|until|"
        r"on purpose|bc i deserv\w+|deserv\w+|to feel|when i'?m|when it'?s)\b"),
        (r"\b(?:se|me) (?:pega|pegue|pego|rasgun\w+|quema|queme|quemo|corta|corte|corto|muerde)\b[^.!?\n]{0,50}"
        r"\b(?:hasta (?:que|sangrar|sacarse|quedar)|a proposito|se lo merece|me lo merezco|cuando (?:se siente|me siento|esta|estoy)|"
        r"porque (?:se lo|me lo))\b"),
        r"\b(?:se lo merece|me lo merezco|i deserved? it|deserve it)\b",
        (r"\b(?:went back|going back|back) to (?:the blade|cutting|burning)\b|\b\d+ (?:cuts|cortes)\b|"
         r"\bvolvi a (?:cortarme|la navaja|quemarme)\b"),
        (r"\b(?:i|she|he)? ?(?:keep|keeps|kept|been|started|sigo|sigue|he estado|ha estado) (?:burning|cutting|scratching|"
         r"quemandome|cortandome|rasgunandome|quemandose|cortandose) (?:myself|herself|himself|me|se)?\b"
         r"(?! (?:by accident|accidentally|on the|en la|con la (?:estufa|plancha)|cooking|shaving))"),
        (r"\b(?:last night|tonight|today|this morning|yesterday|anoche|hoy|ayer) (?:i )?(?:did it|cut|cut myself|burned myself|"
         r"relapsed|me corte|me queme|lo volvi a hacer)(?: again| otra vez| de nuevo)\b|\b(?:i )?relapsed (?:last night|today|"
         r"yesterday) (?:and|with) (?:cut|cutting)\b"),
    ),
}
"""Each sign's phrasings (folded text), both languages; a phrase is one sign only."""

STRONG: Final = frozenset({"wish", "injury", "plan"})
"""A sign that makes a flag beside any other current sign."""
NOT_A_PAIR: Final = frozenset({
    frozenset({"time", "arrange"}), frozenset({"time", "hopeless"}), frozenset({"time", "means"}),
    frozenset({"time", "place"}), frozenset({"time", "calm"}), frozenset({"time", "nightly"}),
    frozenset({"time", "thanks"}),
    frozenset({"nightly", "arrange"}), frozenset({"nightly", "hopeless"}),
    frozenset({"nightly", "final"}), frozenset({"nightly", "means"}), frozenset({"nightly", "thanks"}),
    frozenset({"nightly", "decision"}), frozenset({"nightly", "calm"}),
    frozenset({"calm", "place"}), frozenset({"calm", "means"}), frozenset({"calm", "thanks"}),
})
"""Two signs that are not enough together: a time beside anything but a wish, a decision or
a goodbye (a move this weekend, rope for tomorrow, the cliffs tomorrow at low tide);
something done every night beside anything but a place to die or a wish (pills counted every
night to be taken right); calm beside a place or a thing (calm at the lake)."""
TWICE: Final = frozenset({"arrange"})
"""A sign whose two different kinds make a pair on their own (the lease given back and the
belongings given away; appointments cancelled as not needed)."""
MEANS_WITH: Final = frozenset({"wish", "decision", "final", "arrange", "hopeless", "calm", "injury",
                                "thanks", "plan"})
"""Signs beside which the means is read even in a message about an ordinary life (a rifle
and a letter for the grandchildren after a hunting trip)."""


def pairs(concepts: set[str]) -> bool:
    """Whether these different current signs make a flag together. The means kept or
    looked at (`kept`) counts only beside the means themselves; an end made conditional
    on news (`cond`) only beside the means, a place, arrangements, a goodbye or a
    decision."""
    if "kept" in concepts and "means" in concepts:
        return True
    if "cond" in concepts and concepts & COND_WITH:
        return True
    concepts = concepts - {"kept", "cond"}
    if concepts & STRONG:
        return True
    if len(concepts) < 2:
        return False
    return any(frozenset({a, b}) not in NOT_A_PAIR
               for a in concepts for b in concepts if a < b)


COND_WITH: Final = frozenset({"means", "place", "arrange", "final", "decision", "kept"})
"""The signs beside which an end made conditional ("if the results are bad I'm done") is
a plan: the means ready, a place, arrangements, a goodbye, a decision."""


MOVING: Final = (
    # a move, a trip, a new job: the arrangements and decisions of ordinary lives
    (r"\b(?:mov(?:e|ing|ed)(?! (?:my|the|our|his|her|mi|la) (?:appt|appointment|visit|cita|consulta))|relocat\w*|new (?:place|apartment|house|job|city|town)|downsiz\w*|"
    r"mudanza|mudo|mudamos|mudando|mudarme|mudarnos|nuevo (?:depa|departamento|trabajo|apartamento)|"
    r"trip|vacation|travel\w*|flight|fly|flying|cruise|viaje|vacaciones|vuelo|(?:vuelvo|vuelva)(?! a\b)|"
    r"retir\w+|jubil\w+|assisted living|nursing home|rehabilitacion|new owners?|nuevos duenos|"
    r"(?:leave|leaving|we leave) for \w+ (?:on|this|next|in)|closing on the house|sold the house|vendimos la casa)\b"),
    (r"\b(?<!gato )(?<!gata )(?<!perro )(?<!perra )(?<!gatito )(?<!gatita )(?<!perrito )(?<!perrita )(?<!mascota )"
     r"(?:se|me|nos|te) (?:va|voy|vamos|van|vas) (?:a (?:trabajar|vivir|estudiar|mudar)|de viaje)\b|"
    r"\b(?:moving|move|headed|heading) (?:to|back to|in with|into)\b"),
    # a future the writer plans to be in: a call back, a rebooking, a return
    (r"\b(?:i'?ll|i will) (?:call|be back|rebook|reschedule|see you|write)\b|\brebook\w*|"
    r"\b(?:when i'?m back|until (?:the )?(?:new year|january|next|i'?m back)|see you (?:in|next|then|soon))\b|"
    r"\b(?:cuando (?:vuelva|regrese)|les (?:escribo|llamo|aviso) cuando|llamo (?:en|para|cuando)|hasta (?:el|que) "
    r"(?:vuelva|regrese)|nos vemos)\b"),
)
"""A move, a trip, a return: the writer plans a future somewhere else."""
ORDINARY: Final = (
    *MOVING,
    # someone well now
    (r"\b(?:doing (?:great|well|better)|much better|all better|feeling better|back (?:at|to) (?:work|school)|"
     r"ya (?:esta|estoy) (?:mejor|bien)|se siente mejor|me siento mejor)\b"),
    # a will or a trust for a new baby, a lawyer's paperwork
    (r"\b(?:estate plan\w*|lawyer|attorney|abogad\w*|notari\w+|notary|new baby|newborn|bebe nuev\w*|nacio el bebe|"
    r"ahora que cumpli|now that i(?:'?ve)? turned|en mis cabales|of sound mind|"
    r"guardianship|tutela)\b"),
    # rope, pills, guns and bridges in work, farm, sport and everyday use
    (r"\b(?:barn (?:gate|door|chores)|hay bales?|calf|calves|horses|cattle|goats?|tie[- ]down|tarp|"
    r"swing|hammock|hamaca|columpio|clothesline|tendedero|jump rope|(?:saltar|brincar) la cuerda|cuerda de saltar|"
    r"climbing gym|hunting|hunt|deer|shooting range|gun safe|fishing|camping|hike|hiking|picnic|caza|"
    r"cacer\w+|ladder|treehouse|escalera|pesca|campamento|commute|traffic|trancon|trafico|toll)\b"),
    # a decision about a job, a school, a doctor, a treatment
    (r"\b(?:decided|decision|decidi|decidido)\b[^.!?\n]{0,60}\b(?:job|offer|school|college|surgeon|"
    r"doctor|dr|clinic|insurance|plan|treatment|surgery|therapy|pediatrician|trabajo|escuela|"
    r"doctora?|clinica|seguro|cirugia|tratamiento)\b"),
    # forms, questionnaires and screenings that ask about these signs
    r"\b(?:form|forms|questionnaire|screening|survey|phq|formulario|cuestionario|encuesta)\b",
    # a story, a film, a novel
    r"\b(?:movie|film|novel|tv show|episode|pelicula|novela)\b",
)
"""What a message is about when the signs are an ordinary life's: any of these in the new
text quiets the reader unless a wish is among the signs (a wish not to be alive is never
ordinary) or the means sits beside a decision or a goodbye."""


_SIGNS: Final = NeedIndex()
"""The signs' own prefilter index (wordscan.py): one answer per text says which phrasings
could match it, and only those are scanned."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    reader: ConceptReader
    ordinary: re.Pattern[str]
    moving: re.Pattern[str]


@cache
def _compiled() -> _Compiled:
    return _Compiled(
        reader=ConceptReader(CONCEPTS, _SIGNS),
        ordinary=compiled("|".join(f"(?:{p})" for p in ORDINARY)),
        moving=compiled("|".join(f"(?:{p})" for p in MOVING)),
    )


def signs(folded: str) -> list[Sign]:
    """Every warning sign in folded text, in text order (no context read)."""
    return _compiled().reader.signs(folded)


def current_signs(read: str) -> list[Sign]:
    """The signs in `read` (the patient's new text, as triage reads it) that the ConText
    checks read current."""
    folded, _ = redflag.fold(read)
    found = signs(folded)
    if len({(s.concept, s.kind) for s in found}) < 2 and not any(s.concept in STRONG for s in found):
        return []
    return [s for s in found if _current(read, s)]


_UP_TO_NOW: Final = compiled(r"\b(?:since|desde|ever since|from the day)\b")


def _current(read: str, sign: Sign) -> bool:
    """The sign reads current by the ConText checks; a sign dated only by "since ..." ("since
    my wife died she doesn't want to live") is current too: the time runs up to now."""
    status, modifier = redflag.context_modifier(read, CATEGORY, sign.start, sign.end)
    folded, _ = redflag.fold(read)
    begin = redflag.sentence_start(folded, sign.start)
    end = redflag.sentence_end(folded, sign.end)
    if _SCREENING.search(folded, begin, end) and not _SCREEN_YES.search(folded):
        return False  # a screening question quoted or asked about, not the writer's wish
    if _NEGATED_JUST_BEFORE.search(folded, max(begin, sign.start - 16), sign.start):
        return False  # "I don't wish I was dead"
    if status == "pseudo" and sign.concept == "plan":
        return True  # a plan or a method is specific enough on its own
    if status == "hypothetical" and (sign.concept == "cond" or _COND.search(folded, begin, sign.start)):
        return True  # the condition is the sign itself, and what it makes ready is current
    if _PAST_DATE.search(folded, begin, end) and _WELL_NOW.search(folded):
        return False  # an event dated in the past, and the writer or patient well now
    if status != "historical":
        return status == "current"
    if _LONG_SINCE.search(folded, begin, sign.start):
        return False  # "it's been five years since the winter I wanted to die"
    if _UP_TO_NOW.match(modifier):
        return True
    # "since the baby was born four weeks ago I don't want to be alive": the date is the
    # start of a time that runs up to the sign
    return _UP_TO_NOW.search(folded, begin, sign.start) is not None


_COND: Final = compiled(
    r"\b(?:i'?m|im|i am) (?:done|out|finished)\b|\bthat'?s it for me\b|\bi'?ll end it\b|\bhasta aqui llego\b|"
    r"\bya no sigo\b|\bme quito de en medio\b")
"""An end told after a condition earlier in the sentence: the means named after it are
ready now, whatever the condition."""
_SCREENING: Final = compiled(
    r"\b(?:phq(?:-?\d)?|questionnaire|cuestionario|screening|the question (?:about|on|asking)|asks? about|"
    r"(?:en )?la pregunta (?:de|si|sobre))\b")
"""A screening question in the same sentence: the sign is its words, not the writer's."""
_SCREEN_YES: Final = compiled(
    r"\b(?:nearly every day|more than half|several days|casi todos los dias|mas de la mitad|varios dias|"
    r"es la verdad|it'?s true|i marked yes|marque (?:que )?si|puse (?:que )?si)\b")
"""A screening question answered yes: the sign is the writer's."""
_NEGATED_JUST_BEFORE: Final = compiled(r"\b(?:don'?t|dont|do not|never|nunca)\s+$")
_PAST_DATE: Final = compiled(
    r"\b(?:in|back in|last|en|el (?:pasado|ano pasado)) (?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december|the spring|the summer|the fall|the winter|spring|summer|fall|winter|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|year|month)\b|"
    r"\bhace (?:\d+|un|una|unos|unas|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez) "
    r"(?:dias|semanas|meses|anos)\b(?! que)|\b(?:\d+|two|three|four|five|six|ten) (?:days|weeks|months|years) ago\b|"
    r"\b(?:in|en) (?:19|20)\d\d\b|\b(?:at|when i was|a los|cuando tenia) \d{1,2}\b")
"""A date in the past in the sign's sentence."""
_WELL_NOW: Final = compiled(
    r"\b(?:(?:he'?s|she'?s|i'?m|im|i am|is|been|doing) (?:doing )?(?:great|really well|well|much better|so much better|"
    r"stable)(?: now| for years)?|been stable|back on the|back at (?:work|school)|ya (?:esta|estoy) (?:mejor|bien|estable)|"
    r"(?:estoy|esta) (?:mucho )?mejor|far behind me|behind me now|graduat\w+)\b")
"""The writer or the patient well now."""
_ACCIDENT: Final = compiled(
    r"\b(?:bandsaw|band saw|table saw|the saw|meat slicer|slicer|(?<!not )by accident|(?<!not )accidentally|slipped|"
    r"(?<!no fue )sin querer|(?<!no fue )por accidente|se resbalo|con la sierra)\b")
"""An injury told as an accident at work or at home."""
_NOT_TO_DIE: Final = compiled(
    r"\b(?:no|not|wasn'?t|was not|no era) (?:para|to|trying to|intentando) (?:matarme|morirme|kill myself|die|end it|"
    r"hacerme dano|hurt myself)\b")
"""An overdose or an injury the writer says was not meant to kill."""


_LONG_SINCE: Final = compiled(
    r"\b(?:years?|yrs?|decades?|anos|decadas) (?:now )?(?:since|desde)\b|\b(?:it'?s|it has) been\b|"
    r"\b(?:hace|ya van|van) (?:\d+|\w+) (?:anos|decadas)\b")
"""A time since that is years long: what follows is the past it counts from."""


def concept_flag(read: str) -> tuple[str, str] | None:
    """(suicide_self_harm, the patient's words of the clause holding the strongest sign)
    when two different current warning signs pair (`pairs`), and the message is not about
    an ordinary life (ORDINARY) unless a wish is among them; or None."""
    kept = current_signs(read)
    if not kept:
        return None
    best: dict[str, Sign] = {}
    kinds: dict[str, set[int]] = {}
    for s in kept:
        best.setdefault(s.concept, s)
        kinds.setdefault(s.concept, set()).add(s.kind)
    concepts = set(best)
    twice = any(len(kinds[c]) >= 2 for c in concepts & TWICE)
    if not pairs(concepts) and not twice and not concepts & STRONG:
        return None
    if "wish" not in best and "injury" not in best:
        folded, _ = redflag.fold(read)
        means_read = "means" in best and bool(concepts & MEANS_WITH)
        if not means_read and _compiled().ordinary.search(folded):
            return None
    top = min(best.values(), key=lambda s: (s.concept not in STRONG, s.start))
    _status, quote = redflag.context_status(read, CATEGORY, top.start, top.end)
    return CATEGORY, quote


def moving_on(read: str) -> bool:
    """The writer plans a future somewhere else (MOVING: a move, a trip, a call back when
    they return) and the only current signs are arrangements, goodbyes, thanks or a time: a
    suicide/self-harm hit of the statistical model alone is set aside in it, since
    arrangements for a move read like final ones to a model of words (triage.py)."""
    folded, _ = redflag.fold(read)
    if _compiled().moving.search(folded) is None:
        return False
    concepts = {s.concept for s in current_signs(read)}
    return bool(concepts) and concepts <= LEAVING


LEAVING: Final = frozenset({"arrange", "final", "thanks", "time"})
"""The signs a move or a trip explains."""


AFTER_PREGNANCY: Final = compiled(
    r"\b(?:miscarr\w+|postpartum|post-partum|gave birth|had the baby|since the baby|after the baby|"
    r"stillbirth|stillborn|posparto|post parto|dio a luz|di a luz|perdi (?:al|el) bebe|perdio (?:al|el) bebe|"
    r"aborto espontaneo|desde que naci\w+|despues del parto|desde el parto)\b")
"""A pregnancy that is over: a wish not to be alive then is suicide/self-harm, not a
pregnancy emergency (the guide puts pregnancy first only while the writer is pregnant)."""


def after_pregnancy_wish(read: str) -> bool:
    """The message tells of a pregnancy that is over (a birth, a miscarriage) and holds a
    current wish not to be alive or self-injury (a STRONG sign)."""
    folded, _ = redflag.fold(read)
    if AFTER_PREGNANCY.search(folded) is None:
        return False
    return any(s.concept in STRONG for s in current_signs(read))


DENIED_NOW: Final = compiled(
    r"\b(?:not|never|no longer|isn'?t|is not|wasn'?t) (?:been )?suicidal\b|"
    r"\bno (?:suicidal )?(?:thoughts|plans?|ideas|urges|intent(?:ion)?)(?: or (?:thoughts|plans?|intent))? (?:of|about|to) "
    r"(?:hurting|harming|killing|ending|suicide|dying|self[- ]harm|hurt)\b|"
    r"\b(?:not|no|nor|without) (?:having )?(?:any )?(?:thoughts|plans?|ideas) (?:of|about) (?:hurting|harming|killing|"
    r"ending|suicide|dying|self[- ]harm)\b|\bnot thinking (?:of|about) (?:ending|hurting|killing|suicide|dying)\b|"
    r"\b(?:don'?t|do not|doesn'?t|does not|didn'?t) (?:want to die|hurt (?:my|him|her)self)\b|"
    r"\b(?:don'?t|do not|never|no longer) (?:wish|want) (?:i was|i were|to be) dead\b|"
    r"\b(?:he|she|they) said no\b[^.!?\n]{0,20}\b(?:want|hurt)\w*\b|"
    r"\bno (?:pienso|piensa|pensamientos|ideas|tengo ideas|tengo pensamientos) (?:de |en )?(?:morir\w*|hacerme dano|"
    r"matarme|quitarme la vida|suicid\w*|lastimarme|hacerle dano)\b|\bni (?:en )?hacerme dano\b|"
    r"\b(?:i'?m|im|i am|estoy) (?:safe|a salvo)\b")
"""The writer says the risk is not there now ("no thoughts of hurting myself", "not
suicidal", "no pienso en morirme"): beside no current warning sign, a lexicon hit of
suicide/self-harm in the same message reads the words that are denied."""
OTHERS_OR_PAST: Final = compiled(
    r"\b(?:died|death|dead|passed) (?:by|from|of) suicide\b|\b(?:mother|father|mom|dad|son|daughter|brother|"
    r"sister|uncle|aunt|cousin|grandfather|grandmother|friend|classmate|husband|wife)'?s? suicide\b|"
    r"\bsuicide (?:prevention|awareness|risk (?:screening|assessment|form)|screening|toolkit|training|program\w*|"
    r"hotline|lifeline|loss)\b|\b(?:zero suicide|crisis binder|safety plan)\b|"
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten) (?:yrs?|years?) (?:this (?:week|month) |today |now )?"
    r"(?:out|since|clean|free|ago)\b|\b(?:took|taken|take) (?:his|her|their) (?:own )?life\b|"
    r"\b(?:at|when i was|a los|cuando tenia) \d{1,2}\b[^.!?\n]{0,25}\b(?:i'?m|im|tengo|now|ahora) \d{1,2}\b|"
    r"\bbeen (?:stable|well|fine) for (?:years|a long time)\b|"
    r"\b(?:se suicido|se quito la vida|murio por suicidio)\b|"
    r"\b(?:hace|desde hace) (?:\d+|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|un|unos|varios) (?:anos|meses)\b|"
    r"\b(?:formulario|cuestionario|programa|taller|folletos?|deteccion|prevencion) (?:de |del |sobre )?"
    r"(?:\"?(?:riesgo|suicidio|depresion))")
"""Someone else's suicide, prevention work or a form, or a time long past: beside no
current warning sign, what a lexicon hit of suicide/self-harm reads in the same message."""
AT_RISK: Final = frozenset({"wish", "injury", "means", "place", "decision", "final", "arrange", "plan"})
"""The signs that say the risk is now, whatever else the message says."""


def quiet_hit(read: str) -> bool:
    """A lexicon hit of suicide/self-harm is set aside (triage.py): the writer denies the risk
    now (DENIED_NOW) or the message is about someone else's suicide, prevention work, a form
    or a time long past (OTHERS_OR_PAST), and no current warning sign of risk (AT_RISK) is
    read in it."""
    folded, _ = redflag.fold(read)
    if _compiled().moving.search(folded):
        found = {s.concept for s in signs(folded) if _current(read, s)}
        if found and found <= LEAVING:
            return True  # a move or a retirement's goodbye: only leaving's signs are current
    if DENIED_NOW.search(folded) is None and OTHERS_OR_PAST.search(folded) is None \
            and _NOT_TO_DIE.search(folded) is None and _ACCIDENT.search(folded) is None \
            and (_SCREENING.search(folded) is None or _SCREEN_YES.search(folded)) \
            and not (_PAST_DATE.search(folded) and _WELL_NOW.search(folded)):
        return False
    return not {s.concept for s in current_signs(read)} & AT_RISK


def plan_now(read: str) -> bool:
    """A current plan, a method researched or the means held or watched (`plan`): read
    before a statistical model's other category, whose words a plan does not explain."""
    concepts = {s.concept for s in current_signs(read)}
    return "plan" in concepts or {"kept", "means"} <= concepts
