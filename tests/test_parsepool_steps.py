"""The parse worker's side of a bulk sync (service/parsepool.py): the detectors readied a
part at a time (`prepare_step`, one pool task each, so a batch waits for one part, not for
all), with the same answers as readied at once; and what a worker sends back to the sync
process (parsed messages, assessments) loads there without the detectors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TEXTS = [json.loads(line)["body"] for line in
          (ROOT / "bench" / "data" / "triage_eval.jsonl").read_text().splitlines()[:80]]


def _child(code: str, cache: Path, stdin: str | bytes = "") -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-c", code], input=data, env=env,
                          capture_output=True, check=True, timeout=120)


_ASSESS = (
    "import json, sys\n"
    "from cxinbox.service import parsepool\n"
    "from cxinbox.domain import regexneed\n"
    "{ready}\n"
    "from cxinbox.domain.triage import inspect\n"
    "texts = json.load(sys.stdin)\n"
    "out = [inspect(t, subject='', channel='email').assessment for t in texts]\n"
    "print(json.dumps({{'made': len(regexneed.made()), 'steps': steps,"
    " 'answers': [[a.red_flag, a.matched, a.intent, a.confidence, a.language]"
    " for a in out]}}))\n")

_BY_STEPS = (
    "steps = []\n"
    "for _ in range(parsepool.READY_TASKS):\n"
    "    steps.append(parsepool._ready)\n"
    "    parsepool.prepare_step()\n"
    "steps.append(parsepool._ready)\n"
    "parsepool.prepare_step()  # one too many: nothing to do\n"
    "steps.append(parsepool._ready)\n")


def _assess(cache: Path, ready: str) -> dict[str, object]:
    done = _child(_ASSESS.format(ready=ready), cache, json.dumps(_TEXTS))
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_readying_by_steps_answers_as_readying_at_once(tmp_path: Path) -> None:
    at_once = _assess(tmp_path / "a", "parsepool.prepare()\nsteps = None")
    cold = _assess(tmp_path / "b", _BY_STEPS)  # no pattern file yet: written by the steps
    assert list((tmp_path / "b" / "cxinbox").glob("patterns-*.marshal"))
    warm = _assess(tmp_path / "b", _BY_STEPS)  # from the file
    # ready only after the last of READY_TASKS steps: the constant matches the readying
    ready_after = [False] * 6 + [True, True]
    assert cold["steps"] == warm["steps"] == ready_after
    assert cold["answers"] == warm["answers"] == at_once["answers"]
    assert cold["made"] == warm["made"] == at_once["made"]
    assert int(str(at_once["made"])) > 500


def test_a_step_that_fails_is_taken_again(tmp_path: Path) -> None:
    code = (
        "from cxinbox.service import parsepool\n"
        "from cxinbox.service import pattern_cache\n"
        "calls = []\n"
        "real = pattern_cache.detector_steps\n"
        "def flaky():\n"
        "    steps = list(real())\n"
        "    def first():\n"
        "        calls.append(1)\n"
        "        if len(calls) == 1:\n"
        "            raise RuntimeError('boom')\n"
        "        steps[0]()\n"
        "    return (first, *steps[1:])\n"
        "pattern_cache.detector_steps = flaky\n"
        "parsepool.prepare_step()\n"
        "try:\n"
        "    parsepool.prepare_step()\n"
        "except RuntimeError:\n"
        "    print('failed', parsepool._ready)\n"
        "parsepool.prepare()\n"
        "print('ready', parsepool._ready, len(calls))\n")
    out = _child(code, tmp_path).stdout.decode().split()
    assert out == ["failed", "False", "ready", "True", "2"]


def test_a_workers_assessments_load_in_the_sync_process_without_the_detectors(
        tmp_path: Path) -> None:
    raw = (b"From: Pat <pat@example.org>\r\nTo: desk@clinic.example\r\n"
           b"Subject: chest\r\n\r\nI have crushing chest pain since an hour\r\n")
    worker = (
        "import pickle, sys\n"
        "from cxinbox.service.parsepool import parse_and_assess\n"
        "raw = sys.stdin.buffer.read()\n"
        "sys.stdout.buffer.write(pickle.dumps(parse_and_assess([raw], frozenset(), 0, False)))\n")
    sent = _child(worker, tmp_path, raw).stdout
    sync = (
        "import pickle, sys\n"
        "parsed, ready, _vectors = pickle.loads(sys.stdin.buffer.read())\n"
        "(found,) = ready.values()\n"
        "print(found.red_flag, found.intent, type(found).__module__)\n"
        "print(sorted(m for m in sys.modules if m in ('cxinbox.domain.triage',"
        " 'cxinbox.domain.redflag', 'cxinbox.domain.hitjudge', 'cxinbox.domain.intent')))\n")
    out = _child(sync, tmp_path, sent).stdout.decode().splitlines()
    assert out[0].split()[0] == "chest_pain"
    assert out[0].split()[2] == "cxinbox.domain.assessment"
    assert out[1] == "[]"
