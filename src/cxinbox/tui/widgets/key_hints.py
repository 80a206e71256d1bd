"""The footer line of key hints: the keys that matter where the person is, most important
first, cut between hints (never inside one) so it fits, and always ending in `? Help`.

Textual's Footer rebuilds a widget per key whenever focus moves, and every new widget goes
through the stylesheet; that alone was a third of the time to open a conversation. Here the
hints are one Text re-rendered from the screen's active bindings (so remapped keys show
their new key), which costs next to nothing.

Which keys matter depends on the place: in the list, opening and triage; in a thread,
replying first. `FOOTER_ORDERS` names them by registry id (tui/actions.py) for the inbox's
panes; a dialog shows its own keys (Esc, Enter...) in the order it declares them. Keys
that do nothing right now (app keys under a text field) are left out rather than dimmed:
on 80 columns there is no room for keys that do not work.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

HELP_ID = "help"
_GAP = "  "

# By the id of the focused pane (or an ancestor of the focused widget).
FOOTER_ORDERS: dict[str, tuple[str, ...]] = {
    "list": ("open", "assign", "status", "reply", "note", "search", "pick-view", "tag",
             "undo"),
    "reading": ("reply", "back", "assign", "status", "note", "toggle-quotes", "undo",
                "save-attachment", "older"),
}


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints {
        height: 1;
        background: $panel;
    }
    """

    def on_mount(self) -> None:
        self._watched: Screen[object] | None = None
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        self._screen_changed(self.app.screen)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)
        if self._watched is not None:
            self._watched.bindings_updated_signal.unsubscribe(self)

    def _screen_changed(self, screen: Screen[object]) -> None:
        """Follow the top screen, so a dialog's keys (Esc cancel...) are the ones shown."""
        if self._watched is not None:
            self._watched.bindings_updated_signal.unsubscribe(self)
        self._watched = screen
        screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh()

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def hints(self) -> tuple[list[tuple[str, str]], bool]:
        """(key as shown, label) in the order they matter, before fitting to the width,
        and whether the last one is Help (kept whatever else must go)."""
        screen = self.app.screen
        by_id: dict[str, Binding] = {}
        shown: list[Binding] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not active.enabled:
                continue
            key = binding.id or binding.action
            if binding.id and binding.id not in by_id:
                by_id[binding.id] = binding
            if binding.show and key not in seen:
                seen.add(key)
                shown.append(binding)
        order = self._order()
        if order is not None:
            chosen = [by_id[i] for i in order if i in by_id]
        else:
            chosen = [b for b in shown if b.id != HELP_ID]
        help_binding = by_id.get(HELP_ID)
        if help_binding is not None:
            chosen.append(help_binding)
        return ([(self.app.get_key_display(b), b.description) for b in chosen],
                help_binding is not None)

    def _order(self) -> tuple[str, ...] | None:
        focused = self.app.screen.focused
        if focused is None or isinstance(self.app.screen, ModalScreen):
            return None
        for node in (focused, *focused.ancestors):
            if isinstance(node, Widget) and node.id in FOOTER_ORDERS:
                return FOOTER_ORDERS[node.id]
        return None

    def render(self) -> Text:
        hints, keep_last = self.hints()
        return fit_hints(hints, self.size.width or 80, keep_last=keep_last)


def fit_hints(hints: Iterable[tuple[str, str]], width: int, *, keep_last: bool) -> Text:
    """As many hints as fit in `width`, whole. With `keep_last` the last one (Help) stays
    whatever is dropped before it, so the way to every other key is always on screen."""
    items = list(hints)
    last = items[-1:] if keep_last else []
    body = items[: len(items) - len(last)]

    def size(chosen: list[tuple[str, str]]) -> int:
        return sum(cell_len(k) + 1 + cell_len(d) + len(_GAP) for k, d in chosen) - len(_GAP)

    while body and size(body + last) > width:
        body.pop()
    text = Text(no_wrap=True, overflow="crop")
    for i, (key, description) in enumerate(body + last):
        text.append(_GAP if i else "")
        text.append(key, style="bold")
        text.append(f" {description}")
    return text
