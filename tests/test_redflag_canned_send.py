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
from cxinbox.contract.errors import CannedRefused
from cxinbox.service.inbox import InboxService
from cxinbox.service.kb import KbService
from cxinbox.service.replies import ReplyService
from cxinbox.store.db import Database

CANNED = "Thank you for writing to us, we will call you back within two working days."
ARTICLE = "Free parking is behind the building, enter from Elm Street."
LONG_EN = ("Hi {patient_name},\n\nThank you for writing to us. A member of our team will call"
           " you back\nwithin two working days to arrange a time that suits you.\n\nIf your"
           " symptoms get worse before then, please call the clinic\nor, in an emergency,"
           " call 911.\n\nThe front desk\n")
LONG_ES = ("Hola {patient_name}:\n\nGracias por escribirnos. Una persona de nuestro equipo le"
           " llamará\nen un plazo de dos días hábiles para acordar una hora que le convenga."
           "\n\nSi sus síntomas empeoran antes, llame a la clínica\no, en caso de emergencia,"
           " al 911.\n\nRecepción\n")


def _toml(text: str) -> str:
    """`text` inside a TOML basic string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _config_text(tmp: Path, db_path: Path, me: str = "ann") -> str:
    (tmp / "pw").write_text("x\n")
    (tmp / "pw").chmod(0o600)
    return (f'[store]\npath = "{db_path}"\n'
            '[[staff]]\nos_user = "drlee"\nname = "Dr Lee"\nclinical = true\n'
            f'[[staff]]\nos_user = "{me}"\nname = "Ann"\nrole = "admin"\n'
            '[[staff]]\nos_user = "bea"\nname = "Bea"\n'
            f'[[compose.canned]]\nname = "callback"\nbody = "Hi {{patient_name}},\\n\\n{CANNED}\\n"\n'
            f'[[compose.canned]]\nname = "callback-long"\nbody = "{_toml(LONG_EN)}"\n'
            f'[[compose.canned]]\nname = "llamada"\nbody = "{_toml(LONG_ES)}"\n'
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
        with pytest.raises(CannedRefused) as refused:
            replies.send(draft.id, force=force)
        line = str(refused.value)
        assert "\n" not in line and "open red flag" in line, line
        # Ann may clear it herself (an admin): told to, never to wait for someone else
        assert line.endswith("; take it out, or clear the flag first if it is safe"
                             f" (cxinbox flag clear {conv} --reason TEXT, or F)"), line
    # an agent is told who may clear it
    with pytest.raises(CannedRefused) as refused:
        ReplyService(InboxService(db, config, "bea")).render_canned("callback", conv, {})
    assert str(refused.value).endswith(f"write your own words, or have {clearers} clear the"
                                       f" flag first (cxinbox flag clear {conv} --reason"
                                       " TEXT, or F)"), refused.value
    assert _count(db, "SELECT count(*) FROM outbox") == 0
    assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.refused'"
                      " AND target = ?", f"conversation:{conv}") == 3
    # the hashes are kept, never the text
    details = [r[0] for r in db.conn.execute(
        "SELECT details FROM events WHERE action IN ('canned.render', 'kb.insert')")]
    assert len(details) == 2 and all('"shingles"' in d for d in details)
    assert not any("call you back" in d or "Elm Street" in d for d in details)

    # only the article left (the canned reply taken out, whitespace changed): still refused
    replies.save_draft(draft.id, "Hi,\n\n" + "  ".join(ARTICLE.upper().split(" ")) + "\n")
    with pytest.raises(CannedRefused, match="open red flag"):
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

    def drafts() -> list[str]:
        db = Database(db_path)
        try:
            return [r[0] for r in db.conn.execute(
                "SELECT body FROM drafts WHERE conversation_id = ?", (conv,))]
        finally:
            db.close()

    # the template rendered into a draft (not sent); then a red flag is raised
    drafted = cx("reply", str(conv), "--template", "callback")
    assert drafted.returncode == 0, drafted.stderr
    assert CANNED in drafted.stdout
    tagged = cx("tag", f"id:{conv}", "--add", "red-flag", "--yes")
    assert tagged.returncode == 0, tagged.stderr
    # the same text sent from a file later: one line, exit 6 as every red-flag refusal,
    # nothing queued; the draft is what it was before this command, not the pasted text
    before = drafts()
    refused = cx("reply", str(conv), "--body-file", "-", "--send", "--no-wait",
                 stdin=f"Hi Pat,\n\n{CANNED} Pasted.\n")
    assert refused.returncode == 6 and "Traceback" not in refused.stderr, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    # addressed to someone who may clear the flag (an admin): she is told to, not to wait
    assert lines == [(f"cxinbox: conversation #{conv} has an open red flag: this reply still"
                      " holds canned text: canned reply 'callback'; take it out, or clear the"
                      f" flag first if it is safe (cxinbox flag clear {conv} --reason TEXT,"
                      " or F)")], lines
    assert drafts() == before and not any("Pasted" in d for d in drafts())
    # the template asked for outright: refused the same way, before any draft is touched
    again = cx("reply", str(conv), "--template", "callback", "--send")
    assert again.returncode == 6 and again.stdout == "", again
    assert again.stderr == (f"cxinbox: conversation #{conv} has an open red flag: no canned"
                            " replies while it is open; write your own words, or clear the"
                            f" flag first if it is safe (cxinbox flag clear {conv} --reason"
                            " TEXT, or F)\n")
    # with no draft before, the refused one is not kept: the composer starts afresh, on
    # the emergency guidance
    db = Database(db_path)
    try:
        replies = ReplyService(InboxService(db, load_config_text(cfg.read_text()), me))
        for draft in replies.drafts_for(conv):
            replies.discard_draft(draft.id)
    finally:
        db.close()
    refused = cx("reply", str(conv), "--body-file", "-", "--send", "--no-wait",
                 stdin=f"Hi Pat,\n\n{CANNED}\n")
    assert refused.returncode == 6, refused.stderr
    assert drafts() == []
    db = Database(db_path)
    try:
        assert _count(db, "SELECT count(*) FROM outbox") == 0
        assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.refused'") == 3
        assert _count(db, "SELECT count(*) FROM events WHERE action = 'draft.discarded'") == 2
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
    with pytest.raises(CannedRefused, match="open red flag"):
        replies.requeue(item.id)
    assert _count(db, "SELECT count(*) FROM outbox WHERE state = 'queued'") == 0
    assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.refused'") == 1


# Edited the way staff edit a canned reply: a name added, words changed, the lines re-wrapped
# into one paragraph, a sentence dropped. Each is still the canned reply.
EDITED = {
    "callback-long": [
        ("Dear Pat Jones, thank you for writing to us. A member of our team will call you back"
         " within two working days to arrange a time that suits you. If your symptoms get worse"
         " before then, please call the clinic or, in an emergency, call 911. Ann"),
        ("Hi Pat,\n\nThanks for writing to us. Someone from our team will call you\nback within"
         " two working days to arrange a time that works for you.\nIf your symptoms get worse"
         " before then please phone the clinic.\n"),
    ],
    "llamada": [
        ("Estimada Sra. Pat Jones: gracias por escribirnos. Una persona de nuestro equipo le"
         " llamará en un plazo de dos días hábiles para acordar una hora que le convenga. Si sus"
         " sintomas empeoran antes, llame a la clinica. Un saludo, Ana"),
        ("Hola Pat:\nAlguien de nuestro equipo le llamará en un plazo de dos días hábiles\npara"
         " acordar una hora que le venga bien. Si sus síntomas empeoran antes, llame\na la"
         " clínica o, en caso de urgencia, al 911.\n"),
    ],
}
# Written by the person, sharing the common phrases a canned reply has too.
FREE = [
    ("Hi Pat,\n\nThank you for writing to us. Dr Lee would like to speak to you today, so"
     " please call us on 555 0100 as soon as you can. If the pain gets worse, call 911.\n\nAnn"),
    ("Hola Pat:\n\nGracias por escribirnos. La doctora quiere hablar con usted hoy; llámenos al"
     " 555 0100 en cuanto pueda. Si el dolor empeora, llame a la clínica o al 911.\n\nAna"),
]


def test_an_edited_canned_reply_is_refused_and_a_persons_own_words_are_not(
        any_store: Database, tmp_path: Path) -> None:
    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    replies = ReplyService(InboxService(db, config, "ann"))
    conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    for name in EDITED:
        replies.render_canned(name, conv, {})
    InboxService(db, config, "ann").tag(conv, ["red-flag"])
    draft = replies.start_draft(conv, "reply")
    for name, bodies in EDITED.items():
        for body in bodies:
            replies.save_draft(draft.id, body)
            with pytest.raises(CannedRefused, match="open red flag"):
                replies.send(draft.id)
    assert _count(db, "SELECT count(*) FROM outbox") == 0
    for body in FREE:
        free = replies.start_draft(conv, "reply")
        replies.save_draft(free.id, body)
        assert replies.send(free.id).state == "queued", body
    assert _count(db, "SELECT count(*) FROM outbox") == len(FREE)


def test_the_hashes_are_keyed_so_the_trail_reveals_nothing(any_store: Database,
                                                           tmp_path: Path) -> None:
    """Neither a line nor a run of words of what was handed out can be found in its event
    by hashing guesses: the hashes are keyed with the store's own secret, which no event
    holds, and every user of the store (another server, an admin's --local) has the same."""
    import base64
    import hashlib
    import re

    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    replies = ReplyService(InboxService(db, config, "ann"))
    conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    body = replies.render_canned("callback-long", conv, {}).body
    details = "".join(r[0] for r in db.conn.execute(
        "SELECT details FROM events WHERE action = 'canned.render'"))
    guesses = [" ".join(line.split()).lower() for line in body.splitlines() if line.strip()]
    words = re.findall(r"\w+", body.lower())
    guesses += [" ".join(words[i:i + size]) for size in (3, 4, 5)
                for i in range(len(words) - size + 1)]
    for guess in guesses:
        digest = hashlib.sha256(guess.encode("utf-8")).digest()
        for form in (digest.hex(), digest.hex()[:20], digest.hex()[:16],
                     base64.b64encode(digest[:8]).decode()[:10]):
            assert form not in details, guess
    assert '"shingles"' in details
    key = db.text_key()
    assert len(key) == 32 and key.hex() not in details
    all_details = "".join(str(r[0]) for r in db.conn.execute("SELECT details FROM events"))
    assert key.hex() not in all_details
    kept = db.conn.execute("SELECT value FROM store_secrets WHERE name = 'text_key'"
                           ).fetchone()
    assert kept is not None and kept[0] == key.hex()  # inside the database, on either
    if isinstance(db, Database):  # every process on the SQLite file keys alike
        again = Database(db.path)
        try:
            assert again.text_key() == key
        finally:
            again.close()
    else:  # every server on the PostgreSQL database keys alike
        from cxinbox.store.pg.store import PgStore

        other = PgStore(db.url, max_size=1)  # type: ignore[attr-defined]
        try:
            assert other.text_key() == key
        finally:
            other.close()


def test_retention_keeps_what_the_guard_needs_while_it_can_matter(
        any_store: Database, tmp_path: Path) -> None:
    """The audit trail's oldest events go after `audit_keep`, those that remember canned
    text with them. While a conversation's red flag is open, or a draft of it waits, their
    hashes are repeated inside the kept trail (`canned.carried`): canned text rendered into
    a draft long ago is still refused once the conversation is flagged."""
    from cxinbox.service.retention import RetentionRunner
    from cxinbox.store.db import append_event

    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db")
                              + '[retention]\nclosed_after = "1y"\naudit_keep = "2y"\n'
                              + "[audit]\ncheckpoints = false\n")
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    drafted, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    flagged, _ = arrive(db, 2, "Where do I park?")
    neither, _ = arrive(db, 3, "What are your opening hours?")
    rendered = replies.render_canned("callback-long", drafted, {})
    draft = replies.start_draft(drafted, "reply")
    replies.save_draft(draft.id, rendered.body)
    replies.render_canned("callback-long", flagged, {})
    replies.render_canned("callback-long", neither, {})
    ann.tag(flagged, ["red-flag"])
    # three years on: everything so far is past audit_keep but one event a year old
    later = int(db.now_ms() / 1000) + 3 * 365 * 86400
    with db.write() as conn:
        append_event(conn, "ann", "conversation.view", f"conversation:{neither}", {},
                     at=(later - 365 * 86400) * 1000)
    report = RetentionRunner(db, config, "admin", clock=lambda: later).run()
    assert report.audit_released > 0
    assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.render'") == 0

    ann.tag(drafted, ["red-flag"])
    with pytest.raises(CannedRefused, match="open red flag"):
        replies.send(draft.id)
    assert _count(db, "SELECT count(*) FROM outbox") == 0
    # only where it can matter: not for a conversation with neither a flag nor a draft
    carried = {str(r[0]) for r in db.conn.execute(
        "SELECT target FROM events WHERE action = 'canned.carried'")}
    assert carried == {f"conversation:{drafted}", f"conversation:{flagged}"}


def test_canned_text_handed_out_before_a_merge_or_split_is_refused_after_it(
        any_store: Database, tmp_path: Path) -> None:
    """A hand-out counts for the conversation it went to wherever that conversation's
    messages go: merged into a red-flagged one, or split off from it."""
    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    # merged: rendered on #a, #a merged into #b, #b flagged, #a's text sent from #b
    a, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    b, _ = arrive(db, 2, "Where do I park?")
    assert a != b
    body = replies.render_canned("callback-long", a, {}).body
    ann.merge(b, a)
    ann.tag(b, ["red-flag"])
    draft = replies.start_draft(b, "reply")
    replies.save_draft(draft.id, body)
    with pytest.raises(CannedRefused, match="open red flag"):
        replies.send(draft.id)
    # split: rendered on the parent, the reply split off, flagged, sent from there
    parent, _ = arrive(db, 3, "Can I get a copy of my invoice?")
    child_msg = arrive(db, 4, "The one from March, please.", reply_to=3)[0]
    assert child_msg == parent
    body = replies.render_canned("callback", parent, {}).body
    pk = _count(db, "SELECT max(id) FROM messages WHERE conversation_id = ?", parent)
    child = ann.split(pk)
    ann.tag(child, ["red-flag"])
    draft = replies.start_draft(child, "reply")
    replies.save_draft(draft.id, body)
    with pytest.raises(CannedRefused, match="open red flag"):
        replies.send(draft.id)
    assert _count(db, "SELECT count(*) FROM outbox") == 0
    # a person's own words still go from both
    for conv in (b, child):
        own = replies.start_draft(conv, "reply")
        replies.save_draft(own.id, "Hi, please call 911 now if the pain is back.\nAnn\n")
        assert replies.send(own.id).state == "queued"


def test_retention_carries_hand_outs_for_merged_split_and_queued_conversations(
        any_store: Database, tmp_path: Path) -> None:
    """The carry follows the guard: a hand-out on a conversation merged into one with a
    draft, the copy a split child took of its parent's (its draft waits), and a hand-out
    on a conversation whose reply waits in the outbox (its draft gone) are repeated inside
    the kept trail; the split's parent, with neither, needs nothing kept: its child holds
    a copy, not a link into the released events."""
    from cxinbox.service.retention import RetentionRunner
    from cxinbox.store.db import append_event

    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db")
                              + '[retention]\nclosed_after = "1y"\naudit_keep = "2y"\n'
                              + "[audit]\ncheckpoints = false\n")
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    merged, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    into, _ = arrive(db, 2, "Where do I park?")
    parent, _ = arrive(db, 3, "Can I get a copy of my invoice?")
    arrive(db, 4, "The one from March, please.", reply_to=3)
    queued, _ = arrive(db, 5, "What are your opening hours?")
    neither, _ = arrive(db, 6, "Do you take new patients?")
    for conv in (merged, parent, queued, neither):
        replies.render_canned("callback-long", conv, {})
    ann.merge(into, merged)
    child = ann.split(_count(db, "SELECT max(id) FROM messages WHERE conversation_id = ?",
                             parent))
    replies.save_draft(replies.start_draft(into, "reply").id, "Hi,\nAnn\n")
    replies.save_draft(replies.start_draft(child, "reply").id, "Hi,\nAnn\n")
    waiting = replies.start_draft(queued, "reply")
    replies.save_draft(waiting.id, "Hi, we open at eight.\nAnn\n")
    assert replies.send(waiting.id).state == "queued"
    assert _count(db, "SELECT count(*) FROM drafts WHERE conversation_id = ?", queued) == 0
    later = int(db.now_ms() / 1000) + 3 * 365 * 86400
    with db.write() as conn:
        append_event(conn, "ann", "conversation.view", f"conversation:{neither}", {},
                     at=(later - 365 * 86400) * 1000)
    report = RetentionRunner(db, config, "admin", clock=lambda: later).run()
    assert report.audit_released > 0
    assert _count(db, "SELECT count(*) FROM events WHERE action = 'canned.render'") == 0
    carried = {str(r[0]) for r in db.conn.execute(
        "SELECT target FROM events WHERE action = 'canned.carried'")}
    assert {f"conversation:{merged}", f"conversation:{child}",
            f"conversation:{queued}"} <= carried
    assert f"conversation:{neither}" not in carried and f"conversation:{parent}" not in carried
    assert _count(db, "SELECT count(*) FROM events WHERE action LIKE 'conversation.split%'") == 0
    # and the guard still finds them: the split child flagged, the parent's text refused
    ann.tag(child, ["red-flag"])
    body = replies.render_canned("callback-long", neither, {}).body
    again = replies.start_draft(child, "reply")
    replies.save_draft(again.id, body.replace("{patient_name}", "Pat"))
    with pytest.raises(CannedRefused, match="open red flag"):
        replies.send(again.id)


def _pieces(text: str, parts: int) -> list[str]:
    words = text.split()
    step = -(-len(words) // parts)
    return [" ".join(words[i:i + step]) for i in range(0, len(words), step)]


def test_a_canned_text_sent_a_piece_at_a_time_is_refused_and_named(
        any_store: Database, tmp_path: Path) -> None:
    """Cut into short replies, each under the rule on its own, a canned text is still the
    text: the reply that completes enough of it is refused, naming it, because of what the
    conversation's replies since the flag (queued or sent) already hold of it. A cancelled
    reply holds nothing; a person's own words still go."""
    from cxinbox.domain.compose import body_shingles, canned_shingles, canned_still_there

    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    conv, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    body = replies.render_canned("callback-long", conv, {}).body
    ann.tag(conv, ["red-flag"])
    pieces = _pieces(body, 4)
    handed = canned_shingles(body)
    assert not any(canned_still_there(handed, set(body_shingles(p))) for p in pieces)

    def send(text: str) -> int:
        draft = replies.start_draft(conv, "reply")
        replies.save_draft(draft.id, text)
        return replies.send(draft.id).id

    first = send(pieces[0])
    with pytest.raises(CannedRefused) as refused:
        send(pieces[1])
    line = str(refused.value)
    assert "\n" not in line and "canned reply 'callback-long'" in line, line
    assert "since the flag was raised" in line and "cxinbox flag clear" in line, line
    assert _count(db, "SELECT count(*) FROM outbox") == 1
    found = [r[0] for r in db.conn.execute(
        "SELECT details FROM events WHERE action = 'canned.refused'")]
    assert len(found) == 1 and "callback-long" in found[0]
    # the first piece taken back: the second, alone, is under the rule and goes
    replies.cancel(first)
    for draft in replies.drafts_for(conv):
        replies.discard_draft(draft.id)
    second = send(pieces[1])
    # the third joins the second (queued, in the outbox): refused again
    with pytest.raises(CannedRefused, match="canned reply 'callback-long'"):
        send(pieces[2])
    # a person's own words on the same conversation still go
    for draft in replies.drafts_for(conv):
        replies.discard_draft(draft.id)
    assert send("Hi, please ring 911 now if the pain is back.\nAnn\n") > second
    assert _count(db, "SELECT count(*) FROM outbox WHERE state = 'queued'") == 2
    # a piece that failed never reached the patient: it holds nothing either
    db.conn.execute("UPDATE outbox SET state = 'failed' WHERE id = ?", (second,))
    if isinstance(db, Database):
        db.conn.commit()
    for draft in replies.drafts_for(conv):
        replies.discard_draft(draft.id)
    send(pieces[2])


def test_an_unmerge_and_a_split_leave_a_copy_that_outlives_retention(
        any_store: Database, tmp_path: Path) -> None:
    """A split child and both sides of an unmerge each keep a copy of the hand-outs they
    read (`canned.carried`), not a link in the audit trail: once retention has released
    the split's and the merge's events, text handed out before them is still refused."""
    from cxinbox.service.retention import RetentionRunner
    from cxinbox.store.db import append_event

    db = any_store
    config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db")
                              + '[retention]\nclosed_after = "1y"\naudit_keep = "2y"\n'
                              + "[audit]\ncheckpoints = false\n")
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    a, _ = arrive(db, 1, "Can I move my appointment to Friday?")
    b, _ = arrive(db, 2, "Where do I park?")
    parent, _ = arrive(db, 3, "Can I get a copy of my invoice?")
    arrive(db, 4, "The one from March, please.", reply_to=3)
    on_a = replies.render_canned("callback-long", a, {}).body
    on_parent = replies.render_canned("llamada", parent, {}).body
    ann.merge(b, a)
    kb = KbService(ann)
    kb.add("Parking", ARTICLE, "patient-facing", slug="parking")
    on_b = kb.insertion("parking", "text", b).text  # while merged: about both
    ann.unmerge(b, a)
    child = ann.split(_count(db, "SELECT max(id) FROM messages WHERE conversation_id = ?",
                             parent))
    copies = {str(r[0]): str(r[1]) for r in db.conn.execute(
        "SELECT target, details FROM events WHERE action = 'canned.carried'")}
    assert set(copies) == {f"conversation:{a}", f"conversation:{b}", f"conversation:{child}"}
    assert not any(word in text for text in copies.values()
                   for word in ("call you back", "llamará", "Elm Street"))
    drafts = {}
    for conv, text in ((b, on_a), (a, on_b), (child, on_parent)):
        draft = replies.start_draft(conv, "reply")
        replies.save_draft(draft.id, text)
        drafts[conv] = draft.id
    later = int(db.now_ms() / 1000) + 3 * 365 * 86400
    with db.write() as conn:
        append_event(conn, "ann", "conversation.view", f"conversation:{parent}", {},
                     at=(later - 365 * 86400) * 1000)
    report = RetentionRunner(db, config, "admin", clock=lambda: later).run()
    assert report.audit_released > 0
    assert _count(db, "SELECT count(*) FROM events WHERE action IN ('canned.render',"
                      " 'conversation.split_from', 'conversation.merge',"
                      " 'conversation.unmerge')") == 0
    for conv, name in ((b, "canned reply 'callback-long'"),
                       (a, "knowledge-base article 'parking'"),
                       (child, "canned reply 'llamada'")):
        ann.tag(conv, ["red-flag"])
        with pytest.raises(CannedRefused, match=name):
            replies.send(drafts[conv])
    assert _count(db, "SELECT count(*) FROM outbox") == 0


def test_a_canned_reply_pasted_from_elsewhere_is_refused_too(
        any_store: Database, tmp_path: Path) -> None:
    """Rendered for another conversation and pasted, or copied from the configured text by
    hand: the send check reads the clinic's canned replies themselves, not only what was
    handed out for this conversation."""
    db = any_store
    config: Config = load_config_text(_config_text(tmp_path, tmp_path / "unused.db"))
    ann = InboxService(db, config, "ann")
    replies = ReplyService(ann)
    other, _ = arrive(db, 1, "When are my results ready?")
    flagged, _ = arrive(db, 2, "Billing question, and my chest is crushing right now")
    ann.tag(flagged, ["red-flag"])
    pasted = replies.render_canned("callback-long", other, {}).body
    by_hand = LONG_ES.replace("{patient_name}", "Rosa").replace("\n", " ")
    for body in (pasted, by_hand):
        draft = replies.start_draft(flagged, "reply")
        replies.save_draft(draft.id, body)
        with pytest.raises(CannedRefused) as refused:
            replies.send(draft.id)
        line = str(refused.value)
        assert "open red flag" in line and "canned reply" in line, line
        replies.discard_draft(draft.id)
    assert _count(db, "SELECT count(*) FROM outbox") == 0
    # the person's own words about the same thing still go
    draft = replies.start_draft(flagged, "reply")
    replies.save_draft(draft.id, "Please call 911 now if the pain is crushing. A nurse will"
                                 " call you back within minutes.\nAnn\n")
    assert replies.send(draft.id).state == "queued"
