"""The change feed's own reader threads end when the server stops (`ChangeFeed.close`)."""

from __future__ import annotations

import asyncio
import threading

from cxinbox.api.live import ChangeFeed


def _feed_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("cxinbox-feed")]


def test_closing_the_feed_lets_its_threads_go_and_a_later_read_starts_them_again() -> None:
    feed = ChangeFeed(lambda: 7)
    before = set(_feed_threads())

    async def read() -> int:
        return await feed.run(lambda x: x + 1, 41)

    assert asyncio.run(read()) == 42
    assert set(_feed_threads()) - before
    feed.close()
    for thread in set(_feed_threads()) - before:
        thread.join(30)
        assert not thread.is_alive()
    assert asyncio.run(read()) == 42  # usable again (an in-process API outliving a server)
    feed.close()
