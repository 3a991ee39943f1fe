"""Queues that do not block each other (docs/operations.md#queues), with real processes: one
worker on the newsletters queue sending a 300-subscriber issue to a slow mail server, one on the
email queue; a member signing up meanwhile gets their verification email while the issue is
still going out, not after it."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from newsletters.tasks import digests_run
from outbox.models import OutboundEmail
from tests.newsletters.test_worker import FAST, SUBSCRIBERS, due_newsletter, state
from tests.outbox.test_worker import sign_up
from tests.service_fixtures import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_sign_up_email_goes_out_while_a_big_issue_is_still_sending(
    client, live_broker, smtp_sink, celery_processes
):
    due_newsletter()
    smtp_sink.delay = 0.05  # a slow mail server: the issue takes 300 x 50 ms at least
    celery_processes.worker(
        redis_url=live_broker,
        smtp_port=smtp_sink.port,
        queues=settings.CELERY_QUEUE_NEWSLETTERS,
        **FAST,
    )
    celery_processes.worker(
        redis_url=live_broker,
        smtp_port=smtp_sink.port,
        queues=settings.CELERY_QUEUE_EMAIL,
        **FAST,
    )
    digests_run.delay()
    wait_until(
        lambda: len(smtp_sink.accepted()) >= 20,
        timeout=60,
        what="the issue to be part-way out",
        details=state(celery_processes),
    )

    signed_up_at = time.monotonic()
    assert sign_up(client, email="newcomer@example.com").status_code == 302
    wait_until(
        lambda: any(m["To"] == "newcomer@example.com" for m in smtp_sink.accepted()),
        timeout=60,
        what="the verification email",
        details=state(celery_processes),
    )
    took = time.monotonic() - signed_up_at
    issue_sent = sum(m["To"] != "newcomer@example.com" for m in smtp_sink.accepted())

    print(
        f"\nsign-up email accepted {took:.2f} s after the sign-up, "
        f"with {issue_sent} of {SUBSCRIBERS} issue emails sent"
    )
    assert issue_sent < SUBSCRIBERS, "the sign-up email waited for the whole issue"
    assert OutboundEmail.objects.get(to="newcomer@example.com").status == "sent"
