"""The `cxinbox` command run inside the test's own process: `cx_here(*args)` answers like
`tests.test_serve_support.cx(*args)` (a `python -m cxinbox` child) without starting a
Python interpreter and importing the app again for every call.

Each child costs 0.5 to 3 s (the interpreter, typer, the API's dataclasses), and the
server tests make hundreds of them; in-process the same call costs milliseconds once the
modules are loaded. It runs the very entry point `python -m cxinbox` runs
(`cxinbox.cli.main`: the fast paths, the typer app, the one-line errors and their exit
codes), with the child's environment (`env()`: no CXINBOX_LOCAL or CXINBOX_CONFIG), a
stdin that is not a terminal (`stdin` or empty, as a child with its input piped), and its
own stdout and stderr. A child configures no logging outside `serve`, so a warning
reaches its stderr as the bare message (logging's last resort); here it does too, beside
pytest's own capture, so a check that no patient text reaches stderr still sees log
lines. An exception that escapes the entry point is a bug: it comes back as the child's
would, the traceback on stderr and exit 1, so a test's "no Traceback" check still fails
on it.

What a child alone proves stays with `cx`: the process's exit status and streams as a
shell sees them, start-up without the test's modules loaded, signals. The server tests
keep at least one real child per command family for that and use this for the rest.
From an async test's loop, and for `serve`, it starts a child after all.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from tests.test_serve_support import env


def _decoded(raw: bytes) -> str:
    # A child's pipes read with text=True: UTF-8 with universal newlines.
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return _decoded(stream.buffer.getvalue())  # type: ignore[attr-defined]


@contextmanager
def _child_environment(environ: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def cx_here(*args: str, stdin: str | bytes | None = None,
            extra_env: dict[str, str] | None = None,
            environ: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`cxinbox *args` in this process; a CompletedProcess as `cx` returns it. The
    environment is `env()` with `extra_env`, or `environ` exactly where given. `serve`
    (a word of `args`) always runs in a child: in here, one that failed to refuse would
    never return. So does a call from inside a running event loop (an async test): the
    CLI runs its own loop, which cannot start there."""
    child_env = dict(environ) if environ is not None else {**env(), **(extra_env or {})}
    if "serve" in args or _in_event_loop():
        done = subprocess.run([sys.executable, "-m", "cxinbox", *args], capture_output=True,
                              input=stdin.encode("utf-8") if isinstance(stdin, str) else stdin,
                              env=child_env, timeout=180, check=False)
        return subprocess.CompletedProcess(done.args, done.returncode, _decoded(done.stdout),
                                           _decoded(done.stderr))
    from cxinbox.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    data = stdin.encode("utf-8") if isinstance(stdin, str) else (stdin or b"")
    fake_in = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    saved = sys.stdin, sys.stdout, sys.stderr
    last_resort = logging.StreamHandler(err)
    last_resort.setLevel(logging.WARNING)
    root = logging.getLogger()
    # what a command may set up on the way (a NullHandler, a level) is undone after it, as
    # a child's exit would: the next run starts with logging as this one found it
    ours = logging.getLogger("cxinbox")
    kept = [(lg, lg.level, list(lg.handlers), lg.propagate) for lg in (root, ours)]
    code = 0
    with _child_environment(child_env):
        sys.stdin, sys.stdout, sys.stderr = fake_in, out, err
        root.addHandler(last_resort)
        try:
            main(list(args))
        except SystemExit as stop:
            if stop.code is None:
                code = 0
            elif isinstance(stop.code, int):
                code = stop.code
            else:
                err.write(f"{stop.code}\n")
                code = 1
        except Exception:  # noqa: BLE001 - a child would print it and exit 1
            err.write(traceback.format_exc())
            code = 1
        finally:
            root.removeHandler(last_resort)
            for lg, level, handlers, propagate in kept:
                lg.setLevel(level)
                lg.handlers[:] = handlers
                lg.propagate = propagate
            sys.stdin, sys.stdout, sys.stderr = saved
    return subprocess.CompletedProcess(["cxinbox", *args], code, _text(out), _text(err))
