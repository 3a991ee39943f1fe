"""The newsletter benchmark (bench/newsletter.py) runs end to end at a small size."""

from __future__ import annotations

import pytest

from accounts.models import Delivery, OutboundEmail, Subscription
from bench.newsletter import run_benchmark

pytestmark = pytest.mark.django_db(transaction=True)


def test_newsletter_benchmark_smoke():
    result = run_benchmark(subscribers=40, quiet=True)

    assert result.run_sent == 40  # every subscriber once through the real path
    assert result.plain_sent == 40  # and the same 40 messages through plain smtplib
    assert result.run_rate > 0
    assert result.plain_rate > 0
    assert result.peak_rss_mb > 0
    assert "emails/s" in result.report()
    # Cleaned up afterwards.
    assert not Subscription.objects.exists()
    assert not Delivery.objects.exists()
    assert not OutboundEmail.objects.exists()
