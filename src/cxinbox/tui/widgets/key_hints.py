"""The footer line of key hints, drawn as one line of text.

Textual's Footer rebuilds a widget per key whenever focus moves, and every new widget goes
through the stylesheet; that alone was a third of the time to open a conversation. Here the
hints are one Text re-rendered from the screen's active bindings (so remapped keys show
their new key), which costs next to nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


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

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        seen: set[str] = set()
        for active in self.app.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            style = "" if active.enabled else "dim"
            text.append(self.app.get_key_display(binding), style=f"bold {style}".strip())
            text.append(f" {binding.description}  ", style=style)
        return text
