"""Exactly-once newsletter delivery with real processes: Celery beat starting digest runs, a
worker, Redis and an SMTP sink on loopback. A worker SIGKILLed part-way through a run of 300
subscribers, or Redis restarting (and losing every queued task) part-way, still ends with every
due subscriber receiving exactly one email for the period."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from newsletters.models import Delivery, Newsletter, Subscription
from outbox.models import OutboundEmail
from posts.models import Post
from tests.posts.factories import ChannelFactory, PostFactory
from tests.service_fixtures import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 300
FAST = {
    # Beat starts a run every 2 s; the outbox sweep runs every second with short thresholds,
    # under the same rule as production (stuck threshold > the send task's hard time limit).
    "NEWSLETTER_RUN_EVERY_SECONDS": "2",
    "NEWSLETTER_BATCH_SIZE": "50",
    "OUTBOX_SEND_BATCH": "25",
    "OUTBOX_SWEEP_EVERY_SECONDS": "1",
    "OUTBOX_PENDING_GRACE_SECONDS": "2",
    "OUTBOX_SEND_TIME_LIMIT": "10",
    "OUTBOX_STUCK_AFTER_SECONDS": "12",
}


def due_newsletter() -> tuple[Newsletter, set[str]]:
    """A daily newsletter whose slot (this hour, UTC) has passed, one post in its window and
    SUBSCRIBERS active subscribers confirmed before the slot."""
    now = timezone.now()
    slot = now.replace(minute=0, second=0, microsecond=0)
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Daily")
    newsletter = Newsletter.objects.create(
        channel=channel,
        name="DevOpsLinks Daily",
        cadence="daily",
        hour=slot.hour,
        created_at=now - timedelta(days=30),
    )
    post = PostFactory(channel=channel, published_at=slot - timedelta(hours=2))
    Post.objects.filter(pk=post.pk).update(score=5)
    emails = [f"reader{i:03d}@example.com" for i in range(SUBSCRIBERS)]
    Subscription.objects.bulk_create(
        Subscription(
            newsletter=newsletter,
            email=email,
            status="active",
            confirmed_at=slot - timedelta(days=1),
        )
        for email in emails
    )
    return newsletter, set(emails)


def state(celery_processes) -> Callable[[], str]:
    def describe() -> str:
        statuses = Counter(OutboundEmail.objects.values_list("status", flat=True))
        return (
            f"deliveries: {Delivery.objects.count()}, outbox: {dict(statuses)}\n"
            f"{celery_processes.logs()}"
        )

    return describe


def recipients(sink) -> Counter[str]:
    return Counter(message["To"] for message in sink.accepted())


def assert_exactly_once(sink, emails: set[str], celery_processes) -> None:
    wait_until(
        lambda: (
            set(recipients(sink)) >= emails
            and not OutboundEmail.objects.exclude(status="sent").exists()
            and OutboundEmail.objects.count() == len(emails)
        ),
        timeout=60,
        interval=0.5,
        what="every subscriber's email accepted and every outbox row sent",
        details=state(celery_processes),
    )
    time.sleep(4)  # more runs and sweeps happen: nothing else may arrive
    counts = recipients(sink)
    repeated = {address: n for address, n in counts.items() if n > 1}
    assert repeated == {}, f"sent twice: {repeated}"
    assert set(counts) == emails
    assert Delivery.objects.count() == len(emails)
    assert Delivery.objects.values("subscription").distinct().count() == len(emails)


def test_worker_sigkilled_mid_run_sends_each_subscriber_exactly_once(
    live_broker, smtp_sink, celery_processes
):
    _, emails = due_newsletter()
    celery_processes.beat(redis_url=live_broker, **FAST)
    first = celery_processes.worker(redis_url=live_broker, smtp_port=smtp_sink.port, **FAST)

    wait_until(
        lambda: len(smtp_sink.accepted()) >= 60,
        timeout=45,
        what="the run to be part-way",
        details=state(celery_processes),
    )
    # The server now holds DATA: the kill lands while a message is in flight.
    smtp_sink.delay = 3
    smtp_sink.data_started.clear()
    assert smtp_sink.data_started.wait(20), first.log()[-3000:]
    first.kill()
    killed_at = time.monotonic()
    accepted_at_kill = len(smtp_sink.accepted())
    wait_until(lambda: smtp_sink.dropped, timeout=10, what="the sink to drop the killed send")
    smtp_sink.delay = 0

    celery_processes.worker(redis_url=live_broker, smtp_port=smtp_sink.port, **FAST)
    assert_exactly_once(smtp_sink, emails, celery_processes)
    print(
        f"\n[fault: SIGKILL mid-run] {accepted_at_kill}/{SUBSCRIBERS} accepted at the kill; "
        f"all {SUBSCRIBERS} exactly once {time.monotonic() - killed_at:.1f}s after it"
    )


def test_redis_restarted_mid_run_sends_each_subscriber_exactly_once(
    smtp_sink, celery_processes, redis_server
):
    _, emails = due_newsletter()
    smtp_sink.delay = 0.02  # a run of some seconds, so the restart lands in the middle
    celery_processes.beat(redis_url=redis_server.url, **FAST)
    celery_processes.worker(redis_url=redis_server.url, smtp_port=smtp_sink.port, **FAST)

    wait_until(
        lambda: len(smtp_sink.accepted()) >= 60,
        timeout=45,
        what="the run to be part-way",
        details=state(celery_processes),
    )
    # Redis goes away with every queued task (no persistence), then comes back empty.
    redis_server.stop()
    accepted_at_stop = len(smtp_sink.accepted())
    time.sleep(3)
    redis_server.start()
    back_at = time.monotonic()
    smtp_sink.delay = 0

    assert_exactly_once(smtp_sink, emails, celery_processes)
    print(
        f"\n[fault: Redis restart mid-run] {accepted_at_stop}/{SUBSCRIBERS} accepted when Redis "
        f"stopped; all {SUBSCRIBERS} exactly once {time.monotonic() - back_at:.1f}s after it "
        "was back"
    )
