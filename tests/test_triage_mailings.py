"""Mailing-list and bulk mail at ingest, synced from real Dovecot: it gets its intent (so an
`intent:spam_marketing` rule catches a newsletter however it is marked), never a red flag,
and never an acknowledgement; an out-of-office reply stays unassessed."""

from __future__ import annotations

import json
from typing import Any

from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture

PROMO = ("Wellness Weekly: 20% off all vitamins this week only! Shop now, limited time"
         " offer. Know the warning signs of a heart attack: chest pain, shortness of breath."
         " Unsubscribe at any time.")

RULES = '''
[[rules]]
name = "spam"
on = "arrival"
match = "intent:spam_marketing"
actions = { tag = ["spam"], status = "closed" }
stop = true

[[rules]]
name = "after hours"
on = "arrival"
actions = { tag = ["after-hours"], acknowledge = true }
'''


def test_newsletters_get_their_intent_however_they_are_marked(
        rig_factory: Any) -> None:  # noqa: F811
    rig = rig_factory(RULES)
    marks = {"bulk@deals.example": "Precedence: bulk\r\n",
             "list@deals.example": "List-Id: <deals.deals.example>\r\n",
             "junk@deals.example": "Precedence: junk\r\n"}
    for n, (sender, extra) in enumerate(marks.items()):
        rig.dovecot.deliver(patient_mail("This week's deals", message_id=f"d{n}@deals.example",
                                         sender=f"Deals <{sender}>", extra=extra, body=PROMO))
    rig.dovecot.deliver(patient_mail("Out of office", message_id="ooo@away.example",
                                     sender="Bob <bob@away.example>",
                                     extra="Auto-Submitted: auto-replied\r\nPrecedence: bulk\r\n",
                                     body="I am out of the office until Monday."))
    rig.sync()
    rows = rig.db.conn.execute(
        "SELECT m.message_id, m.intent, m.red_flag, c.intent, c.status, c.red_flag"
        " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " ORDER BY m.message_id").fetchall()
    by_id = {r[0]: r[1:] for r in rows}
    for n in range(3):
        # assessed as a mailing: spam, no red flag for the warning signs it lists, closed
        assert by_id[f"d{n}@deals.example"] == ("spam_marketing", None, "spam_marketing",
                                                "closed", None)
    # an automatic reply is not the patient speaking: stored unassessed, left open
    assert by_id["ooo@away.example"] == (None, None, None, "open", None)
    spam = [json.loads(d) for a, _, d in rig.db.conn.execute(
        "SELECT actor, target, details FROM events WHERE action = 'rule.applied'"
        " ORDER BY seq") if a == "rule:spam"]
    assert len(spam) == 3
    # The acknowledgement still never answers a list or an automatic reply.
    acked = [json.loads(d)["skipped"] for (d,) in rig.db.conn.execute(
        "SELECT details FROM events WHERE action = 'rule.applied'"
        " AND actor = 'rule:after hours'")]
    assert acked == [["acknowledge: auto-submitted"]]
    assert rig.db.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
