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
    # Open red flags too, and first: sort:due is an urgency order (domain/query.py).
    View("at-risk", "At risk / breached",
         "status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due"),
    View("open", "All open", "status:open"),
    View("all", "Everything", ""),
    View("mentions", "Mentions of me", "mentions:me"),
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
