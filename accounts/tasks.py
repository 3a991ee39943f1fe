"""Celery tasks for accounts: deliver one outbox email, and the periodic outbox sweep.

Both take ids (or nothing), re-read their rows and are safe to run twice; see
accounts/services/outbox.py for what the outbox guarantees.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings
from django.db import DatabaseError

from accounts import services
from accounts.models import OutboundEmail

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
