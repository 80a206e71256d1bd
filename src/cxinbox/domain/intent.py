"""Intent triage: what a patient's message asks for, with a confidence, English and Spanish.

Why weighted phrase rules and not a trained model: nothing may leave the machine, there is
no labelled clinic corpus to train on (and a model trained on our own handful of examples
would learn our phrasing, not patients'), and a front desk must be able to read why a
message went to billing. Each intent has phrases with weights; the subject counts a little
more than the body (patients name their request there); the best score wins, and the
confidence is its share of all the evidence, so a message that is half billing, half
appointment gets a low one. Without evidence the intent is `other`.

Input is folded text (see redflag.fold): lower case, no accents.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from cxinbox.domain.wordscan import WordPattern

INTENTS: Final = (
    "appointment_book", "appointment_change_cancel", "prescription_refill", "test_results",
    "billing_insurance", "records_forms", "referral", "clinical_question", "other",
    "spam_marketing",
)

_APPT: Final = (r"(?:appointments?|appt\w*|apt|visit|check[- ]?up|physical|consult\w*|cita|citas|"
                r"consulta|chequeo|revision|control|examen (?:anual|fisico)|turno)")

RULES: Final[dict[str, tuple[tuple[float, str], ...]]] = {
    "appointment_book": (
        (3.0, rf"\b(?:book|schedule|make|set up|get|need|want|request\w*|like) (?:\w+ ){{0,3}}(?:an? |new )?{_APPT}\b"),
        (2.5, r"\b(?:see|seen by) (?:the |a |my |dr\.? ?|doctor)\w*\b"),
        (2.0, r"\b(?:any|next|earliest|first) (?:available|opening|openings|slot|slots)\b|\bavailability\b"),
        (2.0, r"\b(?:new patient|annual (?:exam|physical)|well(?:ness)? (?:visit|check)|sports physical|get (?:a|my) (?:flu|covid)? ?(?:shot|vaccine))"),
        (2.0, r"\bcan i come in\b|\bwalk[- ]?in\b|\bsame[- ]day\b|\bsee someone\b"),
        (1.0, rf"\b{_APPT}\b"),
        (3.0, r"\b(?:hacer|sacar|pedir|agendar|programar|necesito|quiero|quisiera|solicitar|apartar) (?:\w+ ){0,2}(?:una |otra |la |el |un )?(?:cita|consulta|chequeo|revision|examen)\b"),
        (2.0, r"\b(?:tienen|hay) (?:espacio|lugar|disponibilidad|citas?|turnos?)\b|\b(?:que )?(?:revisen|revisaran|chequen|vean) a (?:mi|mis)\b"),
        (2.0, (r"\b(?:me|nos|la|lo|le) (?:pueden|puede|podrian) (?:atender|ver|recibir)\b|\b(?:citas?|turnos?|espacios?|horarios?) disponibles?\b|\bsacar turno\b|"
              r"\b(?:ver|vea|consultar) (?:al|a la|a un|a una) (?:doctor|doctora|medic[oa])\b|\bpaciente nuevo\b|\bhay (?:espacio|lugar|disponibilidad)\b")),
    ),
    "appointment_change_cancel": (
        (4.0, r"\b(?:re-?schedul\w*|cancel\w*|postpone\w*|push|bump|shift|move|change|switch)\b(?:\W+\w+){0,4}\W+(?:appointment|appt|apt|visit|time|slot)"),
        (3.5, r"\b(?:re-?schedul\w*|postpone\w*)\b"),
        (3.0, r"\b(?:can'?t|cannot|won'?t be able to|unable to|not able to) (?:make|come|attend|keep|go|be there)\b"),
        (2.0, r"\b(?:running late|be late|different (?:day|time)|another (?:day|time)|earlier time|later time)\b"),
        (2.5, r"\b(?:be|running|run|am|i'?m) (?:\w+ ){0,3}late (?:for|to) (?:my|the|our|his|her) (?:appointment|appt|visit)\b"),
        (4.0, r"\b(?:cancelar|reprogramar|cambiar|mover|posponer|pasar|recorrer|adelantar|atrasar)\b(?:\W+\w+){0,3}\W+(?:cita|consulta|hora)"),
        (3.0, r"\bno (?:voy a poder|puedo|podre|podemos) (?:ir|llegar|asistir|venir)\b|\botro dia\b|\botra hora\b|\bvoy a llegar tarde\b"),
        (3.0, r"\b(?:cancel|cancelar|reprogramar)\b"),
        (2.5, r"\b(?:change|move|switch|push|bump) (?:it|that|this one)\b|\b(?:cambiarla|moverla|pasarla|cancelarla|cancelenla)\b"),
        (2.0, r"\binstead of\b|\ben vez de\b|\ben lugar de\b"),
    ),
    "prescription_refill": (
        (4.0, r"\b(?:refill\w*|re-?fill|renew\w*|rx|repeat prescription)\b"),
        (2.5, r"\b(?:prescription|prescriptions|script|meds|medication|medications|medicine|pills|inhaler|insulin)\b"),
        (2.5, r"\b(?:ran out|running out|run out|out of (?:my )?\w+|last (?:pill|dose)|almost out)\b"),
        (2.5, r"\b(?:ready (?:to|for) )?pick(?:ed)? ?up\b|\brecoger\b"),
        (2.0, r"\bpharmacy\b|\bcvs\b|\bwalgreens\b|\brite aid\b|\bsend (?:it )?to (?:my|the)\b"),
        (4.0, r"\b(?:resurt\w+|surtir|rellenar|renovar) (?:\w+ ){0,2}(?:receta|medicamento|medicina|pastillas)|\breceta\w*\b"),
        (2.5, r"\b(?:medicamentos?|medicinas?|pastillas|insulina|inhalador)\b|\bse me (?:acab\w+|termin\w+)\b|\bfarmacia\b"),
        (1.0, r"\bmg\b|\b\d+ ?mg\b"),
        (3.0, r"\b(?:\d+|ninety|thirty)[- ]days? (?:supply|prescription|of (?:my|the|it))\b|\bsupply\b|\bcall in (?:more|my|a)\b"),
    ),
    "test_results": (
        (4.0, r"\b(?:test|lab|labs|blood ?work|bloodwork|blood test|biopsy|x-?ray|xray|mri|ct|scan|ultrasound|mammogram|pap|culture|urine|a1c|cholesterol|imaging|ekg|ecg)\b(?:\W+\w+){0,3}\W+results?\b"),
        (3.5, r"\bresults?\b"),
        (2.5, r"\b(?:lab|labs|blood ?work|bloodwork|biopsy|mammogram|pap smear|ultrasound|mri|x-?rays?|ct scan|a1c|cholesterol|covid test|pcr)\b"),
        (1.5, r"\b(?:came back|normal|abnormal|levels?|portal|what does (?:it|this) mean)\b"),
        (1.5, r"\b(?:test|tests|tested|culture|panel|thyroid|tsh|psa|hemoglobin|urine|swab|strep test|show(?:ed)?|showing)\b"),
        (4.0, r"\bresultados?\b"),
        (2.5, r"\bexamen(?:es)? de (?:orina|sangre|laboratorio|heces)\b|\bpapanicolaou\b|\b(?:salio|salieron) (?:bien|mal|normal\w*)\b|\b(?:any )?update on my\b"),
        (2.5, r"\b(?:analisis|laboratorio|examen(?:es)? de sangre|radiografia|ultrasonido|biopsia|mamografia|estudios|prueba de)\b"),
    ),
    "billing_insurance": (
        (3.5, r"\b(?:bill|bills|billed|billing|invoice|statement|charged?|charges|copay|co-pay|deductible|balance|refund|payment|pay|paid|owe|collections?|eob|itemized|out of pocket|estimate)\b"),
        (3.5, r"\b(?:insurance|insurer|coverage|covered|cover|medicaid|medicare|aetna|cigna|humana|united ?healthcare|blue cross|bcbs|kaiser|claim|claims|prior auth\w*|pre-?auth\w*|in[- ]network|out[- ]of[- ]network|policy number|member id)\b"),
        (1.5, r"\$\s?\d|\b\d+ dollars\b|\bcredit card\b|\bpayment plan\b"),
        (2.0, r"\bhow much (?:does|is|will|would|do)\b|\bcuanto (?:cuesta|cobran|sale|me cobran|es)\b"),
        (2.0, r"\b(?:cost|costs|price|prices|pricing|self[- ]pay|cash price|precios?|costo|cuesta)\b"),
        (3.5, r"\b(?:factura|facturas|cobro|cobros|cobraron|cobrar|cargo|cargos|pago|pagar|pague|saldo|deuda|reembolso|deducible|copago|estado de cuenta|cuenta)\b"),
        (3.5, r"\b(?:seguro|aseguranza|aseguradora|cobertura|cubre|medicaid|medicare|reclamo|reclamacion)\b"),
    ),
    "records_forms": (
        (3.5, r"\b(?:medical records?|records?|chart|charts|copy of (?:my|the)|immuni[sz]ation (?:record|history)|vaccin\w* (?:record|card|history)|shot records?)\b"),
        (3.5, r"\b(?:forms?|paperwork|fmla|disability|ada|school (?:note|form|physical)|work note|doctor'?s note|sick note|excuse (?:note|letter)|letter|note for (?:work|school)|release of information|hipaa|sign(?:ed)? (?:off|by the doctor)|fill (?:out|in)|clearance)\b"),
        (1.5, r"\b(?:fax|portal access|send (?:them|it) to|transfer (?:my )?records)\b"),
        (2.5, r"\brecords? (?:transferred|sent|faxed|released|request\w*)\b"),
        (3.0, r"\b(?:certificate|certificado|comprobante|medical clearance|proof of (?:vaccination|visit|immuni[sz]ation))\b"),
        (3.5, r"\b(?:expediente|historial (?:medico|clinico)|registros?|record de vacunas|cartilla de vacunacion|copia de)\b"),
        (3.5, r"\b(?:formularios?|forma|formas|papeles|papeleo|carta|constancia|justificante|incapacidad|nota (?:para|del|de) (?:el |la )?(?:trabajo|escuela|doctor)|llenar|firmar)\b"),
    ),
    "referral": (
        (4.5, r"\b(?:referral|referrals|refer|referred|referring)\b"),
        (3.0, (r"\b(?:endocrinology|cardiology|dermatology|neurology|gastroenterology|orthopedics|rheumatology|urology|"
              r"oncology|psychiatry|pulmonology|nephrology|ophthalmology|optometrist|audiology|"
              r"(?:eye|foot|skin|bone|heart|ear) doctor)\b")),
        (3.0, r"\b(?:specialist|cardiologist|dermatologist|neurologist|orthopedi\w+|ortho|ent|gastro\w*|endocrinologist|rheumatologist|urologist|oncologist|psychiatrist|therapist|physical therapy|pt|podiatrist|allergist|obgyn|ob-gyn|gynecologist|pulmonologist|nephrologist|ophthalmologist|counsell?or|counseling)\b"),
        (4.5, r"\b(?:referencia|referido|referir|remision|remitir|pase|orden para (?:el|la|un|una)|interconsulta|derivar\w*|derivacion)\b"),
        (3.0, r"\b(?:especialista|cardiologo|dermatologo|neurologo|ortopedista|ginecologo|psiquiatra|psicologo|terapeuta|terapia fisica|gastroenterologo|endocrinologo|alergologo)\b"),
    ),
    "clinical_question": (
        (2.0, r"\b(?:pain|hurts?|hurting|ache|aching|sore|rash|itch\w*|fever|cough\w*|cold|flu|sick|nause\w*|vomit\w*|diarrh\w*|dizzy|dizziness|swollen|swelling|bleed\w*|infection|symptoms?|headache|migraine|throat|sinus|allerg\w*|blood pressure|sugar|bp|tired|fatigue|insomnia|anxiety|depress\w*|lump|bump|mole|burning|numb(?:ness|ed)?|wound|stitches|bite|sprain\w*|injur\w*)\b"),
        (2.5, r"\b(?:is (?:it|this|that) (?:normal|safe|ok|okay|serious|contagious)|should i (?:be worried|worry|go|take|stop|keep|continue|start)|can i (?:take|mix|drink|eat|stop|exercise|give)|side effects?|dose|dosage|how (?:much|often|many|long)|what should i do|is there something|interact\w*|worried about|concerned about)\b"),
        (2.0, r"\b(?:dolor|duele|duelen|sarpullido|ronchas|comezon|picazon|fiebre|calentura|tos|gripa|gripe|resfriado|enferm[oa]|nausea\w*|vomit\w*|diarrea|mareo\w*|mareada|mareado|hinchad\w+|hinchazon|infeccion|sintomas?|dolor de cabeza|migrana|garganta|alergi\w*|presion|azucar|cansad[oa]|ansiedad|depresion|bulto|herida|sangr\w+)\b"),
        (2.5, (r"\b(?:cause|causes|causing|risk|risks|dangerous|safe|contagious|screened|"
              r"causar|provocar|riesgo|peligros[oa]|contagios[oa])\b")),
        (2.5, (r"\bcan i (?:exercise|shower|swim|drive|work|fly|travel|eat|drink|go back)\b|"
              r"\bpuedo (?:hacer ejercicio|banarme|nadar|manejar|trabajar|viajar|comer|beber|volar)\b")),
        (2.5, r"\bcuanto tiempo (?:dura|tarda|debo|puedo|tengo)\b|\bque (?:le|me) puedo dar\b"),
        (2.5, r"\b(?:es normal|es grave|debo preocuparme|me preocupa|puedo tomar|puedo dejar|efectos? secundarios?|dosis|cada cuanto|cuanto (?:debo|puedo)|que (?:debo|puedo) hacer|esta bien (?:si|que))\b"),
    ),
    "spam_marketing": (
        (4.0, r"\b(?:unsubscribe|newsletter|webinar|promo\w*|discount|coupon|% off|limited[- ]time|act now|click here|buy now|shop now|free trial|special offer|exclusive offer|deal|sale ends)\b"),
        (3.5, r"\b(?:seo|backlinks?|marketing|google reviews?|online reviews|(?:book|schedule) a (?:free )?demo|free demo|boost your|grow your|leads|revenue|grow your (?:practice|business)|schedule a (?:demo|call)|our (?:services|platform|solution|software|team can)|partner(?:ship)? (?:with|opportunit\w*)|business proposal|sponsored|crypto|bitcoin|investment opportunit\w*|you(?:'ve| have) won|winner|congratulations|claim your|gift card|lottery|viagra|weight loss (?:pills|secret))\b"),
        (3.5, r"\b(?:we (?:offer|provide|specialize|help (?:clinics|practices|doctors))|our company|outsourc\w*|dear (?:doctor|dr|practice owner|sir|madam)|hello doctor|can we (?:schedule|set up|hop on) a (?:quick )?call|lead generation|b2b|medical billing services|increase (?:your )?(?:revenue|patients|bookings))\b"),
        (2.5, r"\byour (?:practice|clinic|office)(?:'s)?\b|\b5[- ]star\b|\binterested\?|\bfree listing\b|\bact now\b|\bgane dinero\b|\bdesde casa\b"),
        (3.0, r"\b(?:view (?:this email )?in (?:your )?browser|manage (?:your )?preferences|opt[- ]out|reply stop|all rights reserved|this email was sent to|awareness month)\b"),
        (3.5, (r"\bwe are an? (?:\w+ ){0,2}(?:agency|company|firm|team|provider)\b|\bstaffing\b|\brecruit\w*\b|"
              r"\breply to learn more\b|\bfree cruise\b|\byou have been selected\b|\b2x1\b|\baproveche\b")),
        (6.0, r"\b(?:order|package) (?:has )?(?:shipped|been delivered)\b|\btrack your (?:package|order)\b"),
        (4.0, r"\b(?:darse de baja|cancelar (?:la )?suscripcion|boletin|promocion\w*|descuento|oferta|haga clic|haz clic|gratis|ganador|felicidades|premio|responda stop)\b"),
    ),
    "other": (
        (1.5, r"\b(?:thank you|thanks|thx|gracias|muchas gracias|appreciate|got it|ok|okay|sounds good|perfect|perfecto|de acuerdo|listo)\b"),
        (2.0, r"\b(?:hours|open on|closed on|holiday|address|directions|parking|phone number|fax number|numero de (?:fax|telefono)|(?:change|update|updated|changed) (?:my|of|our|the) (?:\w+ )?(?:address|phone|number|email|contact)|new (?:address|phone|number)|lost and found|left my|horario|direccion|estacionamiento|numero de telefono|cambio de (?:direccion|telefono|domicilio))\b"),
    ),
}

SUBJECT_WEIGHT: Final = 1.5
NO_EVIDENCE_CONFIDENCE: Final = 0.4
RED_FLAG_BOOST: Final = 4.0
"""A current red flag is a clinical matter whatever else the message asks."""
SYMPTOM_TALK_BOOST: Final = 2.0
"""Red-flag words negated, past or hypothetical still make a question clinical ("can this
pill cause chest pain?"), less surely."""


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    confidence: float
    evidence: dict[str, float]  # the score of each intent with any evidence


@cache
def _rules() -> dict[str, tuple[tuple[float, WordPattern], ...]]:
    return {name: tuple((w, WordPattern(p)) for w, p in rules) for name, rules in RULES.items()}


def scores(body: str, subject: str = "") -> dict[str, float]:
    """Evidence per intent (folded body and subject)."""
    out: dict[str, float] = {}
    for name, rules in _rules().items():
        total = 0.0
        for weight, pattern in rules:
            if pattern.search(body):
                total += weight
            if subject and pattern.search(subject):
                total += weight * SUBJECT_WEIGHT
        if total:
            out[name] = total
    return out


def classify(body: str, subject: str = "", *, red_flag: bool = False,
             symptom_talk: bool = False, bulk: bool = False) -> Intent:
    """The intent of a folded body and subject. `red_flag`: a current red flag was found;
    `symptom_talk`: red-flag words were found but set aside by their context; `bulk`: the
    message reads or is marked as a mailing."""
    found = scores(body, subject)
    if symptom_talk and not red_flag:
        found["clinical_question"] = found.get("clinical_question", 0.0) + SYMPTOM_TALK_BOOST
    if bulk:
        found["spam_marketing"] = found.get("spam_marketing", 0.0) + 6.0
    if red_flag:
        found["clinical_question"] = found.get("clinical_question", 0.0) + RED_FLAG_BOOST
    if not found:
        return Intent("other", NO_EVIDENCE_CONFIDENCE, found)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], INTENTS.index(kv[0])))
    name, top = ranked[0]
    total = sum(found.values())
    confidence = top / (total + 1.0)
    # One intent alone with strong evidence is near-certain; a weak lone hint is not.
    confidence = min(0.99, max(0.05, confidence))
    return Intent(name, round(confidence, 2), found)
