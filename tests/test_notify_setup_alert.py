"""The `notify-setup` alert (a hook the server cannot trust) is each server's own
(`notify-setup:[sla]@HOST`) and outlives another server's restart on a shared store: that
restart clears every alert (`Health.start_fresh`), and the server whose hook is still
untrusted raises it again at its next check. A mended hook ends it without a restart; a
check with nothing new only reads. Real stores (SQLite, PostgreSQL), a real hook file."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tests.support.waiting import wait_until

from cxinbox.config import load_config_text
from cxinbox.service.health import Health
from cxinbox.service.notify_check import HookWatch


def _alerts(store: Any) -> dict[str, str]:
    with store.reading() as tx:
        return {a.key: a.message for a in tx.alerts()}


def _last_seq(store: Any) -> int:
    with store.reading() as tx:
        return int(tx.last_event_seq())


def test_a_setup_alert_survives_another_servers_restart_and_ends_when_mended(
        any_store: Any, tmp_path: Path) -> None:
    store = any_store
    hook = tmp_path / "page.sh"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o770)  # its group may rewrite the pager
    tmp_path.chmod(0o755)
    config = load_config_text(f'[sla]\nnotify_command = ["{hook}"]\n')
    here = HookWatch(config, Health(store, config), host="desk-a")
    here.check()
    key = "notify-setup:[sla]@desk-a"
    assert _alerts(store)[key].startswith(f"[sla] notify_command: {hook} is writable by its"
                                          " group")
    quiet = _last_seq(store)
    here.check()  # nothing new: nothing written
    assert _last_seq(store) == quiet

    Health(store, config).start_fresh()  # another server starts: every alert cleared
    assert key not in _alerts(store)
    here.check()
    assert key in _alerts(store), "raised again by the server whose hook it is"

    Health(store, config).start_fresh()
    stop = threading.Event()
    watcher = threading.Thread(target=here.run, args=(stop, 0.05), daemon=True)
    watcher.start()
    try:
        # the periodic check brings it back
        wait_until(lambda: key in _alerts(store), "the periodic check to raise it again",
                   timeout=30)
        hook.chmod(0o700)  # mended: the next check ends it
        wait_until(lambda: key not in _alerts(store), "the mended hook's alert to go",
                   timeout=30)
    finally:
        stop.set()
        watcher.join(10)
    with store.reading() as tx:
        assert tx.alert(key) is None
