"""The email outbox: every email is a database row first, and a Celery task only delivers it.

Any feature that sends email (accounts, newsletters) calls `email_queue()` inside the
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from outbox.models import EMAIL_MAX_LENGTH, OutboundEmail
from outbox.tasks import email_enqueue, email_enqueue_many

logger = logging.getLogger(__name__)


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
    caller's choice (`emails_deliver_on_commit`); the sweep delivers whatever it misses.
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


def emails_deliver_on_commit(*, email_ids: Sequence[int]) -> None:
    """Publish batch delivery of these outbox rows once the caller's transaction commits (each
    task sends its rows over one SMTP connection; OUTBOX_SEND_BATCH rows a task). If the broker
    is down then, the rows stay pending and the sweep delivers them."""
    ids = list(email_ids)
    if ids:
        transaction.on_commit(partial(email_enqueue_many, email_ids=ids))
