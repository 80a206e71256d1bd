"""A knowledge-base article is no answer to an emergency: through `cxinbox serve`, with a
red flag raised by a patient's text from the local SMS provider, `reply --kb ... --send`
is refused like a canned reply (one line, non-zero exit, nothing queued or sent) until a
clinician clears the flag."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smsprovider import SmsProvider
from tests.test_redflag_serve import CLINIC, PATIENT, _config, _wait_raised, _wait_until
from tests.test_serve_support import Server, cx, socket_dir

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.contract.errors import CannedRefused

PAIN = "crushing chest pain since an hour and my left arm is numb"


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _count(cfg: Path, sql: str, *args: object) -> int:
    conn = sqlite3.connect(f"file:{load_config(cfg).db_path}?mode=ro", uri=True)
    try:
        return int(conn.execute(sql, args).fetchone()[0])
    finally:
        conn.close()


def _one_line(proc: Any) -> str:
    assert proc.returncode == 6 and proc.stdout == "", (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return str(lines[0])


async def test_a_kb_article_is_refused_on_a_red_flagged_conversation(
        dovecot: Any, tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    with SmsProvider(numbers=[CLINIC]) as provider:
        cfg = _config(tmp_path, dovecot, provider, sock)
        c = str(cfg)
        with Server(cfg, sock) as server:
            found = probe(sock)
            assert found is not None, server.log
            api = SocketAPI(sock, *found)
            try:
                head = await api.last_event_seq()
                added = cx("kb", "add", "-c", c, "--title", "Parking and directions", "--slug",
                           "parking", "--audience", "patient-facing",
                           "--body", "Free parking behind the building.")
                assert added.returncode == 0, added.stderr
                provider.inject_inbound(PATIENT, CLINIC, PAIN)
                raised, head = await _wait_raised(api, head, 1)
                assert [r["category"] for r in raised] == ["chest_pain"], server.log

                async def flagged() -> Any:
                    page = await api.list_conversations("is:red-flag")
                    return page.items[0] if page.items else None

                conv = (await _wait_until(flagged)).id
                # the CLI: one line, non-zero, nothing drafted, queued or sent
                for extra in ((), ("--kb-link",)):
                    line = _one_line(cx("reply", str(conv), "--kb", "parking", *extra,
                                        "--send", "-c", c))
                    assert "open red flag" in line and "knowledge-base article" in line, line
                # a canned reply is refused the same way, saying who lifts the block
                line = _one_line(cx("reply", str(conv), "--template", "thanks", "--kb",
                                    "parking", "--send", "-c", c))
                assert "open red flag" in line
                line = _one_line(cx("reply", str(conv), "--template", "thanks", "--send",
                                    "-c", c))
                assert line == (f"cxinbox: conversation #{conv} has an open red flag: no"
                                " canned replies while it is open; write your own words, or"
                                " clear the flag first if it is safe (cxinbox flag clear"
                                f" {conv} --reason TEXT, or F)")  # said to an admin
                assert _count(cfg, "SELECT count(*) FROM events WHERE action = 'canned.refused'"
                              " AND target = ?", f"conversation:{conv}") == 1
                # any client: the server refuses, audited
                with pytest.raises(CannedRefused, match="open red flag"):
                    await api.kb_insertion("parking", False, conv)
                assert _count(cfg, "SELECT count(*) FROM outbox") == 0
                assert _count(cfg, "SELECT count(*) FROM drafts WHERE conversation_id = ?",
                              conv) == 0
                assert _count(cfg, "SELECT count(*) FROM events WHERE action = 'kb.refused'"
                              " AND target = ?", f"conversation:{conv}") == 4
                assert provider.outbound() == []

                # cleared by a clinician: the article may go again
                cleared = cx("flag", "clear", str(conv), "--reason", "called, not urgent",
                             "-c", c)
                assert cleared.returncode == 0, cleared.stderr
                drafted = cx("reply", str(conv), "--kb", "parking", "-c", c)
                assert drafted.returncode == 0, drafted.stderr
                assert "Free parking behind the building." in drafted.stdout
                # canned text rendered now, kept in the draft, flagged again by hand: any
                # client's send (forced too) is refused by the server, nothing queued
                rendered = await api.render_canned("thanks", conv, {})
                draft = await api.start_draft(conv, "reply")
                await api.save_draft(draft.id, rendered.body)
                await api.tag(conv, ["red-flag"], [])
                for force in (False, True):
                    with pytest.raises(CannedRefused, match="open red flag.*canned"):
                        await api.send_draft(draft.id, force)
                assert _count(cfg, "SELECT count(*) FROM outbox") == 0
            finally:
                await api.aclose()
        assert "crushing" not in server.log.lower()
