"""How well the canned-text rule tells edited canned replies from a person's own replies.

The labelled set (bench/data/canned_match.jsonl, English and Spanish) holds clinic canned
texts, replies that are one of them edited the way staff do (a name added, words changed,
lines re-wrapped, a sentence dropped: label "canned") and replies written by hand on the
same subjects, sharing common phrases (label "free"). An edited reply is judged against
the canned text it came from; a free reply against every canned text of the set (any hit
is a false refusal). Figures for the shingle sizes around the one in use, and for the
whole-line rule the guard used before, as its peer.

Then the same texts sent a piece at a time on one red-flagged conversation: every canned
text and every edited reply cut into 2, 3 and 4 replies of even length, judged each alone
(the rule before: a piece under the rule went) and judged with what the earlier pieces
held (`canned_still_there`'s `before`, the rule in use); and, for false refusals, every
free reply of a language sent one after another on one conversation (in the set's order
and reversed), each judged with all the earlier ones against every canned text.

    PYTHONPATH=src python bench/canned_match.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cxinbox.domain.compose import (
    SHINGLE_WORDS,
    body_shingles,
    canned_kept,
    canned_shingles,
    canned_still_there,
    replies_shingles,
)

DATA = Path(__file__).parent / "data" / "canned_match.jsonl"


def _lines(text: str) -> set[str]:
    """The rule before shingles: folded lines of 12 characters or more, matched whole."""
    folded = (" ".join(line.split()).lower() for line in text.splitlines())
    return {line for line in folded if len(line) >= 12}


def main() -> int:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    canned = {r["id"]: r for r in rows if "canned" in r}
    replies = [r for r in rows if "reply" in r]
    print(f"labelled set: {len(canned)} canned texts, "
          f"{sum(r['label'] == 'canned' for r in replies)} edited replies, "
          f"{sum(r['label'] == 'free' for r in replies)} free replies (x{len(canned)} texts each)")

    def judge(size: int | None) -> dict[tuple[str, str], list[int]]:
        out: dict[tuple[str, str], list[int]] = {}
        for reply in replies:
            lang = canned[reply["of"]]["lang"]
            against = [reply["of"]] if reply["label"] == "canned" else list(canned)
            hit = 0
            for cid in against:
                text = canned[cid]["canned"]
                if size is None:
                    hit |= bool(_lines(text) & _lines(reply["reply"]))
                else:
                    handed = canned_shingles(text, size=size)
                    hit |= canned_still_there(handed, set(body_shingles(reply["reply"],
                                                                        size=size)))
            counts = out.setdefault((lang, reply["label"]), [0, 0])
            counts[0] += hit
            counts[1] += 1
        return out

    print(f"{'rule':<22}{'edited refused en':>19}{'es':>8}{'free refused en':>17}{'es':>8}")
    for size in (None, 3, 4, 5):
        name = "whole lines (before)" if size is None else \
            f"{size}-word shingles" + (" *" if size == SHINGLE_WORDS else "")
        got = judge(size)
        cells = [f"{got[(lang, label)][0]}/{got[(lang, label)][1]}"
                 for label in ("canned", "free") for lang in ("en", "es")]
        print(f"{name:<22}{cells[0]:>19}{cells[1]:>8}{cells[2]:>17}{cells[3]:>8}")
    print("* the size in use")

    print("\nshare of the canned text's shingles kept, in use:")
    worst_edit, worst_free = 1.0, 0.0
    for reply in replies:
        present = set(body_shingles(reply["reply"]))
        against = [reply["of"]] if reply["label"] == "canned" else list(canned)
        for cid in against:
            handed = canned_shingles(canned[cid]["canned"])
            share = canned_kept(handed, present) / len(handed)
            if reply["label"] == "canned":
                worst_edit = min(worst_edit, share)
            else:
                worst_free = max(worst_free, share)
    print(f"  lowest among edited replies: {worst_edit:.2f}; highest among free: {worst_free:.2f}")
    _split(canned, replies)
    _cost(canned, replies)
    return 0


def _pieces(text: str, parts: int) -> list[str]:
    """`text` cut into `parts` replies of about as many words each."""
    words = text.split()
    step = -(-len(words) // parts)
    return [" ".join(words[i:i + step]) for i in range(0, len(words), step)]


def _refused(handed: list[str], earlier: list[str], body: str, *, joined: bool) -> bool:
    """`body`, sent after `earlier` on one conversation, is refused for `handed`: judged
    alone (the rule before), or with what the earlier replies held (the rule in use)."""
    before = set(replies_shingles(earlier, body)) if joined and earlier else set()
    return canned_still_there(handed, set(body_shingles(body)), before)


def _sent_in_turn(handed: list[str], bodies: list[str], *, joined: bool) -> bool:
    """Whether any of `bodies`, sent one after another, is refused for `handed`."""
    return any(_refused(handed, bodies[:i], body, joined=joined)
               for i, body in enumerate(bodies))


def _split(canned: dict[str, dict[str, str]], replies: list[dict[str, str]]) -> None:
    print("\na text sent a piece at a time (refused / cases):")
    print(f"{'cut into':<22}{'canned before':>15}{'after':>8}{'edited before':>15}{'after':>8}")
    edited = [r for r in replies if r["label"] == "canned"]
    for parts in (2, 3, 4, 6):
        cells = []
        for cases in ([(c["canned"], c["canned"]) for c in canned.values()],
                      [(canned[r["of"]]["canned"], r["reply"]) for r in edited]):
            for joined in (False, True):
                hit = sum(_sent_in_turn(canned_shingles(text), _pieces(body, parts),
                                        joined=joined) for text, body in cases)
                cells.append(f"{hit}/{len(cases)}")
        print(f"{f'{parts} replies':<22}{cells[0]:>15}{cells[1]:>8}{cells[2]:>15}{cells[3]:>8}")
    print("free replies one after another on one conversation (falsely refused / sent):")
    for lang in ("en", "es"):
        free = [r["reply"] for r in replies if r["label"] == "free"
                and canned[r["of"]]["lang"] == lang]
        texts = [canned_shingles(c["canned"]) for c in canned.values()]
        cells = []
        for joined in (False, True):
            hit = sum(any(_refused(handed, order[:i], body, joined=joined) for handed in texts)
                      for order in (free, free[::-1]) for i, body in enumerate(order))
            cells.append(f"{hit}/{2 * len(free)}")
        print(f"  {lang}: each alone {cells[0]}, with the earlier ones {cells[1]}")
    # the hardest case for a person's own reply: it follows the longest opening of a
    # canned text that the rule lets through alone
    hit = alone = cases = 0
    for text in canned.values():
        handed = canned_shingles(text["canned"])
        words = text["canned"].split()
        cut = len(words)
        while cut and canned_still_there(handed, set(body_shingles(" ".join(words[:cut])))):
            cut -= 1
        for reply in replies:
            if reply["label"] == "free" and canned[reply["of"]]["lang"] == text["lang"]:
                cases += 1
                opening = [" ".join(words[:cut])]
                hit += _refused(handed, opening, reply["reply"], joined=True)
                alone += _refused(handed, opening, reply["reply"], joined=False)
    print(f"  after the longest opening of a canned text the rule lets through alone:"
          f" each alone {alone}/{cases}, with the opening {hit}/{cases}")

def _cost(canned: dict[str, dict[str, str]], replies: list[dict[str, str]]) -> None:
    """What the server's check costs a send: the body's shingles hashed with the key and
    compared with every text handed out for the conversation (here all twelve)."""
    import os
    import time

    from cxinbox.service.redflags import _hashes, _unpack, handed_hashes

    key = os.urandom(32)
    packed = [handed_hashes(key, r["canned"]) for r in canned.values()]
    bodies = [r["reply"] for r in replies]
    rounds = 200
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for body in bodies:
            present = set(_hashes(key, body_shingles(body)))
            for text in packed:
                canned_still_there(_unpack(text), present)
    n = rounds * len(bodies)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\ncost of one send's check against {len(packed)} handed-out texts:"
          f" {wall / n * 1e6:.0f} us wall, {cpu / n * 1e6:.0f} us CPU (mean of {n};"
          f" load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    sys.exit(main())
