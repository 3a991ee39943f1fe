"""Celery tasks for newsletters and digests: the periodic run and its batches. Thin: each takes
ids, re-reads rows and calls a service; running one twice queues nobody twice
(newsletters/services/runs.py, issues.py and digests.py say how).
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from celery.utils.log import get_task_logger
from django.db import DatabaseError
from django.utils import timezone

from newsletters.services import digests, issues, runs

logger = get_task_logger(__name__)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def digests_run() -> dict[str, int]:
    """Start what is due (Celery beat, every NEWSLETTER_RUN_EVERY_SECONDS): build each active
    newsletter's issue for its current period once, then publish a batch task per
    NEWSLETTER_BATCH_SIZE subscribers still without a delivery for that period; likewise for
    personal digests whose time has come. Running it again, or twice at once, queues nobody
    twice; a batch lost with its message is found again by the next run."""
    plan = runs.run_plan(now=timezone.now())
    for issue_id, first, last in plan.newsletter_batches:
        newsletter_send_batch.apply_async(args=[issue_id, first, last])
    for first, last in plan.digest_batches:
        digest_send_batch.apply_async(args=[first, last, plan.now.isoformat()])
    counts = plan.counts()
    if plan.newsletter_batches or plan.digest_batches:
        logger.info("digests run: %s", counts)
    return counts


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_jitter=True,
    retry_kwargs={"max_retries": 5},
    time_limit=120,
    soft_time_limit=100,
)
def newsletter_send_batch(issue_id: int, first_id: int, last_id: int) -> int:
    """Queue one issue to the due subscribers with ids in [first_id, last_id] (deliveries and
    outbox rows, at most one per subscriber and period); delivery follows on commit."""
    return len(issues.newsletter_batch_queue(issue_id=issue_id, first_id=first_id, last_id=last_id))


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_jitter=True,
    retry_kwargs={"max_retries": 5},
    time_limit=120,
    soft_time_limit=100,
)
def digest_send_batch(first_id: int, last_id: int, now: str) -> int:
    """Queue the personal digests due at `now` (ISO time of the run) for preferences with ids
    in [first_id, last_id]; at most one per user and period."""
    return len(
        digests.digest_batch_queue(
            first_id=first_id, last_id=last_id, now=datetime.fromisoformat(now)
        )
    )
