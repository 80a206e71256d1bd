"""The detectors' lexicon patterns kept between processes (service/pattern_cache.py,
domain/regexneed.py `keep_made`): a pattern built from what was kept is the one
`re.compile` makes, with the same needs; a file that is not this user's own, or not this
code's, is not read; a program the engine refuses is parsed again."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.test_regexneed import _lexicon_patterns

from cxinbox.domain import regexneed
from cxinbox.domain.regexneed import compile_with_needs
from cxinbox.service import pattern_cache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def keeping() -> Iterator[None]:
    yield
    regexneed.keep_made(None)


def _sources() -> list[str]:
    return sorted({p.regex.pattern for p in _lexicon_patterns()})


def test_patterns_built_from_what_was_kept_are_re_compiles(keeping: None) -> None:
    sources = _sources()
    cold = {s: compile_with_needs(s)[1] for s in sources}
    regexneed.keep_made({})
    for s in sources:
        compile_with_needs(s)
    kept = regexneed.made()
    assert set(kept) == set(sources)
    regexneed.keep_made(kept)
    for s in sources:
        regex, need = compile_with_needs(s)
        assert regex == re.compile(s)
        assert need == cold[s]
    assert regexneed.made() == kept  # every one came from what was kept


def test_a_program_the_engine_refuses_is_parsed_again(keeping: None) -> None:
    source = r"\bchest (?:pain|pressure)"
    regexneed.keep_made({})
    compile_with_needs(source)
    flags, _code, groups, groupdict, indexgroup, need = regexneed.made()[source]
    broken = (flags, b"\xff" * 16, groups, groupdict, indexgroup, need)
    odd_need = (flags, _code, groups, groupdict, indexgroup, frozenset({""}))
    for entry in (broken, odd_need, ("not", "an", "entry")):
        regexneed.keep_made({source: entry})  # type: ignore[dict-item]
        regex, found = compile_with_needs(source)
        assert regex == re.compile(source)
        assert found == need
        assert regexneed.made()[source] != entry


def _ready_and_assess(cache: Path) -> dict[str, object]:
    """A fresh process: ready the detectors as a parse worker does, assess some texts."""
    code = (
        "import json, sys\n"
        "from cxinbox.service import parsepool\n"
        "from cxinbox.domain import regexneed\n"
        "from cxinbox.domain.triage import inspect\n"
        "parsepool.prepare()\n"
        "texts = json.load(sys.stdin)\n"
        "out = [inspect(t, subject='', channel='email').assessment for t in texts]\n"
        "print(json.dumps({'made': len(regexneed.made()),"
        " 'answers': [[a.red_flag, a.matched, a.intent, a.confidence, a.language]"
        " for a in out]}))\n")
    texts = [json.loads(line)["body"] for line in
             (ROOT / "bench" / "data" / "triage_eval.jsonl").read_text().splitlines()[:120]]
    env = dict(os.environ, XDG_CACHE_HOME=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def first_worker(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    """A first worker's answers and the cache directory it wrote, made once for the tests
    below (each reads a copy of the directory): what every one of them began by doing the
    same way, a fresh process readying the detectors with no file yet."""
    cache = tmp_path_factory.mktemp("first-worker")
    return _ready_and_assess(cache), cache


def _after_first_worker(first_worker: tuple[dict[str, object], Path],
                        tmp_path: Path) -> dict[str, object]:
    """The first worker's answers, its cache directory copied into `tmp_path` as it wrote it
    (the file's bytes, mode and time, the directory's mode)."""
    first, cache = first_worker
    shutil.copytree(cache / "cxinbox", tmp_path / "cxinbox")
    return first


def test_a_second_worker_reads_the_file_and_answers_the_same(
        first_worker: tuple[dict[str, object], Path], tmp_path: Path) -> None:
    first = _after_first_worker(first_worker, tmp_path)
    files = list((tmp_path / "cxinbox").glob("patterns-*.marshal"))
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o600
    written = files[0].stat().st_mtime_ns
    second = _ready_and_assess(tmp_path)
    assert second == first
    assert first["made"] == second["made"] and int(str(first["made"])) > 500
    assert files[0].stat().st_mtime_ns == written  # nothing new: not written again


def test_a_file_that_is_not_the_users_own_or_this_codes_is_not_read(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   keeping: None) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = pattern_cache._key()
    assert key is not None
    path = pattern_cache._path()
    assert path is not None
    regexneed.keep_made({})
    compile_with_needs("chest pain")
    made = regexneed.made()
    pattern_cache._store(path, key, made)
    assert pattern_cache._load(path, key) == made
    assert pattern_cache._load(path, [*key[:-1], "another reader"]) == {}
    path.chmod(0o666)
    assert pattern_cache._load(path, key) == {}
    path.chmod(0o600)
    path.write_bytes(b"\x00garbage")
    assert pattern_cache._load(path, key) == {}
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    assert pattern_cache._load(path, key) == {}


def test_no_file_without_an_absolute_cache_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the spec says
    monkeypatch.setenv("HOME", "/home/desk")
    assert pattern_cache._path() == Path("/home/desk/.cache/cxinbox") / \
        f"patterns-{sys.implementation.cache_tag}.marshal"
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # a user with no home
    assert pattern_cache._path() is None


def test_a_fifo_in_place_of_the_file_does_not_hold_the_reader(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    import threading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key, path = pattern_cache._key(), pattern_cache._path()
    assert key is not None and path is not None
    path.parent.mkdir(mode=0o700)
    os.mkfifo(path, 0o600)
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(pattern_cache._load(path, key)),
                              daemon=True)
    reader.start()
    reader.join(20)
    assert not reader.is_alive(), "opening the FIFO blocked"
    assert got == [{}]


def test_a_cache_directory_that_is_not_the_users_own_is_neither_read_nor_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keeping: None) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key, path = pattern_cache._key(), pattern_cache._path()
    assert key is not None and path is not None
    regexneed.keep_made({})
    compile_with_needs("chest pain")
    made = regexneed.made()
    pattern_cache._store(path, key, made)
    assert pattern_cache._load(path, key) == made
    path.parent.chmod(0o777)  # anyone may swap the file in it
    assert pattern_cache._load(path, key) == {}
    path.unlink()
    pattern_cache._store(path, key, made)
    assert not path.exists()
    path.parent.chmod(0o700)
    pattern_cache._store(path, key, made)
    assert pattern_cache._load(path, key) == made
    if os.getuid() == 0:  # another owner (only root can give the directory away)
        os.chown(path.parent, 65534, 65534)
        assert pattern_cache._load(path, key) == {}
        os.chown(path.parent, 0, 0)
    moved = tmp_path / "real"
    path.parent.rename(moved)
    (tmp_path / "cxinbox").symlink_to(moved)  # a link, not the directory itself
    assert pattern_cache._load(path, key) == {}


def test_a_refused_entry_is_written_again_once(
        first_worker: tuple[dict[str, object], Path], tmp_path: Path) -> None:
    first = _after_first_worker(first_worker, tmp_path)
    (path,) = (tmp_path / "cxinbox").glob("patterns-*.marshal")
    key, made = pattern_cache.unframed(path.read_bytes())
    source = min(made)
    good = made[source]
    made[source] = (good[0], b"\xff" * 16, *good[2:])  # a program the engine refuses
    path.write_bytes(pattern_cache.framed((key, made)))
    path.chmod(0o600)
    broken_at = path.stat().st_mtime_ns
    second = _ready_and_assess(tmp_path)
    assert second == first
    repaired = pattern_cache.unframed(path.read_bytes())[1]
    assert repaired[source] == good
    assert path.stat().st_mtime_ns != broken_at
    written = path.stat().st_mtime_ns
    assert _ready_and_assess(tmp_path) == first
    assert path.stat().st_mtime_ns == written  # repaired: not written again


def _judge_blob() -> bytes:
    from importlib import resources

    from cxinbox.domain import hitjudge

    return resources.files("cxinbox.domain").joinpath(hitjudge.MODEL_FILE).read_bytes()


def _bits(row: object) -> bytes:
    """A row's floats as their bytes: 0.0 and -0.0 differ (== says they are equal)."""
    import struct

    assert isinstance(row, (tuple, list)), row
    return struct.pack(f"{len(row)}d", *row)


def test_the_kept_judge_is_the_files_to_the_bit(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:

    from cxinbox.domain import hitjudge, textmodel

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    blob = _judge_blob()
    real = hitjudge.HitJudge.from_bytes(blob)
    cold = pattern_cache.read_judge(blob)  # reads the file, writes the arrays
    (path,) = (tmp_path / "cxinbox").glob("judge-*.marshal")
    written = path.stat().st_mtime_ns
    warm = pattern_cache.read_judge(blob)  # from the arrays
    assert path.stat().st_mtime_ns == written
    assert isinstance(warm.model.rows, textmodel.PackedRows)
    rows = real.model.rows
    assert isinstance(rows, textmodel.LazyRows)
    for judge in (cold, warm):
        assert (judge.model.classes, judge.model.bias, judge.threshold) == \
            (real.model.classes, real.model.bias, real.threshold)
        assert len(judge.model.rows) == len(rows)
        # every row the same floats, bit for bit, and no row the file has not
        assert all(_bits(judge.model.rows.get(f)) == _bits(rows.get(f)) for f in rows._raw)
        assert judge.model.rows.get(max(rows._raw) + 1) is None
    found = {"cat chest_pain", "bias", "w went", "w er", "w yesterday"}
    features = textmodel.hashed(found, (1 << hitjudge.BITS) - 1)
    assert warm.model.probabilities(features) == real.model.probabilities(features)
    # arrays that do not fit their classes: the judge's own file read, and the arrays
    # written again once (not refused by every process after)
    key, kept = pattern_cache.unframed(path.read_bytes())
    kept["weights"] = kept["weights"][:-4]
    path.write_bytes(pattern_cache.framed((key, kept)))
    path.chmod(0o600)
    cut = path.stat().st_mtime_ns
    mended = pattern_cache.read_judge(blob)
    assert all(_bits(mended.model.rows.get(f)) == _bits(rows.get(f))
               for f in list(rows._raw)[:500])
    assert path.stat().st_mtime_ns != cut
    mended_at = path.stat().st_mtime_ns
    pattern_cache.read_judge(blob)
    assert path.stat().st_mtime_ns == mended_at
    path.chmod(0o666)  # a file others may write is never read: the judge's file is
    again = pattern_cache.read_judge(blob)
    assert all(again.model.rows.get(f) == rows.get(f) for f in list(rows._raw)[:500])
    assert path.stat().st_mode & 0o777 == 0o600  # written again, as its owner's alone


_TWO_WORKERS = (
    "import json, re\n"
    "from cxinbox.service import parsepool\n"
    "parsepool.mark_worker()\n"
    "parsepool.prepare()\n"
    "from cxinbox.domain import breathing, headinjury, hitjudge, redflag, regexneed, selfharm, triage\n"
    # the sign readers: readied by prepare, their patterns kept in made() and given by the file
    "ready = [m._compiled.cache_info().currsize for m in (selfharm, breathing, headinjury)]\n"
    "s, b, h = selfharm._compiled(), breathing._compiled(), headinjury._compiled()\n"
    "sources = [p.regex.pattern for _c, _k, p in s.reader.per] + [s.ordinary.pattern, s.moving.pattern]\n"
    "sources += [p.regex.pattern for _c, _k, p in b.reader.per]\n"
    "sources += [b.ordinary_message.pattern, b.record.pattern, b.ordinary_sentence.pattern]\n"
    "sources += [p.pattern for _c, p in h.per] + [h.gate.pattern, h.who.pattern, h.ordinary.pattern]\n"
    # the patterns the detector modules compile when imported
    "plain = [v.pattern for m in (breathing, headinjury, hitjudge, redflag, selfharm, triage)\n"
    "         for v in vars(m).values()\n"
    "         if isinstance(v, re.Pattern) and isinstance(v.pattern, str) and v.flags == re.UNICODE]\n"
    "print(json.dumps({'ready': ready, 'made': sorted(set(sources) - set(regexneed.made())),\n"
    "                  'given': sorted(set(sources) - set(regexneed._given)),\n"
    "                  'count': len(sources), 'modules': len(plain),\n"
    "                  'not_given': sorted(set(plain) - set(regexneed._given))}))\n")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """What two parse workers in turn find readied and kept, with one cache directory (the
    first has no file, the second reads the first's): the sign readers' patterns and the
    detector modules' own, read by each worker once for both tests below. Nothing of the
    detectors is imported before `prepare`, which reads the file first."""
    cache = tmp_path_factory.mktemp("two-workers")
    env = dict(os.environ, XDG_CACHE_HOME=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    return [json.loads(subprocess.run([sys.executable, "-c", _TWO_WORKERS], env=env,
                                      capture_output=True, text=True, check=True,
                                      timeout=120).stdout) for _ in range(2)]


def test_the_sign_readers_are_readied_and_their_patterns_kept(
        two_workers: list[dict[str, Any]]) -> None:
    """A parse worker readies the three sign readers before its first message, and their
    patterns are written to the file and read from it at the next sync."""
    runs = two_workers
    assert runs[0]["ready"] == runs[1]["ready"] == [1, 1, 1]
    assert runs[0]["count"] > 150
    assert runs[0]["made"] == runs[1]["made"] == []  # every one kept in made()
    assert runs[1]["given"] == []  # the second worker was given every one by the file


def test_the_sign_readers_patterns_are_re_compiles() -> None:
    from cxinbox.domain import breathing, headinjury, selfharm

    s, b, h = selfharm._compiled(), breathing._compiled(), headinjury._compiled()
    for regex in (s.ordinary, s.moving, b.ordinary_message, b.record, b.ordinary_sentence,
                  h.gate, h.who, h.ordinary, *(p for _c, p in h.per),
                  *(p.regex for _c, _k, p in s.reader.per), *(p.regex for _c, _k, p in b.reader.per)):
        assert regex == re.compile(regex.pattern)


def test_the_detector_modules_patterns_are_read_from_the_file(
        two_workers: list[dict[str, Any]]) -> None:
    """The patterns the detector modules compile when imported are kept too: the file is
    read before the imports, so a second worker builds every one from it."""
    runs = two_workers
    assert runs[1]["modules"] > 50
    assert runs[0]["not_given"]  # the first worker had no file: it parsed them
    assert runs[1]["not_given"] == []


def test_compiled_is_re_compile(keeping: None) -> None:
    source = r"\b(?:went|go) down\b"
    assert regexneed.compiled(source) is re.compile(source)  # nothing kept: re's own
    regexneed.keep_made({})
    kept = regexneed.compiled(source)
    assert kept == re.compile(source)
    assert source in regexneed.made()


def test_the_kept_model_payload_reads_as_the_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The triage model read from its kept payload is the file's: the same probabilities to
    the bit; a kept payload that does not read is written again from the file, once; a
    file of the older layout is read as it is."""
    from importlib import resources

    from cxinbox.domain import textmodel

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    blob = resources.files("cxinbox.domain").joinpath(textmodel.MODEL_FILE).read_bytes()
    real = textmodel.TriageModel.from_bytes(blob)
    cold = pattern_cache.read_model(blob)  # no kept payload yet: decompressed, then kept
    path = pattern_cache._path("model")
    assert path is not None and path.stat().st_mode & 0o777 == 0o600
    written = path.stat().st_mtime_ns
    warm = pattern_cache.read_model(blob)
    assert path.stat().st_mtime_ns == written
    texts = ["crushing chest pain and my left arm is numb", "necesito cambiar mi cita",
             "she swallowed a button battery", ""]
    for model in (cold, warm):
        assert model.threshold == real.threshold
        for text in texts:
            assert model.redflag_probabilities(text) == real.redflag_probabilities(text)
            assert model.intent_probabilities(text, "re: cita") == \
                real.intent_probabilities(text, "re: cita")
    key, kept = pattern_cache.unframed(path.read_bytes())
    kept["payload"] = kept["payload"][:-7]  # cut short: refused, the file read instead
    path.write_bytes(pattern_cache.framed((key, kept)))
    path.chmod(0o600)
    cut = path.stat().st_mtime_ns
    mended = pattern_cache.read_model(blob)
    assert mended.redflag_probabilities(texts[0]) == real.redflag_probabilities(texts[0])
    assert path.stat().st_mtime_ns != cut
    mended_at = path.stat().st_mtime_ns
    pattern_cache.read_model(blob)
    assert path.stat().st_mtime_ns == mended_at
    older = textmodel.pack(real.redflag.as_dict())  # format 1 (gzip of JSON)
    assert pattern_cache.read_model(older) is None
    # one bit flipped in the kept payload: marshal reads it as other weights, the checksum
    # refuses it, the file's own model answers and the kept file is written again
    flipped = bytearray(path.read_bytes())
    flipped[len(flipped) * 2 // 3] ^= 0x10
    path.write_bytes(bytes(flipped))
    path.chmod(0o600)
    with pytest.raises(ValueError):
        pattern_cache.unframed(bytes(flipped))
    checked = pattern_cache.read_model(blob)
    for text in texts:
        assert checked.redflag_probabilities(text) == real.redflag_probabilities(text)
    assert pattern_cache.unframed(path.read_bytes())[1]["payload"] == \
        textmodel.payload_of(blob)
