"""The detectors' compiled lexicon patterns, kept between processes (under
$XDG_CACHE_HOME/cxinbox, like the command line's config facts).

Every sync's parse worker readies the red-flag and intent detectors, and most of that is
reading the syntax of several hundred lexicon patterns (domain/regexneed.py). What that
reading gives for each pattern (its program for the regular-expression engine and its
needed strings) depends only on the pattern, the code that reads it and the Python that
runs it, so it is kept in one file per Python, and the file says which code made it: a
changed lexicon pattern is simply read again, a changed reader or another Python makes
the file useless, and it is written again.

The file is read only when it is a regular file (a FIFO planted in a shared cache directory
does not hold the reader up), this user's own, not writable by others, and not larger than
a lexicon can need, in a `cxinbox` directory that is this user's own and not writable by
others (nor written in one that is not); the engine checks each program it is given, and
a file holding one it refused is written again. Patterns are the
lexicon's, never a patient's text. Nothing here raises: without the file the patterns are
read as before.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import stat
import sys
import zlib
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from cxinbox.domain import regexneed

log = logging.getLogger(__name__)

_LIMIT: Final = 32 * 1024 * 1024
_FORMAT: Final = 2


def _path(name: str = "patterns") -> Path | None:
    """None without an absolute cache directory (a relative $XDG_CACHE_HOME is ignored, as
    the XDG spec says; no home directory, as a service user may have none): no file."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or "")
    if not base.is_absolute():
        base = Path(os.path.expanduser("~")) / ".cache"
    if not base.is_absolute():
        return None
    return base / "cxinbox" / f"{name}-{sys.implementation.cache_tag}.marshal"


def _key() -> list[Any] | None:
    """What, changed, could change what reading a pattern gives."""
    try:
        reader = Path(regexneed.__file__).read_bytes()
    except OSError:
        return None
    return [_FORMAT, sys.hexversion, sys.implementation.cache_tag,
            hashlib.sha256(reader).hexdigest()]


def _ours(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _dir_ours(directory: Path) -> bool:
    """The cache's own directory is a directory (not a link) of this user's, that nobody
    else can write in (else another user could swap the file between check and use)."""
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _ours(st)


def framed(kept: Any) -> bytes:
    """A kept file's bytes: the CRC-32 of the marshalled data, then the data."""
    data = marshal.dumps(kept)
    return zlib.crc32(data).to_bytes(4, "big") + data


def unframed(blob: bytes) -> Any:
    """What `framed` kept; ValueError when the bytes changed after they were written (a
    flipped bit, a disk's error): marshal alone would read most such changes as other
    values (a model's weights, a needed string) and the detectors would answer otherwise."""
    body = memoryview(blob)[4:]
    if len(blob) < 4 or int.from_bytes(blob[:4], "big") != zlib.crc32(body):
        raise ValueError("kept file changed after it was written")
    return marshal.loads(body)


def _load(path: Path, key: list[Any]) -> dict[Any, Any]:
    if not _dir_ours(path.parent):
        return {}
    try:  # O_NONBLOCK: opening a FIFO put there must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _ours(st) or st.st_size > _LIMIT:
            return {}
        with os.fdopen(os.dup(fd), "rb") as handle:
            blob = handle.read()
        data = unframed(blob)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    finally:
        os.close(fd)
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == key
            and isinstance(data[1], dict)):
        return {}
    return data[1]


def _store(path: Path, key: list[Any], made: dict[Any, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _dir_ours(path.parent):
            return
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(framed((key, made)))
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            tmp.unlink()
        except OSError:
            pass


def ready_detectors() -> None:
    """The detectors made ready (domain/triage.py `prepare_detectors`), their patterns
    taken from the file where it has them, and the file written again when some were not
    there (a new lexicon, a first run) or were refused by the engine (parsed again here:
    the file is repaired rather than read in vain at every sync)."""
    for _ in readying():
        pass


def detector_steps() -> tuple[Callable[[], object], ...]:
    """domain/triage.py's `prepare_detectors` in parts of similar cost (tens of milliseconds
    each), in order: the lexicons' patterns, the intent rules, the model, the judge, then
    the rest (the sign readers' patterns, and whatever else `prepare_detectors` readies:
    what the earlier parts made is kept, so it is not made twice)."""
    from cxinbox.domain import intent, redflag, triage

    return (redflag._compiled, intent.prepare, _model, _judge, triage.prepare_detectors)


def _model() -> None:
    """The triage model read with `read_model` (domain/textmodel.py `read_shipped`)."""
    from cxinbox.domain import textmodel

    textmodel.read_shipped(read_model)


def read_model(blob: bytes) -> Any:
    """The triage model from its file's bytes `blob`, the file's payload kept decompressed
    in `model-<python>.marshal` beside the pattern file and keyed by the file's digest:
    decompressing the shipped file is ~35 ms of every sync's readying, reading the kept
    payload a few. The model is made from the same bytes either way (textmodel.py
    `from_payload`), so it answers the same. A retrained model has another digest: its file
    is decompressed and the payload written again. None for a file of the older layout (it
    is read as it is)."""
    from cxinbox.domain import textmodel

    if not blob.startswith(textmodel.MAGIC):
        return None
    key: list[Any] = [_FORMAT, sys.hexversion, hashlib.sha256(blob).hexdigest()]
    path = _path("model")
    kept = _load(path, key) if path is not None else {}
    payload = kept.get("payload")
    if isinstance(payload, bytes):
        try:
            return textmodel.TriageModel.from_payload(payload)
        except ValueError:
            # a kept payload that does not read is written again from the file, not read
            # and refused by every process after this one
            log.warning("%s: the triage model's kept payload does not read; writing it again",
                        path)
    payload = textmodel.payload_of(blob)
    model = textmodel.TriageModel.from_payload(payload)
    if path is not None:
        _store(path, key, {"payload": payload})
    return model


def _judge() -> None:
    """The hit judge read with `read_judge` (domain/hitjudge.py `read_shipped`)."""
    from cxinbox.domain import hitjudge

    hitjudge.read_shipped(read_judge)


def read_judge(blob: bytes) -> Any:
    """The hit judge from its file's bytes `blob`, its rows kept as two arrays in
    `judge-<python>.marshal` beside the pattern file and keyed by the file's digest: the
    file's JSON takes ~45 ms to read into tens of thousands of rows, the arrays a few. The
    rows it gives are the file's (textmodel.py `PackedRows`: each row's floats made as
    `LazyRows` makes them, weight times scale), so the judge answers the same. A retrained
    judge has another digest: its file is read and the arrays written again."""
    from cxinbox.domain import hitjudge, textmodel

    key: list[Any] = [_FORMAT, sys.hexversion, hashlib.sha256(blob).hexdigest()]
    path = _path("judge")
    kept = _load(path, key) if path is not None else {}
    if kept and not _judge_fits(kept):
        # A kept file whose arrays do not fit (cut short, another layout) is made again
        # from the judge's own file, not read and refused by every process after this one.
        log.warning("%s: the hit judge's kept arrays do not fit; writing them again", path)
        kept = {}
    if not kept:
        judge = hitjudge.HitJudge.from_bytes(blob)
        kept = _judge_arrays(judge)
        if path is not None and kept:
            _store(path, key, kept)
        if not kept:
            return judge
    if not _judge_fits(kept):
        raise ValueError("hit judge: the kept arrays do not fit")
    keys, weights = array("I", kept["keys"]), array("i", kept["weights"])
    classes, bias = tuple(kept["classes"]), tuple(kept["bias"])
    model = textmodel.LinearModel(classes, bias, textmodel.PackedRows(
        keys, weights, len(classes), float(kept["scale"])))
    return hitjudge.HitJudge(model, float(kept["threshold"]))


def _judge_fits(kept: dict[str, Any]) -> bool:
    """Whether kept arrays have the judge's shape: its classes, a bias for each, a weight
    for each class of each key."""
    from cxinbox.domain import hitjudge

    try:
        classes, bias = tuple(kept["classes"]), tuple(kept["bias"])
        keys, weights = kept["keys"], kept["weights"]
        float(kept["scale"]), float(kept["threshold"])
        return (classes == hitjudge.CLASSES and len(bias) == len(classes)
                and len(keys) * len(classes) == len(weights))
    except (KeyError, TypeError, ValueError):
        return False


def _judge_arrays(judge: Any) -> dict[str, Any]:
    """The judge's rows as arrays of whole numbers ({} when its rows are not whole numbers
    that fit: then nothing is kept)."""
    from cxinbox.domain import textmodel

    rows = judge.model.rows
    if not isinstance(rows, textmodel.LazyRows):
        return {}
    keys, weights = array("I"), array("i")
    try:
        for feature, row in rows._raw.items():
            if not all(type(w) is int for w in row):
                return {}
            keys.append(feature)
            weights.extend(int(w) for w in row)
    except OverflowError:
        return {}
    return {"classes": list(judge.model.classes), "bias": list(judge.model.bias),
            "scale": rows.scale, "threshold": judge.threshold,
            "keys": keys.tobytes(), "weights": weights.tobytes()}


def readying() -> Iterator[None]:
    """`ready_detectors` a part at a time: each step (importing the detectors, then each of
    `detector_steps`) ends at a yield, the file's last step with the generator. A parse
    worker takes one step per pool task, so a batch to parse waits for one part (~50 ms),
    not for all of them."""
    key, path = _key(), _path()
    given = _load(path, key) if key is not None and path is not None else None
    if given is not None:  # before the imports: the modules compile patterns when imported
        regexneed.keep_made(given)
    import cxinbox.domain.triage  # noqa: F401 - the first step: the detectors' imports

    yield
    steps = detector_steps()
    for i, step in enumerate(steps):
        step()
        if i < len(steps) - 1:
            yield
    if given is None or key is None or path is None:
        return
    made = regexneed.made()
    if made.keys() - given.keys() or any(made[s] != given[s] for s in made.keys() & given.keys()):
        _store(path, key, made)
