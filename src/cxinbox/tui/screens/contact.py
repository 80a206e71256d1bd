"""The patient behind a conversation: names, addresses, numbers and every conversation.

A clinic's patients write from a home address, a work address and a mobile; the desk
links them so the history of one person is in one place. This screen shows the contact
of one conversation and lets staff fix the links by keyboard:

- `l` links another e-mail address or number (the API validates it and the screen shows
  the form it was stored in; conversations from that address come along),
- `x` unlinks the selected address or number (after a yes/no: it becomes a contact of
  its own, with its conversations),
- `m` merges another contact into this one, found by its number, by `#conversation`, or
  by any address or number linked to it (whether or not it ever wrote),
- Enter on a conversation opens it in the inbox.

A conversation staff started that nobody answered has no contact yet; `l` or `m` makes
one from the address it was sent to first. The screen follows the conversation, not the
contact: after an unlink it shows whichever contact the conversation belongs to then.
Everything shown was sanitised by the API, and the API audits each look as `contact.view`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cxinbox.contract.errors import NotFound
from cxinbox.contract.team_types import ContactView
from cxinbox.contract.types import ConversationSummary, Event
from cxinbox.domain.recipient import RecipientError, parse_recipient
from cxinbox.domain.sanitize import clean_line
from cxinbox.tui.messages import error_line
from cxinbox.tui.screens.choice import Choice, ChoiceScreen
from cxinbox.tui.screens.prompt import PromptScreen
from cxinbox.tui.timefmt import clinic_datetime

CONVERSATION_LIMIT = 50
KEYS = "j/k Move  Enter Open  l Link  x Unlink  m Merge  Esc Close"
PHONE_DIGITS = 7
"""An answer of only digits this long or longer that is no contact number is tried as a
phone number typed without punctuation."""


def link_problem(typed: str, country: str) -> str | None:
    """Why the link prompt's answer is no address or number (None: send it to the server,
    which reads it the same way). Without a known country a national number is left to the
    server, whose config may know it."""
    try:
        parse_recipient(typed, country)
    except RecipientError as exc:
        if not country and "no country code" in str(exc):
            return None
        return str(exc)
    return None


class MergeTargetError(Exception):
    """The merge prompt's answer names no contact we can find (shown as one line)."""


@dataclass(frozen=True, slots=True)
class Row:
    """What one line of the list stands for."""

    kind: str  # header | email | phone | conversation
    value: str = ""
    conv_id: int | None = None


def contact_title(contact: ContactView, separator: str) -> str:
    who = ", ".join(contact.names) or (contact.emails + contact.phones + ("unknown",))[0]
    number = f"Contact {contact.id}" if contact.id is not None else "No contact yet"
    return separator.join([number, who])


def conversation_text(summary: ConversationSummary, current: int, tz: tzinfo, now: datetime,
                      width: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    when = clinic_datetime(summary.last_message_at, tz, now)
    style = "dim" if summary.status == "closed" else ""
    text.append(f"  #{summary.id:<7}", style="bold")
    text.append(f"{summary.channel:<6}{summary.status:<8}{when:<13}", style=style)
    if summary.id == current:
        text.append("(this one) ", style="bold")
    text.append(summary.subject or "(no subject)", style=style)
    text.truncate(width, overflow="ellipsis")
    return text


class ContactLoaded(Message):
    def __init__(self, contact: ContactView | None, conversations: Sequence[ConversationSummary],
                 error: str) -> None:
        super().__init__()
        self.contact = contact
        self.conversations = conversations
        self.error = error


class ContactActed(Message):
    def __init__(self, text: str, error: bool) -> None:
        super().__init__()
        self.text = text
        self.error = error


class MergeFound(Message):
    """The merge prompt named `other`; `asked` is what was typed (for the messages)."""

    def __init__(self, other: ContactView, asked: str) -> None:
        super().__init__()
        self.other = other
        self.asked = asked


class ContactScreen(ModalScreen[int | None]):
    """Dismissed with a conversation id to open (Enter on one), or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="contact-close"),
        Binding("j", "move(1)", "Down", show=False, id="contact-down"),
        Binding("k", "move(-1)", "Up", show=False, id="contact-up"),
        Binding("l", "link", "Link", id="contact-link"),
        Binding("x", "unlink", "Unlink", id="contact-unlink"),
        Binding("m", "merge", "Merge", id="contact-merge"),
    ]

    DEFAULT_CSS = """
    ContactScreen { layout: vertical; background: $background 100%; }
    ContactScreen #contact-title { height: 1; background: $primary; color: $text;
                                   text-style: bold; padding: 0 1; }
    ContactScreen OptionList { height: 1fr; border: none; padding: 0; }
    ContactScreen OptionList:focus { border: none; }
    ContactScreen #contact-status { height: 1; padding: 0 1; }
    ContactScreen #contact-status.-error { color: $error; text-style: bold; }
    ContactScreen #contact-keys { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, api: Any, conv_id: int, *, tz: tzinfo,
                 now: Callable[[], datetime] | None = None,
                 separator: str = " - ", blink: bool = True, country: str = "") -> None:
        super().__init__()
        self._country = country
        self._api = api
        self.conv_id = conv_id
        self._tz = tz
        self._now: Callable[[], datetime] = now or (lambda: datetime.now(tz))
        self._sep = separator
        self._blink = blink
        self.contact: ContactView | None = None
        self.conversations: list[ConversationSummary] = []
        self._rows: list[Row] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Contact of #{self.conv_id}"), id="contact-title", markup=False)
        yield OptionList(id="contact-list")
        yield Static(Text("Loading..."), id="contact-status", markup=False)
        yield Static(Text(KEYS), id="contact-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    # -- loading -----------------------------------------------------------------------------

    def wants(self, events: Iterable[Event]) -> bool:
        """Whether a change-feed batch may change what this screen shows."""
        shown = {self.conv_id, *(c.id for c in self.conversations)}
        for event in events:
            if event.action in ("conversation.view", "contact.view"):
                continue  # looking changes nothing (and our own load records a view)
            if event.action.startswith("contact.") or event.action in (
                    "conversation.merge", "conversation.split"):
                return True
            target = event.target.removeprefix("conversation:")
            if target.isdigit() and int(target) in shown:
                return True
            touched = event.details.get("conversations") if isinstance(event.details,
                                                                        dict) else None
            if isinstance(touched, list) and shown.intersection(
                    t for t in touched if isinstance(t, int)):
                return True
        return False

    def reload(self) -> None:
        if getattr(self.app, "locked", False):
            return
        self.run_worker(self._load(), group="contact-load", exclusive=True,
                        exit_on_error=False)

    async def _load(self) -> None:
        try:
            contact = await self._api.contact_for(self.conv_id)
            conversations: list[ConversationSummary] = []
            if contact.id is not None:
                page = await self._api.list_conversations(f"contact:{contact.id}", 0,
                                                          CONVERSATION_LIMIT)
                conversations = list(page.items)
        except Exception as exc:  # noqa: BLE001 - one line on the screen, never a crash
            self.post_message(ContactLoaded(None, [], error_line(exc)))
        else:
            self.post_message(ContactLoaded(contact, conversations, ""))

    def on_contact_loaded(self, message: ContactLoaded) -> None:
        message.stop()
        if message.contact is None:
            self._status(f"Contact not available: {message.error}", error=True)
            return
        first = self.contact is None
        self.contact = message.contact
        self.conversations = list(message.conversations)
        self._fill()
        if first:
            self._status("No contact yet (staff started this conversation): l or m makes one."
                         if self.contact.id is None else
                         "l link an address or number, x unlink the selected one, m merge.")

    def _fill(self) -> None:
        contact = self.contact
        assert contact is not None
        listing = self.query_one(OptionList)
        keep = self.selected_row
        shown = listing.size.width or self.app.size.width
        width = max(30, shown - 3)
        rows: list[Row] = []
        options: list[Option] = []

        def header(text: str) -> None:
            rows.append(Row("header"))
            options.append(Option(Text(text, style="bold underline"), disabled=True))

        if contact.names:
            header("Names: " + ", ".join(contact.names))
        header("Addresses and numbers")
        for kind, values in (("email", contact.emails), ("phone", contact.phones)):
            for value in values:
                rows.append(Row(kind, value))
                line = Text(f"  {kind:<7}{value}", no_wrap=True, overflow="ellipsis")
                line.truncate(width, overflow="ellipsis")
                options.append(Option(line))
        if not contact.emails and not contact.phones:
            rows.append(Row("header"))
            options.append(Option(Text("  (none)", style="dim"), disabled=True))
        count = len(self.conversations)
        more = "+" if count >= CONVERSATION_LIMIT else ""
        header(f"Conversations ({count}{more}, newest first)")
        now = self._now()
        for summary in self.conversations:
            rows.append(Row("conversation", conv_id=summary.id))
            options.append(Option(conversation_text(summary, self.conv_id, self._tz, now,
                                                    width)))
        if not self.conversations:
            rows.append(Row("header"))
            options.append(Option(Text("  only this one", style="dim"), disabled=True))
        self._rows = rows
        listing.set_options(options)
        target = rows.index(keep) if keep in rows else next(
            (i for i, r in enumerate(rows) if r.kind == "conversation"
             and r.conv_id == self.conv_id),
            next((i for i, r in enumerate(rows) if r.kind != "header"), None))
        listing.highlighted = target
        self.query_one("#contact-title", Static).update(Text(contact_title(contact, self._sep)))

    @property
    def selected_row(self) -> Row | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self._rows):
            return None
        return self._rows[index]

    def _status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#contact-status", Static)
        line.update(Text(clean_line(text, max_len=300)))
        line.set_class(error, "-error")

    # -- keys ------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self.selected_row
        if row is not None and row.kind == "conversation" and row.conv_id is not None:
            self.dismiss(row.conv_id)
        elif row is not None and row.kind in ("email", "phone"):
            self._status("x unlinks this one; Enter on a conversation opens it.")

    def _loaded(self) -> ContactView | None:
        if self.contact is None:
            self._status("Still loading.", error=True)
        return self.contact

    async def _ensured_id(self) -> int:
        """This conversation's contact number, made now if staff started the conversation
        and nobody answered yet (the API creates it from the address it was sent to)."""
        if self.contact is not None and self.contact.id is not None:
            return self.contact.id
        made = await self._api.ensure_contact(self.conv_id)
        if made.id is None:  # the API always returns a contact; never trust a peer blindly
            raise MergeTargetError(f"#{self.conv_id} has no contact.")
        return int(made.id)

    def _whose(self, contact: ContactView) -> str:
        return f"contact {contact.id}" if contact.id is not None else "this patient (new contact)"

    def action_link(self) -> None:
        contact = self._loaded()
        if contact is None:
            return
        known = set(contact.emails) | set(contact.phones) if contact.id is not None else set()

        def check(text: str) -> str | None:
            return link_problem(text, self._country)

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return
            address = text.strip()

            async def call() -> str:
                contact_id = await self._ensured_id()
                stored = await self._api.link_address(contact_id, address)
                shown = clean_line(str(stored), max_len=60)
                if stored in known:
                    return f"{shown} is already linked to contact {contact_id}."
                return f"Linked {shown} to contact {contact_id}."

            self._run(call())

        self.app.push_screen(PromptScreen(
            f"Link to {self._whose(contact)}", check=check, blink=self._blink,
            hint="e-mail or number, e.g. 555-350-4006; its conversations come along"),
            answered)

    def action_unlink(self) -> None:
        contact = self._loaded()
        if contact is None:
            return
        contact_id = contact.id
        if contact_id is None:
            self._status("No contact yet, so nothing to unlink (l links, m merges).",
                         error=True)
            return
        row = self.selected_row
        if row is None or row.kind not in ("email", "phone"):
            self._status("Select an address or number first (j/k).", error=True)
            return
        address = row.value
        choices = [Choice("y", "yes", "yes, it belongs to someone else"),
                   Choice("n", "no", "no, keep it")]

        def chosen(value: str | None) -> None:
            if value != "yes":
                return

            async def call() -> str:
                new_id = await self._api.unlink_address(contact_id, address)
                return f"Unlinked {address}; it is now contact {new_id}."

            self._run(call())

        self.app.push_screen(ChoiceScreen(f"Unlink {address[:36]}?", choices), chosen)

    def action_merge(self) -> None:
        contact = self._loaded()
        if contact is None:
            return

        def check(text: str) -> str | None:
            value = text.strip()
            if value == "#" or (value.startswith("#") and not value[1:].isdigit()):
                return "After # comes a conversation number, e.g. #1024."
            return None if value else ("Type a contact number, #conversation, an e-mail"
                                       " address or a phone number.")

        def answered(text: str | None) -> None:
            if text and text.strip():
                self.run_worker(self._find_other(text.strip()), group="contact-find",
                                exclusive=True, exit_on_error=False)

        self.app.push_screen(PromptScreen(
            f"Merge which contact into {self._whose(contact)}?", check=check,
            blink=self._blink,
            hint="number (42), conversation (#1024), or any address or number it has"),
            answered)

    async def _find_other(self, text: str) -> None:
        try:
            other = await self._resolve(text)
        except MergeTargetError as exc:
            self.post_message(ContactActed(str(exc), True))
        except Exception as exc:  # noqa: BLE001 - one line on the screen
            self.post_message(ContactActed(error_line(exc), True))
        else:
            self.post_message(MergeFound(other, text))

    async def _resolve(self, text: str) -> ContactView:
        """The contact the merge prompt's answer names (see `action_merge`).

        `#1024` is that conversation's contact (or, if it has none yet, its address); a
        number is a contact number, or a phone number when no contact has it and it is long
        enough; anything else is an address or number linked to a contact.
        """
        asked = clean_line(text, max_len=40)
        found: ContactView
        if text.startswith("#") and text[1:].isdigit():
            found = await self._api.contact_for(int(text[1:]))
            return found
        if text.isdigit():
            try:
                found = await self._api.contact(int(text))
            except NotFound:
                if len(text) < PHONE_DIGITS:
                    raise MergeTargetError(f"No contact {asked}.") from None
            else:
                return found
        try:
            found = await self._api.contact_by_address(text)
        except NotFound as exc:
            said = error_line(exc)
            raise MergeTargetError(f"{said[:1].upper()}{said[1:]}; l links it to this"
                                   " contact instead.") from None
        return found

    def on_merge_found(self, message: MergeFound) -> None:
        message.stop()
        other = message.other
        mine = self.contact
        if mine is None:
            return
        if other.id is None:
            self._offer_link(other, message.asked)
            return
        if other.id == mine.id:
            self._status(f"That is contact {mine.id} already.", error=True)
            return
        who = ", ".join(other.names or (other.emails + other.phones)) or "no name"
        choices = [Choice("y", "yes", f"yes, same patient: {who}"[:44]),
                   Choice("n", "no", "no, leave them apart")]
        other_id = other.id
        into = f"into {mine.id}" if mine.id is not None else "into this patient"

        def chosen(value: str | None) -> None:
            if value != "yes":
                return

            async def call() -> str:
                contact_id = await self._ensured_id()
                await self._api.merge_contacts(contact_id, other_id)
                return f"Contact {other_id} merged into contact {contact_id}."

            self._run(call())

        self.app.push_screen(ChoiceScreen(f"Merge contact {other_id} {into}?", choices),
                             chosen)

    def _offer_link(self, other: ContactView, asked: str) -> None:
        """`#conversation` named one staff started that has no contact yet: linking the
        address it was sent to brings it over without making a contact to merge away."""
        address = (other.emails + other.phones + ("",))[0]
        if not address:
            self._status(f"{clean_line(asked, max_len=40)} has no patient address to link.",
                         error=True)
            return
        if self.contact is not None and address in self.contact.emails + self.contact.phones:
            self._status(f"{address} is on this contact already.", error=True)
            return
        choices = [Choice("y", "yes", "yes, same patient"), Choice("n", "no", "no")]

        def chosen(value: str | None) -> None:
            if value != "yes":
                return

            async def call() -> str:
                contact_id = await self._ensured_id()
                stored = await self._api.link_address(contact_id, address)
                return (f"{clean_line(asked, max_len=20)} has no contact yet; linked"
                        f" {clean_line(str(stored), max_len=60)} to contact {contact_id}.")

            self._run(call())

        self.app.push_screen(ChoiceScreen(f"Link {address[:40]} to this contact?", choices),
                             chosen)

    def _run(self, call: Any) -> None:
        async def go() -> None:
            try:
                done = await call
            except Exception as exc:  # noqa: BLE001 - the API's refusal, as one line
                self.post_message(ContactActed(error_line(exc), True))
            else:
                self.post_message(ContactActed(done, False))

        self._status("Working...")
        self.run_worker(go(), group="contact-act", exit_on_error=False)

    def on_contact_acted(self, message: ContactActed) -> None:
        message.stop()
        self._status(message.text, error=message.error)
        self.reload()
