"""Named views are just saved queries in the one query language.

Keeping views as query strings means the list, the `/` search, the CLI and the server
all select conversations the same way; a view can never show something its query
would not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class View:
    key: str
    title: str
    query: str


STANDARD_VIEWS: tuple[View, ...] = (
    View("mine", "My open", "status:open assignee:me"),
    View("unassigned", "Unassigned", "status:open assignee:none"),
    # About urgency, so the deepest breach comes first, not the newest message.
    # Open red flags too, whatever their status (a flag somebody pended or closed is still
    # an emergency nobody cleared), and first: sort:due is an urgency order (domain/query.py).
    View("at-risk", "At risk / breached",
         "(is:red-flag OR status:open (sla:at-risk OR sla:breached)) sort:due"),
    View("open", "All open", "status:open"),
    View("all", "Everything", ""),
    View("mentions", "Mentions of me", "mentions:me"),
    # Patient messages no red-flag check read (a first sync's backlog, a late text): a
    # person must read them for anything urgent (store/unscreened.py says when it ends).
    View("unscreened", "Not screened", "is:unscreened"),
)

DEFAULT_VIEW = "open"

_BY_KEY = {view.key: view for view in STANDARD_VIEWS}


def standard_view(key: str) -> View:
    return _BY_KEY[key]


def mailbox_view(mailbox: str) -> View:
    return View(f"mailbox:{mailbox}", f"Mailbox {mailbox}",
                f"status:open mailbox:{_quote(mailbox)}")


def tag_view(tag: str) -> View:
    return View(f"tag:{tag}", f"Tag {tag}", f"status:open tag:{_quote(tag)}")


def search_view(query: str) -> View:
    return View("search", f"Search: {query}", query)


def _quote(value: str) -> str:
    """A field value that survives the query lexer even with spaces or parentheses."""
    if value and not any(ch.isspace() or ch in '()"' for ch in value):
        return value
    return '"' + value.replace('"', "") + '"'


COUNT_STEP = 10_000
"""A list counts its matches up to a multiple of this, never all of them: at a million
conversations an exact count is slow where a page is quick (issue #16). A count that
reached its cap is shown as "10,000+" (`count_text`)."""


SEARCH_COUNT_STEP = 200
"""The step of a search's count (and a tag's view): "200+". A view's count reads an index
alone, but a search's walks the list testing each conversation (its words, its senders,
its tags) and stops at the count; at a million conversations 10,000 matches of a common
word took seconds to reach, 200 take milliseconds (store/pg/search.py)."""


def count_step(view: View) -> int:
    """How far `view`'s list counts at first: SEARCH_COUNT_STEP for a search or a tag."""
    return SEARCH_COUNT_STEP if view.key == "search" or view.key.startswith("tag:") \
        else COUNT_STEP


def count_cap(offset: int, limit: int, at_least: int = 0, step: int | None = None) -> int:
    """The count cap for the page `offset`..`offset + limit`: the first multiple of
    `step` (COUNT_STEP by default) that covers it, and never below `at_least` (the cap
    the list already uses, so the total changes only when scrolling passes another
    step)."""
    step = COUNT_STEP if step is None else step
    return max(-(-(offset + limit) // step) * step, at_least, step)


def count_text(total: int, cap: int | None) -> str:
    """A count as the header shows it: "10,000+" when counting stopped at `cap`."""
    return f"{total:,}+" if cap is not None and total >= cap else str(total)
