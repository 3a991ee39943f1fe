"""The email outbox: every email is a database row first, and a Celery task only delivers it.

Any feature that sends email (accounts today, newsletters later) calls `email_queue()` inside the
transaction of the change that causes the email. What that buys:

* A rolled-back change sends nothing: the row and the change commit or roll back together, and
  the delivery task is published only after commit (`transaction.on_commit`).
* A lost task message loses no email. If Redis is down when the web request publishes, the
  publish error is logged and the row stays pending; the `outbox_sweep` task (Celery beat, every
  minute) re-enqueues pending rows older than OUTBOX_PENDING_GRACE_SECONDS.
* A worker killed mid-send does not lose the email: the row stays "sending" and the sweep frees
  it once it has been claimed longer than OUTBOX_STUCK_AFTER_SECONDS (more than the task's hard
  time limit, so no live worker can still be sending it).
* Two deliveries of the same task message send once: a worker claims the row with
  SELECT ... FOR UPDATE SKIP LOCKED and moves it from pending to sending; only the claimer sends.
* Each row has a Message-ID fixed at creation, so every attempt carries the same one.

The one window for a duplicate: the SMTP server accepted the message but the worker died (or the
database was unreachable) before the row was marked sent. The sweep then sends it again, with the
same Message-ID, which lets receiving servers and clients that deduplicate on it drop the copy.
Closing that window would need the mail server to take part in the transaction, which SMTP does
not offer.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60 * 60
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit, and OutboundEmail.to's


def _message_id_domain() -> str:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "faun.localhost"


def _one_line(value: str) -> str:
    """Header values may not contain line breaks (header injection); collapse all whitespace."""
    return " ".join(value.split())


def email_render(*, template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render `templates/emails/<template>.txt` and `.html` with the site's name and URL added.
    Both parts are required: every email has a plain-text and an HTML part."""
    full_context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    text = render_to_string(f"emails/{template}.txt", full_context)
    html = render_to_string(f"emails/{template}.html", full_context)
    return text, html


def email_enqueue(*, email_id: int) -> bool:
    """Publish the delivery task for one row. Never raises: when the broker is unreachable the
    row stays pending and the sweep publishes it later. Returns whether publishing worked."""
    from accounts.tasks import email_deliver  # tasks import this module

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


@transaction.atomic
def email_queue(
    *,
    to: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    dedupe_key: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboundEmail:
    """Queue one email to one recipient and return its outbox row.

    Renders `emails/<template>.txt` and `.html` now (the row holds the final text, so later
    template edits do not change emails already queued) and writes the row in the caller's
    transaction; delivery is published on commit. With a `dedupe_key` (for example
    "digest:42:user:7"), queueing the same email again returns the existing row and sends nothing
    new, even under concurrency. `headers` are extra headers such as List-Unsubscribe.

    Raises ValidationError for an invalid address and ValueError for a header with a line break.
    """
    if dedupe_key is not None:
        existing = OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    validate_email(to)
    if len(to) > EMAIL_MAX_LENGTH:
        raise ValidationError("That email address is too long.", code="max_length")
    extra_headers = dict(headers or {})
    for name, value in extra_headers.items():
        if any(char in f"{name}{value}" for char in "\r\n") or not name.strip():
            raise ValueError(f"Invalid email header {name!r}.")
    text, html = email_render(template=template, context=context)
    email = OutboundEmail(
        to=to,
        subject=_one_line(subject)[:255],
        text_body=text,
        html_body=html,
        headers=extra_headers,
        message_id=make_msgid(idstring="outbox", domain=_message_id_domain()),
        dedupe_key=dedupe_key,
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        if dedupe_key is None:
            raise
        # Another transaction queued the same email first: theirs is the one that counts.
        return OutboundEmail.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(partial(email_enqueue, email_id=email.pk))
    return email


@dataclass(frozen=True)
class EmailDraft:
    """A rendered email for `email_queue_many`: bulk senders (newsletters, digests) render once
    per issue and substitute per recipient, rather than render a template per row."""

    to: str
    subject: str
    text_body: str
    html_body: str
    dedupe_key: str
    headers: Mapping[str, str] = field(default_factory=dict)


@transaction.atomic
def email_queue_many(*, drafts: Sequence[EmailDraft], batch_size: int = 500) -> dict[str, int]:
    """Queue many emails at once, each with a `dedupe_key`, in the caller's transaction.

    Rows are inserted with INSERT ... ON CONFLICT DO NOTHING on the unique dedupe key, so a
    draft whose key is already queued (by an earlier run, or a concurrent one) adds nothing.
    Returns {dedupe_key: outbox id} for every draft, new or existing. Publishing delivery is the
    caller's choice (`email_enqueue_many` on commit); the sweep delivers whatever it misses.
    Addresses are not validated here: callers pass addresses already validated when stored.
    """
    domain = _message_id_domain()
    now = timezone.now()
    rows = []
    for draft in drafts:
        for name, value in draft.headers.items():
            if any(char in f"{name}{value}" for char in "\r\n") or not name.strip():
                raise ValueError(f"Invalid email header {name!r}.")
        rows.append(
            OutboundEmail(
                to=draft.to,
                subject=_one_line(draft.subject)[:255],
                text_body=draft.text_body,
                html_body=draft.html_body,
                headers=dict(draft.headers),
                message_id=make_msgid(idstring="outbox", domain=domain),
                dedupe_key=draft.dedupe_key,
                created_at=now,
                next_attempt_at=now,
            )
        )
    OutboundEmail.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    keys = [draft.dedupe_key for draft in drafts]
    found: dict[str, int] = {}
    for start in range(0, len(keys), batch_size):
        for key, pk in OutboundEmail.objects.filter(
            dedupe_key__in=keys[start : start + batch_size]
        ).values_list("dedupe_key", "pk"):
            if key is not None:
                found[key] = pk
    return found


def email_enqueue_many(*, email_ids: Sequence[int], chunk: int | None = None) -> bool:
    """Publish batch delivery tasks for these rows (each task sends its rows over one SMTP
    connection). Never raises: when the broker is down the rows stay pending for the sweep."""
    from accounts.tasks import email_deliver_batch  # tasks import this module

    ids = list(email_ids)
    size = chunk or settings.NEWSLETTER_SEND_BATCH
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


@transaction.atomic
def outbox_retry(*, email_ids: list[int]) -> int:
    """Give failed emails a fresh set of attempts (the admin's "send again"). Returns how many."""
    ids = list(
        OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.FAILED)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=OutboundEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    for email_id in ids:
        transaction.on_commit(partial(email_enqueue, email_id=email_id))
    return len(ids)
