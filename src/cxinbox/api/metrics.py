"""The health report as Prometheus metrics, on a loopback port (`[server] metrics_listen`).

The same numbers `cxinbox status` grades, taken fresh on each scrape from the server's own
report (service/status.py), plus prometheus-client's process metrics (resident memory,
open file descriptors, CPU) for the long-running view the soak benchmark measures. Labels
are account names, the clinic's own SMS numbers and check names: never patient text.

The listener is refused anywhere but loopback (config.py checks `metrics_listen`); a
scraper elsewhere reaches it through its own agent or tunnel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from cxinbox.config import Config
from cxinbox.domain.health_levels import EXIT_CODES
from cxinbox.domain.listen import loopback_listen

if TYPE_CHECKING:
    from cxinbox.contract.health_types import HealthReport

log = logging.getLogger(__name__)


class _HealthCollector:
    """Builds every metric from one fresh report per scrape."""

    def __init__(self, report: Callable[[], HealthReport]) -> None:
        self._report = report

    def describe(self) -> Iterable[Any]:
        return []  # no fixed list: registering must not take a report

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

        try:
            r = self._report()
        except Exception:  # a scrape must say "down", not crash the listener thread
            log.exception("building the health report for a metrics scrape failed")
            up = GaugeMetricFamily("cxinbox_up", "1 when the health report could be built")
            up.add_metric([], 0)
            yield up
            return

        def gauge(name: str, doc: str, value: float | None, labels: Iterable[str] = (),
                  values: Iterable[str] = ()) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc, labels=list(labels))
            if value is not None:
                family.add_metric(list(values), value)
            return family

        yield gauge("cxinbox_up", "1 when the health report could be built", 1)
        info = InfoMetricFamily("cxinbox_build", "The running cxinbox")
        info.add_metric([], {"version": r.version})
        yield info
        yield gauge("cxinbox_health_level", "Worst check: 0 ok, 1 warning, 2 critical,"
                    " 3 unknown (the exit code of cxinbox status)", EXIT_CODES[r.level])  # type: ignore[index]
        checks = GaugeMetricFamily("cxinbox_check_level", "Each check of cxinbox status:"
                                   " 0 ok, 1 warning, 2 critical, 3 unknown", labels=["check"])
        for c in r.checks:
            checks.add_metric([c.name], EXIT_CODES[c.level])  # type: ignore[index]
        yield checks
        yield gauge("cxinbox_server_start_time_seconds", "When the server started",
                    r.started_at)

        synced = GaugeMetricFamily("cxinbox_account_last_sync_timestamp_seconds",
                                   "When the account's folders were last all confirmed in"
                                   " sync", labels=["account"])
        lag = GaugeMetricFamily("cxinbox_account_sync_lag_seconds", "Seconds past the"
                                " account's next expected confirmation", labels=["account"])
        signin = GaugeMetricFamily("cxinbox_account_signin_ok", "1 unless the server cannot"
                                   " sign in to the account", labels=["account"])
        for a in r.accounts:
            if a.last_sync_at is not None:
                synced.add_metric([a.name], a.last_sync_at)
            lag.add_metric([a.name], a.lag_s)
            signin.add_metric([a.name], 1 if a.signin == "ok" else 0)
        yield from (synced, lag, signin)

        o = r.outbox
        items = GaugeMetricFamily("cxinbox_outbox_items", "Replies in the outbox by state",
                                  labels=["state"])
        for state, n in (("queued", o.queued), ("sending", o.sending), ("failed", o.failed),
                         ("unconfirmed", o.unconfirmed)):
            items.add_metric([state], n)
        yield items
        yield gauge("cxinbox_outbox_oldest_due_seconds", "How long the oldest reply due to"
                    " leave has waited", o.oldest_due_s or 0)

        polled = GaugeMetricFamily("cxinbox_sms_last_poll_timestamp_seconds", "When the"
                                   " number's texts were last listed completely",
                                   labels=["number"])
        sms_lag = GaugeMetricFamily("cxinbox_sms_poll_lag_seconds", "Seconds past the"
                                    " number's next expected poll", labels=["number"])
        for s in r.sms:
            if s.last_poll_at is not None:
                polled.add_metric([s.number], s.last_poll_at)
            sms_lag.add_metric([s.number], s.lag_s)
        yield from (polled, sms_lag)

        yield gauge("cxinbox_sla_monitor_last_run_timestamp_seconds", "When the SLA monitor"
                    " last finished a round", r.sla_last_run_at)
        yield gauge("cxinbox_staff_online", "Staff connected now", len(r.staff_online))
        yield gauge("cxinbox_database_size_bytes", "The database file and its WAL",
                    r.db_bytes)
        # Not measured on PostgreSQL (the database's disk is on its own server): left out,
        # not given as 0 bytes free.
        measured = r.disk_total_bytes > 0
        yield gauge("cxinbox_disk_free_bytes", "Free space where the database lives",
                    r.disk_free_bytes if measured else None)
        yield gauge("cxinbox_disk_total_bytes", "Size of that file system",
                    r.disk_total_bytes if measured else None)
        b = r.backup
        yield gauge("cxinbox_backup_last_success_timestamp_seconds", "The newest verified"
                    " backup", b.last_ok_at)
        yield gauge("cxinbox_backup_last_attempt_ok", "1 when the newest backup attempt"
                    " verified", None if b.last_ok is None else int(b.last_ok))


class MetricsEndpoint:
    """A running listener; `close()` stops it."""

    def __init__(self, server: Any, thread: Any) -> None:
        self._server = server
        self._thread = thread
        self.address: tuple[str, int] = server.server_address[:2]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_metrics(report: Callable[[], HealthReport], config: Config) -> MetricsEndpoint:
    """Listen on `[server] metrics_listen`, answering each scrape from a fresh `report()`;
    OSError when the address cannot be bound."""
    from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server

    host, port = loopback_listen(config.server.metrics_listen)
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    registry.register(_HealthCollector(report))
    server, thread = start_http_server(port, host, registry)
    return MetricsEndpoint(server, thread)
