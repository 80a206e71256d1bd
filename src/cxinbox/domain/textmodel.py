"""The statistical half of triage: linear models over word and character n-grams, trained
on our labelled sets (bench/train_triage_model.py) and shipped as one data file.

Why: five rounds of lexicon tuning read 1.000 on every set they were tuned on and 0.89 to
0.94 recall on each fresh one; each new writer finds new words for the same emergency. A
model over n-grams generalises from the whole vocabulary of a category (a "truck on my
chest", "sweaty", "grey") instead of one phrase at a time, and character 4-grams carry it
across typos and inflections ("brething", "sangrando"). It is OR-ed with the lexicon, never
a replacement: the lexicon quotes the patient's words and handles negation and history;
the model only adds hits the lexicon did not make, and those still pass the lexicon's
context checks (triage.py).

Why our own and not a library: softmax regression over hashed sparse features is a few
dozen lines to score; scikit-learn with numpy and scipy is over 100 MB to install for the
same arithmetic, and scoring one message through it costs more than this takes. Scoring is
pure arithmetic, deterministic (a CRC-32 hash, not Python's salted `hash`), and reads the
weights file once per process.

Input is folded text (see redflag.fold).
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import struct
import sys
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from operator import add
from typing import Final

MODEL_FILE: Final = "triage_model.bin"
MAGIC: Final = b"CXTM2\n"
"""The shipped file's first bytes: format 2, a compact binary layout (below)."""
BITS: Final = 20
SCALE: Final = 0.005
_MASK: Final = (1 << BITS) - 1
MAX_WORDS: Final = 2000
"""Words read from one text (a long message says its emergency early; a pathological body
must not cost seconds)."""
LONG_WORD: Final = 30
"""Longer "words" (links, base64, "aaaa...") get no character pieces."""
_WORD: Final = re.compile(r"[a-z0-9']+|[\u00bf\u00a1?!]")


def hashed(names: Iterable[str], mask: int) -> set[int]:
    """Feature names hashed into `mask + 1` buckets (the models' feature space)."""
    return {zlib.crc32(name.encode()) & mask for name in names}


def pack(data: dict[str, object]) -> bytes:
    """A model's dict as its shipped file: compact JSON, gzip, no timestamp (the same model
    gives the same bytes)."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def unpack(blob: bytes) -> dict[str, object]:
    """`pack` undone."""
    data: dict[str, object] = json.loads(gzip.decompress(blob))
    return data

def features(folded: str, prefix: str = "") -> set[int]:
    """The hashed features of folded text: words, word pairs, and the 4-character pieces
    of each word padded with spaces. `prefix` keeps a subject's features apart."""
    words = [m.group() for m in itertools.islice(_WORD.finditer(folded), MAX_WORDS)]
    # The names of `_word_names`, hashed: each word's own (remembered per word: mail
    # repeats its words) and each pair of neighbours.
    found: set[int] = set().union(*(_own_features(w, prefix) for w in words))
    found.update(zlib.crc32(f"{prefix}b {a} {b}".encode()) & _MASK
                 for a, b in itertools.pairwise(words))
    return found


@lru_cache(maxsize=8192)
def _own_features(word: str, prefix: str) -> frozenset[int]:
    """The hashed names a word has on its own: itself and its 4-character pieces. About 1 KB
    a word: the 8,192 most recent words stay under 10 MB in a server that runs for months."""
    names = {f"{prefix}w {word}"}
    if 1 < len(word) <= LONG_WORD:
        padded = f" {word} "
        names.update(f"{prefix}c {padded[j:j + 4]}" for j in range(len(padded) - 3))
    return frozenset(hashed(names, _MASK))


def _intent_features(folded: str, folded_subject: str) -> AbstractSet[int]:
    """What the intent model reads: the body's features and the subject's, kept apart."""
    found = _recent_features(folded)
    return found | features(folded_subject, "s") if folded_subject else found


@lru_cache(maxsize=4)
def _recent_features(folded: str) -> frozenset[int]:
    """`features(folded)` of the last few texts: triage reads a message's new text with
    both models (the red-flag model and, when there is no subject, the intent model read
    the same string)."""
    return frozenset(features(folded))


def _word_names(words: list[str], i: int, prefix: str = "") -> set[str]:
    """The feature names word `i` takes part in: itself, the pairs with its neighbours,
    and its 4-character pieces."""
    w = words[i]
    names = {f"{prefix}w {w}"}
    if i > 0:
        names.add(f"{prefix}b {words[i - 1]} {w}")
    if i + 1 < len(words):
        names.add(f"{prefix}b {w} {words[i + 1]}")
    if 1 < len(w) <= LONG_WORD:
        padded = f" {w} "
        names.update(f"{prefix}c {padded[j:j + 4]}" for j in range(len(padded) - 3))
    return names


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Softmax regression: a weight row per feature, a bias per class."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    rows: Mapping[int, tuple[float, ...]]

    def probabilities(self, found: AbstractSet[int], floor: int = 0) -> dict[str, float]:
        """Each class's probability for the text's features, their weights summed and scaled
        by 1/sqrt(how many there are, or `floor` when more): with a floor, a short text's
        few features are weighed as they would be among the words of a longer one."""
        count = max(len(found), floor)
        scale = 1.0 / math.sqrt(count) if count else 0.0
        sums = [0.0] * len(self.classes)
        get = self.rows.get
        # rows already made, read without a call (the same rows `get` returns)
        made = self.rows.made if isinstance(self.rows, (PackedRows, LazyRows)) else {}
        for feature in sorted(found):  # one order in every process: the same float sums
            row = made.get(feature)
            if row is None:
                row = get(feature)
            if row is not None:
                sums = list(map(add, sums, row))  # s + w per class, in C
        logits = [b + s * scale for b, s in zip(self.bias, sums, strict=True)]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def lift(self, probs: Mapping[str, float], label: str, against: str) -> float:
        """How much the text's features favour `label` over `against` (log-odds), `probs`
        being this model's probabilities of the text: their logit difference with the
        bias's part taken out, that is against what the model says of an empty text."""
        k, n = self.classes.index(label), self.classes.index(against)
        if probs[against] <= 0.0:
            return math.inf
        if probs[label] <= 0.0:
            return -math.inf
        return math.log(probs[label] / probs[against]) - (self.bias[k] - self.bias[n])

    def as_dict(self) -> dict[str, object]:
        """Weights as whole multiples of SCALE (a fifth of a percent moves no decision we
        measured), rows that round to nothing left out: a small file that loads fast."""
        rows: dict[str, list[int]] = {}
        for feature, ints in self.steps():
            rows[str(feature)] = ints
        return {"classes": list(self.classes), "bias": [round(b, 4) for b in self.bias],
                "scale": SCALE, "rows": rows}

    def steps(self) -> Iterator[tuple[int, list[int]]]:
        """Each feature's row as whole multiples of SCALE, by feature, rows that round to
        nothing left out (what both file layouts store)."""
        if isinstance(self.rows, PackedRows) and self.rows.scale == SCALE:
            yield from self.rows.steps()
            return
        for feature, row in sorted(self.rows.items()):
            ints = [round(w / SCALE) for w in row]
            if any(ints):
                yield feature, ints

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LinearModel:
        classes = tuple(str(c) for c in data["classes"])  # type: ignore[attr-defined]
        bias = tuple(float(b) for b in data["bias"])  # type: ignore[attr-defined]
        scale = float(data.get("scale", 1.0))  # type: ignore[arg-type]
        rows_in = data["rows"]
        if not isinstance(rows_in, dict):
            raise TypeError("triage model: rows must be an object")
        width = len(classes)
        if len(bias) != width or any(len(r) != width for r in rows_in.values()):
            raise ValueError("triage model: a row's length differs from its classes")
        return cls(classes, bias, LazyRows({int(k): row for k, row in rows_in.items()}, scale))


@dataclass(frozen=True, slots=True)
class TriageModel:
    """The red-flag model (classes: "none" and the categories), the intent model, and the
    red-flag threshold: the least probability of any emergency (1 - P(none)) at which the
    model flags, provided one category holds at least half the threshold (triage.py);
    chosen by leaving each labelled set out (TRIAGE_EVAL.md, round 8).

    Why the half: on a text the model has no evidence about, what probability "none" does
    not take is spread thin over all ten categories ("And another thing": 0.93 for some
    emergency, none of them over 0.25); an emergency puts its weight on one, or on two
    near ones (an overdose taken on purpose), which the half still lets through."""

    redflag: LinearModel
    intent: LinearModel
    threshold: float

    def redflag_probabilities(self, folded: str) -> dict[str, float]:
        return self.redflag.probabilities(_recent_features(folded))

    def redflag_probabilities_read_as(self, folded: str, features_at_least: int) -> dict[str, float]:
        """`redflag_probabilities` with a text of fewer features read at the scale of
        `features_at_least` (`LinearModel.probabilities`' floor): what the words give
        by themselves, without the weight the 1/sqrt scaling lends a few words."""
        return self.redflag.probabilities(_recent_features(folded), floor=features_at_least)

    def intent_probabilities(self, folded: str, folded_subject: str = "") -> dict[str, float]:
        return self.intent.probabilities(_intent_features(folded, folded_subject))

    def intent_known(self, folded: str, folded_subject: str = "") -> int:
        """How many of the text's features the intent model holds weights for: how much of
        the text it reads (a feature training never saw, or pruned as carrying nothing,
        has no row and moves nothing)."""
        rows = self.intent.rows
        return sum(1 for feature in _intent_features(folded, folded_subject) if feature in rows)

    def as_dict(self) -> dict[str, object]:
        return {"format": 1, "bits": BITS, "threshold": self.threshold,
                "redflag": self.redflag.as_dict(), "intent": self.intent.as_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TriageModel:
        if data.get("format") != 1 or data.get("bits") != BITS:
            raise ValueError("triage model: unknown format or feature size")
        return cls(LinearModel.from_dict(data["redflag"]),  # type: ignore[arg-type]
                   LinearModel.from_dict(data["intent"]),  # type: ignore[arg-type]
                   float(data["threshold"]))  # type: ignore[arg-type]

    def to_bytes(self) -> bytes:
        """The shipped layout (format 2): MAGIC, then zlib of a JSON header's length (4
        bytes, little-endian), the header (threshold, bits, scale, each model's classes,
        bias and row count), and per model its features (uint32, ascending) and their rows
        (int16 multiples of SCALE, class by class), little-endian. Deterministic."""
        header: dict[str, object] = {"format": 2, "bits": BITS, "threshold": self.threshold,
                                     "scale": SCALE}
        parts: list[bytes] = []
        for name, model in (("redflag", self.redflag), ("intent", self.intent)):
            keys, weights = array("I"), array("h")
            for feature, ints in model.steps():
                keys.append(feature)
                weights.extend(ints)
            header[name] = {"classes": list(model.classes),
                            "bias": [round(b, 4) for b in model.bias], "rows": len(keys)}
            if sys.byteorder != "little":
                keys.byteswap()
                weights.byteswap()
            parts += [keys.tobytes(), weights.tobytes()]
        head = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
        payload = b"".join([struct.pack("<I", len(head)), head, *parts])
        return MAGIC + zlib.compress(payload, 9)

    @classmethod
    def from_bytes(cls, blob: bytes) -> TriageModel:
        """Either layout: format 2 (`to_bytes`) or format 1 (gzip of `as_dict`'s JSON, the
        files of earlier rounds and of the training caches)."""
        if not blob.startswith(MAGIC):
            return cls.from_dict(unpack(blob))
        return cls.from_payload(payload_of(blob))

    @classmethod
    def from_payload(cls, data: bytes) -> TriageModel:
        """A format 2 file's model from its payload (`payload_of`): what a process that
        keeps the payload (service/pattern_cache.py `read_model`) reads instead of
        decompressing the file again."""
        payload = memoryview(data)
        if len(payload) < 4:
            raise ValueError("triage model: the file is cut short")
        (size,) = struct.unpack_from("<I", payload)
        header = json.loads(bytes(payload[4:4 + size]))
        if header.get("format") != 2 or header.get("bits") != BITS:
            raise ValueError("triage model: unknown format or feature size")
        scale = float(header["scale"])
        at = 4 + size
        models = []
        for name in ("redflag", "intent"):
            part = header[name]
            classes = tuple(str(c) for c in part["classes"])
            bias = tuple(float(b) for b in part["bias"])
            count, width = int(part["rows"]), len(classes)
            if len(bias) != width:
                raise ValueError("triage model: a row's length differs from its classes")
            keys, weights = array("I"), array("h")
            keys.frombytes(payload[at:at + 4 * count])
            at += 4 * count
            weights.frombytes(payload[at:at + 2 * count * width])
            at += 2 * count * width
            if len(keys) != count or len(weights) != count * width:
                raise ValueError("triage model: the file is cut short")
            if sys.byteorder != "little":
                keys.byteswap()
                weights.byteswap()
            models.append(LinearModel(classes, bias, PackedRows(keys, weights, width, scale)))
        if at != len(payload):
            raise ValueError("triage model: unexpected bytes after the rows")
        return cls(models[0], models[1], float(header["threshold"]))


class _MadeRows(Mapping[int, tuple[float, ...]]):
    """A model's rows, each made into floats the first time a message asks for it and kept
    in `made` (the same floats whoever makes them first); `_make` reads one row from the
    layout the subclass holds, None where it has no such feature."""

    __slots__ = ()
    made: dict[int, tuple[float, ...]]

    def _make(self, feature: int) -> tuple[float, ...] | None:
        raise NotImplementedError

    def get(self, feature: int, default: None = None) -> tuple[float, ...] | None:  # type: ignore[override]
        row = self.made.get(feature)
        if row is None:
            row = self._make(feature)
            if row is None:
                return default
            self.made[feature] = row
        return row

    def __getitem__(self, feature: int) -> tuple[float, ...]:
        row = self.get(feature)
        if row is None:
            raise KeyError(feature)
        return row


class PackedRows(_MadeRows):
    """A model's rows as the shipped file stores them: one array of features and one of
    whole-number weights, read in a few milliseconds; a row's floats are made the first time
    a message asks for it (and kept), with the same arithmetic as the JSON layout's loader
    (int * scale), so the probabilities are the same to the bit."""

    __slots__ = ("_at", "_weights", "_width", "keys_", "made", "scale")

    def __init__(self, keys: array[int], weights: array[int], width: int,
                 scale: float) -> None:
        self.keys_ = keys
        self._weights = weights
        self._width = width
        self.scale = scale
        self._at = dict(zip(keys, range(0, len(weights), width)))
        self.made: dict[int, tuple[float, ...]] = {}

    def _make(self, feature: int) -> tuple[float, ...] | None:
        at = self._at.get(feature)
        if at is None:
            return None
        return tuple(map(self.scale.__mul__, self._weights[at:at + self._width]))

    def __contains__(self, feature: object) -> bool:
        return feature in self._at

    def __iter__(self) -> Iterator[int]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)

    def steps(self) -> Iterator[tuple[int, list[int]]]:
        width = self._width
        for i, feature in enumerate(self.keys_):
            yield feature, self._weights[i * width:(i + 1) * width].tolist()


class LazyRows(_MadeRows):
    """A model's rows as its JSON layout gives them (whole numbers, by feature), each made
    into floats (weight * scale, as the loader always did: the same floats to the bit) the
    first time a message asks for it and kept: the hit judge has tens of thousands of rows
    and a message reads a few hundred, so loading it no longer makes them all."""

    __slots__ = ("_raw", "made", "scale")

    def __init__(self, raw: dict[int, list[float]], scale: float) -> None:
        self._raw = raw
        self.scale = scale
        self.made: dict[int, tuple[float, ...]] = {}

    def _make(self, feature: int) -> tuple[float, ...] | None:
        raw = self._raw.get(feature)
        return None if raw is None else tuple(w * self.scale for w in raw)

    def __contains__(self, feature: object) -> bool:
        return feature in self._raw

    def __iter__(self) -> Iterator[int]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def payload_of(blob: bytes) -> bytes:
    """The payload of a format 2 file (`to_bytes`): its bytes after MAGIC, decompressed."""
    if not blob.startswith(MAGIC):
        raise ValueError("triage model: not a format 2 file")
    try:
        return zlib.decompress(blob[len(MAGIC):])
    except zlib.error as exc:
        raise ValueError(f"triage model: the file is damaged ({exc})") from None


Reader = Callable[[bytes], "TriageModel | None"]
"""Reads the shipped file's bytes another way (service/pattern_cache.py `read_model`);
None or an exception: the file is read as it is."""

_shipped_lock: Final = threading.Lock()
_read: list[TriageModel] = []


def shipped() -> TriageModel:
    """The model shipped with the package, read once per process."""
    return read_shipped()


def read_shipped(reader: Reader | None = None) -> TriageModel:
    """`shipped`: the first call of either reads the file, with `reader` when given (and
    `TriageModel.from_bytes` if it gives nothing or fails); every later call gets the same
    model."""
    with _shipped_lock:
        if not _read:
            blob = resources.files("cxinbox.domain").joinpath(MODEL_FILE).read_bytes()
            model = None
            if reader is not None:
                try:
                    model = reader(blob)
                except Exception:  # noqa: BLE001 - read the file itself instead
                    model = None
            _read.append(model if model is not None else TriageModel.from_bytes(blob))
        return _read[0]


def _word_features(words: list[str], i: int) -> set[int]:
    return hashed(_word_names(words, i), _MASK)


def strongest_words(model: LinearModel, folded: str, label: str, against: str = "none",
                    count: int = 3) -> list[tuple[int, int]]:
    """The spans of the `count` words that push `label` over `against` the most (those
    that push at all), strongest first: where a model's decision is anchored, for context
    checks and for quoting."""
    spans = [(m.start(), m.end()) for m in itertools.islice(_WORD.finditer(folded), MAX_WORDS)]
    words = [folded[a:b] for a, b in spans]
    k, n = model.classes.index(label), model.classes.index(against)
    pushes = []
    for i, span in enumerate(spans):
        push = sum(row[k] - row[n] for f in sorted(_word_features(words, i))
                   if (row := model.rows.get(f)) is not None)
        if push > 0:
            pushes.append((-push, span))
    pushes.sort()
    return [span for _push, span in pushes[:count]]
