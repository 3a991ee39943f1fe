from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from core.canonical import text_fold

USERNAME_PATTERN = r"^[A-Za-z0-9_]{3,30}$"
BAN_REASON_MAX_LENGTH = 300
# What `banned_until` holds for a ban with no end: far enough never to pass, near enough for every
# database's date range.
BANNED_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
username_validator = RegexValidator(
    USERNAME_PATTERN,
    "Use 3 to 30 letters, digits or underscores.",
)


class CaseInsensitiveUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        """The account named `username` in any ASCII letter case: "Ada" and "ada" are the same
        account. Usernames are ASCII, so a name that is not ASCII after NFKC (which Django's
        log-in form applies: fullwidth letters, the Kelvin sign) names no account, even where
        the database's case mapping would equate it with one (PostgreSQL's UPPER() turns the
        dotless i, U+0131, into I). The look-up keys on the canonical form the log-in limit
        counts under (docs/accounts.md#rate-limits)."""
        name = unicodedata.normalize("NFKC", username or "")
        if not name.isascii():
            raise self.model.DoesNotExist("No account has that username.")
        # Lower() is the form the unique constraint indexes.
        return self.alias(username_canonical=Lower("username")).get(
            username_canonical=text_fold(name)
        )


class User(AbstractUser):
    username = models.CharField(
        max_length=30,
        unique=True,
        validators=[username_validator],
        help_text="3 to 30 letters, digits or underscores; unique regardless of case.",
        error_messages={"unique": "That username is taken."},
    )
    email = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    website = models.URLField(max_length=300, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Upvotes other members gave the account's posts and comments, kept in each vote's
    # transaction by the apps that own the votes (docs/moderation.md#karma).
    karma = models.IntegerField(default=0)
    # A moderator's suspension: no log-in, no writing, no API until then (a far-future date for
    # a ban; null when none), and the reason the member is told (docs/moderation.md#bans).
    banned_until = models.DateTimeField(null=True, blank=True)
    ban_reason = models.CharField(max_length=BAN_REASON_MAX_LENGTH, blank=True)

    objects = CaseInsensitiveUserManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message="That username is taken.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
                violation_error_message="That email address is already registered.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("posts:profile", kwargs={"username": self.username})

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_suspended(self) -> bool:
        """Suspended or banned by a moderator, now."""
        return self.banned_until is not None and self.banned_until > timezone.now()

    @property
    def is_banned(self) -> bool:
        """Banned for good: a suspension with no end."""
        return self.banned_until is not None and self.banned_until >= BANNED_FOREVER

    @property
    def suspension_notice(self) -> str:
        """What a suspended member is told when the site refuses them ("" when not suspended)."""
        if not self.is_suspended or self.banned_until is None:
            return ""
        if self.is_banned:
            notice = "This account is banned"
        else:
            until = self.banned_until
            notice = f"This account is suspended until {until:%b} {until.day}, {until:%Y %H:%M} UTC"
        return f"{notice}: {self.ban_reason}" if self.ban_reason else f"{notice}."


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash of the secret is stored; the secret is shown
    once, when the token is created."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=12, help_text="Public part, shown to identify the token.")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "write"]), name="apitoken_scope_valid"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="apitoken_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
