"""`cxinbox report NAME` through the server and in-process, its outputs and its refusals."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.clirun import cx_here
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config
from tests.test_serve_validate import refusal

from cxinbox.api.validate import REPORT_NAMES, Validator
from cxinbox.config import load_config
from cxinbox.domain.report_tables import REPORTS
from cxinbox.store.db import Database


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _make(directory: Path, sock: Path, at: datetime | None = None) -> Path:
    cfg = write_config(directory, sock, {ME: "admin", "jo": "agent"})
    db = Database(load_config(cfg).db_path)
    fill(db, 12, at=at)
    db.close()
    return cfg


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_the_names_agree_everywhere() -> None:
    assert REPORT_NAMES == REPORTS


def test_reports_through_the_server_match_in_process(tmp_path: Path, sockdir: Path) -> None:
    served, local = tmp_path / "served", tmp_path / "local"
    served.mkdir()
    local.mkdir()
    cfg_s = _make(served, sockdir / "s.sock")
    shutil.copytree(served / "data", local / "data", dirs_exist_ok=True)
    cfg_l = write_config(local, sockdir / "nobody.sock", {ME: "admin", "jo": "agent"})
    runs = [["volume", "--json", "--since", "3d", "--until", "now"],
            ["volume", "--csv", "--by", "mailbox", "--since", "3d"],
            ["response", "--json", "--by", "day", "--since", "3d"],
            ["sla", "--json", "--since", "3d"],
            ["backlog", "--json", "--by", "channel", "--since", "3d"],
            ["backlog", "--json", "--by", "staff", "--since", "3d"],
            ["volume", "--csv", "--heatmap", "--since", "3d"],
            ["workload", "--json", "--since", "3d"],
            ["red-flags", "--json", "--since", "3d"]]
    with Server(cfg_s, sockdir / "s.sock") as server:
        for args in runs:
            # The first through a real child, the rest in this process (tests/support/clirun.py).
            via_socket = (cx if args is runs[0] else cx_here)("report", *args, "--config",
                                                              str(cfg_s))
            in_process = cx_here("report", *args, "--config", str(cfg_l))
            assert via_socket.returncode == in_process.returncode == 0, via_socket.stderr
            if "--json" in args:
                a, b = json.loads(via_socket.stdout), json.loads(in_process.stdout)
                for d in (a, b):
                    d.pop("since"), d.pop("until")
                assert a == b, args
            else:
                assert via_socket.stdout == in_process.stdout, args
        assert server.connections() == len(runs)
    db = Database(served / "data" / "cxinbox.db")
    try:
        audited = [json.loads(r[0]) for r in db.conn.execute(
            "SELECT details FROM events WHERE action = 'report.run' ORDER BY seq")]
    finally:
        db.close()
    assert [d["report"] for d in audited] == [r[0] for r in runs]


def test_volume_columns_and_formats(tmp_path: Path, sockdir: Path) -> None:
    cfg = _make(tmp_path, sockdir / "none.sock")
    out = cx_here("report", "volume", "--csv", "--since", "2d", "--config", str(cfg))
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["period", "in", "out"]
    assert sum(int(r[1]) for r in rows[1:]) == 12
    out = cx_here("report", "volume", "--csv", "--by", "week", "--by", "channel", "--since", "2d",
             "--config", str(cfg))
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0][:3] == ["period", "in", "out"] and "in:email" in rows[0]
    assert all(r[0].count("-W") == 1 for r in rows[1:])
    data: dict[str, Any] = json.loads(cx_here("report", "response", "--json", "--since", "2d",
                                         "--config", str(cfg)).stdout)
    assert set(data["tables"]) == {"response", "distribution"}
    assert data["tables"]["response"][0] == {
        "group": "all", "metric": "first-response", "count": 0, "business_median_s": None,
        "business_p90_s": None, "wall_median_s": None, "wall_p90_s": None}
    for ascii_only in ("--ascii", "--unicode"):
        people = cx_here("report", "volume", ascii_only, "--since", "2d", "--config", str(cfg))
        lines = people.stdout.splitlines()
        assert people.returncode == 0 and all(len(line) <= 80 for line in lines), lines
        bars = [line for line in lines if line.rstrip().endswith(("#", "\u2588", "\u258c"))]
        assert bars, lines  # the day the mail came has a bar
        if ascii_only == "--ascii":
            assert people.stdout.isascii()


def test_a_bare_date_as_until_includes_that_whole_day(tmp_path: Path, sockdir: Path) -> None:
    from datetime import UTC, timedelta

    # Clinic time UTC; all mail came at noon yesterday, the day read once here (a mail
    # dated a day before "now" would fall on the day before `day` if a midnight passed).
    day = (datetime.now(UTC) - timedelta(days=1)).date()
    cfg = _make(tmp_path, sockdir / "none.sock",
                at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    for since in (day, day - timedelta(days=2)):
        out = cx_here("report", "volume", "--json", "--since", since.isoformat(), "--until",
                 day.isoformat(), "--config", str(cfg))
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert data["until"] == f"{day + timedelta(days=1)}T00:00:00+00:00"
        rows = data["tables"]["volume"]
        assert rows[-1]["period"] == day.isoformat()
        assert sum(r["in"] for r in rows) == 12  # the day's mail, all of it
    # today: as much of it as has passed (a report never reaches into the future)
    before = datetime.now(UTC)
    out = cx_here("report", "volume", "--json", "--since", day.isoformat(), "--until",
             (day + timedelta(days=1)).isoformat(), "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    until = datetime.fromisoformat(json.loads(out.stdout)["until"])
    second = timedelta(seconds=1)  # up to now means up to the end of its second
    assert before - second <= until <= datetime.now(UTC) + second
    # a time of day stays that instant
    out = cx_here("report", "volume", "--json", "--since", (day - timedelta(days=2)).isoformat(),
             "--until", f"{day}T00:00", "--config", str(cfg))
    assert json.loads(out.stdout)["until"] == f"{day}T00:00:00+00:00"


def test_volume_heatmap_in_csv_json_and_for_people(tmp_path: Path, sockdir: Path) -> None:
    cfg = _make(tmp_path, sockdir / "none.sock")
    out = cx_here("report", "volume", "--heatmap", "--csv", "--since", "2d", "--config", str(cfg))
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["day", *(f"{h:02d}" for h in range(24))]
    assert [r[0] for r in rows[1:]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert sum(int(v) for r in rows[1:] for v in r[1:]) == 12  # every message in, once
    data = json.loads(cx_here("report", "volume", "--heatmap", "--json", "--since", "2d",
                         "--config", str(cfg)).stdout)
    assert set(data["tables"]) == {"heatmap", "volume"}
    for flag in ("--ascii", "--unicode"):
        people = cx_here("report", "volume", "--heatmap", flag, "--since", "2d",
                    "--config", str(cfg)).stdout
        lines = people.splitlines()
        assert all(len(line) <= 80 for line in lines), lines
        assert any(line.startswith("legend:") for line in lines), lines
        grid = [line for line in lines if line[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri",
                                                       "Sat", "Sun")]
        assert len(grid) == 7 and sum(int(line.split()[-1]) for line in grid) == 12, lines
        if flag == "--ascii":
            assert people.isascii()


@pytest.mark.parametrize(("args", "expected"), [
    (["nonsense"], "unknown report 'nonsense'"),
    (["volume", "--by", "hour"], "--by must be one of staff, mailbox"),
    (["red-flags", "--by", "day"], "takes no --by"),
    (["workload", "--by", "tag"], "cannot be broken down --by tag"),
    (["backlog", "--heatmap"], "--heatmap is for report volume"),
    (["csat", "--by", "day", "--by", "staff"], "takes one --by"),
    (["response", "--by", "day", "--by", "week"], "one period (day or week) and one other"),
    (["sla", "--by", "tag", "--by", "mailbox"], "one period (day or week) and one other"),
    (["volume", "status:"], "missing value after 'status:'"),
    (["volume", "--since", "soonish"], "soonish"),
    (["volume", "--since", "now", "--until", "2d"], "--since must be before --until"),
    (["volume", "--json", "--csv"], "at most one of --json and --csv"),
    (["sla", "--table", "nope"], "has no table 'nope'"),
])
def test_bad_input_is_one_line(tmp_path: Path, sockdir: Path, args: list[str],
                               expected: str) -> None:
    cfg = _make(tmp_path, sockdir / "none.sock")
    run = cx if args == ["nonsense"] else cx_here  # one real child: its exit and stderr
    line = _one_line_error(run("report", *args, "--config", str(cfg)))
    assert expected in line, line


def test_the_boundary_refuses_what_the_cli_would_never_send(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, tmp_path / "s.sock", {"maria": "agent"}))
    check = Validator(cfg).check
    assert "must be one of volume" in refusal(check, "report", "everything")
    assert "between 2000 and now" in refusal(check, "report", "sla", "", 5)
    assert "at most 2 items" in refusal(check, "report", "sla", "", None, None,
                                        ["day", "tag", "staff"])
    assert "by: must be one of" in refusal(check, "report", "sla", "", None, None, ["x"])
    assert check("report", ["volume"], {"by": ["week"]}) == (("volume",), {"by": ["week"]})


def test_heatmap_legend_covers_every_count_with_the_shade_it_draws() -> None:
    """Each count from 1 to the busiest hour falls in the legend range of the shade that
    draws it (a range off by one left 3 and 8 of 0..10 in no range)."""
    import re

    from cxinbox.cli_report import SHADES, render_heatmap
    from cxinbox.domain.report_tables import ReportTable

    hours = tuple(f"{h:02d}" for h in range(24))
    for most in (1, 2, 3, 5, 10, 37):
        counts = list(range(most + 1))
        counts += [0] * (-len(counts) % 24)
        rows = tuple((f"D{r}", *counts[r * 24:(r + 1) * 24]) for r in range(len(counts) // 24))
        lines = render_heatmap(ReportTable("heatmap", ("day", *hours), rows), ascii_only=True)
        legend = {m[1][0]: (int(m[2]), int(m[3]))
                  for m in re.finditer(r"(\S\S)=(\d+)-(\d+)", lines[-1])}
        for r, row in enumerate(rows):
            grid = lines[3 + r][5:5 + 48]
            for n, cell in zip(row[1:], (grid[i:i + 2] for i in range(0, 48, 2)), strict=True):
                if n == 0:
                    assert cell == SHADES[0] * 2
                    continue
                low, high = legend[cell[0]]
                assert low <= n <= high, (most, n, cell, lines[-1])
