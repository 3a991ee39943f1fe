"""Channel newsletters, personal digests and their deliveries (docs/newsletters.md).

A period is the key of one send: an ISO week ("2026-W48") for weekly sends, a date
("2026-11-27") for daily ones. Each delivery is a row unique on (subscription, period) for
newsletters and (user, period) for digests, written in the same transaction as its outbox email,
so a re-run, a second beat or a crashed worker never sends one period twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.timezone import now

from core.validators import validate_timezone
from outbox.models import OutboundEmail

PERIOD_PATTERN = r"^[0-9]{4}-(W[0-9]{2}|[0-9]{2}-[0-9]{2})$"


class Cadence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class Newsletter(models.Model):
    """A channel's newsletter: its top posts since the last issue, sent on `weekday` (weekly
    cadence) at `hour`, both in UTC."""

    channel = models.OneToOneField(
        "posts.Channel", on_delete=models.CASCADE, related_name="newsletter"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 = Monday (UTC).")
    hour = models.PositiveSmallIntegerField(default=8, help_text="0 to 23 (UTC).")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        db_table = "accounts_newsletter"  # kept from the accounts app: moved, not copied
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cadence__in=["daily", "weekly"]), name="newsletter_cadence_valid"
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6) & Q(hour__lte=23), name="newsletter_slot_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsletters:archive", kwargs={"handle": self.channel.handle})


class Subscription(models.Model):
    """One address subscribed to one newsletter. One row per (newsletter, address), ever:
    subscribing again after unsubscribing reuses it, so the address is never on a list twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    email = models.EmailField(max_length=254, help_text="Lower-cased.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="newsletter_subscriptions",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=now)
    # When the current confirmation was asked for: a confirmation link names it, so a link sent
    # before an unsubscribe cannot re-subscribe anyone.
    requested_at = models.DateTimeField(default=now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_subscription"  # kept from the accounts app: moved, not copied
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "email"], name="subscription_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "unsubscribed"]),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(confirmed_at__isnull=False),
                name="subscription_active_confirmed",
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="subscription_email_lower",
            ),
        ]
        indexes = [
            # A run walks a newsletter's active subscribers by id (keyset batches).
            models.Index(
                fields=["newsletter", "id"],
                condition=Q(status="active"),
                name="subscription_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.newsletter} ({self.status})"


class DigestPreference(models.Model):
    """A member's personal digest: the best posts from what they follow, daily or weekly at
    `hour` (and `weekday`) in their own time zone. `next_due_at` is that moment in UTC, so a run
    finds who is due with one indexed range scan."""

    class Frequency(models.TextChoices):
        OFF = "off", "Off"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.OFF)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 = Monday.")
    hour = models.PositiveSmallIntegerField(default=8)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    next_due_at = models.DateTimeField(null=True, blank=True)
    last_period = models.CharField(max_length=12, blank=True)
    # Posts published after this go into the next digest.
    last_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        db_table = "accounts_digestpreference"  # kept from the accounts app: moved, not copied
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["off", "daily", "weekly"]),
                name="digest_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6) & Q(hour__lte=23), name="digest_slot_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency="off") | Q(next_due_at__isnull=False),
                name="digest_on_has_due_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_due_at", "id"],
                condition=~Q(frequency="off"),
                name="digest_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} digest ({self.frequency})"


class NewsletterIssue(models.Model):
    """One newsletter issue, built once per period and kept for the archive. `post_ids` is
    empty when the channel published nothing worth sending: the issue is then skipped."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="issues")
    period = models.CharField(max_length=12)
    subject = models.CharField(max_length=255)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    post_ids = models.JSONField(default=list, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        db_table = "accounts_newsletterissue"  # kept from the accounts app: moved, not copied
        ordering = ["-window_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "period"], name="issue_unique_period"),
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_PATTERN), name="issue_period_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.newsletter} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse(
            "newsletters:issue",
            kwargs={"handle": self.newsletter.channel.handle, "period": self.period},
        )

    @property
    def is_empty(self) -> bool:
        return not self.post_ids


class Delivery(models.Model):
    """One recipient's copy of one period: a newsletter issue to a subscription, or a personal
    digest to a user. `outbound_email` is NULL for a digest skipped because it was empty."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_deliveries",
    )
    issue = models.ForeignKey(
        NewsletterIssue, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=12)
    outbound_email = models.OneToOneField(
        OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="delivery"
    )
    post_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        db_table = "accounts_delivery"  # kept from the accounts app: moved, not copied
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period"],
                condition=Q(subscription__isnull=False),
                name="delivery_subscription_period_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "period"],
                condition=Q(user__isnull=False),
                name="delivery_user_period_unique",
            ),
            models.CheckConstraint(
                condition=Q(subscription__isnull=False, user__isnull=True)
                | Q(subscription__isnull=True, user__isnull=False),
                name="delivery_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.period} → {self.subscription_id or self.user_id}"
