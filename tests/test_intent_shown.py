"""The intent's confidence where staff and scripts read a conversation: `list --json`,
`show --json` and `show`'s text (with the rule that assigned it), on Dovecot mail through
the CLI."""

from __future__ import annotations

import json
from typing import Any

from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture
from tests.test_serve_support import cx

RULES = '''
[[rules]]
name = "billing to maria"
on = "arrival"
match = "intent:billing_insurance"
actions = { assign = "mgarcia" }
'''


def test_list_and_show_give_the_intent_with_its_confidence(rig_factory: Any) -> None:  # noqa: F811
    rig = rig_factory(RULES)
    rig.dovecot.deliver(patient_mail(
        "Charge for chest x-ray", message_id="b1@patients.example",
        body="I was charged twice for my chest x-ray, my insurance already paid."
             " Please refund it."))
    rig.dovecot.deliver(patient_mail("Hello", message_id="h1@patients.example",
                                     sender="Ann <ann@patients.example>",
                                     body="Hello there."))
    rig.sync()
    bill, hello = rig.conv("b1@patients.example"), rig.conv("h1@patients.example")
    stored = dict(tuple(r) for r in rig.db.conn.execute(
        "SELECT id, intent_confidence FROM conversations"))
    listed = cx("list", "--json", "", "--config", str(rig.path))
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)["conversations"]}
    assert rows[bill]["intent"] == "billing_insurance"
    assert rows[bill]["intent_confidence"] == round(stored[bill], 2)
    assert 0.5 <= rows[bill]["intent_confidence"] <= 1.0
    assert rows[hello]["intent"] == "other"
    assert rows[hello]["intent_confidence"] == round(stored[hello], 2)

    shown = cx("show", str(bill), "--json", "--config", str(rig.path))
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert detail["conversation"]["intent_confidence"] == rows[bill]["intent_confidence"]
    assert detail["assigned_by_rule"] == "billing to maria"

    text = cx("show", str(bill), "--config", str(rig.path))
    assert text.returncode == 0, text.stderr
    line = text.stdout.splitlines()[2]
    assert line == (f"intent billing_insurance ({rows[bill]['intent_confidence']:.2f})"
                    " · assigned by rule: billing to maria")
    plain = cx("show", str(hello), "--config", str(rig.path)).stdout.splitlines()
    assert plain[2] == f"intent other ({rows[hello]['intent_confidence']:.2f})"
