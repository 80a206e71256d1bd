"""Whether a notify hook can be trusted to run, judged for the user who runs it.

A hook is the clinician's pager and the desk's: whoever can rewrite it (or its directory)
can run code as the server and silence the pager. It must exist, be an executable file and
be writable by nobody but root or the user the server runs as, not by its group or anyone.

Two judges use this. The server, at start, as itself (its own user, its own PATH): a problem
is a health alert on everyone's status line and in `cxinbox status` and `doctor`. And
`cxinbox doctor`, which an admin may run as another user with another PATH: it judges for
the server's user when a server's socket tells who that is, else for its own.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import shutil
import socket
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cxinbox.contract.hook_alert import BROKEN, UNSAFE, alert_key
from cxinbox.domain.sanitize import clean_line
from cxinbox.service.logsafe import log_failure

if TYPE_CHECKING:
    from cxinbox.config import Config
    from cxinbox.service.health import Health

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Runner:
    """Who runs the hooks: their uid and how a message names them ("doctor", "the
    server"); the PATH a bare name is looked up on and whose PATH that is."""

    uid: int
    path: str | None
    name: str
    path_of: str


@dataclass(frozen=True, slots=True)
class Hook:
    key: str  # "[sla] notify_command"
    argv: tuple[str, ...]
    pages: str  # what it pages for: "red flags"


def configured_hooks(config: Config) -> list[Hook]:
    sla_pages = "SLA escalations and rules' notify" + (
        "" if config.triage.notify_command else " and red flags")
    hooks = (("[sla] notify_command", config.sla.notify_command, sla_pages),
             ("[triage] notify_command", config.triage.notify_command, "red flags"))
    return [Hook(key, tuple(argv), pages) for key, argv, pages in hooks if argv]


def this_process(name: str) -> Runner:
    return Runner(os.geteuid(), os.environ.get("PATH", ""), name, name)


def located(program: str, runner: Runner) -> str | None:
    """The file a program names for `runner` (a bare name on its PATH), or None."""
    return program if "/" in program else shutil.which(program, path=runner.path)


def hook_problem(program: str, runner: Runner) -> str | None:
    """Why `runner` cannot trust this program to page, or None."""
    return _judge(program, runner)[0]


def hook_trouble(hook: Hook, runner: Runner) -> str | None:
    """The one line saying what is wrong with a hook and what it costs, or None. A hook
    that cannot run pages nobody; one that runs but that others can change still pages
    (the server runs it: a pager that rings beats one that does not), and whoever can
    change it can silence it."""
    finding = hook_finding(hook, runner)
    return None if finding is None else finding[1]


def hook_finding(hook: Hook, runner: Runner) -> tuple[str, str] | None:
    """(BROKEN or UNSAFE, the line `hook_trouble` says) for a hook `runner` cannot trust,
    or None."""
    problem, runs = _judge(hook.argv[0], runner)
    if problem is None:
        return None
    if not runs:
        return BROKEN, f"{hook.key}: {problem}: {hook.pages} page nobody"
    return UNSAFE, (f"{hook.key}: {problem}: others can change it to silence"
                    f" {hook.pages}")


def _judge(program: str, runner: Runner) -> tuple[str | None, bool]:
    """(why `runner` cannot trust the program, or None; whether it runs at all)."""
    found = located(program, runner)
    if found is None:
        elsewhere = ("" if runner.path_of == "the server"
                     else "; the server looks it up on its own PATH")
        return (f"{program} is not on {runner.path_of}'s PATH ({runner.path or ''}){elsewhere}:"
                " give the full path"), False
    path = Path(found)
    if not path.exists():
        return f"{path} does not exist", False
    if not path.is_file():
        return f"{path} is not a file", False
    target = Path(os.path.realpath(path))
    if not _executable_by(target, runner.uid):
        return (f"{path} is not executable by {user_name(runner.uid)} (chmod u+x {target})",
                False)
    trusted = {0, runner.uid}
    for where in (target, target.parent, *_link_folders(path)):
        st = where.stat()
        sticky = where.is_dir() and st.st_mode & stat.S_ISVTX
        if st.st_mode & stat.S_IWOTH and not sticky:
            return f"{where} is writable by anyone (chmod o-w {where})", True
        if st.st_mode & stat.S_IWGRP and not sticky:
            return f"{where} is writable by its group (chmod g-w {where})", True
        if st.st_uid not in trusted:
            return (f"{where} is owned by {user_name(st.st_uid)}, not root or"
                    f" {user_name(runner.uid)} ({runner.name}'s user)"), True
    return None, True


def _link_folders(path: Path) -> list[Path]:
    """The folders of the symlinks on the way from `path` to its file: whoever can write
    one of them can point the hook elsewhere (a link's own mode means nothing)."""
    folders: list[Path] = []
    seen: set[Path] = set()
    where = Path(os.path.abspath(path))
    while where.is_symlink() and where not in seen:
        seen.add(where)
        folder = Path(os.path.realpath(where.parent))
        if folder not in folders:
            folders.append(folder)
        where = Path(os.path.normpath(folder / os.readlink(where)))
    return folders


def _executable_by(path: Path, uid: int) -> bool:
    """Whether `uid` may run the file `path` (no symlink): as the kernel decides, by the
    owner's bits when the user owns it, else the group's when the user is in its group,
    else everyone's; root needs any execute bit."""
    if uid == os.geteuid():
        return os.access(path, os.X_OK)
    st = path.stat()
    if uid == 0:
        return bool(st.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid in _groups_of(uid):
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def _groups_of(uid: int) -> set[int]:
    """The user's primary group and the groups that list them (an unknown uid: none)."""
    try:
        user = pwd.getpwuid(uid)
    except KeyError:
        return set()
    return {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}


def user_name(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


RECHECK_S: float = 60.0
"""How often a server judges its hooks again (a few stat calls, and a read of the alert)."""


def server_id(config: Config, host: str | None = None) -> str:
    """`HOST:SOCKET`: one server among those sharing a store (two may share a host)."""
    return f"{host or socket.gethostname()}:{config.socket_path}"


def setup_alert_key(hook: Hook, verdict: str, server: str) -> str:
    """This server's alert key for a hook it cannot trust (contract/hook_alert.py)."""
    return alert_key(verdict, hook.key.split(" ", 1)[0], server)


class HookWatch:
    """The server's own look at its hooks (its user, its PATH), at start and every
    RECHECK_S: each it cannot trust is an alert for everyone, raised again when another
    server's start cleared it (`Health.start_fresh` clears every server's alerts) and
    ended once the hook is mended (or its verdict changed: the old key ends, the new one
    is raised). Only this server's own keys are ever ended: another server's alert about
    its own hook stays. A round whose verdicts are all in the store already only reads."""

    def __init__(self, config: Config, health: Health,
                 hooks: Sequence[Hook] | None = None, *, host: str | None = None,
                 server: str | None = None) -> None:
        self.health = health
        self.hooks = list(configured_hooks(config) if hooks is None else hooks)
        self.server = server or server_id(config, host)
        self._raised: dict[str, str] = {}  # hook key -> the alert key raised for it

    def check(self) -> list[str]:
        """One round; returns the alert lines."""
        me = this_process("the server")
        lines: list[str] = []
        for hook in self.hooks:
            finding = hook_finding(hook, me)
            before = self._raised.get(hook.key)
            key = None if finding is None else \
                setup_alert_key(hook, finding[0], self.server)
            if before is not None and before != key:
                self.health.ok(before)
                del self._raised[hook.key]
            if finding is None or key is None:
                continue
            line = finding[1]
            lines.append(line)
            self._raised[hook.key] = key
            with self.health.store.reading() as tx:
                stored = tx.alert(key)
            if stored is None or stored.message != clean_line(line, max_len=300):
                self.health.problem(key, line, again=True)
        return lines

    def run(self, stop: threading.Event, interval_s: float = RECHECK_S) -> None:
        """Rounds until `stop`; a failed round (the store away) is logged, not fatal."""
        while not stop.wait(interval_s):
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log_failure(log, "notify hook check failed", exc)


def check_hooks_at_start(config: Config, health: Health,
                         hooks: Sequence[Hook] | None = None) -> list[str]:
    """One `HookWatch` round, as the server starts. Returns the alert lines."""
    return HookWatch(config, health, hooks).check()
