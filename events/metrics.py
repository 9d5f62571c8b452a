"""Counters for Prometheus: requests by route (counted by events/middleware.py), scans, registrations, feed cache, database pool."""

from __future__ import annotations

from bisect import bisect_left

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

SCANS = Counter("events_scans_total", "Scans answered, by kind and result (refusals by code).", ["kind", "result"])
REGISTRATIONS = Counter("events_registrations_total", "Registrations made, by the status they got.", ["status"])
FEED_REQUESTS = Counter("events_feed_requests_total", "Calendar feed requests: rendered, served from cache, or 304.", ["result"])


class PoolCollector(Collector):
    """The PostgreSQL connection pool's size and idle connections, read at scrape time."""

    def collect(self):
        from events import db

        pool = getattr(db.engine(), "pool", None)
        gauge = GaugeMetricFamily("events_db_pool_connections", "Connections in the PostgreSQL pool.", labels=["state"])
        if pool is not None:
            gauge.add_metric(["open"], pool.get_size())
            gauge.add_metric(["idle"], pool.get_idle_size())
        yield gauge


REGISTRY.register(PoolCollector())


# ---------------------------------------------------------------- requests by route (events/middleware.py counts them)

#: prometheus_client's default latency buckets, as Litestar's Prometheus middleware had them.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_LABELS = ["method", "path", "status_code", "app_name"]
APP_NAME = "events"


class RequestMetrics(Collector):
    """Requests by route template, method and status, with latency histograms, in plain dicts read at scrape time.

    The same families and labels that Litestar's PrometheusMiddleware exported (`events_requests_total`,
    `events_request_duration_seconds`, `events_requests_in_progress`, `events_requests_error_total`),
    without its four locked label lookups a request: every update happens on the worker's event-loop
    thread, so plain integer updates need no lock. The in-progress gauge keeps Litestar's labels,
    status_code "200" included.
    """

    def __init__(self) -> None:
        #: (method, path, status) -> [count, sum of seconds, per-bucket counts (not cumulative)..., over the last bound]
        self.requests: dict[tuple[str, str, int], list[float]] = {}
        self.in_progress: dict[tuple[str, str], int] = {}

    def started(self, method: str, path: str) -> None:
        key = (method, path)
        self.in_progress[key] = self.in_progress.get(key, 0) + 1

    def finished(self, method: str, path: str, status: int, seconds: float) -> None:
        self.in_progress[(method, path)] -= 1
        key = (method, path, status)
        counts = self.requests.get(key)
        if counts is None:
            counts = self.requests[key] = [0, 0.0] + [0] * (len(BUCKETS) + 1)
        counts[0] += 1
        counts[1] += seconds
        counts[2 + bisect_left(BUCKETS, seconds)] += 1

    def collect(self):
        total = CounterMetricFamily("events_requests", "Total requests", labels=_LABELS)
        errors = CounterMetricFamily("events_requests_error", "Total errors in requests", labels=_LABELS)
        duration = HistogramMetricFamily("events_request_duration_seconds", "Request duration, in seconds", labels=_LABELS)
        progress = GaugeMetricFamily("events_requests_in_progress", "Total requests currently in progress", labels=_LABELS)
        for (method, path, status), counts in list(self.requests.items()):
            labels = [method, path, str(status), APP_NAME]
            total.add_metric(labels, counts[0])
            if status >= 500:
                errors.add_metric(labels, counts[0])
            cumulative, buckets = 0, []
            for bound, n in zip((*BUCKETS, float("inf")), counts[2:], strict=True):
                cumulative += n
                buckets.append((floatToGoString(bound), cumulative))
            duration.add_metric(labels, buckets, counts[1])
        for (method, path), n in list(self.in_progress.items()):
            progress.add_metric([method, path, "200", APP_NAME], n)
        yield from (total, duration, progress, errors)


class SharedRequestMetrics:
    """The same families through prometheus_client's metric classes, for PROMETHEUS_MULTIPROC_DIR (docs/deploy.md).

    Workers that share a directory write every update to it and are scraped as one; that needs
    prometheus_client's values (locked and file-backed), so the lock-free dicts stay for the usual case.
    """

    def __init__(self) -> None:
        self.total = Counter("events_requests_total", "Total requests", _LABELS)
        self.errors = Counter("events_requests_error_total", "Total errors in requests", _LABELS)
        self.duration = Histogram("events_request_duration_seconds", "Request duration, in seconds", _LABELS, buckets=BUCKETS)
        self.progress = Gauge("events_requests_in_progress", "Total requests currently in progress", _LABELS, multiprocess_mode="livesum")

    def started(self, method: str, path: str) -> None:
        self.progress.labels(method, path, "200", APP_NAME).inc()

    def finished(self, method: str, path: str, status: int, seconds: float) -> None:
        self.progress.labels(method, path, "200", APP_NAME).dec()
        labels = (method, path, str(status), APP_NAME)
        self.total.labels(*labels).inc()
        self.duration.labels(*labels).observe(seconds)
        if status >= 500:
            self.errors.labels(*labels).inc()


def _request_metrics() -> RequestMetrics | SharedRequestMetrics:
    # prometheus_client chose its value class from PROMETHEUS_MULTIPROC_DIR when it was imported: follow its choice.
    if values.ValueClass is not values.MutexValue:
        return SharedRequestMetrics()
    metrics = RequestMetrics()
    REGISTRY.register(metrics)
    return metrics


REQUESTS = _request_metrics()
