"""The pickers' pure parts: filtering, the word at the cursor, roster order, the reviews."""

from __future__ import annotations

from cxinbox.contract.team_types import StaffView
from cxinbox.domain.mentions import handles, mention_names, unknown_mentions
from cxinbox.tui.pickers import NOBODY, mention_review, roster_items, tag_review
from cxinbox.tui.screens.picker import PickItem, current_word, filter_items

ROSTER = [StaffView("maria", "Maria Lopez", "agent", True),
          StaffView("priya", "Priya Nair", "agent", False),
          StaffView("me", "Front Desk", "supervisor", True)]


def test_filter_is_substring_on_every_name_starts_first_order_kept() -> None:
    items = [PickItem("frontdesk", "me"), PickItem("maria", "Maria Lopez (maria)"),
             PickItem("priya", "Priya Nair (priya)", also=("Priya Nair",)),
             PickItem("sam", "Sam Okafor (sam)")]
    assert [i.value for i in filter_items(items, "")] == ["frontdesk", "maria", "priya", "sam"]
    assert [i.value for i in filter_items(items, "ri")] == ["maria", "priya"]
    assert [i.value for i in filter_items(items, "NAIR")] == ["priya"]  # a word of the name
    assert [i.value for i in filter_items(items, "o")] == ["sam", "frontdesk", "maria"]
    assert filter_items(items, "zz") == []


def test_current_word_splits_on_spaces_and_commas() -> None:
    assert current_word("lab-results -bi", 15) == (12, "-bi")
    assert current_word("a,b", 3) == (2, "b")
    assert current_word("call @pr now", 8) == (5, "@pr")
    assert current_word("x ", 2) == (2, "")


def test_roster_items_me_first_then_roster_with_presence_and_nobody_last() -> None:
    items = roster_items(ROSTER, "me", "priya")
    assert [i.value for i in items] == ["me", "maria", "priya", NOBODY]
    assert items[0].label == "me - Front Desk" and "online" in items[0].detail
    assert items[1].detail == "agent, online"
    assert items[2].detail == "agent, offline, assigned now"  # "away" is a state of its own
    assert [i.value for i in roster_items(ROSTER, "stranger", None)] == [
        "stranger", "maria", "priya", "me"]


def test_tag_review_questions_only_tags_nobody_uses() -> None:
    known = {"lab-results", "billing", "refill"}
    assert tag_review("lab-results -billing", known, set()) is None
    assert tag_review("-made-up", known, set()) is None  # removing is never a new tag
    assert tag_review("lab-reslts", known, set()) == \
        "new tag 'lab-reslts'? did you mean lab-results"
    assert tag_review("flu-clinic", known, set()) == "new tag 'flu-clinic'?"
    assert tag_review("only-here", known, {"only-here"}) is None


def test_mentions_are_checked_by_the_servers_rules() -> None:
    assert mention_names("ask @Maria, then maria@example.org and @dev.") == ["maria", "dev"]
    assert handles("jsmith", "John Smith") == {"jsmith", "john"}
    assert unknown_mentions("@maria @jsmth", {"maria"}) == ["jsmth"]
    assert mention_review("@maria and @Priya", ROSTER) is None
    assert mention_review("@mraia please", ROSTER) == \
        "@mraia is not on the roster (did you mean @maria?) - nobody would be told"
    assert mention_review("mail maria@example.org", ROSTER) is None
    assert mention_review("@anyone", []) is None  # no roster to judge by
