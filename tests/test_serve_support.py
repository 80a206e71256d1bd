"""Helpers for the `cxinbox serve` tests (no tests here): a real server in a subprocess.

Sockets live in a short directory under /tmp: a Unix socket path must fit in 108 bytes,
and pytest's tmp_path often does not.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from cxinbox.api.socket_client import probe

ME = pwd.getpwuid(os.getuid()).pw_name
SRC = str(Path(__file__).resolve().parent.parent / "src")


@contextmanager
def socket_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="cxs-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_config(directory: Path, sock: Path, staff: dict[str, str],
                 bulk_limit: int | None = None, name: str = "config.toml") -> Path:
    """A config with a roster (`staff`: OS login -> role) and the socket at `sock`."""
    lines = ["[clinic]", 'timezone = "UTC"', "", "[store]",
             f'path = "{directory / "data" / "cxinbox.db"}"', "", "[server]",
             f'socket = "{sock}"']
    if bulk_limit is not None:
        lines.append(f"bulk_limit = {bulk_limit}")
    lines.append("")
    for user, role in staff.items():
        lines += ["[[staff]]", f'os_user = "{user}"', f'name = "{user.title()} Desk"',
                  f'role = "{role}"', ""]
    path = directory / name
    path.write_text("\n".join(lines))
    return path


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("CXINBOX_LOCAL", "CXINBOX_CONFIG")}
    out["PYTHONPATH"] = SRC + os.pathsep + out.get("PYTHONPATH", "")
    return out


def cx(*args: str, stdin: str | None = None,
       extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cxinbox", *args], capture_output=True,
                          text=True, input=stdin, env={**env(), **(extra_env or {})},
                          timeout=180, check=False)  # a start and a sync, on a busy machine


class Server:
    """`cxinbox serve` as a child process; its stderr (the log) is kept in a file."""

    def __init__(self, config: Path, sock: Path) -> None:
        self.config = config
        self.sock = sock
        self.log_path = config.parent / f"serve-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Self:
        """Start the server and wait until it listens. The deadline is generous: on a
        loaded machine starting the interpreter and opening the store can take many
        seconds. A server that does not come up is killed, not left running: the caller's
        `with` never reaches `__exit__` when this raises."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child writes it until stopped
        self.proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "serve", "--config",
                                      str(self.config)], stdout=log, stderr=log, env=env())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {self.log}")
            if "listening on" in self.log:
                return self
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait(timeout=20)
        raise AssertionError(f"serve did not start within {timeout:g} s: {self.log}")

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float = 60.0) -> bool:
        """Whether `text` shows up in the log within `timeout` (the server may log a
        refusal just after the client has read it)."""
        deadline = time.monotonic() + timeout
        while text not in self.log:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def connections(self) -> int:
        return self.log.count(" msg=\"client connected\" ")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # fail the test, but leave no server behind
            self.proc.wait(timeout=20)
            raise

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop(signal.SIGKILL)


def answering(sock: Path) -> bool:
    found = probe(sock, timeout=30.0)  # a busy server answers late, not never
    if found is None:
        return False
    found[1].close()
    return True
