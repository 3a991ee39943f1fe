"""Celery tasks of the outbox: deliver emails (one, or a batch over one SMTP connection), the
periodic sweep, and the two functions that publish them.

All take ids (or nothing), re-read their rows and are safe to run twice; outbox/services.py says
what the outbox guarantees.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Sequence

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger
from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError

from outbox import delivery
from outbox.models import OutboundEmail

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
    email = delivery.email_claim(email_id=email_id)
    if email is None:
        return "skipped"
    try:
        delivery.email_message(email=email).send(fail_silently=False)
    except Exception as exc:  # SMTP errors, socket errors, the soft time limit
        delay = None if _permanent(exc) else delivery.email_backoff(attempts=email.attempts)
        status = delivery.email_release(
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
    delivery.email_mark_sent(email_id=email.pk)
    logger.info("email %s to %s sent (%s)", email.pk, email.to, email.message_id)
    return "sent"


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def outbox_sweep() -> int:
    """Publish again the outbox emails whose delivery was lost: pending rows past their due time
    by OUTBOX_PENDING_GRACE_SECONDS (the publish failed, or Redis lost the message) and rows left
    "sending" by a dead worker. Runs every OUTBOX_SWEEP_EVERY_SECONDS from Celery beat. Returns
    how many it published; running it twice at once publishes no row twice (rows are locked with
    SKIP LOCKED while picked, and a picked row waits another grace period)."""
    ids = delivery.outbox_requeue_due()
    published = 0
    for email_id in ids:
        if not email_enqueue(email_id=email_id):
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
    chunk_size = max(1, min(settings.OUTBOX_SEND_BATCH, 50))
    connection = get_connection(fail_silently=False)
    sent = 0
    try:
        while remaining:
            if time.monotonic() > deadline:
                email_enqueue_many(email_ids=remaining)
                break
            chunk, remaining = remaining[:chunk_size], remaining[chunk_size:]
            claimed = delivery.email_claim_many(email_ids=chunk)
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
            connection.send_messages([delivery.email_message(email=email)])
        except SoftTimeLimitExceeded:
            # Out of time: hand every unsent claimed row back at once rather than leave it
            # "sending" until the sweep's stuck threshold.
            for rest in claimed[index:]:
                delivery.email_release(email_id=rest.pk, error="Time limit.", retry_in=0)
            raise
        except Exception as exc:
            delay = None if _permanent(exc) else delivery.email_backoff(attempts=email.attempts)
            delivery.email_release(
                email_id=email.pk, error=f"{type(exc).__name__}: {exc}", retry_in=delay
            )
            logger.warning("email %s to %s: batch attempt failed (%s)", email.pk, email.to, exc)
            connection.close()  # the next send opens a fresh connection
            continue
        delivery.email_mark_sent(email_id=email.pk)
        sent += 1
    return sent


def email_enqueue(*, email_id: int) -> bool:
    """Publish the delivery task for one row. Never raises: when the broker is unreachable the
    row stays pending and the sweep publishes it later. Returns whether publishing worked."""
    try:
        email_deliver.apply_async(args=[email_id], retry=False)
    except Exception as exc:
        logger.warning(
            "outbox: could not enqueue email %s (%s: %s); it stays pending for the sweep",
            email_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def email_enqueue_many(*, email_ids: Sequence[int], chunk: int | None = None) -> bool:
    """Publish batch delivery tasks for these rows (each task sends its rows over one SMTP
    connection). Never raises: when the broker is down the rows stay pending for the sweep."""
    ids = list(email_ids)
    size = chunk or settings.OUTBOX_SEND_BATCH
    try:
        for start in range(0, len(ids), size):
            email_deliver_batch.apply_async(args=[ids[start : start + size]], retry=False)
    except Exception as exc:
        logger.warning(
            "outbox: could not enqueue %s emails (%s: %s); they stay pending for the sweep",
            len(ids),
            type(exc).__name__,
            exc,
        )
        return False
    return True
