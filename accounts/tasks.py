"""Celery tasks for accounts: deliver outbox emails (one, or a batch over one SMTP connection),
the periodic outbox sweep, and newsletter/digest runs and their batches.

All take ids (or nothing), re-read their rows and are safe to run twice; see
accounts/services/outbox.py for what the outbox guarantees, and accounts/services/issues.py and
digests.py for the newsletter runs.
"""

from __future__ import annotations

import smtplib
import time
from datetime import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger
from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError
from django.utils import timezone

from accounts import services
from accounts.models import Newsletter, OutboundEmail
from accounts.services import digests, issues

logger = get_task_logger(__name__)


def _permanent(exc: Exception) -> bool:
    """A 5xx answer from the mail server (unknown recipient, message refused) will not change on
    a retry; anything else (timeouts, refused connections, 4xx) may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


@shared_task(
    bind=True,
    # Idempotent (only the worker that claims the pending row sends it), so a message may be
    # acknowledged after the work and delivered again if a worker dies before that.
    acks_late=True,
    # Attempts are counted on the row, across retries and sweeps alike (OUTBOX_MAX_ATTEMPTS).
    max_retries=None,
    # A database outage while claiming: retry with exponential backoff, then leave it to the
    # sweep (the row is still pending).
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    retry_kwargs={"max_retries": 10},
    # The sweep frees rows claimed longer than OUTBOX_STUCK_AFTER_SECONDS ago; settings insist
    # that is longer than this hard limit, so a live worker is never raced. The soft limit
    # interrupts a send that hangs; it must leave a normal SMTP exchange (EMAIL_TIMEOUT per
    # command) time to finish, since an interrupted send is retried and may have been accepted.
    time_limit=settings.OUTBOX_SEND_TIME_LIMIT,
    soft_time_limit=settings.OUTBOX_SEND_TIME_LIMIT * 4 // 5,
)
def email_deliver(self, email_id: int) -> str:  # type: ignore[no-untyped-def]
    """Deliver one outbox email: claim the pending row, send it, mark it sent. Returns "sent",
    or "skipped" when there was nothing to do (gone, already sent or failed, or another worker
    has it), or the row's status after a failed attempt.

    A failed attempt puts the row back to pending and retries with exponential backoff; a
    permanent refusal (5xx) or the last of OUTBOX_MAX_ATTEMPTS marks it failed.
    """
    email = services.email_claim(email_id=email_id)
    if email is None:
        return "skipped"
    try:
        services.email_message(email=email).send(fail_silently=False)
    except Exception as exc:  # SMTP errors, socket errors, the soft time limit
        delay = None if _permanent(exc) else services.email_backoff(attempts=email.attempts)
        status = services.email_release(
            email_id=email.pk, error=f"{type(exc).__name__}: {exc}", retry_in=delay
        )
        logger.warning(
            "email %s to %s: attempt %s failed (%s); now %s",
            email.pk,
            email.to,
            email.attempts,
            exc,
            status,
        )
        if status == OutboundEmail.Status.PENDING and delay is not None:
            if self.request.is_eager:
                # No worker to come back later in-process: the sweep publishes it when due.
                return status
            raise self.retry(exc=exc, countdown=delay) from exc
        return status or "skipped"
    services.email_mark_sent(email_id=email.pk)
    logger.info("email %s to %s sent (%s)", email.pk, email.to, email.message_id)
    return "sent"


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def outbox_sweep() -> int:
    """Publish again the outbox emails whose delivery was lost: pending rows past their due time
    by OUTBOX_PENDING_GRACE_SECONDS (the publish failed, or Redis lost the message) and rows left
    "sending" by a dead worker. Runs every OUTBOX_SWEEP_EVERY_SECONDS from Celery beat. Returns
    how many it published; running it twice at once publishes no row twice (rows are locked with
    SKIP LOCKED while picked, and a picked row waits another grace period)."""
    ids = services.outbox_requeue_due()
    published = 0
    for email_id in ids:
        if not services.email_enqueue(email_id=email_id):
            break  # broker down: the rest stay pending for the next sweep
        published += 1
    if ids:
        logger.info("outbox sweep: %s of %s emails published again", published, len(ids))
    return published


@shared_task(
    bind=True,
    # Idempotent: only rows this task claims (pending to sending) are sent.
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    retry_kwargs={"max_retries": 10},
    # Rows stay "sending" at most this long unless the worker died; the sweep frees them after
    # OUTBOX_STUCK_AFTER_SECONDS, which settings insist is longer.
    time_limit=settings.OUTBOX_SEND_TIME_LIMIT,
    soft_time_limit=settings.OUTBOX_SEND_TIME_LIMIT * 4 // 5,
)
def email_deliver_batch(self, email_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Deliver many outbox emails over one SMTP connection: claim the pending rows among
    `email_ids` a chunk at a time (the outbox's claim protocol, SKIP LOCKED), send each and mark
    it sent at once, so a crash leaves at most the one message in flight unrecorded. A failed
    send goes back to pending with backoff (the sweep or `email_deliver` retries it); when half
    the time limit is used, the rest is published as a new task. Returns how many were sent."""
    deadline = time.monotonic() + settings.OUTBOX_SEND_TIME_LIMIT / 2
    remaining = list(email_ids)
    chunk_size = max(1, min(settings.NEWSLETTER_SEND_BATCH, 50))
    connection = get_connection(fail_silently=False)
    sent = 0
    try:
        while remaining:
            if time.monotonic() > deadline:
                services.email_enqueue_many(email_ids=remaining)
                break
            chunk, remaining = remaining[:chunk_size], remaining[chunk_size:]
            claimed = services.email_claim_many(email_ids=chunk)
            sent += _send_claimed(connection, claimed)
    finally:
        connection.close()
    return sent


def _send_claimed(connection, claimed: list[OutboundEmail]) -> int:  # type: ignore[no-untyped-def]
    sent = 0
    for index, email in enumerate(claimed):
        try:
            # Opened here, not by send_messages, which would close a connection it opened.
            connection.open()
            connection.send_messages([services.email_message(email=email)])
        except SoftTimeLimitExceeded:
            # Out of time: hand every unsent claimed row back at once rather than leave it
            # "sending" until the sweep's stuck threshold.
            for rest in claimed[index:]:
                services.email_release(email_id=rest.pk, error="Time limit.", retry_in=0)
            raise
        except Exception as exc:
            delay = None if _permanent(exc) else services.email_backoff(attempts=email.attempts)
            services.email_release(
                email_id=email.pk, error=f"{type(exc).__name__}: {exc}", retry_in=delay
            )
            logger.warning("email %s to %s: batch attempt failed (%s)", email.pk, email.to, exc)
            connection.close()  # the next send opens a fresh connection
            continue
        services.email_mark_sent(email_id=email.pk)
        sent += 1
    return sent


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def digests_run() -> dict[str, int]:
    """Start what is due (Celery beat, every NEWSLETTER_RUN_EVERY_SECONDS): build each active
    newsletter's issue for its current period once, then publish a batch task per
    NEWSLETTER_BATCH_SIZE subscribers still without a delivery for that period; likewise for
    personal digests whose time has come. Running it again, or twice at once, queues nobody
    twice; a batch lost with its message is found again by the next run."""
    now = timezone.now()
    counts = {"issues": 0, "newsletter_batches": 0, "digest_batches": 0}
    for newsletter in Newsletter.objects.filter(is_active=True).select_related("channel"):
        issue = issues.issue_build(newsletter=newsletter, now=now)
        if issue is None or issue.is_empty:
            continue
        counts["issues"] += 1
        for first, last in issues.newsletter_batches(issue=issue):
            newsletter_send_batch.apply_async(args=[issue.pk, first, last])
            counts["newsletter_batches"] += 1
    for first, last in digests.digest_batches(now=now):
        digest_send_batch.apply_async(args=[first, last, now.isoformat()])
        counts["digest_batches"] += 1
    if counts["newsletter_batches"] or counts["digest_batches"]:
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
