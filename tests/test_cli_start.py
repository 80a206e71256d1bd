"""The command line as an admin meets it: start-up, --version, completion, one-line usage
errors, help that explains, and the fast paths that must say exactly what the app says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.doctorhelp import unwrap
from tests.support.clirun import cx_here
from tests.test_bulk_cli import fill
from tests.test_cli import assert_one_line_error
from tests.test_serve_support import ME, SRC, Server, socket_dir, write_config

from cxinbox import __version__
from cxinbox.config import load_config
from cxinbox.store.db import Database


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home of its own: no config, an empty cache."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def run(*args: str, home: Path, env: dict[str, str] | None = None,
        code: str | None = None, real: bool = True) -> subprocess.CompletedProcess[str]:
    """`cxinbox ARGS` with a home of its own, in a fresh interpreter (this file is about
    start-up, fast paths and what a terminal gets); with `real=False` in this process
    (tests/support/clirun.py), where only the output is in question."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("CXINBOX_", "XDG_", "_CXINBOX_")) and k != "COLUMNS"}
    full = {**clean, "HOME": str(home), "PYTHONPATH": SRC, **(env or {})}
    if not real and code is None:
        return cx_here(*args, environ=full)
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "cxinbox",
                                                             *args]
    return subprocess.run(argv, capture_output=True, text=True, env=full, timeout=60,
                          stdin=subprocess.DEVNULL, check=False)


# -- version, help, completion ----------------------------------------------------------------


def test_version_fast_and_through_typer_agree(home: Path, tmp_path: Path) -> None:
    fast = run("--version", home=home)
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, f"cxinbox {__version__}\n", "")
    typed = run("--config", str(tmp_path / "none.toml"), "--version", home=home)
    assert (typed.returncode, typed.stdout) == (0, fast.stdout)


def test_root_help_is_typers_own_text(home: Path) -> None:
    from cxinbox.cli_help import ROOT_HELP, render_root_help

    assert render_root_help() == ROOT_HELP, \
        "the app's help changed: PYTHONPATH=src python -m cxinbox.cli_help"
    shown = run("--help", home=home)
    assert (shown.returncode, shown.stdout) == (0, ROOT_HELP)
    typed = run("--no-mouse", "--help", home=home)  # not the fast path: typer renders it
    assert (typed.returncode, typed.stdout) == (0, ROOT_HELP)
    assert "cxinbox demo" in ROOT_HELP and "cxinbox init" in ROOT_HELP
    assert "cxinbox completion bash" in ROOT_HELP and "--version" in ROOT_HELP
    narrow = run("-h", home=home, env={"COLUMNS": "60"})  # rendered by click for 60 columns
    assert narrow.returncode == 0 and narrow.stdout != ROOT_HELP
    assert narrow.stdout.startswith("Usage: cxinbox [OPTIONS]")
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60


def test_completion_script_and_completions(home: Path) -> None:
    bash = run("completion", "bash", home=home)
    assert bash.returncode == 0 and "_CXINBOX_COMPLETE=complete_bash" in bash.stdout
    assert "complete -o default -F _cxinbox_completion cxinbox" in bash.stdout
    zsh = run("completion", "zsh", home=home)
    assert zsh.returncode == 0 and "#compdef cxinbox" in zsh.stdout
    bad = run("completion", "tcsh", home=home)
    assert "'tcsh' is not one of" in assert_one_line_error(bad, 2)

    def complete(words: str) -> list[str]:
        env = {"_CXINBOX_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        proc = run(home=home, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert "list" in complete("cxinbox li") and "doctor" not in complete("cxinbox li")
    assert complete("cxinbox outbox ") == ["list", "retry", "cancel", "confirm"]
    assert "--json" in complete("cxinbox list --j")


# -- usage errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "says"), [
    (["list", "--frob"], "no such option '--frob' (try cxinbox list --help)"),
    (["--frob"], "no such option '--frob' (try cxinbox --help)"),
    (["show"], "missing argument 'ID' (try cxinbox show --help)"),
    (["reply", "--body-file", "x"], "missing argument 'ID' (try cxinbox reply --help)"),
    (["outbox", "frob"], "'frob' is not one of 'list', 'retry', 'cancel', 'confirm'"),
    (["list", "--limit", "0"], "0 is not in the range 1<=x<=1000"),
    (["list", "--limit", "many"], "'many' is not a valid integer"),
    (["lsit"], "no such command 'lsit'; did you mean 'list'"),
    (["unassign", "3"], "no such command 'unassign'; did you mean: cxinbox assign 3 --unassign"),
    (["close", "#4"], "no such command 'close'; did you mean: cxinbox status '#4' closed"),
    (["list", "a", "b"], "got unexpected extra argument (b)"),
])
def test_usage_errors_are_one_line(home: Path, args: list[str], says: str) -> None:
    proc = run(*args, home=home, real=args == ["list", "--frob"])  # one child: exit, stderr
    line = assert_one_line_error(proc, 2)
    assert says in line, line
    assert line.lower().count("did you mean") <= 1, line  # qa27 F7: it was said twice
    assert proc.stdout == "" and "Usage:" not in proc.stderr and "\u256d" not in proc.stderr


def test_no_config_points_at_demo_and_init(home: Path) -> None:
    line = assert_one_line_error(run(home=home), 2)
    assert "cxinbox demo" in line and "cxinbox init" in line
    assert str(home / ".config" / "cxinbox" / "config.toml") in line


# -- help texts -----------------------------------------------------------------------------------


def test_help_texts_explain_queries_actions_and_templates(home: Path) -> None:
    listing = run("list", "--help", home=home).stdout
    for field in ("status:", "assignee:", "tag:", "from:", "sla:", "is:", "before:", "id:"):
        assert field in listing, field
    assert "Examples:" in listing and "cxinbox list 'status:open sla:at-risk'" in listing
    outbox = run("outbox", "--help", home=home).stdout
    for action in ("retry ID", "cancel ID", "confirm ID", "[list|retry|cancel|confirm]"):
        assert action in outbox, action
    assert "--template '?' lists them" in " ".join(run("reply", "--help", home=home).stdout.split())


def test_templates_are_listed(home: Path, tmp_path: Path) -> None:
    with socket_dir() as sockdir:
        cfg = write_config(tmp_path, sockdir / "none.sock", {ME: "admin"})
    cfg.write_text(cfg.read_text() + '\n[[compose.canned]]\nname = "results-ready"\n'
                   'subject = "Your results are ready"\nbody = "Dear {patient_name},\\n'
                   'your results from {date} are in."\n\n[[compose.canned]]\n'
                   'name = "callback"\nbody = "We tried to call you."\n')
    from cxinbox.config import load_config
    from cxinbox.store.db import Database

    Database(load_config(cfg).db_path).close()  # the cache a sync or the server made
    listed = run("templates", "--config", str(cfg), home=home, real=False)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "results-ready  Your results are ready - Dear {patient_name},",
        "callback       We tried to call you."]
    assert "2 template(s)" in listed.stderr
    asked = run("reply", "--template", "?", "--config", str(cfg), home=home, real=False)
    assert (asked.returncode, asked.stdout) == (0, listed.stdout)
    as_json = json.loads(run("templates", "--json", "--config", str(cfg), home=home,
                             real=False).stdout)
    assert [t["name"] for t in as_json] == ["results-ready", "callback"]


# -- doctor at 80 columns -----------------------------------------------------------------------


def test_doctor_fits_80_columns_and_json_is_whole(home: Path, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 3, "clinic")
    deep.mkdir(parents=True)
    cfg = deep / "config.toml"
    cfg.write_text(f'[store]\npath = "{deep / "data" / "cxinbox.db"}"\n')
    (deep / "data").mkdir(mode=0o755)
    run("doctor", "--config", str(cfg), home=home)  # creates the database: same checks next
    shown = run("doctor", "--config", str(cfg), home=home)
    lines = shown.stdout.splitlines()
    assert shown.returncode == 1, shown.stdout  # the data folder's mode is wrong
    assert max(len(line) for line in lines) <= 80, shown.stdout
    assert any(line.startswith("        ") for line in lines)  # continuation lines indented
    report = json.loads(run("doctor", "--json", "--config", str(cfg), home=home).stdout)
    assert report["config"] == str(cfg) and report["passed"] is False
    texts = [f"{f['level']}: {f['text']}" for f in report["findings"]]
    assert any(len(text) > 80 for text in texts)
    assert any(f"fail: {deep / 'data'} has mode 0755; run chmod 700" in t for t in texts)
    whole = unwrap(shown.stdout).splitlines()
    assert [line.split(None, 1)[1] for line in whole[1:-1]] == \
        [f["text"] for f in report["findings"]]


# -- list through a running server: fast, light, and the same as the app -----------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, Server]]:
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        cfg = write_config(tmp_path, sock, {ME: "admin"})
        db = Database(load_config(cfg).db_path)
        fill(db, 60)
        db.close()
        with Server(cfg, sock) as server:
            yield cfg, server


def test_doctor_does_not_call_a_server_of_another_store_its_own(
        served: tuple[Path, Server], home: Path, tmp_path: Path) -> None:
    """review27 #6: doctor asked the socket's server without checking it serves this
    config's store, so a stale server left on the socket (another database) read as
    "answering" for this config. It is asked as the CLI's other probes ask it."""
    cfg, _server = served
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    moved = other / "config.toml"
    moved.write_text(cfg.read_text().replace(str(load_config(cfg).db_path),
                                             str(other / "data" / "cxinbox.db")))
    mine = json.loads(run("doctor", "--json", "--config", str(cfg), home=home).stdout)
    sock = load_config(cfg).socket_path
    assert {"level": "ok", "text": f"cxinbox server answering on {sock}"} \
        in mine["findings"], mine
    theirs = json.loads(run("doctor", "--json", "--config", str(moved), home=home).stdout)
    [said] = [f for f in theirs["findings"] if f["text"].startswith("cxinbox server")]
    assert said["level"] == "fail", theirs
    assert "not talking to it" in said["text"] and str(other / "data") in said["text"], said


LIST_AND_MODULES = ("import json, sys\nfrom cxinbox.cli import main\nmain(sys.argv[1:])\n"
                    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n")


def test_list_through_the_server_skips_typer_and_the_service_layer(
        served: tuple[Path, Server], home: Path) -> None:
    cfg, server = served
    seen = server.connections()
    for attempt in ("first", "cached"):
        proc = run("list", "status:open", "--config", str(cfg), home=home,
                   code=LIST_AND_MODULES)
        assert proc.returncode == 0, proc.stderr
        count, modules_json = proc.stderr.splitlines()
        assert count == "1-50 of 60 conversation(s)"
        modules = set(json.loads(modules_json))
        heavy = {m for m in modules if m.split(".")[0] in ("typer", "click", "textual", "rich",
                                                             "asyncio", "sqlite3", "httpx")
                 or m.startswith(("cxinbox.service", "cxinbox.store", "cxinbox.channels",
                                  "cxinbox.tui", "cxinbox.cli_app", "cxinbox.api.interface"))}
        assert heavy == set(), (attempt, sorted(heavy))
        if attempt == "cached":  # the validated config's facts were remembered
            assert "cxinbox.config" not in modules
        assert len(proc.stdout.splitlines()) == 50
    assert server.connections() == seen + 2  # both went through the server


def test_fast_list_prints_what_the_app_prints(served: tuple[Path, Server], home: Path) -> None:
    cfg, _server = served
    for extra in ([], ["--json"], ["--limit", "5", "--offset=7"]):
        real = extra == []  # children for the first pair, this process for the others
        fast = run("list", "status:open", *extra, "--config", str(cfg), home=home, real=real)
        # `--no-mouse` is a root option the fast path leaves to the app: the same listing
        typed = run("--no-mouse", "list", "status:open", *extra, "--config", str(cfg),
                    home=home, real=real)
        assert fast.returncode == typed.returncode == 0, (fast.stderr, typed.stderr)
        assert (fast.stdout, fast.stderr) == (typed.stdout, typed.stderr), extra
    bad = run("list", "stauts:open", "--config", str(cfg), home=home)
    assert "status" in assert_one_line_error(bad, 4)


def test_a_changed_config_is_validated_again(served: tuple[Path, Server], home: Path) -> None:
    cfg, _server = served
    assert run("list", "--config", str(cfg), home=home, real=False).returncode == 0
    assert list((home / ".cache" / "cxinbox").iterdir())  # remembered
    cfg.write_text(cfg.read_text() + "\n[sync]\nbatch_sise = 5\n")
    line = assert_one_line_error(run("list", "--config", str(cfg), home=home), 2)
    assert "batch_sise" in line and "batch_size" in line


# -- imports ---------------------------------------------------------------------------------------


def test_the_typer_app_does_not_import_textual(home: Path) -> None:
    code = ("import sys, cxinbox.cli_app\n"
            "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n")
    proc = run(home=home, code=code)
    assert (proc.returncode, proc.stdout.strip()) == (0, "False"), proc.stderr


@pytest.mark.parametrize("args", [["show", "--help"], ["outbox", "--help"], ["contact"],
                                  ["audit", "--help"], ["-c", "x.toml", "tag", "--help"]])
def test_a_command_built_alone_helps_as_in_the_whole_app(home: Path, args: list[str]) -> None:
    """`run` builds only the command named; its help must be the one the whole app gives."""
    whole = run(*args, home=home, code="import sys\nfrom cxinbox.cli_app import app\n"
                                       "app(sys.argv[1:], prog_name='cxinbox')\n")
    alone = run(*args, home=home)
    assert "Usage: cxinbox " in whole.stdout + whole.stderr
    assert (alone.returncode, alone.stdout, alone.stderr) == \
        (whole.returncode, whole.stdout, whole.stderr)
