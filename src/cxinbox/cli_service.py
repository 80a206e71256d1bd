"""`cxinbox service install`: the systemd unit and its sysusers/tmpfiles snippets.

The files ship inside the package (`cxinbox/systemd/`, what `contrib/systemd/` in the
repository points at), so the unit an admin reviews with `--print` is byte for byte the one
the tests run `systemd-analyze security` and `verify` on; only `ExecStart=` is pointed at
the `cxinbox` actually installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

PACKAGED_EXEC = "/usr/local/bin/cxinbox"
"""Where the packaged unit expects `cxinbox` (pipx with PIPX_BIN_DIR=/usr/local/bin)."""


@dataclass(frozen=True)
class UnitFile:
    name: str  # in the package's systemd/ folder
    target: str  # where it goes, from the root

    def text(self) -> str:
        return (files("cxinbox") / "systemd" / self.name).read_text(encoding="utf-8")


UNIT_FILES = (
    UnitFile("cxinbox.service", "etc/systemd/system/cxinbox.service"),
    UnitFile("cxinbox.sysusers", "etc/sysusers.d/cxinbox.conf"),
    UnitFile("cxinbox.tmpfiles", "etc/tmpfiles.d/cxinbox.conf"),
)

NEXT_STEPS = """\
next, as root:
  systemd-sysusers && systemd-tmpfiles --create /etc/tmpfiles.d/cxinbox.conf
  systemctl daemon-reload && systemctl enable --now cxinbox
  systemctl status cxinbox"""


class ServiceError(Exception):
    """One line for the admin."""


def installed_exec() -> str:
    """The `cxinbox` this command was started as, unresolved (a pipx symlink in
    /usr/local/bin stays valid across upgrades); the packaged default otherwise."""
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).name == "cxinbox" and os.path.isabs(argv0):
        return argv0
    found = shutil.which("cxinbox")
    return os.path.abspath(found) if found else PACKAGED_EXEC


def rendered(unit: UnitFile, exec_path: str) -> str:
    text = unit.text()
    if unit.name != "cxinbox.service" or exec_path == PACKAGED_EXEC:
        return text
    if not os.path.isabs(exec_path) or any(c.isspace() or c in "\"'\\%$;" for c in exec_path):
        raise ServiceError(f"--exec {exec_path!r}: give an absolute path without spaces, "
                           "quotes, %, $ or backslashes")
    old = f"ExecStart={PACKAGED_EXEC} serve\n"
    if old not in text:
        raise ServiceError("the packaged unit has no ExecStart line to point elsewhere")
    return text.replace(old, f"ExecStart={exec_path} serve\n")


def install(root: Path, exec_path: str, force: bool) -> list[Path]:
    """Write the three files under `root`; refuses to replace a different file unless
    `force` (a local edit belongs in a drop-in, but it must not vanish silently)."""
    planned = [(root / unit.target, rendered(unit, exec_path)) for unit in UNIT_FILES]
    for path, text in planned:
        if path.exists() and not force and path.read_text(encoding="utf-8") != text:
            raise ServiceError(f"{path} exists and differs; review it, then --force "
                               "(local changes belong in `systemctl edit cxinbox`)")
    written: list[Path] = []
    for path, text in planned:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".cxinbox-new")
            tmp.write_text(text, encoding="utf-8")
            tmp.chmod(0o644)
            tmp.replace(path)
        except OSError as exc:
            raise ServiceError(f"{path}: {exc.strerror or exc}") from None
        written.append(path)
    return written


def register(app: typer.Typer) -> None:
    service_app = typer.Typer(help="Run `cxinbox serve` as a systemd service.",
                              no_args_is_help=True)
    app.add_typer(service_app, name="service")

    @service_app.command("install")
    def install_command(
        print_only: Annotated[bool, typer.Option(
            "--print", help="Print the files (with where each goes) instead of writing them.")
        ] = False,
        root: Annotated[Path, typer.Option(
            help="Install under this directory instead of / (an image, a test).")
        ] = Path("/"),
        exec_path: Annotated[str | None, typer.Option(
            "--exec", help="The cxinbox the unit runs (default: this one).")] = None,
        force: Annotated[bool, typer.Option(help="Replace files that differ.")] = False,
    ) -> None:
        """Install cxinbox.service, its sysusers.d and tmpfiles.d files (review with --print)."""
        exe = exec_path or installed_exec()
        try:
            if print_only:
                texts = [(unit.target, rendered(unit, exe)) for unit in UNIT_FILES]
                for target, text in texts:
                    typer.echo(f"# ==> /{target} <==")
                    typer.echo(text)
                return
            written = install(root, exe, force)
        except ServiceError as exc:
            typer.echo(f"cxinbox: service install: {exc}", err=True)
            raise typer.Exit(2) from None
        for path in written:
            typer.echo(f"wrote {path}")
        typer.echo(NEXT_STEPS)
