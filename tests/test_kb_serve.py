"""The knowledge base through a real `cxinbox serve`: the CLI's commands, `reply --kb`, the
folder of Markdown files, revisions, search ranking and accents, roles, and every field
checked by the server."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.support.waiting import wait_until
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config
from tests.test_serve_validate import refusal

from cxinbox.api.validate import Validator
from cxinbox.config import load_config
from cxinbox.store.db import Database


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _desk(directory: Path, sock: Path, role: str = "admin", kb: str = "") -> Path:
    cfg = write_config(directory, sock, {ME: role, "jo": "agent"})
    if kb:
        cfg.write_text(cfg.read_text() + "\n[kb]\n" + kb + "\n")
    db = Database(load_config(cfg).db_path)
    fill(db, 3)
    db.close()
    return cfg


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def _one_line_error(proc: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    assert proc.returncode != 0, proc.stdout
    if code is not None:
        assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _events(cfg: Path, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    db = Database(load_config(cfg).db_path)
    try:
        return [(r[0], r[1], json.loads(r[2])) for r in db.conn.execute(
            "SELECT actor, target, details FROM events WHERE action = ? ORDER BY seq",
            (action,))]
    finally:
        db.close()


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    wait_until(condition, what, timeout=timeout, interval=0.1)


def test_reply_inserts_a_patient_facing_article_and_refuses_staff_only(
        tmp_path: Path, sockdir: Path) -> None:
    cfg = _desk(tmp_path, sockdir / "s.sock")
    c = str(cfg)
    with Server(cfg, sockdir / "s.sock") as server:
        _ok(cx_here("kb", "add", "-c", c, "--title", "Parking and directions", "--slug", "parking",
               "--audience", "patient-facing", "--tags", "parking", "--link", "https://clinic.example/p",
               "--body", "Free **parking** behind the building.\n\n- Bus 12 stops outside."))
        _ok(cx_here("kb", "add", "-c", c, "--title", "Records policy", "--slug", "records",
               "--audience", "staff-only", "--body", "Never email records."))
        out = json.loads(_ok(cx_here("reply", "1", "--kb", "parking", "--json", "-c", c)).stdout)
        body = out["draft"]["body"]
        assert "Free parking behind the building." in body and "- Bus 12" in body
        assert "https://clinic.example/p" in body and "**" not in body
        # after the person's own text, from a file
        text = tmp_path / "reply.txt"
        text.write_text("Hello Pat,\n\nHere is how to find us:\n")
        out = json.loads(_ok(cx_here("reply", "2", "--body-file", str(text), "--kb", "parking",
                                "--kb-link", "--json", "-c", c)).stdout)
        assert out["draft"]["body"] == ("Hello Pat,\n\nHere is how to find us:\n\n"
                                        "Parking and directions: https://clinic.example/p\n")
        # staff-only: one line, exit 6, and no draft is made or changed
        line = _one_line_error(cx("reply", "3", "--kb", "records", "-c", c), 6)
        assert line == ("cxinbox: records is staff-only: it cannot go into a reply to a"
                        " patient")
        line = _one_line_error(cx_here("reply", "1", "--kb", "records", "--body-file", str(text),
                                  "-c", c), 6)
        assert "staff-only" in line
        assert server.connections() >= 5
    db = Database(load_config(cfg).db_path)
    try:
        drafts = {r[0]: r[1] for r in db.conn.execute(
            "SELECT conversation_id, body FROM drafts")}
    finally:
        db.close()
    assert 3 not in drafts and "Never email" not in drafts[1]
    assert [(t, d["slug"]) for _, t, d in _events(cfg, "kb.insert")] == [
        ("conversation:1", "parking"), ("conversation:2", "parking")]
    assert [(a, t) for a, t, _ in _events(cfg, "kb.refused")] == [
        (ME, "conversation:3"), (ME, "conversation:1")]


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text)
    # a rewrite within the same clock tick still shows: the size or the time must move
    stamp = time.time_ns() + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


PARKING = """---
title: Parking and directions
tags: parking, directions
audience: patient-facing
---
Free parking behind the building.
"""


def test_the_folder_loads_skips_a_bad_file_and_follows_changes(tmp_path: Path,
                                                               sockdir: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    _write(folder, "parking.md", PARKING)
    _write(folder, "hours.md", "---\ntitle: Hours\naudience: patient-facing\n---\n8 to 18.\n")
    _write(folder, "bad.md", "---\ntitle: Records\nowner: Ana\naudience: staff-only\n---\nx\n")
    _write(folder, "notes.txt", "not an article")
    cfg = _desk(tmp_path, sockdir / "s.sock", kb=f'folder = "{folder}"')
    c = str(cfg)
    with Server(cfg, sockdir / "s.sock") as server:
        proc = cx_here("kb", "sync", "--json", "-c", c)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        report = json.loads(proc.stdout)
        assert sorted(report["added"]) == ["hours", "parking"]
        assert report["errors"] == [
            "kb/bad.md:3: unknown key 'owner' (known: audience, link, slug, tags, title)"]
        people = cx_here("kb", "sync", "-c", c)
        assert people.returncode == 1
        assert people.stdout.strip() == f"{folder}: 0 added, 0 changed, 2 unchanged, 0 retired"
        assert people.stderr.splitlines() == [("cxinbox: kb/bad.md:3: unknown key 'owner'"
                                              " (known: audience, link, slug, tags, title)")]
        assert server.wait_log("kb/bad.md:3")
        listed = json.loads(_ok(cx_here("kb", "list", "--json", "-c", c)).stdout)
        assert [a["slug"] for a in listed] == ["hours", "parking"]
        # edited on disk: the server re-reads it by itself, as a new revision
        _write(folder, "parking.md", PARKING.replace("Free parking", "Paid parking ($2)"))

        def shown() -> dict[str, Any]:
            return dict(json.loads(_ok(cx_here("kb", "show", "parking", "--json", "-c", c)).stdout))

        _wait(lambda: shown()["revision"] == 2, "the edited file")
        article = shown()
        assert article["body"] == "Paid parking ($2) behind the building.\n"
        assert article["source"] == "folder:parking.md"
        history = json.loads(_ok(cx_here("kb", "history", "parking", "--json", "-c", c)).stdout)
        assert [(h["revision"], h["author"], h["changed"]) for h in history] == [
            (2, "kb:folder", ["body"]), (1, "kb:folder",
                                         ["title", "tags", "audience", "body", "link"])]
        # the folder owns its articles
        line = _one_line_error(cx("kb", "edit", "parking", "--title", "x", "-c", c), 2)
        assert line == ("cxinbox: parking comes from the folder (parking.md): edit that file"
                        " instead")
        # a broken edit keeps the last good version; a removed file retires its article
        _write(folder, "hours.md", "---\ntitle: Hours\n---\nno audience\n")
        (folder / "parking.md").unlink()
        report = json.loads(cx_here("kb", "sync", "--json", "-c", c).stdout)
        assert report["retired"] == ["parking"]
        assert "kb/hours.md:3: missing 'audience: patient-facing' or 'audience: staff-only'" \
            in report["errors"]
        assert json.loads(_ok(cx_here("kb", "show", "hours", "--json", "-c", c)).stdout)[
            "body"] == "8 to 18.\n"
        assert _one_line_error(cx_here("kb", "show", "parking", "-c", c), 3) == (
            "cxinbox: no knowledge-base article 'parking' (cxinbox kb list shows them)")
        assert json.loads(_ok(cx_here("kb", "search", "parking", "--json", "-c", c)).stdout) == []
        # the fixed file loads; nothing else was lost
        _write(folder, "bad.md", "---\ntitle: Records\naudience: staff-only\n---\nx\n")
        _write(folder, "parking.md", PARKING)
        report = json.loads(cx_here("kb", "sync", "--json", "-c", c).stdout)
        assert report["added"] == ["bad", "parking@3"]  # back, as a new revision
        found = json.loads(_ok(cx_here("kb", "search", "parking", "--json", "-c", c)).stdout)
        assert [(h["slug"], h["revision"]) for h in found] == [("parking", 3)]
        assert "Free parking" not in server.log and "Paid parking" not in server.log


def test_revision_history_keeps_every_version(tmp_path: Path, sockdir: Path) -> None:
    cfg = _desk(tmp_path, sockdir / "s.sock")
    c = str(cfg)
    article = tmp_path / "fasting.md"
    article.write_text("---\ntitle: Fasting before blood work\ntags: labs\n"
                       "audience: patient-facing\n---\nNo food for 8 hours.\n")
    with Server(cfg, sockdir / "s.sock"):
        added = json.loads(_ok(cx_here("kb", "add", "--file", str(article), "--json",
                                  "-c", c)).stdout)
        assert (added["slug"], added["revision"]) == ("fasting", 1)
        _ok(cx_here("kb", "edit", "fasting", "--body", "No food for 12 hours.", "-m",
               "lab asked for 12", "-c", c))
        _ok(cx_here("kb", "edit", "fasting", "--tags", "labs,blood-test", "--link",
               "https://clinic.example/labs", "-c", c))
        line = _one_line_error(cx_here("kb", "edit", "fasting", "--tags", "labs,blood-test",
                                  "-c", c), 2)
        assert line == "cxinbox: nothing to change: fasting is already like that"
        history = json.loads(_ok(cx_here("kb", "history", "fasting", "--json", "-c", c)).stdout)
        assert [(h["revision"], h["author"], h["changed"], h["note"]) for h in history] == [
            (3, ME, ["tags", "link"], ""), (2, ME, ["body"], "lab asked for 12"),
            (1, ME, ["title", "tags", "audience", "body", "link"], "")]
        assert all(isinstance(h["at"], int) for h in history)
        first = json.loads(_ok(cx_here("kb", "show", "fasting", "-r", "1", "--json",
                                  "-c", c)).stdout)
        assert (first["body"], first["revision"], first["latest"], first["tags"]) == (
            "No food for 8 hours.\n", 1, 3, ["labs"])
        people = _ok(cx_here("kb", "history", "fasting", "-c", c)).stdout.splitlines()
        assert people[1].split()[-4:] == ["-", "lab", "asked", "for", "12"][-4:]
        assert _one_line_error(cx("kb", "show", "fasting", "-r", "9", "-c", c), 3) == (
            "cxinbox: fasting has no revision 9 (it has 1 to 3)")
    assert [(d["slug"], d["revision"]) for _, _, d in _events(cfg, "kb.edit")] == [
        ("fasting", 2), ("fasting", 3)]


def test_search_ranks_titles_first_and_folds_accents(tmp_path: Path, sockdir: Path) -> None:
    cfg = _desk(tmp_path, sockdir / "s.sock")
    c = str(cfg)
    articles = [
        ("Hours", "We are open 8 to 18. For parking see the parking page; parking parking."),
        ("Parking and directions", "Behind the building on Calle Mayor."),
        ("Análisis de sangre", "Ayuno de 8 horas. Puede tomar café solo."),
        ("Cafe opening", "The café downstairs opens at seven; año nuevo closed."),
    ]
    with Server(cfg, sockdir / "s.sock"):
        for title, body in articles:
            _ok(cx_here("kb", "add", "-c", c, "--title", title, "--audience", "patient-facing",
                   "--body", body))

        def found(*words: str) -> list[str]:
            out = _ok(cx_here("kb", "search", *words, "--json", "-c", c)).stdout
            return [h["slug"] for h in json.loads(out)]

        assert found("parking") == ["parking-and-directions", "hours"]
        assert found("park") == ["parking-and-directions", "hours"]  # a word is a prefix
        assert found("analisis") == ["analisis-de-sangre"]  # accents fold both ways
        assert found("ANÁLISIS") == ["analisis-de-sangre"]
        assert found("cafe") == ["cafe-opening", "analisis-de-sangre"]
        assert found("ano", "nuevo") == ["cafe-opening"]
        assert found('"calle mayor"') == ["parking-and-directions"]
        assert found('"mayor calle"') == []
        hits = json.loads(_ok(cx_here("kb", "search", "calle", "--json", "-c", c)).stdout)
        assert hits[0]["matched"] == ["Calle"] and "Calle Mayor" in hits[0]["snippet"]
        for hostile in ('foo"', "NEAR(", "a AND", "-x", "*", "title:x", "^"):
            proc = cx_here("kb", "search", "--json", "-c", c, "--", hostile)
            assert proc.returncode == 0, (hostile, proc.stderr)
        people = _ok(cx_here("kb", "search", "parking", "-c", c)).stdout.splitlines()
        assert people[0].startswith("parking-and-directions  Parking and directions")
        assert all(len(line) <= 80 for line in people)


def test_who_may_edit(tmp_path: Path, sockdir: Path) -> None:
    """Agents read, search and insert; adding and editing is for [kb] editors (supervisors
    and admins by default), refused in one line and audited otherwise."""
    cfg = _desk(tmp_path, sockdir / "s.sock", role="agent")
    c = str(cfg)
    db = Database(load_config(cfg).db_path)
    try:
        with db.write() as conn:
            conn.execute("INSERT INTO kb_articles (slug, title, tags, audience, body, link,"
                         " source, revision, created_at, updated_at, updated_by) VALUES"
                         " ('hours', 'Hours', '', 'patient-facing', 'Open 8 to 18.', '',"
                         " 'cli', 1, 0, 0, 'admin')")
    finally:
        db.close()
    with Server(cfg, sockdir / "s.sock"):
        line = _one_line_error(cx("kb", "add", "-c", c, "--title", "X", "--audience",
                                  "staff-only", "--body", "x"), 6)
        assert line == (f"cxinbox: adding a knowledge-base article needs role admin or"
                        f" supervisor; {ME} is agent")
        assert "needs role" in _one_line_error(
            cx_here("kb", "edit", "hours", "--body", "y", "-c", c), 6)
        assert _ok(cx_here("kb", "search", "hours", "--json", "-c", c)).stdout.count('"hours"') == 1
        assert "Open 8 to 18." in _ok(cx_here("reply", "1", "--kb", "hours", "-c", c)).stdout
    assert [d["what"] for _, _, d in _events(cfg, "access.denied")] == [
        "adding a knowledge-base article", "editing a knowledge-base article"]
    cfg.write_text(cfg.read_text() + '\n[kb]\neditors = ["agent", "admin"]\n')
    with Server(cfg, sockdir / "s.sock"):
        _ok(cx_here("kb", "edit", "hours", "--body", "Open 8 to 17.", "-c", c))


def test_every_field_is_checked_by_the_server(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, tmp_path / "none.sock", {ME: "admin"})
    validator = Validator(load_config(cfg))
    check = validator.check
    assert "slug: is not an article slug" in refusal(check, "kb_show", "../etc/passwd")
    assert "slug: is not an article slug" in refusal(check, "kb_show", "Parking")
    assert "revision: must be between 1" in refusal(check, "kb_show", "parking", 0)
    assert "revision: expected an integer" in refusal(check, "kb_show", "parking", "2")
    assert "audience: must be one of patient-facing, staff-only" in refusal(
        check, "kb_add", "T", "body", "everyone")
    assert "text: contains control" in refusal(check, "kb_search", "park\x1b[31m")
    assert "text: longer than 500" in refusal(check, "kb_search", "x" * 501)
    assert "limit: must be between" in refusal(check, "kb_search", "x", -1)
    assert "body: longer than 100000" in refusal(check, "kb_add", "T", "x" * 100_001,
                                                 "staff-only")
    assert "tags: a tag has spaces" in refusal(check, "kb_add", "T", "b", "staff-only",
                                               None, ["two words"])
    assert "link: contains control" in refusal(check, "kb_add", "T", "b", "staff-only",
                                               None, None, "https://x\x07")
    assert "link_only: expected true or false" in refusal(check, "kb_insertion", "p", 1)
    assert "conversation_id: must be between 1" in refusal(check, "kb_insertion", "p",
                                                           False, 0)
    assert "kb_sync: " in refusal(check, "kb_sync", "extra")
    # free text others read is sanitised before the service sees it
    args, _ = check("kb_add", ["Park\x1b]52;c;QUFB\x07ing \u202eevil", "Body\x1b[2J text",
                               "patient-facing"], {})
    assert args[0] == "Parking evil" and "\x1b" not in args[1]
