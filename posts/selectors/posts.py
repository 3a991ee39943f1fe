"""Single posts: the post page, the target of an action, the post to edit, and the checks a
submission runs against posts the site already has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from core.text import duration_text
from posts.models import KeyFact, Post, PostEntity
from posts.selectors.core import Viewer, _authenticated, _viewer_flags
from posts.urlnorm import normalize_url

# A post's key entities with their entity, in one query.
_ENTITY_ROWS = Prefetch("entity_rows", queryset=PostEntity.objects.select_related("entity"))


def post_get_for_page(*, short_id: str, viewer: Viewer) -> Post:
    """The post page's post with everything the page shows, or Http404.

    Its tags, key numbers, timeline and key entities are prefetched. Removed posts are returned
    (the page says they were removed); drafts only to their author.
    """
    qs = (
        Post.objects.select_related("author", "channel")
        .prefetch_related("tags", "key_facts", "timeline_events", _ENTITY_ROWS)
        .filter(short_id=short_id)
        .defer("search_vector")
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(**_viewer_flags(user))
    post = qs.first()
    if post is None:
        raise Http404("No such post.")
    if post.status == Post.Status.DRAFT and (user is None or post.author_id != user.pk):
        raise Http404("No such post.")
    return post


def post_get_for_card(*, short_id: str) -> tuple[Post, KeyFact | None]:
    """The post with this short id (channel and author loaded) and its first key number, for
    its social card; or Http404. Two queries."""
    post = (
        Post.objects.select_related("channel", "author")
        .only("id", "short_id", "title", "status", "channel__handle", "author__username")
        .filter(short_id=short_id)
        .first()
    )
    if post is None or post.status == Post.Status.DRAFT:
        raise Http404("No such post.")
    return post, KeyFact.objects.filter(post=post).order_by("order", "id").first()


def post_first_fact(*, post: Post) -> KeyFact | None:
    """The first key number of a post whose key numbers are prefetched (no query)."""
    return next(iter(post.key_facts.all()), None)


def post_get_published(*, short_id: str) -> Post:
    """The published post with this short id (the target of a vote, save or hide), or Http404."""
    post = Post.objects.filter(short_id=short_id, status=Post.Status.PUBLISHED).first()
    if post is None:
        raise Http404("No such post.")
    return post


PostAction = Literal["edit", "delete", "remove"]


def post_get_for_edit(*, user: Viewer, short_id: str, action: PostAction = "edit") -> Post:
    """The post `user` may edit (its author, within the edit window), delete (its author) or
    remove (staff), with tags, key facts and timeline loaded for the edit form.

    Raises Http404 when there is no such post (or it is someone else's draft) and
    PermissionDenied, with a message for the user, when the action is not theirs to take.
    """
    post = (
        Post.objects.select_related("author", "channel")
        .prefetch_related("tags", "key_facts", "timeline_events", _ENTITY_ROWS)
        .filter(short_id=short_id)
        .first()
    )
    if post is None or (post.status == Post.Status.DRAFT and not post.is_authored_by(user)):
        raise Http404("No such post.")
    if post.is_removed:
        raise PermissionDenied("This post was removed.")
    if action == "remove":
        if not post.is_removable_by(user):
            raise PermissionDenied("Only moderators can remove posts.")
    elif not post.is_authored_by(user):
        raise PermissionDenied(f"You can only {action} your own posts.")
    elif action == "edit" and not post.edit_window_open:
        window = duration_text(settings.POST_EDIT_WINDOW_SECONDS)
        raise PermissionDenied(f"Posts can be edited for {window} after posting; that time is up.")
    return post


@dataclass(frozen=True)
class DuplicateCheck:
    """What the site already has for a link: its latest published post, and whether that post
    is recent enough (within POST_DUPLICATE_WINDOW_DAYS) to refuse a new submission."""

    normalized_url: str
    existing: Post | None
    blocks: bool


def url_duplicate_check(*, url: str, exclude_short_id: str | None = None) -> DuplicateCheck:
    """Look `url` up by its normalized form. Raises ValueError, with a message for the user,
    when the URL is not an acceptable link. `exclude_short_id` leaves out the post being
    edited."""
    return duplicate_check(normalized_url=normalize_url(url), exclude_short_id=exclude_short_id)


def duplicate_check(*, normalized_url: str, exclude_short_id: str | None = None) -> DuplicateCheck:
    """What the site already has for a link already normalized (`posts.urlnorm`)."""
    normalized = normalized_url
    qs = Post.objects.filter(normalized_url=normalized, status=Post.Status.PUBLISHED)
    if exclude_short_id:
        qs = qs.exclude(short_id=exclude_short_id)
    existing = qs.order_by("-published_at", "-id").first()
    window = timedelta(days=settings.POST_DUPLICATE_WINDOW_DAYS)
    blocks = bool(
        existing
        and existing.published_at is not None
        and existing.published_at >= timezone.now() - window
    )
    return DuplicateCheck(normalized_url=normalized, existing=existing, blocks=blocks)


def post_earlier_submission(*, post: Post) -> Post | None:
    """The latest earlier published post of the same link ("previously posted"), or None."""
    if not post.normalized_url or post.published_at is None:
        return None
    return (
        Post.objects.filter(
            normalized_url=post.normalized_url,
            status=Post.Status.PUBLISHED,
            published_at__lt=post.published_at,
        )
        .exclude(pk=post.pk)
        .only("id", "short_id", "slug", "title", "published_at")
        .order_by("-published_at", "-id")
        .first()
    )
