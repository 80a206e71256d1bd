"""What one caller may cost the server: sizes, queues, rates, time and connections.

`cxinbox serve` is shared by the whole desk, so no single client (a bug, a script gone
wrong, a hostile roster user) may take memory, threads, file descriptors or the event loop
from the others. Everything here is backpressure first: a client that sends faster than
its share is simply read more slowly (the kernel's socket buffer fills and its writes
block); only what can never succeed (a frame over the size cap, a frame that does not
finish arriving, an idle connection, one connection too many) gets an error and a close.

Memory is bounded by construction: at most `heavy_total` requests with a large frame or
a heavy answer (an attachment, a bulk change, the audit log) exist at once, at most
`heavy_per_user` of them one person's; every other request is under
`small_request_bytes` on the way in and waits in a bounded queue (`per_user_requests`);
replies leave in `reply_chunk_bytes` pieces, each waiting until the client has taken the
last, so nothing piles up in the server's write buffers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

KIB: Final = 1024
MIB: Final = 1024 * KIB

HEAVY_METHODS: Final = frozenset({
    "attachment", "attach_file", "audit", "events_since",
    "bulk_tag", "bulk_assign", "bulk_status", "bulk_priority", "report", "send_digest",
})
"""Calls whose answer or argument can be megabytes: they take a heavy permit."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The server's per-caller limits; the defaults are what `cxinbox serve` runs with."""

    max_request_bytes: int = 32 * MIB
    """Longest request line: a 20 MB attachment, base64-encoded, with room to spare."""
    small_request_bytes: int = 256 * KIB
    """A request line longer than this needs a heavy permit before more of it is read."""
    max_reply_bytes: int = 64 * MIB
    """Longest answer: a bulk change over 100k conversations is ~25 MB."""
    reply_chunk_bytes: int = 256 * KIB
    """Answers are written in pieces of this size, each after the client took the last."""
    per_connection_requests: int = 8
    """Requests of one connection in progress at once; more wait unread."""
    per_connection_waits: int = 2
    """`wait_events` long-polls of one connection at once; more are refused."""
    per_user_requests: int = 64
    """Requests of one person (all their connections) in progress or queued at once."""
    per_user_running: int = 4
    """Service calls of one person running at once (the server has 8 worker threads)."""
    heavy_total: int = 2
    heavy_per_user: int = 1
    rate_per_s: float = 1000.0
    """Requests per second one person may send; beyond it their requests wait."""
    rate_burst: int = 2000
    idle_s: float = 120.0
    """A connection with nothing in progress and nothing received for this long is closed."""
    frame_s: float = 30.0
    """A request line must finish arriving within this time of its first byte."""
    send_stall_s: float = 30.0
    """A client that takes no part of its answer for this long is disconnected."""
    connections_per_user: int = 32
    connections_total: int = 256


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; a caller over it is delayed."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def delay(self) -> float:
        """Take one token; seconds to wait before the request may go on (0.0: at once)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Permit:
    """Held semaphores, released once whatever happens."""

    def __init__(self, *held: asyncio.Semaphore) -> None:
        self._held = list(held)

    def release(self) -> None:
        held, self._held = self._held, []
        for sem in reversed(held):
            sem.release()


@dataclass
class UserBudget:
    """One person's share, across all their connections."""

    limits: Limits
    connections: int = 0
    requests: asyncio.Semaphore = field(init=False)
    running: asyncio.Semaphore = field(init=False)
    heavy: asyncio.Semaphore = field(init=False)
    bucket: TokenBucket = field(init=False)

    def __post_init__(self) -> None:
        self.requests = asyncio.Semaphore(self.limits.per_user_requests)
        self.running = asyncio.Semaphore(self.limits.per_user_running)
        self.heavy = asyncio.Semaphore(self.limits.heavy_per_user)
        self.bucket = TokenBucket(self.limits.rate_per_s, self.limits.rate_burst)


class Budgets:
    """Everyone's shares and the server-wide ones."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.connections = 0
        self.heavy = asyncio.Semaphore(limits.heavy_total)
        self._users: dict[int, UserBudget] = {}

    def user(self, uid: int) -> UserBudget:
        found = self._users.get(uid)
        if found is None:
            found = self._users[uid] = UserBudget(self.limits)
        return found

    async def heavy_permit(self, user: UserBudget) -> Permit:
        """The person's heavy slot, then a server-wide one (in that order, so one person
        waiting on their own slot never holds a server-wide one)."""
        await user.heavy.acquire()
        try:
            await self.heavy.acquire()
        except BaseException:
            user.heavy.release()
            raise
        return Permit(self.heavy, user.heavy)


# -- reading requests ------------------------------------------------------------------------


class FrameTooLarge(Exception):
    pass


class FrameTimeout(Exception):
    pass


class Idle(Exception):
    pass


READ_BYTES: Final = 64 * KIB


class FrameReader:
    """Request lines off one connection, with the size, time and heavy-permit rules.

    Bytes are read in small pieces so a long line is seen growing: past
    `small_request_bytes` the rest is not read until a heavy permit is granted, past
    `max_request_bytes` the line is refused, and a line must finish within `frame_s`
    (slowloris). With nothing arriving and nothing in progress (`busy()` false) for
    `idle_s`, the connection is idle.
    """

    def __init__(self, reader: asyncio.StreamReader, limits: Limits,
                 heavy: Callable[[], Awaitable[Permit]], busy: Callable[[], bool]) -> None:
        self._reader = reader
        self._limits = limits
        self._heavy = heavy
        self._busy = busy
        self._buf = bytearray()
        self._scanned = 0

    async def next(self) -> tuple[bytes, Permit | None] | None:
        """The next line and the heavy permit it needed (the caller releases it); None at
        the end of the stream."""
        limits = self._limits
        loop = asyncio.get_running_loop()
        permit: Permit | None = None
        started: float | None = None
        try:
            while True:
                end = self._buf.find(b"\n", self._scanned)
                if end >= 0:
                    line = bytes(self._buf[:end + 1])
                    del self._buf[:end + 1]
                    self._scanned = 0
                    return line, permit
                self._scanned = len(self._buf)
                if len(self._buf) > limits.max_request_bytes:
                    raise FrameTooLarge
                if permit is None and len(self._buf) > limits.small_request_bytes:
                    permit = await self._heavy()
                    started = loop.time()  # waiting for the permit is not the client's delay
                now = loop.time()
                if self._buf:
                    started = now if started is None else started
                    wait = started + limits.frame_s - now
                    if wait <= 0:
                        raise FrameTimeout
                else:
                    wait = limits.idle_s
                try:
                    async with asyncio.timeout(wait):
                        chunk = await self._reader.read(READ_BYTES)
                except TimeoutError:
                    if self._buf:
                        raise FrameTimeout from None
                    if self._busy():
                        continue
                    raise Idle from None
                if not chunk:
                    return None
                self._buf += chunk
        except BaseException:
            if permit is not None:
                permit.release()
            raise


# -- writing answers -------------------------------------------------------------------------


class ReplyWriter:
    """Answers of one connection, one at a time, in chunks that wait for the client."""

    def __init__(self, writer: asyncio.StreamWriter, limits: Limits) -> None:
        self._writer = writer
        self._limits = limits
        self._lock = asyncio.Lock()
        writer.transport.set_write_buffer_limits(high=limits.reply_chunk_bytes)

    async def send(self, line: bytes) -> None:
        """Raises ConnectionError when the client is gone or stopped reading."""
        chunk = self._limits.reply_chunk_bytes
        view = memoryview(line)
        async with self._lock:
            for start in range(0, len(view), chunk):
                if self._writer.is_closing():
                    raise ConnectionResetError("the client has gone")
                self._writer.write(view[start:start + chunk])
                try:
                    async with asyncio.timeout(self._limits.send_stall_s):
                        await self._writer.drain()
                except TimeoutError:
                    self._writer.transport.abort()
                    raise ConnectionResetError("the client stopped reading its answers") from None
