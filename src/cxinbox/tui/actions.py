"""Every keyboard action of the TUI, defined once.

Key bindings, the `[ui.keymap]` overrides in the config, the help screen and the command
palette are all generated from `ACTIONS`, so a key can never be bound without being
documented, and a remapped key shows up remapped everywhere. Each entry's `id` is the
Textual binding id that `App.set_keymap` matches, and the name staff write in
`[ui.keymap]` (for example `assign-me = "m"`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType

Scope = Literal["app", "list", "thread"]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    id: str
    keys: str  # Textual key names, comma-separated
    action: str  # the action run on the scope's widget
    label: str  # short footer text
    help: str  # one line for the help screen and the palette
    group: str
    scope: Scope = "app"
    footer: bool = False
    palette: bool = True  # offered in the command palette
    typeahead: bool = True  # see `binding()`

    def binding(self) -> Binding:
        """App keys are priority bindings so they act in the order typed.

        Over a slow link "/smith" or "tlab" arrives in one read. A normal binding runs only
        after the key has bubbled through the focused widget, by which time the next letters
        have already gone to the list (where `a` assigns!). A priority binding runs as the
        app reads the key, so the search field or prompt is in place for the next one. The
        app's `check_action` switches these off while a text field or dialog has the keys.
        """
        return Binding(self.keys, self.action, self.label, show=self.footer,
                       priority=self.scope == "app" and self.typeahead, id=self.id,
                       tooltip=self.help)


ACTIONS: tuple[ActionSpec, ...] = (
    # -- moving around -------------------------------------------------------------------
    ActionSpec("cursor-down", "j,down", "cursor_down", "Down", "Next conversation", "Move",
               scope="list", palette=False),
    ActionSpec("cursor-up", "k,up", "cursor_up", "Up", "Previous conversation", "Move",
               scope="list", palette=False),
    ActionSpec("cursor-top", "g,home", "cursor_top", "Top", "First conversation", "Move",
               scope="list"),
    ActionSpec("cursor-bottom", "G,end", "cursor_bottom", "Bottom", "Last conversation",
               "Move", scope="list"),
    ActionSpec("page-down", "pagedown,ctrl+f", "page_down", "Page down", "One screen down",
               "Move", scope="list", palette=False),
    ActionSpec("page-up", "pageup,ctrl+b", "page_up", "Page up", "One screen up", "Move",
               scope="list", palette=False),
    ActionSpec("open", "enter", "open", "Open", "Open the selected conversation", "Move",
               scope="list", footer=True),
    ActionSpec("thread-down", "j,down", "scroll_down", "Down", "Scroll the thread down",
               "Thread", scope="thread", palette=False),
    ActionSpec("thread-up", "k,up", "scroll_up", "Up", "Scroll the thread up", "Thread",
               scope="thread", palette=False),
    ActionSpec("thread-top", "g,home", "scroll_home", "Top", "Oldest loaded message",
               "Thread", scope="thread", palette=False),
    ActionSpec("thread-bottom", "G,end", "scroll_end", "Bottom", "Newest message", "Thread",
               scope="thread", palette=False),
    ActionSpec("back", "escape", "back", "Back", "Back to the conversation list", "Thread",
               scope="thread", footer=True),
    ActionSpec("toggle-quotes", "z", "toggle_folds", "Quotes",
               "Show or hide quoted text and signatures", "Thread", scope="thread",
               footer=True),
    ActionSpec("older", "o", "load_older", "Older", "Load older messages of a long thread",
               "Thread", scope="thread"),
    ActionSpec("save-attachment", "w", "save_attachment", "Save",
               "Save an attachment to a folder", "Thread", scope="thread"),
    # -- views ---------------------------------------------------------------------------
    ActionSpec("search", "slash", "search", "Search", "Search with a query (/)", "Views",
               footer=True),
    ActionSpec("pick-view", "v", "pick_view", "Views",
               "Choose a view: mine, unassigned, at risk, not screened, mailbox, tag", "Views", footer=True),
    ActionSpec("view-mine", "1", "view('mine')", "Mine", "View: my open conversations",
               "Views"),
    ActionSpec("view-unassigned", "2", "view('unassigned')", "Unassigned",
               "View: open and unassigned", "Views"),
    ActionSpec("view-at-risk", "3", "view('at-risk')", "At risk",
               "View: open red flags, at risk or breached SLA", "Views"),
    ActionSpec("view-open", "4", "view('open')", "All open", "View: all open conversations",
               "Views"),
    ActionSpec("view-all", "5", "view('all')", "Everything",
               "View: every conversation, any status", "Views"),
    ActionSpec("view-mentions", "6", "view('mentions')", "Mentions",
               "View: conversations with notes that mention you", "Views"),
    ActionSpec("view-unscreened", "7", "view('unscreened')", "Not screened",
               "View: patient messages no red-flag check read (read them for anything urgent)",
               "Views"),
    # -- triage --------------------------------------------------------------------------
    ActionSpec("assign", "a", "assign", "Assign", "Assign to... (a Enter: to me)", "Triage",
               footer=True),
    ActionSpec("assign-me", "m", "assign_me", "Mine", "Assign to me", "Triage"),
    ActionSpec("unassign", "A", "unassign", "Unassign", "Remove the assignee", "Triage"),
    ActionSpec("status", "s", "choose_status", "Status",
               "Set status: open, pending, closed, or snooze for a while", "Triage",
               footer=True),
    ActionSpec("priority", "p", "choose_priority", "Priority",
               "Set priority: urgent, high, normal, low", "Triage"),
    ActionSpec("tag", "t", "tag", "Tag", "Add or remove tags (-tag removes)", "Triage",
               footer=True),
    ActionSpec("note", "n", "note", "Note", "Add an internal note (@name mentions)", "Triage",
               footer=True),
    ActionSpec("undo", "u", "undo", "Undo", "Undo the last triage action", "Triage",
               footer=True),
    ActionSpec("toggle-mark", "space,x", "toggle_mark", "Mark",
               "Mark or unmark this row; a, A, s, p, t then act on every marked one",
               "Marks", scope="list"),
    ActionSpec("mark-all", "asterisk", "mark_all", "Mark all",
               "Mark every conversation matching the view's query (not just the page)",
               "Marks", scope="list"),
    ActionSpec("clear-marks", "X", "clear_marks", "Clear marks", "Unmark every row",
               "Marks", scope="list"),
    ActionSpec("reply", "r", "reply", "Reply", "Reply to the patient (email or text)",
               "Reply", footer=True),
    ActionSpec("reply-all", "R", "reply_all", "Reply all", "Reply to everyone on the message",
               "Reply"),
    ActionSpec("compose-new", "C", "compose_new", "New", "New message to an address or number",
               "Reply"),
    ActionSpec("outbox", "O", "outbox", "Outbox",
               "Outbox: waiting, failed and sent replies", "Reply"),
    ActionSpec("merge", "M", "merge", "Merge", "Merge this conversation into another",
               "Triage"),
    ActionSpec("split", "S", "split", "Split", "Split a message out into a new conversation",
               "Triage"),
    ActionSpec("contact", "L", "contact", "Contact",
               "Patient contact: addresses, links, conversations", "Triage"),
    ActionSpec("knowledge", "K", "knowledge", "KB",
               "Knowledge base: search and read the clinic's articles", "Reply"),
    ActionSpec("clear-red-flag", "F", "clear_red_flag", "Clear flag",
               "Clear a red flag once a clinician has handled it (asks why; audited)",
               "Triage"),
    # -- the app -------------------------------------------------------------------------
    ActionSpec("help", "question_mark,f1", "help", "Help", "Show every key", "App",
               footer=True),
    ActionSpec("palette", "ctrl+p", "command_palette", "Commands",
               "Search every command", "App", palette=False),
    ActionSpec("away", "Z", "toggle_away", "Away",
               "Mark yourself away or back: teams pass you over while away", "App"),
    ActionSpec("reports", "D", "reports", "Reports",
               "Reports: volume, response times, SLA, backlog, workload", "App"),
    ActionSpec("lock", "f12", "lock", "Lock", "Lock the screen now", "App"),
    ActionSpec("redraw", "ctrl+l", "redraw", "Redraw", "Redraw the whole screen", "App",
               palette=False),
    ActionSpec("refresh", "ctrl+r", "refresh_now", "Refresh", "Reload the list now", "App"),
    ActionSpec("quit", "q,ctrl+q", "quit", "Quit", "Quit cxinbox", "App", typeahead=False),
    ActionSpec("help-quit", "ctrl+c", "help_quit", "Quit?", "How to quit", "App",
               palette=False, typeahead=False),
)

_BY_ID: dict[str, ActionSpec] = {spec.id: spec for spec in ACTIONS}


def action(action_id: str) -> ActionSpec:
    return _BY_ID[action_id]


def bindings(scope: Scope) -> list[BindingType]:
    """The Textual bindings of one scope, for a class's BINDINGS."""
    return [spec.binding() for spec in ACTIONS if spec.scope == scope]


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """Keymap entries naming no action: reported so a typo does not silently do nothing."""
    return sorted(name for name in keymap if name not in _BY_ID)


def effective_keys(spec: ActionSpec, keymap: Mapping[str, str]) -> str:
    """The keys an action answers to after the config's overrides."""
    return keymap.get(spec.id, spec.keys)
