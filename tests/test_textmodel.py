"""The statistical triage model (domain/textmodel.py) and how triage uses it: the shipped
file loads and scores the same in every process, its hits pass the lexicon's context
checks, and it never reads quoted text, signatures or mailings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench import train_triage_model as training

from cxinbox.domain import textmodel, triage
from cxinbox.domain.intent import INTENTS
from cxinbox.domain.redflag import fold
from cxinbox.domain.redflag_lexicon import CATEGORIES
from cxinbox.domain.triage import assess, inspect

ROOT = Path(__file__).resolve().parent.parent

# Emergencies said in words no lexicon entry holds (found by the model alone), and the same
# words set aside by their context.
MODEL_ONLY = [
    ("my kid drank some of the stuff under the sink and is drooling", "overdose_poisoning"),
    ("mi hijo se bebió el líquido de la lavadora y está vomitando", "overdose_poisoning"),
]


def test_the_shipped_model_loads_with_every_category_and_intent() -> None:
    model = textmodel.shipped()
    assert model.redflag.classes == ("none", *CATEGORIES)
    assert model.intent.classes == INTENTS
    assert 0.0 < model.threshold < 1.0
    assert len(model.redflag.rows) > 1000 and len(model.intent.rows) > 1000
    probs = model.redflag_probabilities("my chest hurts")
    assert set(probs) == {"none", *CATEGORIES}
    assert abs(sum(probs.values()) - 1.0) < 1e-9


def test_the_file_round_trips_to_the_same_bytes() -> None:
    model = textmodel.shipped()
    blob = model.to_bytes()
    again = textmodel.TriageModel.from_bytes(blob)
    assert again.to_bytes() == blob
    text = "me duele el pecho y no puedo respirar"
    assert again.redflag_probabilities(text) == model.redflag_probabilities(text)


def test_the_binary_file_scores_every_labelled_message_as_the_json_layout_did() -> None:
    """The shipped layout (format 2, read in milliseconds) against the JSON layout it
    replaced (format 1, `as_dict` through gzip and json, as earlier rounds shipped it):
    the same rows to the bit (every feature: which makes every probability the same, the
    arithmetic being shared), and the same red-flag and intent probabilities on every third
    message of every labelled set, subjects included (all of them: 7 CPU-seconds)."""
    import json

    from bench.triage_metrics import load_set

    blob = (ROOT / "src" / "cxinbox" / "domain" / textmodel.MODEL_FILE).read_bytes()
    assert blob.startswith(textmodel.MAGIC)
    binary = textmodel.TriageModel.from_bytes(blob)
    written = json.loads(json.dumps(binary.as_dict()))
    as_json = textmodel.TriageModel.from_dict(written)
    assert not isinstance(as_json.redflag.rows, textmodel.PackedRows)
    for mine, theirs in ((binary.redflag, as_json.redflag), (binary.intent, as_json.intent)):
        assert mine.classes == theirs.classes and mine.bias == theirs.bias
        assert sorted(mine.rows) == sorted(theirs.rows)
        assert all(mine.rows[f] == row for f, row in theirs.rows.items())
    assert binary.threshold == as_json.threshold
    seen = 0
    for path in sorted((ROOT / "bench" / "data").glob("triage_*.jsonl")):
        for e in load_set(path)[::3]:
            body, subject = fold(e.body)[0], fold(e.subject)[0]
            assert binary.redflag_probabilities(body) == as_json.redflag_probabilities(body)
            assert binary.intent_probabilities(body, subject) == \
                as_json.intent_probabilities(body, subject), e.id
            seen += 1
    assert seen > 1700
    # `written` is binary.as_dict() through JSON, made above (as_dict is a function of the
    # model alone, and from_dict keeps it unchanged): not made a second time
    assert written == as_json.as_dict()


def test_a_damaged_file_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="format"):
        textmodel.TriageModel.from_dict({"format": 2})
    # the shipped file itself, cut short: what `to_bytes` writes (the test above), without
    # compressing the whole model again to get it
    blob = (ROOT / "src" / "cxinbox" / "domain" / textmodel.MODEL_FILE).read_bytes()
    assert blob.startswith(textmodel.MAGIC)
    with pytest.raises(ValueError, match="damaged"):
        textmodel.TriageModel.from_bytes(blob[:-100])
    with pytest.raises(ValueError, match="format"):
        textmodel.TriageModel.from_bytes(textmodel.pack({"format": 3}))
    data = textmodel.shipped().as_dict()
    data["redflag"]["bias"] = [0.0]  # type: ignore[index]
    with pytest.raises(ValueError, match="length"):
        textmodel.TriageModel.from_dict(data)


def test_scores_do_not_depend_on_the_process() -> None:
    """Features are hashed with CRC-32, not Python's per-process salted hash."""
    text = "my son drank something under the sink and he is drooling"
    here = textmodel.shipped().redflag_probabilities(text)
    code = ("import json; from cxinbox.domain import textmodel; "
            f"print(json.dumps(textmodel.shipped().redflag_probabilities({text!r})))")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONHASHSEED": seed,
                                              "PYTHONPATH": str(ROOT / "src")})
        import json

        assert json.loads(out.stdout) == pytest.approx(here, abs=0.0)


def test_training_is_deterministic() -> None:
    docs = [training.as_doc(body, "", "sms", flag, None) for body, flag in [
        ("my chest hurts so bad", "chest_pain"), ("can I move my appointment", "none"),
        ("I cannot breathe at all", "breathing"), ("thanks for the refill", "none")]]
    pairs = [(textmodel.features(d.read), training.FLAG_CLASSES.index(d.flag or "none"))
             for d in docs]
    first = training.train(pairs, training.FLAG_CLASSES)
    second = training.train(pairs, training.FLAG_CLASSES)
    assert first.rows == second.rows and first.bias == second.bias


@pytest.mark.parametrize(("body", "category"), MODEL_ONLY)
def test_the_model_adds_what_the_lexicon_misses(body: str, category: str) -> None:
    assert inspect(body, statistical=False).assessment.red_flag is None
    found = assess(body)
    assert found.red_flag == category
    assert found.matched and found.matched in body


@pytest.mark.parametrize("body", [
    "no, my kid did not drink the stuff under the sink",
    "last year my kid drank some of the stuff under the sink and was drooling",
    "what if my kid drinks the stuff under the sink and starts drooling?",
    "mi hijo no se bebió el líquido de la lavadora, no está vomitando",
])
def test_the_models_hits_pass_the_same_context_checks(body: str) -> None:
    assert assess(body).red_flag is None, body


# Medicines handled, not taken (returned, thrown out, counted, collected): written for this
# test and kept out of training (bench/triage_hard_negatives.py HANDLED is the training
# family), so this is the model reading text it has not seen.
HANDLED_UNSEEN = [
    "I took a whole box of tablets back to the pharmacy",
    "took every last one of mum's old tablets to the chemist for disposal",
    "we handed two full bottles of pills back at the pharmacy counter, they were recalled",
    "I just binned a whole strip of expired paracetamol, can I get a fresh prescription?",
    "counted out 30 pills for the month and put the rest back in the cabinet",
    "grabbed the whole bag of refills from the drive-through this morning, thanks",
    "my daughter is collecting my tablets from the chemist for me today",
    "Devolví la caja completa de pastillas a la farmacia",
    "llevé todas las pastillas viejas de mi papá al contenedor de la farmacia",
    "tiré el frasco entero de jarabe vencido, ¿me dan otra receta?",
    "mi hija va a recoger la caja de pastillas a la farmacia hoy",
    "entregué el frasco de pastillas completo en la farmacia porque lo retiraron del mercado",
]


@pytest.mark.parametrize("body", HANDLED_UNSEEN)
def test_medicines_returned_counted_or_collected_are_not_an_overdose_to_the_model(
        body: str) -> None:
    """The model alone (no lexicon, no judge, no context checks) stays under its threshold
    on medicines that were handled and not taken."""
    model = textmodel.shipped()
    probs = model.redflag_probabilities(fold(body)[0])
    assert 1.0 - probs["none"] < model.threshold, (body, probs)


HANDLED_BY_THE_GATE = ["conté todas las pastillas del mes y las guardé en el pastillero",
                       "I returned all of the sleeping pills unopened, I'd rather not take them"]
"""Read by round 33's model alone at any emergency 0.66 (round 28's: 0.53): a month's supply
counted into a pill organiser, set aside by the model's gate (triage.set_aside, medicines
stored and not taken), so the whole detector stays quiet. Round 36's model reads the
sleeping pills returned unopened at 0.88 (round 34's: under 0.6): set aside by the gate's
medicines handed back (redflag.near_miss)."""


@pytest.mark.parametrize("body", HANDLED_BY_THE_GATE)
def test_medicines_counted_into_an_organiser_are_set_aside_by_the_gate(body: str) -> None:
    model = textmodel.shipped()
    folded = fold(body)[0]
    probs = model.redflag_probabilities(folded)
    top = max(CATEGORIES, key=lambda c: probs[c])
    spans = textmodel.strongest_words(model.redflag, folded, top)
    assert spans and triage.set_aside(folded, top, spans[0][0]), (body, top)
    for channel in ("sms", "email"):
        assert assess(body, channel=channel).red_flag is None, (body, channel)


def test_a_mailing_never_gets_a_flag_from_the_model() -> None:
    body = ("Safety newsletter: kids drink the stuff under the sink and start drooling?"
            " Unsubscribe here. View in browser.")
    assert assess(body).red_flag is None


def test_the_model_reads_only_the_new_text() -> None:
    old = MODEL_ONLY[0][0]
    body = f"Thanks, see you Friday.\n\nOn Mon, Nov 2 Front Desk wrote:\n> {old}"
    assert assess(body).red_flag is None


def test_an_emergency_spread_thin_over_the_categories_is_not_a_flag() -> None:
    """A model that gives most of its probability to "some emergency" but no category more
    than a tenth of it (what it did on text it has no evidence about) flags nothing, though
    the same words flag once the threshold is out of the way; everyday follow-ups of our
    service tests stay unflagged with the shipped model."""
    classes = ("none", *CATEGORIES)
    push = {f: (0.0,) + (3.0,) * len(CATEGORIES) for f in textmodel.features("thing")}
    linear = textmodel.LinearModel(classes, (0.0,) + (-1.0,) * len(CATEGORIES), push)
    read = "and another thing\n\nalso my lab results please"
    probs = linear.probabilities(textmodel.features(read))
    assert 1.0 - probs["none"] >= 0.6 and max(probs[c] for c in CATEGORIES) < 0.3, probs
    intent = textmodel.shipped().intent
    for threshold, flagged in ((0.6, False), (0.0, True)):
        spread = textmodel.TriageModel(linear, intent, threshold)
        found = inspect("Also my lab results please", subject="And another thing",
                        model=spread).assessment.red_flag
        assert (found is not None) is flagged, (threshold, found)
    for subject, body in (("And another thing", "Also my lab results please"),
                          ("Another thing", "Also, my address changed."),
                          ("", "Line 1 of my question"), ("", "ok thanks")):
        assert assess(body, subject=subject).red_flag is None, body


def test_our_own_training_sentences_copy_no_labelled_message() -> None:
    """The sentences written for training (bench/triage_hard_negatives.py) are our own:
    none repeats a labelled set's message or keeps most of its words (the sets are
    training data only as whole sets, and their scores must stay theirs)."""
    import json
    import math
    import re
    from collections import Counter

    from bench import triage_hard_negatives, triage_told_otherwise

    def words(text: str) -> set[str]:
        return set(re.findall(r"\w+", text.lower()))

    # A later writer's message that echoes one of our sentences written before it (the
    # sentence is older than the set, and trained on since round 14): theirs, not a copy.
    # Both of round 12's: "soy alérgico a los lunes jaja ... la cita al martes" and "can I bring
    # my service dog to my visit?"; and an everyday hard negative of ours, "Les mando foto de mi nueva
    # tarjeta del seguro." (blind17: "mi tarjeta del seguro nueva, les mando foto"); round 12's
    # "mi hija mordió una cápsula de detergente y está tosiendo" (blind18 adds the foam); round
    # 8's everyday "me cobraron dos veces el copago" (blind23 writes the same four words alone)
    # and round 12's "mi hija de 15 me dijo que se quiere morir y tiene cortadas en los brazos"
    # (blind23 adds "frescas"); and round 12's Monday allergy again (blind28, unaccented);
    # and our cousin who took pills at a party (blind32 makes him a nephew); and our button
    # battery swallowed from the remote (blind39 writes "el niño" for "el nene"); and the
    # insurance card photo again (blind40: "de la tarjeta nueva del seguro de mi mamá"); and
    # the double copay once more (blind51: "..., me devuelven uno?") and our everyday "got it,
    # I'll pick it up tomorrow" (blind51 adds "thanks"); and our husband struck by a beam
    # who fainted and is confused (blind53 tells it over three lines, "se dio un golpe")
    echoes = {"b15-0357", "b16-0173", "b17-0221", "b18-0055", "b23-0381", "b23-0115",
              "b28-0068", "b32-0210", "b39-0055", "b40-0195", "b51-0033", "b51-0011",
              "b53-0170"}
    labelled = [words(row["body"])
                for path in sorted((ROOT / "bench" / "data").glob("triage_*.jsonl"))
                for line in path.read_text().splitlines() if line.strip()
                for row in (json.loads(line),) if row["id"] not in echoes]
    # Each word's labelled messages, and how many: the index the overlap is looked up in.
    holding: dict[str, list[int]] = {}
    for number, theirs in enumerate(labelled):
        for word in theirs:
            holding.setdefault(word, []).append(number)
    count = Counter({word: len(numbers) for word, numbers in holding.items()})
    bodies = [item[-3] if len(item) == 4 and item[-2] in CATEGORIES else item[-2]
              for own, name in ((triage_hard_negatives, "HARD_NEGATIVES"),
                                (triage_hard_negatives, "EVERYDAY"),
                                (triage_hard_negatives, "SUBJECTED"),
                                (triage_hard_negatives, "TOLD_PLAINLY"),
                                (triage_hard_negatives, "ASKED"),
                                (triage_hard_negatives, "HANDLED"),
                                (triage_hard_negatives, "OTHERWISE"),
                                (triage_hard_negatives, "BESIDE_OTHER"),
                                (triage_told_otherwise, "TOLD_OTHERWISE"),
                                (triage_told_otherwise, "NOT_NOW"))
              for item in getattr(own, name)]
    assert len(bodies) > 1200
    for body in bodies:
        mine = words(body)
        if len(mine) < 3:  # "ok", "C", "👍": everyone's
            continue
        # Only the messages that hold one of our sentence's rarest words can overlap it by
        # 0.75, so the overlap is measured with those alone and the verdict is the one every
        # labelled message would give (prefix filtering, exact): an overlap of 0.75 needs
        # |mine & theirs| >= 0.75 |mine | theirs| >= 0.75 |mine|, that is at least
        # need = ceil(0.75 |mine|) shared words, and a message without any of the
        # |mine| - need + 1 rarest shares at most need - 1 of them.
        need = math.ceil(0.75 * len(mine))
        rarest = sorted(mine, key=lambda word: (count[word], word))[:len(mine) - need + 1]
        near = {number for word in rarest for number in holding.get(word, ())}
        # and sizes within that ratio of each other
        closest = max((len(mine & theirs) / len(mine | theirs)
                       for theirs in map(labelled.__getitem__, near)
                       if 0.75 * len(mine) <= len(theirs) <= len(mine) / 0.75), default=0.0)
        assert closest < 0.75, body
