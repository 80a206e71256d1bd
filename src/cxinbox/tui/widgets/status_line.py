"""The line above the footer: is the inbox live, who is online, and what stays true (a
view that cannot load, a config problem). What just happened is a toast, not repeated here.

Nothing here changes every second on purpose: a clock with seconds or a "last polled"
time would redraw the line each tick and cost bandwidth on a slow link for no news.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widget import Widget

from cxinbox.tui.ascii import Glyphs

_MORE = re.compile(r" \+\d+$")
"""How an alert's short form ends when other alerts are hidden (tui/alertline.py)."""


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def __init__(self, *, me: str, glyphs: Glyphs, id: str | None = None) -> None:
        super().__init__(id=id)
        self._me = me
        self._glyphs = glyphs
        self._sync = "connecting"
        self._problem = False
        self._online: tuple[str, ...] = (me,)
        self._message = ""
        self._mail = ""
        self._mail_problem = False
        self._mail_shorter: tuple[str, ...] = ()
        self._away = False
        self._alert = ""

    def set_sync(self, text: str, *, problem: bool = False) -> None:
        if (text, problem) != (self._sync, self._problem):
            self._sync, self._problem = text, problem
            self.refresh()

    def set_mail(self, text: str, *, problem: bool = False,
                 shorter: Sequence[str] = ()) -> None:
        """Where mail sync stands (last sync time, quarantined folders, or a server
        alert); `shorter`: its shorter forms, tried in order when the whole does not fit
        (an alert's verdict and reason rather than its first words: tui/alertline.py)."""
        forms = tuple(shorter)
        if (text, problem, forms) != (self._mail, self._mail_problem, self._mail_shorter):
            self._mail, self._mail_problem, self._mail_shorter = text, problem, forms
            self.refresh()

    def set_away(self, away: bool) -> None:
        """Whether I am marked away (teams pass me over): said where I look, in words."""
        if away != self._away:
            self._away = away
            self.refresh()

    def set_alert(self, text: str) -> None:
        """What everyone must see while it holds ("no clinician on shift"): shown first
        on the right, in reverse, and never cut off."""
        if text != self._alert:
            self._alert = text
            self.refresh()

    def set_online(self, users: tuple[str, ...]) -> None:
        if users != self._online:
            self._online = users
            self.refresh()

    def set_message(self, text: str) -> None:
        if text != self._message:
            self._message = text
            self.refresh()

    def _right(self, room: int) -> Text:
        """The state on the right, in the first of ever shorter forms that fits `room`:
        the alert, the sync state and a mail problem always; then who is away before who
        is not (a colleague's "(away)" matters more than her name beside the others'), the
        mail time last of all."""
        others = [u for u in self._online if u != self._me]
        away = [u for u in others if u.endswith(" (away)")]
        present = [u for u in others if not u.endswith(" (away)")]
        me_long = f"you ({self._me}, AWAY)" if self._away else f"you ({self._me})"
        me_short = "you (AWAY)" if self._away else "you"
        more = f" +{len(present)}" if present else ""
        tail = f" +{len(others) - 1}" if len(others) > 1 else ""
        people = [
            ", ".join([me_long, *away, *present]),
            ", ".join([me_short, *away, *present]),
            ", ".join([me_short, *away]) + more,
            ", ".join([me_short, *away[:1]]) + tail,
            (f"{me_short} +{len(others)}" if others else me_short)
            + (f" ({len(away)} away)" if away else ""),
        ]
        mails = (self._mail, *self._mail_shorter)
        # Names give way (`+3`) before an alert's words do, and do not come back once its
        # shorter forms are tried: a cut reason beside colleagues' names reads as if the
        # names mattered more. Dropping who is away comes last, with the shortest alert.
        forms: list[tuple[str, str]] = [(mails[0], p) for p in people[:3]]
        forms += [(m, people[2]) for m in mails[1:]]
        forms += [(mails[-1], p) for p in people[3:]]
        if not self._mail_problem:  # a mailbox in trouble stays said, whatever it costs
            forms += [("", p) for p in people]
        for mail, who in forms:
            right = self._right_form(mail, who)
            if right.cell_len <= room:
                return right
        # The shortest alert does not fit beside `online: you +3`: the names give way to
        # it (what a receptionist must do matters more than who else is in), and only an
        # alert too long even alone is cut, keeping its count of the others (`+2`).
        shortest = mails[-1]
        alone = self._right_form(shortest, None)
        if alone.cell_len <= room:
            return alone
        count = _MORE.search(shortest)
        hidden = count.group(0) if count else ""
        head = shortest[: len(shortest) - len(hidden)]
        room_left = room - self._right_form("", None).cell_len - cell_len(
            self._glyphs.separator) - cell_len(hidden)
        if room_left <= 1:
            return self._right_form(hidden.strip(), None)
        cut = set_cell_size(head, room_left - 1).rstrip() + self._glyphs.ellipsis
        return self._right_form(cut + hidden, None)

    def _right_form(self, mail: str, who: str | None) -> Text:
        """The right-hand state with `mail` and `who` (None: no `online:` part)."""
        sep = self._glyphs.separator
        right = Text(no_wrap=True)
        if self._alert:
            right.append(f" {self._alert.upper()} ", style="bold reverse")
            right.append(sep)
        right.append(self._sync, style="bold reverse" if self._problem else "")
        if mail:
            right.append(sep)
            right.append(mail, style="bold reverse" if self._mail_problem else "")
        right.append(f"{sep}online: {who} " if who is not None else " ")
        return right

    def render(self) -> Text:
        """The last message on the left (it matters most right now), state on the right."""
        right = self._right(max(0, self.size.width - 2))
        room = max(0, self.size.width - right.cell_len - 2)
        text = Text(no_wrap=True, overflow="ellipsis")
        message = self._message
        if len(message) > room:
            message = message[: max(0, room - 1)] + self._glyphs.ellipsis if room else ""
        text.append(" " + message)
        text.append(" " * max(1, self.size.width - text.cell_len - right.cell_len))
        text.append_text(right)
        return text
