"""Pure parts of the TUI, tested without a screen: folding, triage inverses,
row layout, ASCII folding, views, time texts, safe attachment names, launch decisions."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from cxinbox.api.download import safe_filename, save_bytes
from cxinbox.contract.types import ConversationSummary
from cxinbox.tui import actions, triage, views
from cxinbox.tui.ascii import AsciiFilter, fold_text
from cxinbox.tui.bodyfold import split_body
from cxinbox.tui.launch import over_ssh, want_ascii
from cxinbox.tui.rows import fit
from cxinbox.tui.timefmt import age_changes_at, age_text, clinic_datetime

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def summary(**fields: object) -> ConversationSummary:
    base = ConversationSummary(
        id=12, subject="Refill", from_name="Jane Doe", from_addr="jane@example.com",
        channel="email", mailbox="appointments", status="open", assignee="maria",
        priority="normal", tags=("refill",), created_at=0, last_message_at=0,
        last_inbound_at=0, first_response_at=None, snoozed_until=None, message_count=1,
        unread_count=1, has_attachment=False)
    return replace(base, **fields)  # type: ignore[arg-type]


# -- body folding -------------------------------------------------------------------------


def test_quote_with_attribution_and_signature_fold() -> None:
    body = ("Thursday works.\n\n-- \nJane\n555-0100")
    parts = split_body(body)
    assert [p.kind for p in parts] == ["text", "signature"]
    body = ("Thursday works.\n\nOn Mon, 3 Mar 2025 at 10:00, Clinic <a@b> wrote:\n"
            "> Your visit\n>\n> is booked.\n\nThanks\n")
    parts = split_body(body)
    assert [p.kind for p in parts] == ["text", "quote", "text"]
    assert parts[1].lines[0].startswith("On Mon")
    assert parts[1].lines[-1] == "> is booked."


def test_wrapped_attribution_and_outlook_forward() -> None:
    body = "ok\nOn Mon, 3 Mar 2025 at 10:00, Maple Street Clinic\n<a@b.example> wrote:\n> hi\n"
    assert [p.kind for p in split_body(body)] == ["text", "quote"]
    body = "see below\n-----Original Message-----\nFrom: x\nSent: y\n\nold text"
    parts = split_body(body)
    assert [p.kind for p in parts] == ["text", "quote"]
    assert parts[1].lines[-1] == "old text"


def test_on_without_quote_is_just_text() -> None:
    body = "On Monday I wrote: the letter\nthanks"
    assert [p.kind for p in split_body(body)] == ["text"]


@given(st.text(alphabet=st.sampled_from(list("ab> -\nOnwrote:")), max_size=200))
def test_folding_never_loses_a_nonblank_line(body: str) -> None:
    kept = [line for part in split_body(body) for line in part.lines]
    assert [ln for ln in kept if ln.strip()] == [ln for ln in body.split("\n") if ln.strip()]


# -- triage ---------------------------------------------------------------------------------


class RecordingApi:
    """Records the calls; each change returns the next event seq, as the service does."""

    actor = "me"

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def _seq(self) -> int:
        return 100 + len(self.calls)

    async def assign(self, conv: int, user: str | None, undo_of: int | None = None) -> int:
        self.calls.append(("assign", conv, user, undo_of))
        return self._seq()

    async def set_status(self, conv: int, status: str, until: int | None = None,
                         undo_of: int | None = None) -> int:
        self.calls.append(("status", conv, status, until, undo_of))
        return self._seq()

    async def set_priority(self, conv: int, priority: str, undo_of: int | None = None) -> int:
        self.calls.append(("priority", conv, priority, undo_of))
        return self._seq()

    async def tag(self, conv: int, add: list[str], remove: list[str],
                  undo_of: int | None = None) -> int:
        self.calls.append(("tag", conv, add, remove, undo_of))
        return self._seq()

    async def add_note(self, conv: int, body: str) -> int:
        self.calls.append(("note", conv, body))
        return 1


async def test_inverses_restore_what_was_on_screen_and_name_the_undone_event() -> None:
    api = RecordingApi()
    s = summary(status="snoozed", snoozed_until=999, tags=("refill", "billing"))
    for action in (triage.assign(s, "me", "me"), triage.status(s, "closed"),
                   triage.priority(s, "urgent"),
                   triage.tags(s, ["refill", "new"], ["billing", "absent"])):
        result = await action.call(api)  # type: ignore[arg-type]
        assert action.inverse_from is not None
        inverse = action.inverse_from(result)
        assert inverse is not None
        await inverse.call(api)  # type: ignore[arg-type]
    assert api.calls == [
        ("assign", 12, "me", None), ("assign", 12, "maria", 101),
        ("status", 12, "closed", None, None), ("status", 12, "snoozed", 999, 103),
        ("priority", 12, "urgent", None), ("priority", 12, "normal", 105),
        ("tag", 12, ["refill", "new"], ["billing", "absent"], None),
        ("tag", 12, ["billing"], ["new"], 107),
    ]
    assert triage.note(s, "x").inverse is None


def test_triage_lines_name_the_patient_but_never_the_subject() -> None:
    s = summary(subject="HIV test results", from_name="Jane Doe")
    for action in (triage.assign(s, "me", "me"), triage.status(s, "closed"),
                   triage.tags(s, ["x"], []), triage.note(s, "secret")):
        assert action.line.startswith(f"#{s.id} Jane Doe: ")
        assert "HIV" not in action.line and "secret" not in action.line


def test_undo_history_walks_back_newest_first_and_keeps_its_depth() -> None:
    from cxinbox.tui.undo import UndoHistory

    history = UndoHistory(depth=20)
    assert history.pop() is None and history.refusal == "Nothing to undo."
    steps = [triage.Triage(i, f"step {i}", RecordingApi().add_note) for i in range(25)]
    for step in steps:
        history.push(step)
    history.push(None)  # a step without an inverse changes nothing
    assert len(history) == 20
    assert [history.pop() for _ in range(3)] == [steps[24], steps[23], steps[22]]
    history.put_back(steps[22])
    assert history.steps()[:2] == [steps[22], steps[21]]
    while history.pop() is not None:
        pass
    assert history.refusal == "Nothing more to undo."


def test_tag_input() -> None:
    assert triage.parse_tag_input("Lab-Results, -billing +x #y -billing") == (
        ["lab-results", "x", "y"], ["billing"])


# -- rows, folding, time ---------------------------------------------------------------------


@given(st.text(max_size=40), st.integers(min_value=1, max_value=30))
def test_fit_is_exact_in_cells(text: str, width: int) -> None:
    from cxinbox.domain.sanitize import clean_line

    assert cell_len(fit(clean_line(text), width, "…")) == width


@given(st.text(max_size=60))
def test_ascii_fold_is_7bit_and_keeps_cell_width(text: str) -> None:
    from cxinbox.domain.sanitize import clean_line

    line = clean_line(text)
    folded = fold_text(line)
    assert folded.isascii()
    assert cell_len(folded) == cell_len(line)


def test_ascii_filter_on_segments() -> None:
    from rich.segment import Segment
    from textual.color import Color

    out = AsciiFilter().apply([Segment("José ● ─ 王"), Segment("plain")], Color(0, 0, 0))
    assert [s.text for s in out] == ["Jose * - ??", "plain"]


def test_age_and_its_next_change() -> None:
    then = int(NOW.timestamp())
    assert age_text(then, NOW) == "now"
    assert age_text(then - 125, NOW) == "2m"
    assert age_text(then - 3 * 3600, NOW) == "3h"
    assert age_text(then - 3 * 86400, NOW) == "3d"
    assert age_text(then - 30 * 86400, NOW) == "4w"
    changes = age_changes_at(then - 125, NOW)
    assert age_text(then - 125, datetime.fromtimestamp(changes - 1, UTC)) == "2m"
    assert age_text(then - 125, datetime.fromtimestamp(changes, UTC)) == "3m"


def test_dates_in_the_clinic_zone() -> None:
    chicago = ZoneInfo("America/Chicago")
    epoch = int(NOW.timestamp())
    assert clinic_datetime(epoch, chicago, NOW) == "09:00"
    assert clinic_datetime(epoch - 86400, chicago, NOW) == "Mon 09:00"
    assert clinic_datetime(epoch - 40 * 86400, chicago, NOW) == "23 Jan 09:00"
    assert clinic_datetime(epoch - 400 * 86400, chicago, NOW) == "29 Jan 2024 09:00"


# -- registry, views, launch ---------------------------------------------------------------


def test_registry_ids_are_unique_and_keymap_typos_are_found() -> None:
    ids = [spec.id for spec in actions.ACTIONS]
    assert len(ids) == len(set(ids))
    assert actions.unknown_ids({"assign-me": "i", "asign-me": "x"}) == ["asign-me"]
    spec = actions.action("assign-me")
    assert actions.effective_keys(spec, {"assign-me": "i"}) == "i"
    assert actions.effective_keys(spec, {}) == "m"
    assert actions.effective_keys(actions.action("assign"), {}) == "a"
    assert all(b.priority for b in actions.bindings("app")
               if b.action not in ("quit", "help_quit"))  # type: ignore[union-attr]


def test_views_are_queries() -> None:
    assert views.standard_view("mine").query == "status:open assignee:me"
    assert "sla:at-risk OR sla:breached" in views.standard_view("at-risk").query
    assert views.tag_view("lab results").query == 'status:open tag:"lab results"'
    assert views.mailbox_view("billing").query == "status:open mailbox:billing"


@pytest.mark.parametrize(("flag", "mode", "term", "expected"), [
    (None, "auto", "linux", True), (None, "auto", "vt100", True), (None, "auto", "dumb", True),
    (None, "auto", "xterm-256color", False), (None, "on", "xterm", True),
    (None, "off", "linux", False), (True, "off", "xterm", True), (False, "on", "linux", False)])
def test_ascii_decision(flag: bool | None, mode: str, term: str, expected: bool) -> None:
    assert want_ascii(flag, mode, {"TERM": term}) is expected


def test_ssh_detection() -> None:
    assert over_ssh({"SSH_CONNECTION": "1 2 3 4"}) and over_ssh({"SSH_TTY": "/dev/pts/1"})
    assert not over_ssh({"TERM": "xterm"})


def test_cli_import_path_stays_free_of_textual() -> None:
    code = ("import sys, cxinbox.cli, cxinbox.tui.launch; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": "src"})
    assert out.stdout.strip() == "False"


# -- attachments ---------------------------------------------------------------------------


def test_attachment_names_are_tamed(tmp_path: Path) -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\x\\report.pdf") == "report.pdf"
    assert safe_filename("..") == "attachment"
    assert safe_filename("a\x1b[31mb.pdf") == "a_31mb.pdf"
    first = save_bytes(tmp_path, "report.pdf", b"1")
    second = save_bytes(tmp_path, "report.pdf", b"2")
    assert first.name == "report.pdf" and second.name == "report (2).pdf"
    assert first.read_bytes() == b"1" and second.read_bytes() == b"2"
    assert (first.stat().st_mode & 0o777) == 0o600
    with pytest.raises(FileNotFoundError):
        save_bytes(tmp_path / "missing", "x", b"")


def test_mail_sync_line() -> None:
    from cxinbox.contract.types import FolderStatus
    from cxinbox.tui.app import mail_sync_text

    synced = FolderStatus("billing", "INBOX", 1, 10, 10, int(NOW.timestamp()), None)
    never = FolderStatus("results", "INBOX", None, 0, 0, None, None)
    stuck = FolderStatus("results", "INBOX", 1, 10, 10, None, "300 of 310 vanished")
    chicago = ZoneInfo("America/Chicago")
    assert mail_sync_text([synced, never], chicago) == ("mail synced 09:00", False)
    assert mail_sync_text([never], chicago) == ("", False)
    text, problem = mail_sync_text([synced, stuck], chicago)
    assert problem and text.startswith("1 folder quarantined")


def test_a_search_and_a_tag_count_in_smaller_steps_than_a_view() -> None:
    from cxinbox.tui.views import (
        SEARCH_COUNT_STEP,
        count_cap,
        count_step,
        search_view,
        standard_view,
        tag_view,
    )

    assert count_step(standard_view("all")) == 10_000
    assert count_step(search_view("refill")) == SEARCH_COUNT_STEP == 200
    assert count_step(tag_view("lab-results")) == SEARCH_COUNT_STEP
    assert count_cap(0, 100, step=SEARCH_COUNT_STEP) == 200
    assert count_cap(150, 100, 200, SEARCH_COUNT_STEP) == 400  # scrolled past: counts on


def test_count_caps_step_by_ten_thousand_and_never_shrink() -> None:
    from cxinbox.tui.views import count_cap, count_text

    assert count_cap(0, 100) == 10_000
    assert count_cap(9_950, 100) == 20_000  # a page past the step counts to the next
    assert count_cap(0, 100, 20_000) == 20_000  # back at the top: the count stays
    assert count_text(10_000, 10_000) == "10,000+"
    assert count_text(9_999, 10_000) == "9999" and count_text(12, None) == "12"
