"""The email outbox's one model. Every email is a row first; a Celery task only delivers it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit for an address, and the column's


class OutboundEmail(models.Model):
    """One email to one recipient: the outbox row is the source of truth, the Celery task only
    delivers it. Written in the same transaction as the change that causes it (a sign-up, a
    newsletter issue), so a rolled-back change sends nothing and a lost task message loses nothing:
    the periodic sweep re-enqueues rows that are still pending. See docs/accounts.md."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(
        default=dict, blank=True, help_text="Extra headers, e.g. List-Unsubscribe."
    )
    message_id = models.CharField(max_length=255, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Callers pass a key such as "digest:42:user:7" so that queueing the same email twice
    # returns the first row instead of sending twice; NULL means "no deduplication".
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker should next try: now for a new row, later after a failed attempt (backoff).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When a worker claimed the row (status "sending"); the sweep frees rows claimed too long ago.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had in accounts (moved without copying rows).
        db_table = "accounts_outboundemail"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep's two scans: pending rows that are due, sending rows claimed long ago.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_idx",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="sending"),
                name="outbox_sending_idx",
            ),
            models.Index(fields=["to"], name="outbox_to_idx"),
            # The failed emails' gauge at /metrics (docs/operations.md#metrics), without a scan.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="failed"),
                name="outbox_failed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "sent", "failed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(claimed_at__isnull=False),
                name="outbox_sending_has_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
