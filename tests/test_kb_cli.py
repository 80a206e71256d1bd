"""`cxinbox kb add|edit` through $EDITOR (a real program standing in for the person), and
the command line's own one-line errors, in-process on a real store."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from tests.test_serve_support import ME, cx, write_config


def _editor(tmp_path: Path, name: str, script: str) -> str:
    """An editor that rewrites the file it is given (argv[1]) with a shell script."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _run(cfg: Path, *args: str, editor: str | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = {"EDITOR": editor, "VISUAL": ""} if editor else {}
    return cx(*args, "--config", str(cfg), stdin=stdin, extra_env=extra)


def test_add_and_edit_in_the_editor(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, tmp_path / "none.sock", {ME: "admin"})
    writes = _editor(tmp_path, "write.sh", """cat > "$1" <<'EOF'
---
title: Fasting before blood work
slug: fasting
tags: labs
audience: patient-facing
---
No food for 8 hours.
EOF
""")
    added = _run(cfg, "kb", "add", "--editor", "--json", editor=writes)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["slug"] == "fasting"
    edits = _editor(tmp_path, "edit.sh", 'sed -i "s/8 hours/12 hours/" "$1"\n')
    edited = _run(cfg, "kb", "edit", "fasting", "--editor", "-m", "lab", "--json",
                  editor=edits)
    assert edited.returncode == 0, edited.stderr
    article = json.loads(edited.stdout)
    assert (article["body"], article["revision"]) == ("No food for 12 hours.\n", 2)
    # closing the editor without a change saves nothing
    same = _run(cfg, "kb", "edit", "fasting", "--editor", editor=_editor(
        tmp_path, "noop.sh", "true\n"))
    assert same.returncode == 1
    assert same.stderr == "cxinbox: nothing changed in the editor; nothing saved\n"
    # a mistake is one line naming the file and line, and the text is kept there
    broken = _run(cfg, "kb", "edit", "fasting", "--editor", editor=_editor(
        tmp_path, "break.sh", 'sed -i "s/^audience:.*/audience: everyone/" "$1"\n'))
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1
    kept = broken.stderr.split(":")[1].strip()
    assert broken.stderr.endswith("audience must be patient-facing or staff-only, not"
                                  " 'everyone' (your text is kept there)\n")
    assert Path(kept).is_file() and "everyone" in Path(kept).read_text()
    os.unlink(kept)
    history = json.loads(_run(cfg, "kb", "history", "fasting", "--json").stdout)
    assert [h["revision"] for h in history] == [2, 1]


def test_add_from_stdin_and_the_cli_own_errors(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, tmp_path / "none.sock", {ME: "admin"})
    added = _run(cfg, "kb", "add", "--file", "-", "--title", "Hours", "--audience", "patient",
                 "--json", stdin="Open **8 to 18**.\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["slug"] == "hours"
    cases = [
        (("kb", "add", "--title", "X", "--body", "b"), "say who it is for: --audience"),
        (("kb", "add", "--audience", "staff-only", "--body", "b"), "an article needs --title"),
        (("kb", "add", "--title", "X", "--audience", "staff", "--body", "b", "--file", "x"),
         "give the text once"),
        (("kb", "add", "--title", "Hours", "--audience", "staff", "--body", "b"),
         "an article 'hours' exists already"),
        (("kb", "add", "--file", str(tmp_path / "missing.md")), "cannot read"),
        (("kb", "search", "x", "--limit", "0"), "--limit"),
        (("reply", "1", "--kb-link", "--body-file", "x"), "--kb-link only goes with --kb"),
    ]
    for args, words in cases:
        proc = _run(cfg, *args)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, args
        assert proc.stderr.count("\n") == 1 and words in proc.stderr, (args, proc.stderr)
