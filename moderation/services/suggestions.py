"""Suggested edits: members with enough karma suggest a better title or tags for someone else's
post; when MODERATION_SUGGESTION_QUORUM of them suggest the same, it is applied and logged in the
public moderation log (docs/moderation.md#suggested-edits)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from accounts.models import User
from core.text import text_problem
from moderation.models import ModerationAction, Suggestion
from moderation.services.errors import SuggestionRejected
from posts.models import TAGS_MAX, TAGS_MIN, TITLE_MAX_LENGTH, TITLE_MIN_LENGTH, Post, Tag
from posts.services.errors import PostRejected
from posts.services.moderation import post_lock, post_title_tags_set

Kind = Suggestion.Kind


def tags_key(tags: Sequence[Tag]) -> str:
    """The tags as one comparable string: their slugs in alphabetical order, space-separated."""
    return " ".join(sorted({tag.slug for tag in tags}))


def _check_member(user: User, post: Post) -> None:
    if user.is_suspended:
        raise SuggestionRejected(user.suspension_notice)
    if not user.is_active or not user.is_verified:
        raise SuggestionRejected("Verify your email address before suggesting edits.")
    needed = settings.MODERATION_SUGGEST_MIN_KARMA
    if user.karma < needed:
        raise SuggestionRejected(
            f"Suggesting edits opens at {needed} karma; you have {user.karma}."
        )
    if post.author_id == user.pk:
        raise SuggestionRejected("This is your post: edit it yourself.")


def _clean(title: str, tags: Sequence[Tag]) -> tuple[str, str]:
    title = " ".join(title.split())
    if problem := text_problem(title):
        raise SuggestionRejected(problem, field="title")
    if not TITLE_MIN_LENGTH <= len(title) <= TITLE_MAX_LENGTH:
        raise SuggestionRejected(
            f"Use {TITLE_MIN_LENGTH} to {TITLE_MAX_LENGTH} characters.", field="title"
        )
    key = tags_key(tags)
    if not TAGS_MIN <= len(key.split()) <= TAGS_MAX:
        raise SuggestionRejected(f"Choose {TAGS_MIN} to {TAGS_MAX} tags.", field="tags")
    return title, key


@transaction.atomic
def post_suggest(*, user: User, post: Post, title: str, tags: Sequence[Tag]) -> list[str]:
    """Record `user`'s suggested title and tags for `post` (one of each per member; a new one
    replaces theirs, and suggesting what the post already says withdraws it). Returns the kinds
    ("title", "tags") that reached MODERATION_SUGGESTION_QUORUM and were applied.

    Refused (SuggestionRejected) for an unverified or suspended member, one with less than
    MODERATION_SUGGEST_MIN_KARMA karma, the post's own author, a post that is not published,
    and a title or tags the posting rules refuse. Under the post's row lock, so the quorum is
    counted once even when its last members suggest at the same moment.
    """
    _check_member(user, post)
    title, key = _clean(title, tags)
    locked = post_lock(post_id=post.pk)
    if not locked.is_published:
        raise SuggestionRejected("This post is not open for suggestions.")
    current = {Kind.TITLE: locked.title, Kind.TAGS: tags_key(list(locked.tags.all()))}
    suggested = {Kind.TITLE: title, Kind.TAGS: key}
    applied: list[str] = []
    for kind, value in suggested.items():
        if value == current[kind]:
            Suggestion.objects.filter(user=user, post=locked, kind=kind).delete()
            continue
        Suggestion.objects.update_or_create(
            user=user, post=locked, kind=kind, defaults={"value": value}
        )
        backers = list(
            Suggestion.objects.filter(post=locked, kind=kind, value=value)
            .select_related("user")
            .order_by("created_at", "id")
        )
        if len(backers) >= settings.MODERATION_SUGGESTION_QUORUM:
            _apply(post=locked, kind=kind, value=value, backers=[s.user for s in backers])
            applied.append(kind)
    return applied


def _apply(*, post: Post, kind: str, value: str, backers: list[User]) -> None:
    """Apply the suggestion the quorum agreed on, log it, and clear that kind's suggestions."""
    if kind == Kind.TITLE:
        title, tags = value, list(post.tags.all())
    else:
        title, tags = post.title, list(Tag.objects.filter(slug__in=value.split()))
    try:
        edit = post_title_tags_set(post=post, title=title, tags=tags)
    except PostRejected as exc:  # a tag deleted meanwhile: leave it to a moderator
        raise SuggestionRejected(exc.message) from None
    if edit.old_title != edit.new_title:
        details = f"title: “{edit.old_title}” → “{edit.new_title}”"
    else:
        details = f"tags: {' '.join(edit.old_tags)} → {' '.join(edit.new_tags)}"
    names = ", ".join(member.username for member in backers)
    ModerationAction.objects.create(
        moderator=None,
        kind=ModerationAction.Kind.POST_SUGGESTION_APPLIED,
        post=post,
        reason=f"Suggested by {names}"[:300],
        details=details[:1000],
    )
    Suggestion.objects.filter(post=post, kind=kind).delete()
