"""The reply composer: a full-screen editor over a shared draft.

Everything typed is saved to the server as a draft a second after the last keystroke, so a
crash, a lock or a closed SSH session loses at most a second of typing, and colleagues see
"draft by Maria" on the conversation. Sending goes through the server's send guard: if the
patient or a colleague added something after this draft was started, the send stops and the
composer shows what arrived, and the sender chooses to send anyway or revise.

Keys are chosen to stay clear of the editor's own (ctrl+a/e/k/u/w/x/c/v/z/y belong to the
text area) and of terminal flow control, which Textual's raw mode switches off.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from cxinbox.domain.compose import (
    body_shingles,
    canned_shingles,
    canned_still_there,
    fold_words,
)
from cxinbox.domain.sanitize import clean_line
from cxinbox.domain.sms import segments, to_gsm7, ucs2_causes
from cxinbox.tui.messages import error_line
from cxinbox.tui.screens.choice import Choice, ChoiceScreen
from cxinbox.tui.screens.prompt import PromptScreen
from cxinbox.tui.timefmt import clinic_datetime

SAVE_DELAY_S = 1.0
EMERGENCY_NAME = "emergency guidance"
REDFLAG_LINE = ("RED FLAG: no canned replies until a clinician clears the flag."
                " ^T: the clinic's emergency guidance.")
"""Over the composer of a red-flagged conversation, for as long as it is open (when the
app gives no line of its own, quoting the patient's words)."""
FLAG_NEWS = frozenset({"redflag.raised", "redflag.cleared", "conversation.tag",
                       "mail.received", "sms.received", "conversation.merge"})
"""Change-feed events after which the composer's conversation may have a red flag it did
not have (or no longer have one)."""


@dataclass(frozen=True, slots=True)
class FlagWords:
    """What the composer says about its conversation's red flag; all "" when none is open.

    `line`: the red line under the title; `emergency`: the clinic's guidance, all that ^T
    offers then; `blocked`: why ^T lists no canned replies and who lifts the block."""

    line: str = ""
    emergency: str = ""
    blocked: str = ""


@dataclass(frozen=True, slots=True)
class EmergencyGuidance:
    """The emergency text as an entry of the canned-reply picker (inserted as is, never
    rendered by the server, which refuses templates on a red-flagged conversation)."""

    name: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class ComposeResultValue:
    """What the composer closed with: "sent" (with the outbox item), "kept" or "discarded"."""

    outcome: str
    outbox: Any = None
    draft_id: int | None = None


def sms_meter(text: str) -> str:
    """ "1 text · 112 left (GSM-7)": what the composer shows under a text message. A long
    text is billed as several texts (the patient's phone joins them into one)."""
    info = segments(text)
    per_text = 160 if info.encoding == "GSM-7" else 70
    if info.segments == 0:
        return f"empty · {per_text} characters per text ({info.encoding})"
    unit = "text" if info.segments == 1 else "texts"
    return f"{info.segments} {unit} · {info.remaining_in_segment} left ({info.encoding})"


def ucs2_line(text: str, *, ascii_only: bool = False, fix_key: str = "^R") -> str:
    """Which characters make a text UCS-2 (70 characters per text instead of 160), by code
    point so that a 7-bit terminal, which draws "’" as "'", still shows the culprit; and
    the key that replaces the ones with a plain stand-in. "" for a GSM-7 text."""
    causes = ucs2_causes(text)
    if not causes:
        return ""
    named = []
    for cause in causes[:3]:
        glyph = "" if ascii_only or not cause.char.isprintable() else f"{cause.char} "
        times = f" x{cause.count}" if cause.count > 1 else ""
        named.append(f"{glyph}({cause.code_point}){times}" if glyph
                     else f"{cause.code_point}{times}")
    more = f" +{len(causes) - 3} more" if len(causes) > 3 else ""
    verb = "forces" if len(causes) == 1 else "force"
    line = f"{', '.join(named)}{more} {verb} UCS-2: 70 chars/text."
    fixable = [c for c in causes if c.stand_in is not None]
    if len(causes) == 1 and fixable:
        line += f" {fix_key} replaces it with {fixable[0].stand_in!r}"
    elif fixable:
        line += f" {fix_key} fixes {len(fixable)}"
    return line


def sms_sender_name(config: Any, number: str) -> str:
    """A clinic SMS number as staff know it: "Front desk · Maple Street Clinic", not the
    raw number (the number itself only when the config does not name it)."""
    clinic = clean_line(getattr(getattr(config, "clinic", None), "name", "") or "")
    numbers = getattr(getattr(config, "sms", None), "numbers", ()) or ()
    name = next((n.name for n in numbers if n.number == number and n.name), "")
    parts = [p for p in (clean_line(name), clinic) if p]
    return " · ".join(parts) if parts else number


def sms_line_name(config: Any, number: str) -> str:
    """A clinic SMS number by its configured name alone ("Front desk"), or the number."""
    numbers = getattr(getattr(config, "sms", None), "numbers", ()) or ()
    name = next((n.name for n in numbers if n.number == number and n.name), "")
    return clean_line(name) or number


def composer_title(draft: Any, summary: Any, channel: str, config: Any) -> str:
    """ "Reply to Jane Doe · #301 · appointments", "Text to Robert Smith · #298"."""
    mode = getattr(draft, "mode", "reply")
    label = {"reply": "Reply", "reply_all": "Reply all", "new": "New message"}.get(mode, "Reply")
    if channel == "sms":
        label = "Text"
    to = ", ".join(getattr(draft, "to", ()) or ())
    who = (summary.from_name or summary.from_addr) if summary is not None else to
    conv_id = getattr(draft, "conversation_id", None)
    title = f"{label} to {who}" + (f" · #{conv_id}" if conv_id else "")
    if summary is not None and channel != "sms":
        title += f" · {summary.mailbox}"
    return title


class CannedPicker(ModalScreen[str | None]):
    """Type to filter the canned replies, Enter to insert, Esc to cancel.

    With `blocked` (a red-flagged conversation) the list holds only what may go into such a
    reply, the clinic's emergency guidance, and the line above it says why the canned
    replies are not there and who lifts the block: nothing is offered only to be refused."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    CannedPicker { align: center middle; }
    CannedPicker > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CannedPicker OptionList, CannedPicker OptionList:focus {
        height: auto; max-height: 12; border: none;
    }
    CannedPicker #canned-hint { color: $text-muted; }
    CannedPicker #canned-blocked { color: $error; text-style: bold; }
    """

    def __init__(self, replies: Sequence[Any], *, blocked: str = "") -> None:
        super().__init__()
        self._replies = list(replies)
        self._blocked = blocked

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Emergency guidance" if self._blocked else "Canned replies"
            if self._blocked:
                yield Static(Text(self._blocked), id="canned-blocked", markup=False)
            else:
                yield Input(placeholder="type to search", id="canned-filter")
            yield OptionList(id="canned-list")
            yield Static(Text("Enter inserts, Esc cancels"), id="canned-hint", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        if self._blocked:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        wanted = needle.lower().split()
        options = []
        for reply in self._replies:
            preview = " ".join(reply.body.split())[: max(0, 56 - len(reply.name))]
            haystack = f"{reply.name} {reply.subject} {reply.body}".lower()
            if all(word in haystack for word in wanted):
                label = Text(no_wrap=True, overflow="ellipsis")
                label.append(reply.name, style="bold")
                if preview:
                    label.append(f"  {preview}", style="dim")
                options.append(Option(label, id=reply.name))
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_key(self, event: events.Key) -> None:
        listing = self.query_one(OptionList)
        if event.key in ("down", "up"):
            event.stop()
            listing.action_cursor_down() if event.key == "down" else listing.action_cursor_up()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        listing = self.query_one(OptionList)
        if listing.highlighted is None:
            return
        option = listing.get_option_at_index(listing.highlighted)
        self.dismiss(option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ComposeScreen(Screen[ComposeResultValue]):
    """Compose a reply, reply-all, new message or text in one draft."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "send", "Send", priority=True, id="compose-send"),
        Binding("ctrl+t,f3", "canned", "Canned", priority=True, id="compose-canned"),
        Binding("ctrl+g,f4", "editor", "$EDITOR", priority=True, id="compose-editor"),
        Binding("ctrl+o,f5", "attach", "Attach", priority=True, id="compose-attach"),
        Binding("ctrl+r,f8", "plain", "Plain chars", priority=True, id="compose-plain"),
        Binding("ctrl+n,f9", "kb", "Knowledge base", priority=True, id="compose-kb"),
        Binding("escape", "close", "Close", priority=True, id="compose-close"),
    ]

    DEFAULT_CSS = """
    ComposeScreen { layout: vertical; }
    ComposeScreen #compose-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    ComposeScreen #compose-redflag {
        height: auto; background: $error; color: $text; text-style: bold; padding: 0 1;
        display: none;
    }
    ComposeScreen #compose-redflag.-shown { display: block; }
    ComposeScreen .compose-row { height: 1; }
    ComposeScreen .compose-row > Static { width: 9; color: $text-muted; }
    ComposeScreen .compose-row > Input { width: 1fr; height: 1; border: none; padding: 0; }
    ComposeScreen TextArea, ComposeScreen TextArea:focus {
        height: 1fr; border: none; padding: 0 1;
    }
    ComposeScreen #compose-body:focus { background: $boost; }
    ComposeScreen #compose-quote {
        height: auto; max-height: 30%; display: none; padding: 0 1;
        border-left: thick $primary-muted; background: $panel;
    }
    ComposeScreen #compose-quote.-shown { display: block; }
    ComposeScreen #compose-quote:focus { border-left: thick $accent; }
    ComposeScreen #compose-quote-text { height: auto; }
    ComposeScreen .compose-row > #compose-from { width: 1fr; color: $text; }
    ComposeScreen #compose-ucs2 { height: auto; max-height: 2; color: $warning; padding: 0 1;
                                  display: none; }
    ComposeScreen #compose-ucs2.-shown { display: block; }
    ComposeScreen #compose-others { height: auto; color: $warning; padding: 0 1; display: none; }
    ComposeScreen #compose-others.-shown { display: block; }
    ComposeScreen #compose-status { height: 1; color: $text-muted; padding: 0 1; }
    ComposeScreen #compose-files { height: auto; max-height: 3; padding: 0 1; display: none; }
    ComposeScreen #compose-files.-shown { display: block; }
    ComposeScreen #compose-keys { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, api: Any, draft: Any, *, title: str, channel: str, me: str,
                 editor: Sequence[str] | None = None, blink: bool = True, sender: str = "",
                 tz: tzinfo = UTC, clock: Any = None, ascii_only: bool = False,
                 detail: Any = None, emergency: str = "", blocked: str = "",
                 flag_line: str = "",
                 flag_words: Callable[[Any, bool], FlagWords] | None = None) -> None:
        super().__init__()
        self._detail = detail
        self._emergency = emergency
        """The clinic's emergency guidance: set on a red-flagged conversation, where it is
        offered first (in the empty body) and is all ^T offers (no canned replies)."""
        self._blocked = blocked or (REDFLAG_LINE if emergency else "")
        """Why ^T lists no canned replies here, and who lifts the block."""
        self._flag_line = flag_line or (REDFLAG_LINE if emergency else "")
        self._flag_words = flag_words
        """The app's words for a flag that is raised (or cleared) while this is open:
        (the conversation's fresh summary, raised while writing) -> FlagWords."""
        self._prepared: list[tuple[str, str]] = []
        """(name, text) of each canned reply or article put into the body here: text that
        may not go to a patient whose conversation has a red flag open."""
        self._sender = sender
        self._tz = tz
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ascii = ascii_only
        self.quoted: Any = None
        """The patient's message shown above the editor (a MessageView), once loaded."""
        self._api = api
        self._draft = draft
        self._title = title
        self._channel = channel
        self._me = me
        self._editor = tuple(editor) if editor else None
        self._blink = blink
        self._save_timer: Timer | None = None
        self._dirty = False
        self._saved_text = "Draft"
        self._busy = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(Text(self._title), id="compose-title", markup=False)
        # A line of the screen, not a toast: over this screen toasts sit top right, on the
        # recipients a person checks before writing to a patient in danger. Shown while
        # the flag is open, from the start or from the moment the change feed tells of it.
        yield Static(Text(self._flag_line), id="compose-redflag", markup=False,
                     classes="-shown" if self._flag_line else "")
        sms = self._channel == "sms"
        if sms and self._sender:
            with Horizontal(classes="compose-row"):
                yield Static("From", markup=False)
                yield Static(Text(self._sender, no_wrap=True, overflow="ellipsis"),
                             id="compose-from", markup=False)
        with Horizontal(classes="compose-row"):
            yield Static("To", markup=False)
            yield Input(value=", ".join(self._draft.to), id="compose-to", disabled=sms,
                        select_on_focus=False)
        if not sms:
            with Horizontal(classes="compose-row", id="compose-cc-row"):
                yield Static("Cc", markup=False)
                yield Input(value=", ".join(getattr(self._draft, "cc", ()) or ()),
                            id="compose-cc", select_on_focus=False)
            with Horizontal(classes="compose-row"):
                yield Static("Subject", markup=False)
                yield Input(value=self._draft.subject, id="compose-subject",
                            select_on_focus=False)
        with VerticalScroll(id="compose-quote"):
            yield Static("", id="compose-quote-text", markup=False)
        area = TextArea(self._draft.body, id="compose-body", soft_wrap=True,
                        show_line_numbers=False, tab_behavior="focus")
        area.cursor_blink = self._blink
        yield area
        yield Static("", id="compose-ucs2", markup=False)
        yield Static("", id="compose-others", markup=False)
        yield Static("", id="compose-files", markup=False)
        yield Static("", id="compose-status", markup=False)
        yield Static(self._keys_text(), id="compose-keys", markup=False)

    def _keys_text(self) -> Text:
        canned = "^T guidance" if self._emergency else "^T canned"
        if self._channel == "sms":
            return Text(f"^S send  {canned}  ^N kb  ^G editor  ^R plain  S-Tab patient"
                        "  Esc close")
        return Text(f"^S send  {canned}  ^N kb  ^G editor  ^O attach  S-Tab patient"
                    "  Esc close")

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self._blink
        body = self.query_one(TextArea)
        body.focus()
        if self._emergency and not body.text.strip():
            body.insert(self._emergency)
        body.move_cursor(body.document.end)
        self._update_status()
        self._load_others()
        self._load_quote()

    # ------------------------------------------------------------------ state
    def _fields(self) -> dict[str, Any]:
        body = self.query_one(TextArea).text
        fields: dict[str, Any] = {"body": body}
        if self._channel != "sms":
            fields["to"] = _split_addresses(self.query_one("#compose-to", Input).value)
            fields["cc"] = _split_addresses(self.query_one("#compose-cc", Input).value)
            fields["subject"] = self.query_one("#compose-subject", Input).value
        return fields

    def _update_status(self) -> None:
        parts = [self._saved_text]
        text = self.query_one(TextArea).text
        if self._channel == "sms":
            parts.append(sms_meter(text))
            warning = ucs2_line(text, ascii_only=self._ascii)
            box = self.query_one("#compose-ucs2", Static)
            box.update(Text(warning))
            box.set_class(bool(warning), "-shown")
        else:
            parts.append(f"{len(text)} characters")
        self.query_one("#compose-status", Static).update(Text(" · ".join(parts)))
        files = self._files()
        box = self.query_one("#compose-files", Static)
        box.set_class(bool(files), "-shown")
        box.update(Text("Attached: " + ", ".join(f"{f.filename} ({_size(f.size)})"
                                                 for f in files)))

    def _changed(self) -> None:
        self._dirty = True
        self._saved_text = "Editing"
        self._update_status()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY_S, self._save_soon)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("compose-"):
            self._changed()

    def _save_soon(self) -> None:
        self._save()

    @work(exclusive=True, group="compose-save")
    async def _save(self) -> None:
        await self._save_now()

    async def _save_now(self) -> bool:
        if not self._dirty:
            return True
        fields = self._fields()
        self._dirty = False
        try:
            self._take(await self._api.save_draft(self._draft.id, **fields))
        except Exception as exc:  # noqa: BLE001 - shown, never raised into the UI loop
            self._dirty = True
            self._saved_text = f"Not saved: {error_line(exc)}"
            self._update_status()
            return False
        saved = self._clock().astimezone(self._tz)  # the clinic's time, as everywhere
        self._saved_text = f"Draft saved {saved:%H:%M:%S}"
        self._update_status()
        return True

    async def keep_draft(self) -> bool:
        """The app is leaving (a quit, a closed terminal): save what was typed since the
        last save now, without waiting for the timer."""
        if self._save_timer is not None:
            self._save_timer.stop()
        return await self._save_now()

    @work(exclusive=True, group="compose-others")
    async def _load_others(self) -> None:
        conv_id = getattr(self._draft, "conversation_id", None)
        if conv_id is None:
            return
        try:
            drafts = await self._api.drafts_for(conv_id)
        except Exception:  # noqa: BLE001 - a missing list of colleagues' drafts is not fatal
            return
        others = [d for d in drafts if d.id != self._draft.id and d.author != self._me]
        box = self.query_one("#compose-others", Static)
        if others:
            names = ", ".join(sorted({d.author_name or d.author for d in others}))
            box.update(Text(f"Also drafting a reply here: {names}"))
            box.add_class("-shown")
        else:
            box.remove_class("-shown")

    @work(exclusive=True, group="compose-quote")
    async def _load_quote(self) -> None:
        """The patient's last message above the editor, so the answer is written looking at
        the question (a conversation staff started and nobody answered shows nothing). The
        thread the inbox has open is used as it is; otherwise it is fetched (and audited)."""
        conv_id = getattr(self._draft, "conversation_id", None)
        if conv_id is None:
            return
        detail = self._detail
        if detail is None or detail.summary.id != conv_id:
            try:
                detail = await self._api.get_conversation(conv_id)
            except Exception:  # noqa: BLE001 - writing works without it
                return
        inbound = [m for m in detail.messages if m.direction == "in"]
        if not inbound:
            return
        self.quoted = message = inbound[-1]
        when = clinic_datetime(message.date, self._tz, self._clock())
        who = message.from_name or message.from_addr
        text = Text(no_wrap=False)
        text.append(f"{who} wrote, {when}:\n", style="bold")
        text.append(message.body.strip() or "(no text)")
        self.query_one("#compose-quote-text", Static).update(text)
        self.query_one("#compose-quote", VerticalScroll).add_class("-shown")

    # ------------------------------------------------------------------ the red flag
    @property
    def conversation_id(self) -> int | None:
        return getattr(self._draft, "conversation_id", None)

    def wants_flag_check(self, events: Iterable[Any]) -> bool:
        """Whether the change feed's `events` may have raised (or cleared) a red flag on
        this composer's conversation: then the app has it look again (`check_flag`)."""
        conv = self.conversation_id
        if conv is None or self._flag_words is None:
            return False
        for event in events:
            if event.action not in FLAG_NEWS:
                continue
            details = event.details if isinstance(event.details, dict) else {}
            touched = details.get("conversations")
            if event.target == f"conversation:{conv}" or details.get("conversation") == conv \
                    or (isinstance(touched, list) and conv in touched):
                return True
        return False

    @work(exclusive=True, group="compose-flag")
    async def check_flag(self) -> None:
        await self._look_at_flag()

    async def _look_at_flag(self) -> bool:
        """Ask the server whether the conversation's flag is open now, and say so; False
        when the server could not be asked (the caller decides what that means)."""
        conv = self.conversation_id
        if conv is None or self._flag_words is None:
            return True
        try:
            page = await self._api.list_conversations(f"id:{conv}", 0, 1)
        except Exception:  # noqa: BLE001 - the next change, or the send, asks again
            return False
        if page.items:
            self._flag_news(page.items[0])
        return True

    def _flag_news(self, summary: Any) -> None:
        assert self._flag_words is not None
        words = self._flag_words(summary, not self._emergency)
        if words.emergency and self._emergency and self._flag_line:
            words = FlagWords(self._flag_line, words.emergency, words.blocked)  # as said
        if (words.line, words.emergency) == (self._flag_line, self._emergency):
            return
        raised = bool(words.emergency) and not self._emergency
        self._emergency, self._blocked, self._flag_line = \
            words.emergency, words.blocked, words.line
        if raised:  # the message that raised it, above the editor, in place of the older
            self._detail = None
            self._load_quote()
        line = self.query_one("#compose-redflag", Static)
        line.update(Text(words.line))
        line.set_class(bool(words.line), "-shown")
        self.query_one("#compose-keys", Static).update(self._keys_text())

    def _prepared_left(self) -> list[str]:
        """Names of the canned replies and articles whose text is still in the body, by
        the server's own rule (domain/compose.py `canned_still_there`)."""
        text_now = self.query_one(TextArea).text
        present = set(body_shingles(text_now))
        words = f" {' '.join(fold_words(text_now))} "
        left: list[str] = []
        for name, text in self._prepared:
            handed = canned_shingles(text)
            whole = " ".join(fold_words(text))
            if canned_still_there(handed, present) or \
                    (not handed and whole and f" {whole} " in words):
                left.append(name)
        return list(dict.fromkeys(left))

    # ------------------------------------------------------------------ actions
    def action_plain(self) -> None:
        """Ctrl+R: typographic quotes, dashes, ellipses and odd spaces become their plain
        GSM-7 forms, so a text costs 160 characters per text again instead of 70."""
        if self._channel != "sms":
            self.notify("Only texts have a character set to fix.", markup=False)
            return
        area = self.query_one(TextArea)
        fixed, count = to_gsm7(area.text)
        if not count:
            left = ucs2_causes(area.text)
            self.notify("Nothing to replace" + (f": {left[0].code_point} has no plain"
                                                 " stand-in" if left else "."), markup=False)
            return
        area.load_text(fixed)
        area.move_cursor(area.document.end)
        self._changed()
        rest = ucs2_causes(fixed)
        self.notify(f"Replaced {count} character{'s' if count != 1 else ''}"
                    + (f"; {rest[0].code_point} still needs UCS-2." if rest
                       else "; the text is GSM-7 now."), markup=False)

    async def action_send(self) -> None:
        if self._busy:
            return
        if not self.query_one(TextArea).text.strip():
            self.notify("Nothing to send yet.", severity="warning", markup=False)
            return
        self._busy = True
        try:
            if await self._canned_refused():
                return
            self._dirty = True  # always push the latest text before sending
            if not await self._save_now():
                return
            await self._send(force=False)
        finally:
            self._busy = False

    async def _canned_refused(self) -> bool:
        """A red flag is open and canned text (or an article) put in before it was raised
        is still in the body: refuse in one line, queue nothing. The server is asked
        afresh, so a flag raised a moment ago counts before the change feed tells of it.
        What the person wrote themselves goes out as on any flagged conversation.

        Fails closed: when the flag cannot be looked up, canned text is not sent either
        (the server checks again on every send, for a draft reopened later too)."""
        left = self._prepared_left()
        if not left:
            return False
        if not await self._look_at_flag():
            self.notify(f"Not sent: could not check #{self.conversation_id} for a red flag"
                        f" and the reply holds canned text ({', '.join(left)}). Try ^S"
                        " again in a moment.", severity="error", markup=False)
            return True
        if not self._emergency:
            return False
        self.notify(f"Not sent: #{self.conversation_id} has an open red flag and the reply"
                    f" still holds canned text ({', '.join(left)}). Take it out and write"
                    " to the patient yourself; ^T has the emergency guidance.",
                    severity="error", markup=False)
        return True

    async def _send(self, *, force: bool) -> None:
        try:
            item = await self._api.send_draft(self._draft.id, force=force)
        except Exception as exc:  # noqa: BLE001 - every refusal becomes a line or a choice
            arrived = getattr(exc, "items", None)
            if arrived is not None and not force:
                self._ask_guard(arrived)
                return
            self.notify(error_line(exc), severity="error", markup=False)
            return
        self.dismiss(ComposeResultValue("sent", outbox=item, draft_id=self._draft.id))

    def _ask_guard(self, arrived: Sequence[Any]) -> None:
        lines = [_arrival_line(item) for item in arrived][:6]
        title = "New since you started: " + "; ".join(lines)
        choices = [Choice("s", "send", "Send anyway"),
                   Choice("r", "revise", "Revise (back to the draft)")]

        async def chosen(value: str | None) -> None:
            if value == "send":
                await self._send(force=True)
            else:
                self.notify("Send stopped. Read what arrived, then ^S again.",
                            markup=False)

        self.app.push_screen(ChoiceScreen(title[:300], choices), chosen)

    def action_canned(self) -> None:
        self._open_canned()

    @work(exclusive=True, group="compose-canned")
    async def _open_canned(self) -> None:
        area = self.query_one(TextArea)
        if self._emergency:
            # A red-flagged conversation: the server refuses every canned reply, so none is
            # listed; the guidance is, with the reason and who lifts the block.
            guidance = [EmergencyGuidance(EMERGENCY_NAME, "", self._emergency)]
            if await self.app.push_screen_wait(CannedPicker(guidance, blocked=self._blocked)):
                area.insert(self._emergency)
            area.focus()
            return
        try:
            replies = await self._api.canned_replies()
        except Exception as exc:  # noqa: BLE001
            self.notify(error_line(exc), severity="error", markup=False)
            return
        if not replies:
            self.notify("No canned replies are set up ([[compose.canned]] in the config).",
                        markup=False)
            return
        name = await self.app.push_screen_wait(CannedPicker(replies))
        if not name:
            return
        conv_id = getattr(self._draft, "conversation_id", None)
        fills: dict[str, str] = {}
        try:
            rendered = await self._api.render_canned(name, conv_id, fills)
            for blank in rendered.blanks:
                answer = await self.app.push_screen_wait(
                    PromptScreen(f"Fill in: {blank}", hint="Enter to insert, Esc to skip",
                                 blink=self._blink))
                fills[blank] = answer or ""
            if rendered.blanks:
                rendered = await self._api.render_canned(name, conv_id, fills)
        except Exception as exc:  # noqa: BLE001 - e.g. a flag raised since this opened
            self.notify(error_line(exc), severity="error", markup=False)
            return
        area.insert(rendered.body)
        self._prepared.append((clean_line(name, max_len=40), rendered.body))
        if rendered.subject and self._channel != "sms":
            subject = self.query_one("#compose-subject", Input)
            if not subject.value.strip():
                subject.value = rendered.subject
        area.focus()

    def action_kb(self) -> None:
        """Ctrl+N (F9): search the knowledge base and insert a patient-facing article (or
        its link) at the cursor; the server refuses a staff-only one whatever is asked."""
        self._open_kb()

    @work(exclusive=True, group="compose-kb")
    async def _open_kb(self) -> None:
        from cxinbox.tui.screens.kb import KbScreen

        pick = await self.app.push_screen_wait(KbScreen(self._api, insert=True,
                                                        blink=self._blink))
        area = self.query_one(TextArea)
        area.focus()
        if pick is None:
            return
        try:
            found = await self._api.kb_insertion(pick.slug, pick.link_only,
                                                 getattr(self._draft, "conversation_id", None))
        except Exception as exc:  # noqa: BLE001 - a refusal is one line; the text is intact
            self.notify(error_line(exc), severity="error", markup=False)
            return
        area.insert(found.text)
        self._prepared.append((clean_line(found.title, max_len=40) or pick.slug, found.text))
        self.notify(f"Inserted {found.title}" + (" (link)" if pick.link_only else ""),
                    markup=False)

    def _take(self, view: Any) -> None:
        """Keep the newer of two answers: a save that started before an attach may come
        back after it, and must not bring back the old list of files."""
        if getattr(view, "updated_at", 0) >= getattr(self._draft, "updated_at", 0):
            self._draft = view

    def _files(self) -> tuple[Any, ...]:
        return tuple(getattr(self._draft, "attachments", ()) or ())

    def action_attach(self) -> None:
        """Ctrl+O: attach a file; with files attached already, first offer to remove one.
        A text can carry files only where the server has MMS sending configured; the
        server says so in one line otherwise."""
        files = [f for f in self._files() if getattr(f, "id", 0)]
        if not files:
            self._ask_path()
            return
        choices = [Choice("a", "add", "Attach another file")]
        choices += [Choice(str(n), f"remove:{f.id}", f"Remove {f.filename} ({_size(f.size)})")
                    for n, f in enumerate(files[:9], start=1)]

        def chosen(value: str | None) -> None:
            if value == "add":
                self._ask_path()
            elif value and value.startswith("remove:"):
                self._remove_attachment(int(value.split(":", 1)[1]))

        self.app.push_screen(ChoiceScreen("Attachments", choices), chosen)

    def _ask_path(self) -> None:
        def check(text: str) -> str | None:
            path = Path(text.strip()).expanduser()
            if not text.strip():
                return "Type a file path."
            if not path.is_file():
                return f"No such file: {path}"
            if not os.access(path, os.R_OK):
                return f"Cannot read {path}"
            return None

        def answered(text: str | None) -> None:
            if text:
                self._attach_path(text)

        self.app.push_screen(PromptScreen("Attach a file", hint="path, Enter to attach",
                                          check=check, blink=self._blink), answered)

    @work(group="compose-attach")
    async def _attach_path(self, path: str) -> None:
        """Read the file here, with this person's rights, and hand the bytes to the draft."""
        import asyncio

        from cxinbox.api.upload import read_for_upload

        already = sum(max(f.size, 0) for f in self._files())
        self._saved_text = "Attaching…"
        self._update_status()
        try:
            name, data, kind = await asyncio.to_thread(read_for_upload, path, already)
            self._take(await self._api.attach_file(self._draft.id, name, data, kind))
        except Exception as exc:  # noqa: BLE001 - shown as one line, the draft is intact
            self._saved_text = "Not attached"
            self.notify(error_line(exc), severity="error", markup=False)
        else:
            self._saved_text = f"Attached {name}"
        self._update_status()

    @work(group="compose-attach")
    async def _remove_attachment(self, file_id: int) -> None:
        try:
            self._take(await self._api.detach_file(self._draft.id, file_id))
        except Exception as exc:  # noqa: BLE001 - shown as one line
            self.notify(error_line(exc), severity="error", markup=False)
            return
        self._saved_text = "Attachment removed"
        self._update_status()

    def action_editor(self) -> None:
        argv = self._editor_argv()
        if argv is None:
            self.notify("No editor found: set [compose] editor, $VISUAL or $EDITOR.",
                        severity="warning", markup=False)
            return
        area = self.query_one(TextArea)
        folder = tempfile.mkdtemp(prefix="cxinbox-draft-")  # mode 0700: patient text
        path = Path(folder) / "reply.txt"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(area.text)
            with self.app.suspend():
                subprocess.run([*argv, str(path)], check=False)
            text = path.read_text(encoding="utf-8", errors="replace")
        except (OSError, subprocess.SubprocessError) as exc:
            self.notify(f"Editor failed: {error_line(exc)}", severity="error", markup=False)
            return
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        if text != area.text:
            area.load_text(text)
            self._changed()

    def _editor_argv(self) -> list[str] | None:
        if self._editor:
            return list(self._editor)
        for var in ("VISUAL", "EDITOR"):
            value = os.environ.get(var, "").strip()
            if value:
                import shlex

                try:
                    return shlex.split(value)
                except ValueError:
                    return [value]
        return ["vi"] if shutil.which("vi") else None

    def action_close(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip() and not self._files():
            self._discard()
            return
        choices = [Choice("k", "keep", "Keep the draft (colleagues see it)"),
                   Choice("d", "discard", "Discard the draft"),
                   Choice("e", "edit", "Go on editing")]

        async def chosen(value: str | None) -> None:
            if value == "keep":
                self._dirty = True
                await self._save_now()
                self.dismiss(ComposeResultValue("kept", draft_id=self._draft.id))
            elif value == "discard":
                self._discard()

        self.app.push_screen(ChoiceScreen("Close the composer", choices), chosen)

    @work(exclusive=True, group="compose-discard")
    async def _discard(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        try:
            await self._api.discard_draft(self._draft.id)
        except Exception as exc:  # noqa: BLE001
            self.notify(error_line(exc), severity="error", markup=False)
            return
        self.dismiss(ComposeResultValue("discarded", draft_id=self._draft.id))


def _split_addresses(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _arrival_line(item: Any) -> str:
    """One arrival in the send guard: "new message from Jane: …", "note by Maria: …"."""
    line = getattr(item, "line", None)
    if callable(line):
        return str(line())
    for attr in ("summary", "text"):
        value = getattr(item, attr, None)
        if value:
            return str(value)
    return str(item)


def _size(size: int) -> str:
    if size < 0:
        return "size unknown"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB"
