"""The delivery side of the outbox: claim rows, build the message, mark sent, release after a
failure with backoff, and find the rows the sweep must publish again. The tasks in outbox/tasks.py
call these; what the protocol guarantees is in outbox/services.py and docs/accounts.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from outbox.models import OutboundEmail

MAX_BACKOFF_SECONDS = 60 * 60


@transaction.atomic
def email_claim_many(*, email_ids: Sequence[int]) -> list[OutboundEmail]:
    """`email_claim` for many rows in two queries: the pending rows among `email_ids` not
    locked by another worker become "sending" with one more attempt. Returns them by id."""
    emails = list(
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(email_ids), status=OutboundEmail.Status.PENDING)
        .order_by("pk")
    )
    if not emails:
        return []
    now = timezone.now()
    OutboundEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
        status=OutboundEmail.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    for email in emails:
        email.status = OutboundEmail.Status.SENDING
        email.attempts += 1
        email.claimed_at = now
    return emails


@transaction.atomic
def email_claim(*, email_id: int) -> OutboundEmail | None:
    """Claim a pending email for sending: it becomes "sending" with one more attempt counted.

    Returns None, claiming nothing, when the row is gone, not pending (sent, failed, or being
    sent) or locked by another worker claiming it right now.
    """
    email = (
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(pk=email_id, status=OutboundEmail.Status.PENDING)
        .first()
    )
    if email is None:
        return None
    email.status = OutboundEmail.Status.SENDING
    email.attempts += 1
    email.claimed_at = timezone.now()
    email.save(update_fields=["status", "attempts", "claimed_at"])
    return email


def email_message(*, email: OutboundEmail) -> EmailMultiAlternatives:
    """The message for a row: plain text with an HTML alternative, From DEFAULT_FROM_EMAIL, and
    the row's own Message-ID so that every attempt carries the same one."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={**email.headers, "Message-ID": email.message_id},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def email_mark_sent(*, email_id: int) -> None:
    """Record that the mail server accepted the email.

    On PostgreSQL this is one statement whose commit does not wait for its WAL flush
    (`synchronous_commit` off for its own transaction only, set by `set_config(..., true)` in
    the statement): marking each email the moment it is accepted then costs one round trip
    instead of four and no disk flush, which is what lets a batch send at SMTP speed. The price
    is inside the documented duplicate window: if PostgreSQL itself crashes within a fraction
    of a second of the mark, the row comes back as "sending" and is sent again, with the same
    Message-ID; a worker crash loses nothing (the commit is already in PostgreSQL). Called
    outside a transaction, as the delivery tasks do, the statement is its own transaction.
    """
    now = timezone.now()
    if connection.vendor != "postgresql":
        OutboundEmail.objects.filter(pk=email_id).update(
            status=OutboundEmail.Status.SENT, sent_at=now, last_error=""
        )
        return
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, last_error = '' "  # noqa: S608
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit "
            f"WHERE {table}.id = %s",
            [OutboundEmail.Status.SENT, now, email_id],
        )


def email_backoff(*, attempts: int) -> int:
    """Seconds to wait after `attempts` failed attempts: 30 s, 1 min, 2 min, ... at most an
    hour, plus up to 20% jitter so a mail server outage does not end in a thundering herd."""
    base = min(30 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return base + secrets.randbelow(base // 5 + 1)


@transaction.atomic
def email_release(*, email_id: int, error: str, retry_in: int | None) -> str | None:
    """After a failed attempt: back to pending, due again in `retry_in` seconds, or "failed" for
    good when `retry_in` is None or the row has used OUTBOX_MAX_ATTEMPTS. Returns the new status,
    or None when the row is gone or was sent meanwhile (nothing changes)."""
    email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
    if email is None or email.status == OutboundEmail.Status.SENT:
        return None
    give_up = retry_in is None or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    email.status = OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.PENDING
    email.last_error = error[:2000]
    email.claimed_at = None
    email.next_attempt_at = timezone.now() + timedelta(seconds=retry_in or 0)
    email.save(update_fields=["status", "last_error", "claimed_at", "next_attempt_at"])
    return email.status


@transaction.atomic
def outbox_requeue_due(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """The sweep's work: the ids of emails to publish again.

    * Rows "sending" for longer than OUTBOX_STUCK_AFTER_SECONDS lost their worker (the task's
      hard time limit is shorter): back to pending, or failed once out of attempts.
    * Rows pending for longer than OUTBOX_PENDING_GRACE_SECONDS past their due time lost their
      task message: their due time moves to now, so the next sweep waits another grace period
      before publishing them again.

    Rows locked by a concurrent sweep or claim are skipped, not waited for.
    """
    now = now or timezone.now()
    limit = limit or settings.OUTBOX_SWEEP_BATCH
    stuck = list(
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(
            status=OutboundEmail.Status.SENDING,
            claimed_at__lt=now - timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS),
        )
        .values_list("pk", "attempts")[:limit]
    )
    note = "The worker stopped while sending (killed or timed out)."
    exhausted = [pk for pk, attempts in stuck if attempts >= settings.OUTBOX_MAX_ATTEMPTS]
    retry = [pk for pk, attempts in stuck if attempts < settings.OUTBOX_MAX_ATTEMPTS]
    OutboundEmail.objects.filter(pk__in=exhausted).update(
        status=OutboundEmail.Status.FAILED, claimed_at=None, last_error=note
    )
    OutboundEmail.objects.filter(pk__in=retry).update(
        status=OutboundEmail.Status.PENDING, claimed_at=None, last_error=note, next_attempt_at=now
    )
    late = list(
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(
            status=OutboundEmail.Status.PENDING,
            next_attempt_at__lte=now - timedelta(seconds=settings.OUTBOX_PENDING_GRACE_SECONDS),
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: max(limit - len(retry), 0)]
    )
    OutboundEmail.objects.filter(pk__in=late).update(next_attempt_at=now)
    return [*retry, *late]
