"""The sync's parse pool: what its worker processes run (MIME parsing, and the red-flag and
intent detectors beside it), in a module of its own so a worker imports only that: the
parsing, the detectors and nothing of the store or the service around them (a worker
that unpickled its task from service/sync.py imported the whole service, twice the time).

`prepare_step` makes the detectors' lexicons, model and judge ready in a worker, a part
per pool task, before the recent mail comes (service/fetchahead.py gives those tasks to
the pool between batches, from before the first); a worker that meets a message to assess
before that readies the rest then (`prepare`; `mark_worker`, the pool's initializer), from
the pattern file.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
import select
import shutil
import stat
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from multiprocessing.context import ForkServerContext
from multiprocessing.queues import SimpleQueue
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any, Final

from cxinbox.domain.mime import parse_message
from cxinbox.domain.models import ParsedMessage
from cxinbox.domain.searchvector import WordMap, sender_text

if TYPE_CHECKING:
    from cxinbox.domain.triage import Assessment


def parse_batch(raws: Sequence[bytes]) -> list[tuple[bytes, ParsedMessage]]:
    """Worker entry point: hash and parse; parse_message never raises."""
    return [(hashlib.sha256(r).digest(), parse_message(r)) for r in raws]


Parsed = tuple[list[tuple[bytes, ParsedMessage]], dict[bytes, "Assessment | None"],
               dict[bytes, str]]
"""A pool batch: (sha, parsed) per message, the red-flag/intent assessments made beside
the parsing, and the search vectors made (see `parse_and_assess`)."""


def parse_and_assess(raws: Sequence[bytes], own: frozenset[str], oldest: int,
                     sent: bool, arrivals: Sequence[int | None] | None = None,
                     words: WordMap | None = None) -> Parsed:
    """Worker entry point for bulk fetches: `parse_batch`, plus the detectors on each
    patient message. Detection costs ~20 times the parsing, so a bulk sync runs it on the
    pool's core instead of the ingest thread; `triage_arrivals` (service/redflags.py)
    applies the results in the ingest transaction (and assesses there whatever failed
    here).

    `arrivals`: when the server received each of `raws` (IMAP INTERNALDATE, None if it did
    not say). One received before `oldest` is left out of the assessments, unread: the
    ingest passes it over with the same test (`arrived_too_early`), and a message it does
    assess after all (its clock moved) is assessed there.

    `words` (the store's `search_vectors`): each message's search vector is made here
    from the text just parsed, where it can be made exactly, by sha; the store then
    only stores it (domain/searchvector.py)."""
    parsed = parse_batch(raws)
    vectors = search_vectors(parsed, words) if words is not None else {}
    ready: dict[bytes, Assessment | None] = {}
    if not sent:
        when = list(arrivals) if arrivals is not None else [None] * len(raws)
        for raw, (sha, message), arrived in zip(raws, parsed, when, strict=True):
            # Old mail first: it is most of a first sync, and the header checks cost more
            # than the parsing did.
            if arrived_too_early(arrived, oldest):
                continue
            try:
                ready[sha] = assess_parsed(raw, message, own=own)
            except Exception:  # noqa: BLE001,S112 - the ingest thread retries and logs it
                continue
    return parsed, ready, vectors


def search_vectors(parsed: Sequence[tuple[bytes, ParsedMessage]],
                   words: WordMap) -> dict[bytes, str]:
    """The messages' search vectors that `words` can make, by sha: of the columns the
    store writes (store/ingest.py: the subject, the sender's name and address, the body)."""
    out: dict[bytes, str] = {}
    for sha, p in parsed:
        sender = sender_text(p.from_addr.name, p.from_addr.email) if p.from_addr else ""
        vector = words.vector(p.subject, sender, p.body_text)
        if vector is not None:
            out[sha] = vector
    return out


def arrived_too_early(arrived: int | None, oldest: int) -> bool:
    """Whether a message the server (or the SMS provider) received at `arrived` (epoch
    seconds; None: not known) came too long ago for the detectors: before `oldest`, `[triage]
    backlog_hours` before it is stored. The one test of age, here and at ingest
    (service/redflags.py): the message's own Date: is never asked (a patient's phone or
    mail client sets it, and may set it to anything); an unknown arrival is taken as now."""
    return arrived is not None and 0 < arrived < oldest


_worker = False
_ready = False
_readying: Iterator[None] | None = None

READY_TASKS: Final = 6
"""How many `prepare_step` tasks ready the detectors: one per step of
service/pattern_cache.py's `readying` (the import, then each detector's part). Only a
matter of cost: a step left over is taken by `prepare`, a task too many does nothing."""


WORKER_NICE: Final = 5
"""How much lower a parse worker's CPU priority is than its sync's. The pool parses only a
bulk fetch (a first sync, a catch-up: service/sync.py `_POOL_THRESHOLD`), whose sync
stores each batch only after fetching the two after it: the worker has that long, and when
it competes for a core with the sync's own process (the fetch and the store, the critical
path) or the IMAP server feeding it, they win and the worker takes the idle time. Not so
low that other work at normal priority starves it: the sync waits for each batch's parse
(a 10k first sync at load average 10: wall 0.89x against the same priority, each of three
rounds shorter)."""


def mark_worker() -> None:
    """The pool's initializer: this process is a parse worker (at `WORKER_NICE` below its
    sync's priority), whose first assessment readies the detectors with `prepare` if no
    task did it before."""
    global _worker
    _worker = True
    try:
        os.nice(WORKER_NICE)
    except OSError:  # a platform that will not say: the worker runs as it is
        pass


def prepare() -> None:
    """Worker task: the detectors ready to read (see the module docstring), their lexicon
    patterns kept from one sync to the next (service/pattern_cache.py). Once a process;
    what `prepare_step` tasks did already is not done again."""
    while not _ready:
        prepare_step()


def prepare_step() -> None:
    """Worker task: the next part of `prepare` (tens of milliseconds of CPU), so that a
    batch given to the pool meanwhile waits for one part, not for all of them."""
    global _ready, _readying
    if _ready:
        return
    if _readying is None:
        from cxinbox.service.pattern_cache import readying

        _readying = readying()
    try:
        next(_readying)
    except StopIteration:
        _ready = True
        _readying = None
    except BaseException:
        _readying = None  # the next call starts again (as `prepare` did after a failure)
        raise


def assess_parsed(raw: bytes, parsed: ParsedMessage, *,
                  own: frozenset[str]) -> Assessment | None:
    """What `triage_arrivals` would find for one fetched email, computed where it was
    parsed (a parse-pool worker: no store, no logging). None: not the patient speaking
    (`not_the_patient`). Mail to a list or in bulk is assessed as a mailing: it gets its
    intent (a newsletter is spam/marketing, so `intent:` rules see it) and never a red
    flag. Its age is the caller's to judge (`arrived_too_early`). A detector exception
    propagates: the caller leaves the message out, and the ingest thread assesses (and
    logs) it again."""
    head = raw[:HEAD_BYTES]
    sender = parsed.from_addr.email if parsed.from_addr else ""
    if not_the_patient(head, sender, head_auto_submitted(head, parsed), own):
        return None
    if _worker and not _ready:
        prepare()
    from cxinbox.domain.triage import inspect  # here: the sync's own process need not load it

    return inspect(parsed.body_text, subject=parsed.subject, channel="email",
                   bulk=_mailing(head)).assessment


HEAD_BYTES: Final = 16_384
"""The start of an email's raw bytes the header checks read (the store keeps as much for
the ingest's own: store/triage.py)."""


def head_auto_submitted(head: bytes, parsed: ParsedMessage | None = None) -> bool:
    """Whether the header block within `head` (the first HEAD_BYTES, all the ingest keeps)
    says a machine sent the message (domain/mime.py's rule): the pool and the ingest read
    the same bytes, so they agree even on a header block longer than that, where a header
    past the cut counts for neither (the message is then assessed: a false alarm rather
    than a missed flag). `parsed`, the whole message's parse, answers when the block ends
    within `head`: the same headers, no second parse."""
    if parsed is not None and header_end(head) >= 0:
        return parsed.auto_submitted
    return parse_message(head).auto_submitted


def not_the_patient(head: bytes, sender: str, auto_submitted: bool,
                    own: frozenset[str]) -> bool:
    """Whether an email is not a patient speaking, so the detectors leave it: no sender
    (`sender`, its From: address), our own address, an automatic reply or a bounce (RFC
    3834 Auto-Submitted, the common auto-reply headers, a delivery report, a daemon's
    mailbox: `auto_submitted`, as domain/mime.py reads the header block); mail to a list
    or in bulk is a mailing, assessed as one. `head`: the start of the raw message. One
    answer for the pool and the ingest."""
    if not sender or sender in own:
        return True
    return _automatic(head) or auto_submitted and not _mailing(head)


_BLANK_LINE: Final = re.compile(rb"\n\r?\n")
"""The line break that ends a header block and the empty line after it, from its `\n`: a
pattern that starts with a literal, which the engine skips ahead to in C (`\r?\n\r?\n`
was tried at every byte of the header block, ~0.2 ms a message)."""


def header_end(head: bytes) -> int:
    """Where the header block within `head` ends (the start of the leftmost
    `\r?\n\r?\n`, the `\r` of a CRLF pair included), -1 when it does not end there."""
    found = _BLANK_LINE.search(head)
    if found is None:
        return -1
    start = found.start()
    return start - 1 if start > 0 and head[start - 1] == 0x0D else start
_LIST_HEADER: Final = re.compile(
    rb"^(?:list-id|list-unsubscribe|list-post)\s*:|^precedence\s*:\s*(?:bulk|list|junk)",
    re.IGNORECASE | re.MULTILINE)
_AUTO_HEADER: Final = re.compile(
    rb"^auto-submitted\s*:\s*(?!no\b)\S|^x-autoreply\s*:|^x-autorespond\s*:",
    re.IGNORECASE | re.MULTILINE)


def _header_block(head: bytes) -> bytes:
    end = header_end(head)
    return head[:end] if end >= 0 else head


def _mailing(head: bytes) -> bool:
    """A mailing list or bulk sender by its headers (RFC 2369, RFC 2919, Precedence)."""
    return bool(_LIST_HEADER.search(_header_block(head)))


def _automatic(head: bytes) -> bool:
    """Mail a machine sent on its own (RFC 3834 Auto-Submitted, common auto-reply headers)."""
    return bool(_AUTO_HEADER.search(_header_block(head)))


# -- the pool's result pipe ---------------------------------------------------------------
#
# CPython's pool reads each result from one pipe that every worker writes to, and learns a
# worker died from its process sentinel. A worker killed while writing a result larger than
# the pipe's atomic write (PIPE_BUF) leaves half a message in the pipe: the pool's manager
# thread blocks reading the rest, which never comes (the live workers, and the pool itself,
# keep the pipe's write end open), so it never sees the sentinel and no future ever fails.
# Here a worker sends every message in frames of at most PIPE_BUF bytes, each written whole
# by one write(2): a worker killed mid-result leaves only whole frames, the manager reads
# them and then sees the dead worker, and the pool breaks as CPython means it to (every
# waiting future fails with BrokenProcessPool). No file descriptor is closed here: the pool
# keeps sole ownership of its pipes.
#
# A result longer than one frame (a batch's parse is ~0.7 MB, ~190 frames) goes through a
# file instead when it can: the worker writes it whole into a directory in RAM (/dev/shm)
# that the sync's process made for the pool, mode 0700, and sends one frame naming it; the
# manager reads the file back and removes it. The manager handles one frame per result
# instead of ~190, each a wake-up, a read and an unpickling in the sync's process, where
# they took the fetch's and the ingest's turns (~0.1 s of a 10k first sync's CPU). A worker
# killed while it writes the file has sent no frame, so the pool breaks as above; what it
# left in the directory goes with the directory when the pool is shut down (`forget`), or,
# if the sync's process itself was killed, when the next pool is made (`_sweep_spills`).
# Without a usable /dev/shm every result goes in frames, as before.

_FRAME: Final = select.PIPE_BUF - 4
"""The most a frame's pickle may hold: the connection adds a 4-byte length before it, and
the two go out in one write, whole or not at all, when they fit in PIPE_BUF."""
_PIECE: Final = _FRAME - 256
"""The bytes of a long message a frame carries (room left for the frame's own pickle)."""

_pieces: dict[tuple[str, int, int], list[bytes]] = {}
_pieces_lock = threading.Lock()
_sent = itertools.count()


def _piece(key: tuple[str, int, int], last: bool, data: bytes) -> Any:
    """Unpickling a frame, on the pool's manager thread: keep a long message's piece, and
    give the message once its last piece has come; None (which the manager passes over)
    before that."""
    with _pieces_lock:
        got = _pieces.setdefault(key, [])
        got.append(data)
        if not last:
            return None
        del _pieces[key]
    return ForkingPickler.loads(b"".join(got))


class _Piece:
    def __init__(self, key: tuple[str, int, int], last: bool, data: bytes) -> None:
        self.args = (key, last, data)

    def __reduce__(self) -> tuple[Any, tuple[tuple[str, int, int], bool, bytes]]:
        return _piece, self.args


_SPILL_ROOT = "/dev/shm"
"""Where a pool's spill directory is made: RAM (tmpfs), so a result never reaches a disk."""
_SPILL_PREFIX: Final = "cxinbox-parse-"


def _unspill(path: str) -> Any:
    """Unpickling a spilled result's frame, on the pool's manager thread: the result read
    back from its file, which is removed."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    finally:
        os.close(fd)
        os.unlink(path)
    return ForkingPickler.loads(data)


class _Spilled:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _unspill, (self.path,)


def _write_spill(path: str, data: bytes) -> None:
    """Write `data` to a new file at `path` (readable by this user alone)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _spill_dir() -> str | None:
    """A new directory for one pool's spilled results (mode 0700, named after this
    process), or None when RAM-backed storage is not there to make it in."""
    if not os.path.isdir(_SPILL_ROOT):
        return None
    _sweep_spills()
    try:
        return tempfile.mkdtemp(prefix=f"{_SPILL_PREFIX}{os.getpid()}-", dir=_SPILL_ROOT)
    except OSError:
        return None


def _sweep_spills() -> None:
    """Remove the spill directories of this user's processes that are gone (killed before
    they could remove their own): a result left there is a patient's mail."""
    try:
        names = [n for n in os.listdir(_SPILL_ROOT) if n.startswith(_SPILL_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(_SPILL_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        path = os.path.join(_SPILL_ROOT, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid():
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: not ours to judge
    return True


def _remove_spills(path: str, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


class FramedResults(SimpleQueue):  # type: ignore[type-arg]
    """The pool's result queue (`PoolContext`): `put` (in a worker) sends a message longer
    than one atomic pipe write as whole frames, under the queue's write lock; the manager
    thread's own reads (one frame each) are CPython's, unchanged."""

    def __init__(self, *, ctx: Any) -> None:
        super().__init__(ctx=ctx)
        self.token = secrets.token_hex(8)
        self.spill = _spill_dir()
        if self.spill is not None:  # at the latest when this process exits
            self._cleanup = weakref.finalize(self, _remove_spills, self.spill, os.getpid())

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self.token, self.spill)

    def __setstate__(self, state: Any) -> None:
        inner, self.token, self.spill = state
        super().__setstate__(inner)

    def put(self, obj: Any) -> None:
        data = bytes(ForkingPickler.dumps(obj))
        if len(data) <= _FRAME:
            frames = [data]
        elif (spilled := self._spilled(data)) is not None:
            frames = [spilled]
        else:
            key = (self.token, os.getpid(), next(_sent))
            starts = range(0, len(data), _PIECE)
            frames = [bytes(ForkingPickler.dumps(
                _Piece(key, start + _PIECE >= len(data), data[start:start + _PIECE])))
                for start in starts]
        with self._wlock:  # type: ignore[attr-defined]
            for frame in frames:
                self._writer.send_bytes(frame)  # type: ignore[attr-defined]

    def _spilled(self, data: bytes) -> bytes | None:
        """In a worker: `data` written to a file of the spill directory, and the frame that
        names it; None (send it in frames) when there is no directory or the write fails."""
        if self.spill is None:
            return None
        path = os.path.join(self.spill, f"{os.getpid()}-{next(_sent)}")
        try:
            self._write_spill(path, data)
        except OSError:
            try:
                os.unlink(path)
            except OSError:
                pass
            return None
        return bytes(ForkingPickler.dumps(_Spilled(path)))

    _write_spill = staticmethod(_write_spill)

    def forget(self) -> None:
        """Drop the pieces a dead worker's unfinished messages left, and the spill
        directory with what a dead worker wrote there (after the pool is shut down)."""
        with _pieces_lock:
            for key in [k for k in _pieces if k[0] == self.token]:
                del _pieces[key]
        if self.spill is not None:
            self._cleanup()


class PoolContext(ForkServerContext):
    """The parse pool's start method (forkserver: a worker is a fresh process, which
    imports this module and the parsing alone) with its result queue a `FramedResults`."""

    def SimpleQueue(self) -> FramedResults:
        return FramedResults(ctx=self)
