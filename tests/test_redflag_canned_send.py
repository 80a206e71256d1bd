"""The server refuses to SEND canned text on a red-flagged conversation, whatever client
asks and however long the draft waited: a canned reply (or an article) rendered for the
conversation before the flag was raised, kept in a draft and sent later, is refused in one
line naming who clears the flag, nothing queued, audited as `canned.refused`. What the
person wrote themselves still goes out, and canned text goes again once the flag is
cleared. On SQLite and PostgreSQL, and through the CLI."""

from __future__ import annotations

import getpass
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_redflag_state import arrive

from cxinbox.config import Config, load_config_text
from cxinbox.contract.errors import BadRequest
from cxinbox.service.inbox import InboxService
from cxinbox.service.kb import KbService
from cxinbox.service.replies import ReplyService
from cxinbox.store.db import Database

CANNED = "Thank you for writing to us, we will call you back within two working days."
ARTICLE = "Free parking is behind the building, enter from Elm Street."


def _config_text(tmp: Path, db_path: Path, me: str = "ann") -> str:
    (tmp / "pw").write_text("x\n")
    (tmp / "pw").chmod(0o600)
    return (f'[store]\npath = "{db_path}"\n'
            '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
            f'[[staff]]\nos_user = "{me}"\nname = "Ann"\nrole = "admin"\n'
            f'[[compose.canned]]\nname = "callback"\nbody = "Hi {{patient_name}},\\n\\n{CANNED}\\n"\n'
            '[[accounts]]\nname = "desk"\nhost = "127.0.0.1"\nusername = "u"\n'
            f'address = "desk@clinic.example"\nsmtp_host = "127.0.0.1"\n'
            f'password_file = "{tmp / "pw"}"\n')


def _count(db: Database, sql: str, *args: object) -> int:
    return int(db.conn.execute(sql, args).fetchone()[0])


def test_canned_text_kept_in_a_draft_is_refused_once_the_flag_is_raised(
        any_store: Database, tmp_path: Path) -> None:
    db = any_store
    config: Config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    kb = KbService(ann)
    kb.add("Parking", ARTICLE, "patient-facing", slug="parking")
    conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")

    # (a) the canned reply and an article go into a draft, then a red flag is raised
    rendered = replies.render_canned("callback", conv, {})
    article = kb.insertion("parking", "text", conv)
    draft = replies.start_draft(conv, "reply")
    replies.save_draft(draft.id, rendered.body + "\n" + article.text)
    ann.tag(conv, ["red-flag"])
    clearers = config.red_flag_clearers()
    for force in (False, True):
        with pytest.raises(BadRequest) as refused:
            replies.send(draft.id, force=force)
        line = str(refused.value)
        assert "\n" not in line and "open red flag" in line and clearers in line, line
    assert _count(db, "SELECT count(*) FROM outbox") == 0
    assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.refused'"
                      " AND target = ?", f"conversation:{conv}") == 2
    # the hashes are kept, never the text
    details = [r[0] for r in db.conn.execute(
        "SELECT details FROM events WHERE action IN ('canned.render', 'kb.insert')")]
    assert len(details) == 2 and all('"lines"' in d for d in details)
    assert not any("call you back" in d or "Elm Street" in d for d in details)

    # only the article left (the canned reply taken out, whitespace changed): still refused
    replies.save_draft(draft.id, "Hi,\n\n" + "  ".join(ARTICLE.upper().split(" ")) + "\n")
    with pytest.raises(BadRequest, match="open red flag"):
        replies.send(draft.id)

    # free text on the flagged conversation goes out, as before
    replies.save_draft(draft.id, "Hi, please call 911 now if the pain is back.\nAnn\n")
    sent = replies.send(draft.id)
    assert sent.state == "queued"
    assert _count(db, "SELECT count(*) FROM outbox") == 1

    # cleared by a clinician: the canned reply may go again
    InboxService(db, config, "drlee").clear_red_flag(conv, "called the patient, fine")
    again = replies.start_draft(conv, "reply")
    replies.save_draft(again.id, rendered.body)
    assert replies.send(again.id).state == "queued"
    assert _count(db, "SELECT count(*) FROM outbox") == 2


def test_the_cli_cannot_send_canned_text_on_a_flagged_conversation(tmp_path: Path) -> None:
    me = getpass.getuser()
    (tmp_path / "data").mkdir(mode=0o700)
    db_path = tmp_path / "data" / "c.db"
    cfg = tmp_path / "c.toml"
    cfg.write_text(_config_text(tmp_path, db_path, me))
    db = Database(db_path)
    try:
        conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    finally:
        db.close()

    def cx(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cxinbox", *args, "--config", str(cfg)],
                              capture_output=True, text=True, timeout=120, input=stdin,
                              check=False)

    # the template rendered into a draft (not sent); then a red flag is raised
    drafted = cx("reply", str(conv), "--template", "callback")
    assert drafted.returncode == 0, drafted.stderr
    assert CANNED in drafted.stdout
    tagged = cx("tag", f"id:{conv}", "--add", "red-flag", "--yes")
    assert tagged.returncode == 0, tagged.stderr
    # the same text sent from a file later: one line, non-zero, nothing queued
    refused = cx("reply", str(conv), "--body-file", "-", "--send", "--no-wait",
                 stdin=f"Hi Pat,\n\n{CANNED}\n")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "open red flag" in lines[0] and "Dr Lee" in lines[0], lines
    db = Database(db_path)
    try:
        assert _count(db, "SELECT count(*) FROM outbox") == 0
        assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.refused'") == 1
    finally:
        db.close()
    # written by the person: it goes
    free = cx("reply", str(conv), "--body-file", "-", "--send", "--no-wait",
              stdin="Hi Pat, please call 911 if the pain comes back.\n")
    assert free.returncode == 0, free.stderr


def test_a_cancelled_canned_reply_is_not_put_back_once_the_flag_is_raised(
        any_store: Database, tmp_path: Path) -> None:
    db = any_store
    config: Config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    draft = replies.start_draft(conv, "reply")
    replies.save_draft(draft.id, replies.render_canned("callback", conv, {}).body)
    item = replies.send(draft.id)
    replies.cancel(item.id)
    ann.tag(conv, ["red-flag"])
    with pytest.raises(BadRequest, match="open red flag"):
        replies.requeue(item.id)
    assert _count(db, "SELECT count(*) FROM outbox WHERE state = 'queued'") == 0
    assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.refused'") == 1
