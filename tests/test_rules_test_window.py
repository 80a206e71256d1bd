"""`rules test --since` on the demo, as the README sends a new admin to try it: the window
is when each trigger's message was received (what the rows show, what `list` shows), not
when the demo stored its mail, and every demo conversation carries the intent the
detectors found, since the demo clinic's server ran all along. Both backends, through the
real CLI."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.test_rules import patient_mail, rig_factory  # noqa: F401 - the fixture
from tests.test_serve_support import ME, cx

from cxinbox.service.demo import build_demo, demo_config, demo_config_toml, with_automation
from cxinbox.service.inbox import InboxService

RULES = '''
[[rules]]
name = "every arrival"
on = "arrival"
actions = { tag = ["seen-by-rule"] }
enabled = false

[[rules]]
name = "every reply"
on = "patient-reply"
actions = { tag = ["replied"] }
enabled = false
'''


def _kept_demo(store: Any, tmp_path: Path, backend: str) -> tuple[Path, dict[int, int]]:
    """A demo built now on `store`, a config that reads it, and each conversation's
    arrival (created_at, as `list` shows it)."""
    demo = build_demo(store, me=ME, now=time.time(), conversations=80, timezone="UTC")
    where = Path(store.path) if backend == "sqlite" else tmp_path / "pg"
    config = demo_config_toml(demo.config, where, admin=ME) + RULES
    if backend == "postgresql":
        config = "\n".join(f'url = "{store.url}"' if line.startswith("path = ") else line
                           for line in config.splitlines())
    path = tmp_path / "config.toml"
    path.write_text(config)
    listed = InboxService(store, demo.config, ME).list_conversations("", 0, 500)
    return path, {c.id: c.created_at for c in listed.items}


def _replay(config: Path, rule: str, since: str) -> dict[str, Any]:
    shown = cx("--local", "--config", str(config), "rules", "test", rule, "--since", since,
               "--json")
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def test_since_narrows_the_demo_by_when_mail_was_received(
        any_store: Any, store_backend: str, tmp_path: Path) -> None:
    config, arrived = _kept_demo(any_store, tmp_path, store_backend)
    now = int(time.time())
    stopped = {c.id for c in InboxService(any_store, with_automation(demo_config()), ME)
               .list_conversations("tag:nurses-told", 0, 50).items}
    assert min(arrived.values()) < now - 5 * 86400  # the demo has older mail

    month, days = (_replay(config, "every arrival", since) for since in ("30d", "2d"))
    assert month["triggered"] == len(arrived)  # every demo conversation arrived this month
    # (the replay's window starts a few seconds after `now`: a margin at its edge)
    certain = {c for c, at in arrived.items() if at >= now - 2 * 86400 + 300}
    possible = {c for c, at in arrived.items() if at >= now - 2 * 86400}
    assert len(certain) <= days["triggered"] <= len(possible) < month["triggered"]
    shown = {row["conversation"] for row in days["conversations"]}
    assert shown <= possible, sorted(shown - possible)
    # all but the red flags, which the nurses' rule before it keeps (stop = true)
    assert certain - shown <= stopped and certain & stopped, sorted(certain - shown)
    # each row is when its conversation came in, inside the window the summary names
    for row in days["conversations"]:
        assert row["at"] == arrived[row["conversation"]] >= days["since"], row
    # a date narrows it the same way, and the text's rows and summary agree with it
    day = (datetime.now(UTC) - timedelta(days=3)).date()
    text = cx("--local", "--config", str(config), "rules", "test", "every arrival",
              "--since", day.isoformat())
    assert text.returncode == 0, text.stderr
    dates = [line.split()[1] for line in text.stdout.splitlines() if line.startswith("#")]
    assert dates and min(dates) >= day.isoformat(), text.stdout
    assert f"on arrival since {day.isoformat()} 00:00: " in text.stdout
    assert f"would have fired {len(dates)} time(s)" in text.stdout



def test_since_on_a_live_cache_goes_by_each_message_s_arrival(
        rig_factory: Any) -> None:  # noqa: F811
    """Mail a first sync stored today although the server received it ten days ago, and
    a reply a later sync stored today although it came three days ago: each trigger is
    in the window by its message's arrival, and its line shows that time."""
    rig = rig_factory(RULES.replace("enabled = false\n", ""))
    now = datetime.now(UTC)
    first, reply = now - timedelta(days=10), now - timedelta(days=3)
    rig.dovecot.deliver(patient_mail("my knee", message_id="k1@p.example",
                                     date=format_datetime(first),
                                     body="My knee still hurts after the fall."),
                        internaldate=first)
    rig.sync()
    rig.dovecot.deliver(patient_mail("Re: my knee", message_id="k2@p.example",
                                     date=format_datetime(reply),
                                     extra="In-Reply-To: <k1@p.example>\r\n",
                                     body="Can I book a visit for it?"), internaldate=reply)
    rig.sync()
    conv = rig.conv("k1@p.example")
    assert rig.conv("k2@p.example") == conv

    def replay(rule: str, since: str) -> dict[str, Any]:
        shown = cx("rules", "test", rule, "--since", since, "--json", "--config",
                   str(rig.path))
        assert shown.returncode == 0, shown.stderr
        return dict(json.loads(shown.stdout))

    assert replay("every arrival", "2d")["triggered"] == 0  # stored today, came 10 d ago
    assert replay("every arrival", "7d")["triggered"] == 0
    (arrival,) = replay("every arrival", "30d")["conversations"]
    assert (arrival["conversation"], arrival["at"]) == (conv, int(first.timestamp()))
    assert replay("every reply", "2d")["triggered"] == 0
    (again,) = replay("every reply", "7d")["conversations"]
    assert (again["conversation"], again["at"]) == (conv, int(reply.timestamp()))


def test_every_demo_conversation_has_its_intent_and_no_unassessed_reason(
        any_store: Any, store_backend: str, tmp_path: Path) -> None:
    config, arrived = _kept_demo(any_store, tmp_path, store_backend)
    listed = json.loads(cx("--local", "--config", str(config), "list", "--json", "--limit",
                           "500").stdout)["conversations"]
    assert len(listed) == len(arrived)
    assert all(c["intent"] for c in listed), [c for c in listed if not c["intent"]][:3]
    oldest = min(listed, key=lambda c: c["created_at"])
    assert oldest["created_at"] < time.time() - 5 * 86400 and oldest["intent"]
    # the red-flag rule reads the detectors' findings: nothing is left unassessed, so
    # no reason is given for one
    text = cx("--local", "--config", str(config), "rules", "test", "lab results",
              "--since", "30d")
    assert text.returncode == 0, text.stderr
    assert "stored no intent" not in text.stdout and "never assessed" not in text.stdout
    tz = ZoneInfo("UTC")
    rows = [line.split()[1] for line in text.stdout.splitlines() if line.startswith("#")]
    assert len(set(rows)) > 1, text.stdout  # spread over the days it came in
    assert all(r <= datetime.now(tz).date().isoformat() for r in rows)
