"""Newsletter subscriptions and personal digest preferences (docs/newsletters.md).

* Anonymous visitors subscribe with double opt-in: a pending subscription and a confirmation
  email (through the outbox) whose signed link expires after NEWSLETTER_CONFIRM_LINK_MAX_AGE.
  The answer is the same whether the address was new, pending or already subscribed.
* Members with a confirmed address subscribe with one click.
* Every newsletter and digest email carries a signed, non-expiring unsubscribe link that works
  without logging in and takes effect at once; unsubscribing twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.links import absolute_url
from core.signing import InvalidLink
from newsletters.models import DigestPreference, Newsletter, Subscription
from newsletters.services.periods import next_slot
from outbox.models import EMAIL_MAX_LENGTH
from outbox.services import email_queue
from posts.models import Channel, Follow, Tag
from posts.services.follows import follow_add, follow_remove

CONFIRM_SALT = "accounts.newsletter-confirm"
UNSUBSCRIBE_SALT = "accounts.newsletter-unsubscribe"
DIGEST_VIEW_SALT = "accounts.digest-view"
MAX_TOKEN_LENGTH = 300


class InvalidToken(InvalidLink):
    """A confirmation or unsubscribe link that cannot be used. `reason`: expired, invalid, used."""

    REASONS: ClassVar[dict[str, str]] = {
        **InvalidLink.REASONS,
        "expired": "This confirmation link has expired.",
    }


# --- Newsletters -------------------------------------------------------------------------------


@transaction.atomic
def newsletter_for_channel(*, channel: Channel) -> Newsletter:
    """The channel's newsletter, created on first use (named after `channel.newsletter_name`,
    or the channel) so every channel's call to action works."""
    newsletter = Newsletter.objects.filter(channel=channel).first()
    if newsletter is not None:
        return newsletter
    try:
        with transaction.atomic():
            return Newsletter.objects.create(
                channel=channel,
                name=channel.newsletter_name or channel.name,
                description=channel.description[:2000],
            )
    except IntegrityError:
        return Newsletter.objects.get(channel=channel)


# --- Tokens ------------------------------------------------------------------------------------


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def confirm_token_make(*, subscription: Subscription) -> str:
    """A signed, expiring link token naming the subscription and its current request."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(
        f"{subscription.pk}.{_timestamp(subscription.requested_at)}"
    )


def unsubscribe_token_make(
    *, subscription_id: int | None = None, user_id: int | None = None
) -> str:
    """A signed, non-expiring token for one subscription ("s.<id>") or one user's digest
    ("d.<id>"). Non-expiring because an unsubscribe link in an old email must still work."""
    value = f"s.{subscription_id}" if subscription_id is not None else f"d.{user_id}"
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(value)


def unsubscribe_url(*, subscription_id: int | None = None, user_id: int | None = None) -> str:
    token = unsubscribe_token_make(subscription_id=subscription_id, user_id=user_id)
    return absolute_url(reverse("newsletters:unsubscribe", kwargs={"token": token}))


def digest_view_token_make(*, user_id: int, period: str) -> str:
    return signing.Signer(salt=DIGEST_VIEW_SALT).sign(f"{user_id}.{period}")


def digest_view_token_read(*, token: str) -> tuple[int, str]:
    """(user id, period) from a "view in browser" link of a digest. Raises InvalidToken."""
    try:
        user_id, period = signing.Signer(salt=DIGEST_VIEW_SALT).unsign(token).split(".", 1)
        return int(user_id), period
    except (signing.BadSignature, ValueError) as exc:
        raise InvalidToken("invalid") from exc


# --- Subscribing -------------------------------------------------------------------------------


def _confirmation_queue(*, subscription: Subscription) -> None:
    token = confirm_token_make(subscription=subscription)
    newsletter = subscription.newsletter
    email_queue(
        to=subscription.email,
        subject=f"Confirm your subscription to {newsletter.name}",
        template="newsletter_confirm",
        context={
            "newsletter": newsletter,
            "channel": newsletter.channel,
            "url": absolute_url(reverse("newsletters:confirm", kwargs={"token": token})),
            "valid_for_days": max(settings.NEWSLETTER_CONFIRM_LINK_MAX_AGE // 86400, 1),
        },
        # One confirmation email per request of a subscription; asking again sends a new one.
        dedupe_key=f"newsletter-confirm:{subscription.pk}:{_timestamp(subscription.requested_at)}",
    )


def _normalized_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError("Enter a valid email address.", code="invalid")
    validate_email(email)
    return email


@transaction.atomic
def subscription_request(*, newsletter: Newsletter, email: str) -> Subscription:
    """An anonymous subscription request (double opt-in).

    New address, or one that unsubscribed: a pending subscription and a confirmation email.
    Pending: the confirmation email again (a new link). Already active: nothing changes and no
    email is sent. The caller answers the same in every case, so the form never reveals who is
    subscribed. Raises ValidationError for an invalid address (nothing is stored).
    """
    email = _normalized_email(email)
    now = timezone.now()
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        newsletter=newsletter, email=email, defaults={"requested_at": now, "created_at": now}
    )
    if subscription.status == Subscription.Status.ACTIVE:
        return subscription
    if not created:
        subscription.status = Subscription.Status.PENDING
        subscription.requested_at = now
        subscription.save(update_fields=["status", "requested_at"])
    _confirmation_queue(subscription=subscription)
    return subscription


@transaction.atomic
def subscription_confirm(*, token: str) -> Subscription:
    """Follow a confirmation link: the pending subscription becomes active. Raises InvalidToken
    ("expired", "invalid", or "used" when it is already active or was unsubscribed since)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("invalid")
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        value = signer.unsign(token, max_age=settings.NEWSLETTER_CONFIRM_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("invalid") from exc
    try:
        pk, requested = (int(part) for part in value.split("."))
    except ValueError as exc:
        raise InvalidToken("invalid") from exc
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("newsletter__channel")
        .filter(pk=pk)
        .first()
    )
    if subscription is None:
        raise InvalidToken("invalid")
    if subscription.status == Subscription.Status.ACTIVE:
        return subscription  # a second click: already done, say so
    if (
        subscription.status != Subscription.Status.PENDING
        or _timestamp(subscription.requested_at) != requested
    ):
        raise InvalidToken("used")
    subscription.status = Subscription.Status.ACTIVE
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["status", "confirmed_at"])
    return subscription


@transaction.atomic
def subscription_add_for_user(*, user: User, newsletter: Newsletter) -> Subscription:
    """One-click subscription for a member. A confirmed address is subscribed at once; an
    unconfirmed one gets the confirmation email, like a visitor's."""
    if not user.is_verified:
        return subscription_request(newsletter=newsletter, email=user.email)
    email = user.email.strip().lower()
    now = timezone.now()
    subscription, _ = Subscription.objects.select_for_update().get_or_create(
        newsletter=newsletter, email=email, defaults={"requested_at": now, "created_at": now}
    )
    subscription.user = user
    if subscription.status != Subscription.Status.ACTIVE:
        subscription.status = Subscription.Status.ACTIVE
        subscription.confirmed_at = now
        subscription.unsubscribed_at = None
    subscription.save(update_fields=["user", "status", "confirmed_at", "unsubscribed_at"])
    return subscription


@dataclass(frozen=True)
class UnsubscribeTarget:
    kind: Literal["newsletter", "digest"]
    name: str
    already: bool  # nothing left to do: it was already unsubscribed


def _unsubscribe_parse(token: str) -> tuple[str, int]:
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("invalid")
    try:
        kind, pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token).split(".", 1)
        if kind not in {"s", "d"}:
            raise ValueError(kind)
        return kind, int(pk)
    except (signing.BadSignature, ValueError) as exc:
        raise InvalidToken("invalid") from exc


def unsubscribe_describe(*, token: str) -> UnsubscribeTarget:
    """What an unsubscribe link would stop, for its confirmation page. Raises InvalidToken."""
    kind, pk = _unsubscribe_parse(token)
    if kind == "s":
        subscription = Subscription.objects.select_related("newsletter").filter(pk=pk).first()
        if subscription is None:
            raise InvalidToken("invalid")
        return UnsubscribeTarget(
            "newsletter",
            subscription.newsletter.name,
            subscription.status == Subscription.Status.UNSUBSCRIBED,
        )
    preference = DigestPreference.objects.filter(user_id=pk).first()
    if preference is None:
        raise InvalidToken("invalid")
    return UnsubscribeTarget(
        "digest",
        f"your {settings.SITE_NAME} digest",
        preference.frequency == DigestPreference.Frequency.OFF,
    )


@transaction.atomic
def unsubscribe(*, token: str) -> UnsubscribeTarget:
    """Stop what an unsubscribe link names, at once: the subscription becomes "unsubscribed", or
    the digest is turned off. Idempotent: a second use changes nothing and reports `already`.
    Raises InvalidToken for a forged or truncated link, or one whose subscriber is gone."""
    target = unsubscribe_describe(token=token)
    if target.already:
        return target
    kind, pk = _unsubscribe_parse(token)
    now = timezone.now()
    if kind == "s":
        Subscription.objects.filter(pk=pk).exclude(status=Subscription.Status.UNSUBSCRIBED).update(
            status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=now
        )
    else:
        DigestPreference.objects.filter(user_id=pk).update(
            frequency=DigestPreference.Frequency.OFF, next_due_at=None, updated_at=now
        )
    return target


@transaction.atomic
def subscription_cancel(*, user: User, subscription_id: int) -> bool:
    """A member unsubscribes from the settings page. False when it was not theirs or not on."""
    updated = (
        Subscription.objects.filter(pk=subscription_id)
        .filter(user=user)
        .exclude(status=Subscription.Status.UNSUBSCRIBED)
        .update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    )
    return updated == 1


# --- Personal digests --------------------------------------------------------------------------


@transaction.atomic
def digest_preference_update(
    *,
    user: User,
    frequency: str,
    weekday: int,
    hour: int,
    timezone_name: str,
    tags: list[Tag] | None = None,
    channels: list[Channel] | None = None,
) -> DigestPreference:
    """Save a member's digest choice and, when given, exactly which tags and channels they
    follow. The next digest is due at the next `hour` (on `weekday` for weekly) in their time
    zone; the digest covers posts since the previous one. Raises ValidationError."""
    if frequency not in DigestPreference.Frequency.values:
        raise ValidationError("Choose off, daily or weekly.")
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ValidationError("Choose a weekday and an hour.")
    preference, _ = DigestPreference.objects.select_for_update().get_or_create(user=user)
    preference.frequency = frequency
    preference.weekday = weekday
    preference.hour = hour
    preference.timezone = timezone_name
    preference.full_clean(exclude=["user", "next_due_at"])
    now = timezone.now()
    preference.next_due_at = (
        None
        if frequency == DigestPreference.Frequency.OFF
        else next_slot(cadence=frequency, weekday=weekday, hour=hour, tz=timezone_name, after=now)
    )
    preference.updated_at = now
    preference.save()
    follows = Follow.objects.filter(user=user).select_related("tag", "channel")
    if tags is not None:
        followed_tags = {follow.tag for follow in follows if follow.tag is not None}
        for tag in set(tags) - followed_tags:
            follow_add(user=user, target=tag)
        for tag in followed_tags - set(tags):
            follow_remove(user=user, target=tag)
    if channels is not None:
        followed = {follow.channel for follow in follows if follow.channel is not None}
        for channel in set(channels) - followed:
            follow_add(user=user, target=channel)
        for channel in followed - set(channels):
            follow_remove(user=user, target=channel)
    return preference
