"""The `notify-setup` alert (a hook the server cannot trust) is each server's own
(`notify-setup:VERDICT:[sla]@HOST:SOCKET`) and outlives another server's restart on a shared store: that
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
    key = f"notify-setup:unsafe:[sla]@desk-a:{config.socket_path}"
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


def test_two_servers_on_one_host_each_keep_their_own_hook_alert(
        any_store: Any, tmp_path: Path) -> None:
    """Two servers on one host share a store, each with its own socket and hook: the one
    that mends its hook ends its own alert only; a hook that stops running changes its
    verdict, and the key with it (the old one ends)."""
    store = any_store
    tmp_path.chmod(0o755)
    watches = {}
    for name in ("a", "b"):
        hook = tmp_path / f"page-{name}.sh"
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o770)
        config = load_config_text(f'[sla]\nnotify_command = ["{hook}"]\n[server]\n'
                                  f'socket = "{tmp_path / name}.sock"\n')
        watches[name] = (hook, HookWatch(config, Health(store, config), host="desk"))
    for _hook, watch in watches.values():
        watch.check()
    key_a = f"notify-setup:unsafe:[sla]@desk:{tmp_path / 'a'}.sock"
    key_b = f"notify-setup:unsafe:[sla]@desk:{tmp_path / 'b'}.sock"
    assert {k for k in _alerts(store) if k.startswith("notify-setup:")} == {key_a, key_b}

    hook_b, watch_b = watches["b"]
    hook_b.chmod(0o700)  # b's hook mended
    watch_b.check()
    assert {k for k in _alerts(store) if k.startswith("notify-setup:")} == {key_a}
    watch_b.check()
    assert key_a in _alerts(store), "b's rounds leave a's alert alone"

    hook_a, watch_a = watches["a"]
    hook_a.unlink()  # a's hook gone: it cannot run now, nobody is paged
    watch_a.check()
    key_broken = key_a.replace(":unsafe:", ":broken:")
    alerts = {k: m for k, m in _alerts(store).items() if k.startswith("notify-setup:")}
    assert list(alerts) == [key_broken], alerts
    assert alerts[key_broken].endswith("page nobody")
