"""Messages the I/O workers post to the app; only the app's handlers touch widgets.

Workers run concurrently with the UI and can finish after the person has moved on, so
every result carries enough context (a generation, a conversation id) for the handler to
drop it when it is stale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.message import Message

from cxinbox.contract.types import ConversationDetail, Event, Page
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui.triage import Triage


def error_line(exc: BaseException) -> str:
    """An error as one short, sanitised line for a toast or the status line (its text may
    quote a server or a patient)."""
    return clean_line(str(exc), max_len=200) or type(exc).__name__


class PageLoaded(Message):
    def __init__(self, generation: int, page: Page, cap: int, *, news: int = 0,
                 counts: CountsLoaded | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.page = page
        self.cap = cap  # where its count stopped (a total of `cap` is "at least")
        self.news = news  # the change-feed news the page was read after
        self.counts = counts  # the header's counts, read with it (shown in the same frame)


class EndCounted(Message):
    """`G` on a list whose count stopped at its cap: the exact number of matches (None:
    counting failed, and the toast said so)."""

    def __init__(self, generation: int, total: int | None) -> None:
        super().__init__()
        self.generation = generation
        self.total = total


class PageFailed(Message):
    def __init__(self, generation: int, error: str, bad_query: bool) -> None:
        super().__init__()
        self.generation = generation
        self.error = error
        self.bad_query = bad_query


class SearchDone(Message):
    """A typed query was tried before the list switches to it: a page, or its error."""

    def __init__(self, seq: int, query: str, page: Page | None, error: str) -> None:
        super().__init__()
        self.seq = seq
        self.query = query
        self.page = page
        self.error = error


class DetailLoaded(Message):
    def __init__(self, detail: ConversationDetail, focus: bool) -> None:
        super().__init__()
        self.detail = detail
        self.focus = focus


class DetailFailed(Message):
    def __init__(self, conv_id: int, error: str) -> None:
        super().__init__()
        self.conv_id = conv_id
        self.error = error


class EventsPolled(Message):
    """New change-feed events, or (first poll) the feed's current head sequence number.

    `read_up_to` is where the server stopped reading the feed for us (at or past the last
    event returned), so the next long poll starts there.
    """

    def __init__(self, events: list[Event], head: int | None = None,
                 presence_version: int | None = None, read_up_to: int | None = None,
                 more: bool = False, restart: bool = False) -> None:
        super().__init__()
        self.events = events
        self.head = head
        self.presence_version = presence_version
        self.read_up_to = read_up_to
        self.more = more
        """The server has more committed after `read_up_to` (a full page)."""
        self.restart = restart
        """The database lost events this terminal took in (a failover): `head` is where
        to start over, and everything shown is read again."""


class PollFailed(Message):
    """The change feed's long poll failed; `database`: the server answered that its
    database does not (the server itself is there)."""

    def __init__(self, error: str, *, database: bool = False) -> None:
        super().__init__()
        self.error = error
        self.database = database


class TriageDone(Message):
    def __init__(self, triage: Triage, undoing: bool) -> None:
        super().__init__()
        self.triage = triage
        self.undoing = undoing


class TriageFailed(Message):
    def __init__(self, triage: Triage, error: str, *, undoing: bool = False,
                 refused: bool = True) -> None:
        super().__init__()
        self.triage = triage
        self.error = error
        self.undoing = undoing
        self.refused = refused  # by the server (for good), not lost on the way


class CountsLoaded(Message):
    """View counts for the header, and the mail sync state for the status line."""

    def __init__(self, counts: Mapping[str, int | None], mail: str, mail_problem: bool,
                 shorter: Sequence[str] = (), *, news: int = 0, late: bool = False,
                 whole: bool = True, roster_unreadable: bool = False) -> None:
        super().__init__()
        self.counts = counts
        self.roster_unreadable = roster_unreadable  # the server's `redflag:roster` alert
        self.whole = whole  # False: the lock came up midway and the rest were not read
        self.news = news  # the change-feed news they were read after
        self.late = late  # read because no page brought counts after that news
        self.mail = mail
        self.mail_problem = mail_problem
        self.shorter = tuple(shorter)  # the mail line's shorter forms (an alert's)


class MailStateLoaded(Message):
    """The server's alerts and mail sync state alone, for the status line while locked
    (no view is counted then: those are reads of patient lists)."""

    def __init__(self, mail: str, mail_problem: bool, shorter: Sequence[str] = (), *,
                 roster_unreadable: bool = False) -> None:
        super().__init__()
        self.mail = mail
        self.mail_problem = mail_problem
        self.shorter = tuple(shorter)
        self.roster_unreadable = roster_unreadable  # the server's `redflag:roster` alert


class AttachmentSaved(Message):
    def __init__(self, text: str, ok: bool) -> None:
        super().__init__()
        self.text = text
        self.ok = ok
