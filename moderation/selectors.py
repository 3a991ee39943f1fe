"""Reads for trust and moderation: a member's standing, their flags, the moderators' queue and
the public log (docs/moderation.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.pagination import KeysetPage, Ordering, keyset_paginate
from discussion.models import Comment
from moderation.models import Flag, ModerationAction, Suggestion
from posts.models import Post


def account_is_new(*, user: User, now: datetime | None = None) -> bool:
    """True for an account younger than MODERATION_NEW_ACCOUNT_DAYS: marked "new" beside its
    name for moderators and on its profile."""
    now = now or timezone.now()
    return user.date_joined > now - timedelta(days=settings.MODERATION_NEW_ACCOUNT_DAYS)


@dataclass(frozen=True)
class MemberStanding:
    """What a profile says about a member's contributions."""

    karma: int
    post_count: int
    comment_count: int
    joined_at: datetime
    is_new: bool


def member_standing(*, user: User) -> MemberStanding:
    """Karma (stored), published posts and comments (two counts on the author indexes) and
    whether the account is new."""
    return MemberStanding(
        karma=user.karma,
        post_count=Post.objects.filter(author=user, status=Post.Status.PUBLISHED).count(),
        comment_count=Comment.objects.filter(author=user, status=Comment.Status.PUBLISHED).count(),
        joined_at=user.date_joined,
        is_new=account_is_new(user=user),
    )


def flag_of(*, user: User, post: Post | None = None, comment: Comment | None = None) -> Flag | None:
    """`user`'s flag on the post or the comment, open or dismissed, or None."""
    if post is not None:
        return Flag.objects.filter(user=user, post=post).first()
    return Flag.objects.filter(user=user, comment=comment).first()


def can_flag(*, user: User) -> bool:
    """Whether the member's standing lets them flag at all (the services check the rest)."""
    return user.is_verified and user.karma >= settings.MODERATION_FLAG_MIN_KARMA


@dataclass(frozen=True)
class QueueItem:
    """A flagged post or comment in the queue, with its open flags counted by reason."""

    item: Post | Comment
    reasons: list[tuple[str, int]]
    author_is_new: bool

    @property
    def post(self) -> Post:
        return self.item if isinstance(self.item, Post) else self.item.post


@dataclass(frozen=True)
class ModerationQueue:
    """What /mod/ shows: flagged posts and comments, new accounts' posts, recent removals and
    the members suspended now."""

    posts: list[QueueItem]
    comments: list[QueueItem]
    new_accounts_posts: list[Post]
    removed_posts: list[Post]
    removed_comments: list[Comment]
    suspended: list[User]


def _reasons(field: str, ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """The open flags of the items, counted by reason, most common first: one query."""
    rows = (
        Flag.objects.filter(**{f"{field}__in": ids}, dismissed_at__isnull=True)
        .values(field, "reason")
        .annotate(n=Count("id"))
        .order_by(field, "-n", "reason")
    )
    labels = dict(Flag.Reason.choices)
    counted: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        counted.setdefault(row[field], []).append((str(labels[row["reason"]]), row["n"]))
    return counted


def moderation_queue(*, limit: int = 50) -> ModerationQueue:
    """The moderators' queue. Flagged posts (or held ones) and comments, most flagged first,
    each with its reasons; the latest posts of accounts younger than MODERATION_NEW_ACCOUNT_DAYS;
    the latest removals by moderators, to restore; suspended members. A fixed number of queries
    whatever its size."""
    now = timezone.now()
    new_since = now - timedelta(days=settings.MODERATION_NEW_ACCOUNT_DAYS)
    posts = list(
        Post.objects.filter(Q(flag_count__gt=0) | Q(held=True), status=Post.Status.PUBLISHED)
        .select_related("author")
        .defer("search_vector", "body", "body_html", "quote", "quote_html")
        .order_by("-flag_count", "-id")[:limit]
    )
    comments = list(
        Comment.objects.filter(flag_count__gt=0, status=Comment.Status.PUBLISHED)
        .select_related("author", "post")
        .only("short_id", "body_html", "flag_count", "score", "created_at", "author", "post")
        .order_by("-flag_count", "-id")[:limit]
    )
    post_reasons = _reasons("post", [post.pk for post in posts])
    comment_reasons = _reasons("comment", [comment.pk for comment in comments])

    def is_new(user: User | None) -> bool:
        return user is not None and user.date_joined > new_since

    return ModerationQueue(
        posts=[QueueItem(p, post_reasons.get(p.pk, []), is_new(p.author)) for p in posts],
        comments=[QueueItem(c, comment_reasons.get(c.pk, []), is_new(c.author)) for c in comments],
        new_accounts_posts=list(
            Post.objects.filter(status=Post.Status.PUBLISHED, author__date_joined__gt=new_since)
            .select_related("author")
            .defer("search_vector", "body", "body_html", "quote", "quote_html")
            .order_by("-published_at", "-id")[:limit]
        ),
        removed_posts=list(
            Post.objects.filter(status=Post.Status.REMOVED, removed_by__is_staff=True)
            .exclude(removed_by=F("author"))
            .select_related("author", "removed_by")
            .defer("search_vector", "body", "body_html", "quote", "quote_html")
            .order_by("-updated_at", "-id")[:20]
        ),
        removed_comments=list(
            Comment.objects.filter(status=Comment.Status.REMOVED)
            .select_related("author", "post", "removed_by")
            .order_by("-id")[:20]
        ),
        suspended=list(
            User.objects.filter(banned_until__gt=now).order_by("banned_until", "username")[:limit]
        ),
    )


def member_get_for_moderation(*, username: str) -> User:
    """The member a moderator acts on, or Http404."""
    try:
        return User.objects.get_by_natural_key(username)
    except User.DoesNotExist:
        raise Http404("No such member.") from None


LOG_ORDER = Ordering("created_at", datetime)


def moderation_log(
    *, after: str | None = None, page_size: int = 25
) -> KeysetPage[ModerationAction]:
    """One page of the public moderation log, newest first, with the moderator, the item and the
    member each entry is about: one query. Raises InvalidCursor for a forged cursor."""
    rows = ModerationAction.objects.select_related(
        "moderator", "post", "comment", "comment__post", "member"
    ).only(
        "kind",
        "reason",
        "details",
        "created_at",
        "moderator__username",
        "post__short_id",
        "post__slug",
        "post__title",
        "post__status",
        "comment__short_id",
        "comment__post__short_id",
        "comment__post__slug",
        "comment__post__title",
        "member__username",
    )
    return keyset_paginate(rows, ordering=LOG_ORDER, after=after, page_size=page_size)


@dataclass(frozen=True)
class PendingSuggestion:
    """A title or a set of tags members suggest for a post, and how many of them."""

    kind: str
    value: str
    count: int


def suggestions_pending(*, post: Post) -> list[PendingSuggestion]:
    """What members suggest for `post`, most backed first: one query."""
    rows = (
        Suggestion.objects.filter(post=post)
        .values("kind", "value")
        .annotate(n=Count("id"))
        .order_by("kind", "-n", "value")
    )
    return [PendingSuggestion(row["kind"], row["value"], row["n"]) for row in rows]


def suggestions_of(*, user: User, post: Post) -> dict[str, str]:
    """`user`'s own suggestions for `post`, by kind."""
    return dict(Suggestion.objects.filter(user=user, post=post).values_list("kind", "value"))


def can_suggest(*, user: User) -> bool:
    """Whether the member's standing lets them suggest edits (the service checks the rest)."""
    return user.is_verified and user.karma >= settings.MODERATION_SUGGEST_MIN_KARMA


def merge_candidates(*, post: Post, limit: int = 5) -> list[Post]:
    """Stories a moderator may want to merge `post` into: other published posts of the same
    link, newest first."""
    if not post.normalized_url:
        return []
    return list(
        Post.objects.filter(normalized_url=post.normalized_url, status=Post.Status.PUBLISHED)
        .exclude(pk=post.pk)
        .select_related("author")
        .only("short_id", "slug", "title", "published_at", "score", "author__username")
        .order_by("-published_at", "-id")[:limit]
    )
