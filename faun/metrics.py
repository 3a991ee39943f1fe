"""Prometheus metrics at /metrics (docs/operations.md#metrics): django-prometheus's request
latency histograms by view, faun's database timing per query, and faun's own gauges, read from
the database and the broker when Prometheus scrapes: the outbox's pending, sending and failed
emails and the age of the oldest pending one, the progress of the newsletter issues of the last
day, the length of each Celery queue, and each read replica's lag.

The gauges are a collector, computed at scrape time from shared state (the database, Redis), so
every web process reports the same values; the histograms are per process, joined across
gunicorn workers by prometheus_client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.replicas import replica_check
from newsletters.models import Delivery, NewsletterIssue
from outbox.models import OutboundEmail

DB_QUERY_SECONDS = Histogram(
    "faun_db_query_duration_seconds",
    "Time of each SQL statement a web request ran, as the application saw it.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

# kombu's Redis transport keeps each priority level of a queue in its own list.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def timed_query(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """A `connection.execute_wrapper` that observes each statement's time."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        DB_QUERY_SECONDS.observe(time.perf_counter() - started)


class FaunCollector(Collector):
    """faun's gauges, read when Prometheus scrapes."""

    def describe(self) -> Iterator[Metric]:
        """The names only: without it the registry would call collect(), and read the database,
        when the collector is registered at import."""
        yield GaugeMetricFamily("faun_outbox_emails", "", labels=["status"])
        yield GaugeMetricFamily("faun_outbox_oldest_pending_age_seconds", "")
        yield GaugeMetricFamily(
            "faun_newsletter_issue_emails", "", labels=["newsletter", "period", "state"]
        )
        yield GaugeMetricFamily("faun_celery_queue_length", "", labels=["queue"])
        yield GaugeMetricFamily("faun_database_replica_lag_seconds", "", labels=["replica"])
        yield GaugeMetricFamily("faun_database_replica_usable", "", labels=["replica"])

    def collect(self) -> Iterator[Metric]:
        yield from _outbox()
        yield from _newsletter_issues()
        yield from _queues()
        yield from _replicas()


def _outbox() -> Iterator[Metric]:
    emails = GaugeMetricFamily(
        "faun_outbox_emails",
        "Outbox emails not sent yet (pending, sending) and given up on (failed).",
        labels=["status"],
    )
    # Each count reads a partial index of its status (outbox/models.py).
    for status in ("pending", "sending", "failed"):
        emails.add_metric([status], OutboundEmail.objects.filter(status=status).count())
    yield emails
    oldest = OutboundEmail.objects.filter(status="pending").aggregate(at=Min("created_at"))["at"]
    age = GaugeMetricFamily(
        "faun_outbox_oldest_pending_age_seconds",
        "How long the oldest pending outbox email has waited (0 when none waits).",
    )
    age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
    yield age


def _newsletter_issues() -> Iterator[Metric]:
    progress = GaugeMetricFamily(
        "faun_newsletter_issue_emails",
        "Emails of the newsletter issues built in the last 24 hours, by state: a run is done "
        "when nothing is waiting.",
        labels=["newsletter", "period", "state"],
    )
    recent = NewsletterIssue.objects.filter(created_at__gte=timezone.now() - timedelta(days=1))
    rows = (
        Delivery.objects.filter(issue__in=recent.values("pk"))
        .values("issue__newsletter__channel__handle", "issue__period", "outbound_email__status")
        .annotate(count=Count("id"))
    )
    for row in rows:
        status = row["outbound_email__status"]
        state = "sent" if status == "sent" else "failed" if status == "failed" else "waiting"
        progress.add_metric(
            [row["issue__newsletter__channel__handle"] or "", row["issue__period"], state],
            row["count"],
        )
    yield progress


def _queues() -> Iterator[Metric]:
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    import redis

    lengths = GaugeMetricFamily(
        "faun_celery_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"]
    )
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1)
    try:
        pipe = client.pipeline()
        names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
        for name in names:
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(name + suffix)
        counts = pipe.execute()
    except redis.RedisError:
        return  # the broker is down: /readyz says so; no made-up zeros here
    finally:
        client.close()
    step = len(_PRIORITY_SUFFIXES)
    for index, name in enumerate(names):
        lengths.add_metric([name], sum(counts[index * step : (index + 1) * step]))
    yield lengths


def _replicas() -> Iterator[Metric]:
    """Each read replica checked now: its lag (absent while it does not answer or is not
    streaming) and whether this process would read from it (docs/operations.md#read-replicas)."""
    if not settings.DATABASE_REPLICAS:
        return
    lag = GaugeMetricFamily(
        "faun_database_replica_lag_seconds",
        "How far each read replica's replay is behind the primary (0 when it has replayed all it "
        "received).",
        labels=["replica"],
    )
    usable = GaugeMetricFamily(
        "faun_database_replica_usable",
        "1 while a read replica answers, streams and is within DATABASE_REPLICA_MAX_LAG_SECONDS "
        "(reads go to it), else 0 (reads go to the primary).",
        labels=["replica"],
    )
    for alias in settings.DATABASE_REPLICAS:
        state = replica_check(alias)
        if state.lag_seconds is not None:
            lag.add_metric([alias], state.lag_seconds)
        usable.add_metric([alias], 1.0 if state.usable else 0.0)
    yield lag
    yield usable


_collector = FaunCollector()
REGISTRY.register(_collector)


def metrics_text() -> bytes:
    """The exposition: this process's registry, or every gunicorn worker's files in
    multiprocess mode, and faun's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_collector)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
