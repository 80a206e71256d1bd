"""Reaching `cxinbox serve` with plain blocking sockets: who answers, its hello, one call.

No asyncio here: a command that makes one call through the server (`cxinbox list`) is
done before an event loop would have been imported. `SocketAPI` (socket_client.py) builds
on `probe` for everything longer-lived.
"""

from __future__ import annotations

import contextlib
import grp
import os
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cxinbox.api import wire
from cxinbox.api.identity import acting_user, login_of
from cxinbox.contract.errors import Forbidden, ServerUnavailable, WrongServer
from cxinbox.domain.sanitize import clean_line

MAX_FRAME: Final = 1024 * 1024 * 1024
"""Longest reply line accepted: a bulk result over 100k conversations is tens of MB."""
CONNECT_TIMEOUT_S: Final = 2.0


@dataclass(frozen=True, slots=True)
class Hello:
    """What the server said about us when we connected."""

    actor: str
    name: str
    role: str
    protocol: int
    pid: int
    store: tuple[str, ...] = ()
    """The database the server serves: a SQLite file's path as configured (absolute) and
    with links resolved, or a PostgreSQL database's `postgresql://host:port/dbname`; ()
    from a server that does not say."""
    store_id: str = ""
    """The stable id the database keeps of itself (PostgreSQL's `cxinbox_meta`), if any."""


def store_names(store: Path | str) -> tuple[str, ...]:
    """How a database is named in a hello: a SQLite file absolute as configured, then
    resolved; a PostgreSQL database by `config.pg_database_name` (given as a str)."""
    if isinstance(store, str):
        return (store,)
    absolute = os.path.abspath(store)
    real = os.path.realpath(store)
    return (absolute,) if real == absolute else (absolute, real)


def _store_of(h: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    store = h.get("store", [])
    names = tuple(str(n) for n in store[:2]) if isinstance(store, list) else ()
    return names, str(h.get("store_id", ""))[:64]


def _hello_from(frame: dict[str, Any], path: Path) -> Hello:
    if "hello" in frame and isinstance(frame["hello"], dict):
        h = frame["hello"]
        names, store_id = _store_of(h)
        return Hello(str(h.get("actor", "")), str(h.get("name", "")), str(h.get("role", "")),
                     int(h.get("protocol", 0)), int(h.get("pid", 0)), names, store_id)
    if "error" in frame:
        raise wire.decode_error(frame["error"])
    raise ServerUnavailable(f"{path}: not a cxinbox server")


def refused_by(frame: dict[str, Any]) -> Hello | None:
    """The store a server names in the refusal it sends its own user (who is on no
    roster: the service user running doctor), as a Hello with no actor; None in any
    other refusal, which names nothing."""
    if "error" not in frame or not isinstance(frame.get("store"), list):
        return None
    names, store_id = _store_of(frame)
    pid = frame.get("pid")
    return Hello("", "", "", 0, pid if isinstance(pid, int) else 0, names, store_id)


def trusted_server_uids(path: Path, extra: tuple[Path, ...] = ()) -> frozenset[int]:
    """Who may run the server we talk to: root, ourselves, and the owner of the socket's
    directory (and of `extra` paths, e.g. the data directory). Someone who could only
    drop a socket into a shared directory such as /tmp is none of these."""
    uids = {0, os.getuid()}
    for candidate in (path.parent, *extra):
        with contextlib.suppress(OSError):
            uids.add(candidate.stat().st_uid)
    return frozenset(uids)


def check_server(sock: socket.socket, path: Path, trusted: frozenset[int] | None = None) -> None:
    """Before a byte is sent: the process answering must run as the socket file's owner,
    and that owner must be trusted (see `trusted_server_uids`). A patient's data, or our
    requests, never go to a look-alike listening in the server's place."""
    fmt = "3i"
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(fmt))
    _pid, uid, _gid = struct.unpack(fmt, creds)
    try:
        owner = os.stat(path).st_uid
    except OSError as exc:
        raise ServerUnavailable(f"{path}: cannot check the socket: {exc.strerror}") from None
    allowed = trusted_server_uids(path) if trusted is None else trusted
    if uid != owner:
        why = f"but the socket file belongs to {login_of(owner)}"
    elif uid not in allowed:
        why = "who is not the cxinbox server's user"
    else:
        return
    raise ServerUnavailable(f"{path}: the process answering runs as {login_of(uid)}"
                            f" (uid {uid}), {why}; not talking to it")


def check_store(hello: Hello, path: Path, db_path: Path | str | None,
                same_store: Callable[[str], bool] | None = None) -> None:
    """The server on `path` must serve the database the config names (`db_path`, its
    `Config.store_identity`): a command must never change another database because a
    socket led elsewhere (another server left running on the default socket, a config
    copied without its socket, a server on another PostgreSQL database).

    A database has one id of its own (PostgreSQL's `store_id`) but many names: another
    host name, address or socket directory reaches the same one. When the names differ,
    `same_store(id)` (given where this process can read the configured database) says
    whether the database the config names carries the server's id; then it is the same."""
    if db_path is None or not hello.store:
        return
    ours = store_names(db_path)
    if set(ours) & set(hello.store):
        return
    if hello.store_id and same_store is not None and same_store(hello.store_id):
        return
    theirs = clean_line(hello.store[-1])
    if hello.store_id:
        theirs += f" (store id {clean_line(hello.store_id)})"
    raise WrongServer(f"{clean_line(str(path))}: the server there (pid {hello.pid}) serves"
                      f" {theirs}, but the config names {clean_line(ours[-1])}; not talking"
                      " to it (check [server] socket and [store] path or url)")


def _no_access(path: Path) -> Forbidden:
    """The kernel refused the connect: we are not in the group that may use the socket."""
    group = "its group"
    for candidate in (path, path.parent):  # the socket, or the directory kept from us
        try:
            group = grp.getgrgid(os.stat(candidate).st_gid).gr_name
            break
        except (OSError, KeyError):
            continue
    return Forbidden(f"{path}: permission denied: {acting_user()} may not use this cxinbox"
                     f" server (only members of {group} may); ask an admin")


def probe(path: Path, timeout: float = CONNECT_TIMEOUT_S,
          trusted: frozenset[int] | None = None,
          db_path: Path | str | None = None,
          same_store: Callable[[str], bool] | None = None
          ) -> tuple[Hello, socket.socket] | None:
    """Connect to a server on `path`, check who runs it, and read its hello, blocking.

    With `db_path` (the config's database), a server that serves another database is
    refused (WrongServer, one line naming both).

    None when nothing answers (no socket file, or a stale one): the caller works
    in-process. Raises the server's refusal (e.g. Forbidden for someone not on the roster),
    Forbidden when the socket is not ours to use, and ServerUnavailable for a socket that
    answers with something else or is served by an untrusted user. The refusal a server
    sends its own user names the store it serves: with `db_path`, another store's server
    is WrongServer there too, before the refusal.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except PermissionError:
        sock.close()
        raise _no_access(path) from None
    except OSError:
        sock.close()
        return None
    try:
        check_server(sock, path, trusted)
    except BaseException:
        sock.close()
        raise
    try:
        buffer = b""
        while not buffer.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            buffer += chunk
        if not buffer:
            raise ServerUnavailable(f"{path}: the server closed the connection at once")
        frame = wire.loads(buffer, from_server=True)
        served = refused_by(frame)
        if served is not None:  # refused as staff, yet it says which store it serves
            check_store(served, path, db_path, same_store)
        hello = _hello_from(frame, path)
        check_store(hello, path, db_path, same_store)
    except (OSError, wire.WireError) as exc:
        sock.close()
        raise ServerUnavailable(f"{path}: no proper answer from the server ({exc})") from None
    except BaseException:
        sock.close()
        raise
    sock.settimeout(None)
    sock.setblocking(False)
    return hello, sock


def call_once(sock: socket.socket, path: Path, method: str, *args: Any, **kwargs: Any) -> Any:
    """One request on a socket from `probe`, waiting for its answer (blocking).

    The same frames and the same errors as `SocketAPI.request`: the server's own ApiError,
    or ServerUnavailable when the connection ends first (with the server's reason, if it
    said goodbye).
    """
    sock.setblocking(True)
    why = "the cxinbox server closed the connection"
    try:
        sock.sendall(wire.dumps({"id": 1, "method": method, "args": wire.encode(list(args)),
                                 "kwargs": wire.encode(kwargs)}))
        with sock.makefile("rb") as stream:
            while line := stream.readline(MAX_FRAME):
                frame = wire.loads(line, from_server=True)
                if "bye" in frame:
                    why = f"the cxinbox server closed the connection ({frame['bye']})" \
                        if isinstance(frame["bye"], str) else "the cxinbox server stopped"
                    why = clean_line(why, max_len=200)
                elif frame.get("id") == 1:
                    if "error" in frame:
                        raise wire.decode_error(frame["error"])
                    return frame.get("result")
    except (ConnectionError, OSError, ValueError, wire.WireError) as exc:
        why = f"lost the connection to the cxinbox server ({exc})"
    raise ServerUnavailable(f"{why}; {path}")
