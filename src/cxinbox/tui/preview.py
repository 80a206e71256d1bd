"""At 100 columns and more, the thread beside the list follows the cursor.

A preview is loaded only once the cursor has rested on a row (`REST_S` after the last key,
mouse event or page of rows), so holding `j` through fifty rows fetches one conversation,
not fifty; the fetch runs in the app's exclusive "detail" worker, so a newer one cancels
an older one still in flight.

What a preview does and does not record:
- It does not mark the conversation read. "Read" means someone at the desk dealt with the
  patient's message; that still takes Enter.
- It is audited as a view (the server writes `conversation.view` for every conversation it
  hands to a screen). The server is the audit boundary and cannot tell a glance from a
  read, and a client that could ask for patient text without a trace would be a hole; the
  rest time is what keeps rows merely passed over out of the trail, and what is audited
  was really on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.timer import Timer

REST_S = 0.35  # long enough to pass over rows with j/k, short enough to feel immediate


class CursorPreview:
    def __init__(self, app: App[None], wanted: Callable[[], int | None],
                 load: Callable[[int], object], *, busy: Callable[[], bool] = lambda: False,
                 rest_s: float = REST_S) -> None:
        """`wanted` names the conversation to preview now (None: no preview here, e.g. a
        narrow screen or the thread has the focus); `load` shows it without focusing;
        while `busy` (a conversation being opened with Enter) the preview waits."""
        self._app = app
        self._wanted = wanted
        self._load = load
        self._busy = busy
        self._rest_s = rest_s
        self._timer: Timer | None = None

    def poke(self) -> None:
        """Something may have moved the cursor: look again once it has rested."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._app.set_timer(self._rest_s, self._rested, name="preview")

    def settled(self) -> bool:
        """Nothing left to do: no rest timer running and the wanted row is shown (or none
        is wanted). Tests and screenshots wait for this instead of sleeping."""
        return self._timer is None and self._wanted() is None

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _rested(self) -> None:
        self._timer = None
        if self._busy():
            self.poke()
            return
        conv_id = self._wanted()
        if conv_id is not None:
            self._load(conv_id)
