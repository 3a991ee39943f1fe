"""The newsletter benchmark (bench/newsletter.py) runs end to end at a small size: in-process on
any database, and with two real Celery workers (the figure docs/newsletters.md reports) where
PostgreSQL and Redis are available."""

from __future__ import annotations

import pytest

from bench.newsletter import run_benchmark
from newsletters.models import Delivery, Subscription
from outbox.models import OutboundEmail
from posts.models import Channel, Post

pytestmark = pytest.mark.django_db(transaction=True)


def assert_ran_and_cleaned_up(result, *, subscribers: int) -> None:
    assert result.run_sent == subscribers  # every subscriber once through the real path
    assert result.plain_sent == subscribers  # and the same messages through plain smtplib
    assert result.run_rate > 0
    assert result.plain_rate > 0
    assert "emails/s" in result.report()
    # Cleaned up afterwards.
    assert not Subscription.objects.exists()
    assert not Delivery.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert not Post.objects.exists()
    assert not Channel.objects.exists()


def test_newsletter_benchmark_smoke_in_process():
    result = run_benchmark(subscribers=40, workers=0, quiet=True)

    assert_ran_and_cleaned_up(result, subscribers=40)
    assert list(result.peak_rss_mb) == ["bench"]
    assert "tasks run in-process" in result.report()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_newsletter_benchmark_smoke_with_two_workers():
    result = run_benchmark(subscribers=300, workers=2, quiet=True)

    assert_ran_and_cleaned_up(result, subscribers=300)
    assert list(result.peak_rss_mb) == ["worker 1", "worker 2"]
    assert all(mb > 20 for mb in result.peak_rss_mb.values())  # read off the live workers
    assert "2 Celery workers" in result.report()
