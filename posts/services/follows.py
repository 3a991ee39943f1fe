"""What a reader follows (tags, channels, people, key entities), the tags they hide, and the token
of their private "My feed" RSS/Atom address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from posts.models import Channel, Entity, FeedToken, Follow, HiddenTag, Tag

FollowTarget = Tag | Channel | User | Entity


class FollowNotAllowed(Exception):
    """The follow was refused (following yourself); the message can be shown as is."""


def follows_target_fields(target: FollowTarget) -> dict[str, Any]:
    """The Follow column that names `target`: {"tag": ...}, {"channel": ...},
    {"followed_user": ...} or {"entity": ...}."""
    if isinstance(target, Tag):
        return {"tag": target}
    if isinstance(target, Channel):
        return {"channel": target}
    if isinstance(target, User):
        return {"followed_user": target}
    if isinstance(target, Entity):
        return {"entity": target}
    raise TypeError(f"Cannot follow a {type(target).__name__}.")


@transaction.atomic
def follow_add(*, user: User, target: FollowTarget) -> bool:
    """`user` follows a tag, channel, user or key entity: its posts join their My feed and
    personal digest. Returns False when they already did (nothing changes). Raises
    FollowNotAllowed for following yourself."""
    fields = follows_target_fields(target)
    if isinstance(target, User) and target.pk == user.pk:
        raise FollowNotAllowed("You cannot follow yourself.")
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, **fields)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def follow_remove(*, user: User, target: FollowTarget) -> bool:
    """Stop following. Returns False when `user` did not follow `target`."""
    deleted, _ = Follow.objects.filter(user=user, **follows_target_fields(target)).delete()
    return bool(deleted)


@transaction.atomic
def hidden_tag_add(*, user: User, tag: Tag) -> bool:
    """Hide every post tagged `tag` from every list `user` reads (feeds, search, My feed, the
    API, their private feed). Returns False when the tag was already hidden."""
    try:
        with transaction.atomic():
            HiddenTag.objects.create(user=user, tag=tag)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def hidden_tag_remove(*, user: User, tag: Tag) -> bool:
    """Show `tag`'s posts to `user` again. Returns False when it was not hidden."""
    deleted, _ = HiddenTag.objects.filter(user=user, tag=tag).delete()
    return bool(deleted)


FEED_TOKEN_BYTES = 32


def feed_token_hash(raw: str) -> str:
    return FeedToken.hash_secret(raw)


@dataclass(frozen=True)
class IssuedFeedToken:
    token: FeedToken
    secret: str  # goes in the feed address; never stored, shown once


@transaction.atomic
def feed_token_reset(*, user: User) -> IssuedFeedToken:
    """Give `user` a new private-feed token, revoking the one they had (its address stops
    working at once). Only the SHA-256 hash of the new secret is stored."""
    # Lock the user's row so two resets at once cannot both leave an active token.
    User.objects.select_for_update().filter(pk=user.pk).first()
    FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    secret = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    token = FeedToken.objects.create(user=user, token_hash=feed_token_hash(secret))
    return IssuedFeedToken(token=token, secret=secret)


@transaction.atomic
def feed_token_revoke(*, user: User) -> bool:
    """Turn `user`'s private feed off. Returns False when there was no active token."""
    updated = FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)
