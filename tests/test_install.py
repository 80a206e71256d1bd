"""What an IT admin installs: the wheel and sdist `python -m build` makes, the wheel in a
fresh virtual environment, and the systemd files that ship inside it.

The fresh environment gets the wheel only (`--no-deps`); its dependencies come from the
test environment through a .pth line, so no network is needed for them and nothing of
the source tree (PYTHONPATH, an editable install) can stand in for what the wheel lacks.
`systemd-analyze` checks the unit as the admin would get it: printed by the installed
`cxinbox service install --print`, pointing at the installed `cxinbox`.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "contrib" / "systemd" / "cxinbox.service"
IN_CI = bool(os.environ.get("CI"))
EXPOSURE_LIMIT = 2.0


def _need(found: object, what: str) -> None:
    if not found:
        if IN_CI:
            pytest.fail(f"{what} is missing in CI")
        pytest.skip(f"{what} is not installed")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path

    @property
    def cxinbox(self) -> Path:
        return self.venv / "bin" / "cxinbox"

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.cxinbox), *args], capture_output=True, text=True,
                              env=_clean_env(), cwd=cwd or self.venv, timeout=60, check=False)


def _clean_env() -> dict[str, str]:
    """No PYTHONPATH: the source tree (and the egg-info a build leaves in it) must not
    make the wheel look installed, or stand in for what it lacks."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "CXINBOX_CONFIG", "CXINBOX_LOCAL")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    try:
        import build  # noqa: F401
    except ImportError:
        _need(False, "the `build` package (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("install")
    dist = base / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
                           capture_output=True, text=True, env=_clean_env(), timeout=600,
                           check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("cxinbox-*.whl")
    (sdist,) = dist.glob("cxinbox-*.tar.gz")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   env=_clean_env(), timeout=120)
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                          "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                         capture_output=True, text=True, env=_clean_env(), timeout=300,
                         check=False)
    assert pip.returncode == 0, pip.stderr
    assert (venv / "bin" / "cxinbox").exists(), pip.stdout
    (venv_site,) = (venv / "lib").glob("python3*/site-packages")
    (venv_site / "test-dependencies.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if Path(p).is_dir()) + "\n")
    yield Installed(wheel, sdist, venv)


def test_wheel_and_sdist_carry_the_package_data(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for needed in ("cxinbox/config.example.toml", "cxinbox/tui/app.tcss", "cxinbox/py.typed",
                   "cxinbox/cli_help.py", "cxinbox/systemd/cxinbox.service",
                   "cxinbox/systemd/cxinbox.sysusers", "cxinbox/systemd/cxinbox.tmpfiles"):
        assert needed in names, needed
    assert not any(n.startswith("tests/") for n in names)
    with tarfile.open(installed.sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    assert "src/cxinbox/systemd/cxinbox.service" in members
    assert "pyproject.toml" in members


def test_the_wheel_offers_postgresql_support_as_the_readme_installs_it(
        installed: Installed) -> None:
    """README, Install: `pipx install '.[postgresql]'`; the extra must exist under that
    name and bring the driver and its pool (and the plain install must not)."""
    wheel = zipfile.ZipFile(installed.wheel)
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    lines = wheel.read(metadata).decode().splitlines()
    assert "Provides-Extra: postgresql" in lines
    needs = [line for line in lines if line.startswith("Requires-Dist: psycopg")]
    assert needs and all('extra == "postgresql"' in line or 'extra == "test"' in line
                         for line in needs), needs
    assert any(line.startswith("Requires-Dist: psycopg-pool") and "postgresql" in line
               for line in needs), needs
    readme = (REPO / "README.md").read_text()
    assert "pipx install '.[postgresql]'" in readme
    assert "[postgresql]'" in readme.split("## Running a clinic install", 1)[1]


def test_the_installed_command_runs_from_the_wheel(installed: Installed) -> None:
    version = re.match(r"cxinbox-([^-]+)-", installed.wheel.name)
    assert version is not None
    done = installed.run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cxinbox {version.group(1)}"
    helped = installed.run("--help")
    assert helped.returncode == 0, helped.stderr
    assert "serve" in helped.stdout and "service" in helped.stdout
    # The code that answered is the wheel's, not the source tree's.
    probe = ("import cxinbox, importlib.resources as r; print(cxinbox.__file__);"
             "print(len(r.files('cxinbox').joinpath('tui/app.tcss').read_text()))")
    where = subprocess.run([str(installed.venv / "bin" / "python"), "-c", probe],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]},
                           timeout=60, check=False)
    file_line, tcss_len = where.stdout.split()
    assert file_line.startswith(str(installed.venv)), where.stdout
    assert int(tcss_len) > 0
    # config.example.toml is read from the package by `init`.
    cfg = installed.venv / "written" / "config.toml"
    made = installed.run("init", "--config", str(cfg))
    assert made.returncode == 0, made.stderr
    assert "[server]" in cfg.read_text()
    # Shell completion as the README documents it.
    completion = installed.run("completion", "bash")
    assert completion.returncode == 0 and "_CXINBOX_COMPLETE" in completion.stdout


def test_service_install_prints_the_packaged_files(installed: Installed) -> None:
    done = installed.run("service", "install", "--print", "--exec", "/usr/local/bin/cxinbox")
    assert done.returncode == 0, done.stderr
    for name, target in (("cxinbox.service", "/etc/systemd/system/cxinbox.service"),
                         ("cxinbox.sysusers", "/etc/sysusers.d/cxinbox.conf"),
                         ("cxinbox.tmpfiles", "/etc/tmpfiles.d/cxinbox.conf")):
        shipped = (REPO / "contrib" / "systemd" / name).read_text()
        assert f"# ==> {target} <==\n{shipped}" in done.stdout, name


def test_systemd_analyze_verify_is_clean(installed: Installed, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    _need(analyze, "systemd-analyze (apt-get install systemd)")
    done = installed.run("service", "install", "--print", "--exec", str(installed.cxinbox))
    unit = done.stdout.split("# ==> /etc/systemd/system/cxinbox.service <==\n")[1]
    unit = unit.split("# ==> ")[0]
    assert f"ExecStart={installed.cxinbox} serve\n" in unit
    path = tmp_path / "cxinbox.service"
    path.write_text(unit)
    verified = subprocess.run([str(analyze), "verify", str(path)], capture_output=True,
                              text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip() == verified.stderr.strip() == "", verified.stderr


def exposure(unit: Path) -> tuple[float, str]:
    analyze = shutil.which("systemd-analyze")
    _need(analyze, "systemd-analyze (apt-get install systemd)")
    done = subprocess.run([str(analyze), "security", "--offline=true", str(unit)],
                          capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r"Overall exposure level for cxinbox\.service: ([0-9.]+) (\w+)",
                      done.stdout)
    assert found is not None, done.stdout + done.stderr
    return float(found.group(1)), found.group(2)


def test_systemd_analyze_security_exposure_is_ok() -> None:
    score, verdict = exposure(UNIT)
    assert score <= EXPOSURE_LIMIT and verdict == "OK", (score, verdict)


def test_sysusers_and_tmpfiles_make_the_layout(tmp_path: Path) -> None:
    """Run against a throwaway root: the user, the group, membership, directory modes."""
    sysusers, tmpfiles = shutil.which("systemd-sysusers"), shutil.which("systemd-tmpfiles")
    _need(sysusers and tmpfiles, "systemd-sysusers and systemd-tmpfiles")
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles --root needs root to chown")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    from cxinbox.cli_service import install

    install(root, "/usr/local/bin/cxinbox", force=False)
    for argv in ([sysusers, f"--root={root}"], [tmpfiles, f"--root={root}", "--create"]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    users = {line.split(":")[0]: line.split(":") for line in
             (root / "etc" / "passwd").read_text().splitlines()}
    groups = {line.split(":")[0]: line.split(":") for line in
              (root / "etc" / "group").read_text().splitlines()}
    assert users["cxinbox"][6] == "/usr/sbin/nologin"
    assert "cxinbox" in groups["frontdesk"][3].split(",")
    uid, frontdesk = int(users["cxinbox"][2]), int(groups["frontdesk"][2])
    for sub in ("etc/cxinbox/secrets", "var/backups/cxinbox"):
        info = (root / sub).stat()
        assert (info.st_mode & 0o777, info.st_uid, info.st_gid) == (0o700, uid, frontdesk), sub


def test_service_install_writes_refuses_a_changed_file_and_forces(tmp_path: Path) -> None:
    def cx(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**_clean_env(), "PYTHONPATH": str(REPO / "src")}
        return subprocess.run([sys.executable, "-m", "cxinbox", "service", "install",
                               "--root", str(tmp_path), *args], capture_output=True,
                              text=True, env=env, timeout=60, check=False)

    first = cx("--exec", "/opt/cxinbox/bin/cxinbox")
    assert first.returncode == 0, first.stderr
    unit = tmp_path / "etc" / "systemd" / "system" / "cxinbox.service"
    assert "ExecStart=/opt/cxinbox/bin/cxinbox serve\n" in unit.read_text()
    assert stat_mode(unit) == 0o644 and "systemctl enable --now cxinbox" in first.stdout
    assert cx("--exec", "/opt/cxinbox/bin/cxinbox").returncode == 0  # same text: fine
    moved = cx("--exec", "/usr/bin/cxinbox")
    assert moved.returncode == 2 and moved.stderr.count("\n") == 1, moved.stderr
    assert "exists and differs" in moved.stderr and "--force" in moved.stderr
    assert "/opt/cxinbox/bin/cxinbox" in unit.read_text()  # nothing replaced
    assert cx("--exec", "/usr/bin/cxinbox", "--force").returncode == 0
    assert "ExecStart=/usr/bin/cxinbox serve\n" in unit.read_text()
    bad = cx("--exec", "cxinbox; rm -rf /", "--print")
    assert bad.returncode == 2 and "absolute path" in bad.stderr and bad.stdout == ""


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
