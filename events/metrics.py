"""Counters for Prometheus beside the per-route request metrics: scans, registrations, feed cache, database pool."""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

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
