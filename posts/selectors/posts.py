"""Single posts: the post page, the target of an action, the post to edit, and the checks a
submission runs against posts the site already has."""

from __future__ import annotations

import re
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


def post_merge_target(*, post: Post) -> Post:
    """Where a merged post's page now lives: the story it was merged into (slug and short id
    only). One query."""
    if post.merged_into_id is None:
        raise Http404("This post was not merged.")
    return Post.objects.only("short_id", "slug").get(pk=post.merged_into_id)


def post_merged_from(*, post: Post) -> list[Post]:
    """The posts moderators merged into `post`, oldest first, with their submitters: its page
    lists them. No query when there are none (`merged_count`)."""
    if not post.merged_count:
        return []
    return list(
        Post.objects.filter(merged_into=post)
        .select_related("author")
        .defer("search_vector", "body", "body_html", "quote", "quote_html")
        .order_by("published_at", "id")
    )


_SHORT_ID = re.compile(r"(?P<short_id>[A-Za-z0-9]{1,10})")
_REFERENCE = re.compile(r"(?:^|/)p/(?P<short_id>[A-Za-z0-9]{1,10})(?:/|$)")


def post_find_by_reference(*, reference: str) -> Post | None:
    """The post a moderator means by `reference`: its short id, or an address of its page on
    this site (`/p/<short_id>/...`, with or without the scheme and host). None when there is no
    such post."""
    reference = reference.strip()
    match = _REFERENCE.search(reference) or _SHORT_ID.fullmatch(reference)
    if match is None:
        return None
    return Post.objects.filter(short_id=match["short_id"]).first()


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
    if post.is_merged:
        raise PermissionDenied("A moderator merged this post into another story.")
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
    qs = Post.objects.filter(
        normalized_url=normalized, status__in=[Post.Status.PUBLISHED, Post.Status.MERGED]
    ).select_related("merged_into")
    if exclude_short_id:
        qs = qs.exclude(short_id=exclude_short_id)
    found = qs.order_by("-published_at", "-id").first()
    window = timedelta(days=settings.POST_DUPLICATE_WINDOW_DAYS)
    blocks = bool(
        found and found.published_at is not None and found.published_at >= timezone.now() - window
    )
    # A merged post's link is the story's it went into (docs/moderation.md#merging): that story
    # is what the submitter is shown, within the window of the post that carried the link.
    existing = found.merged_into if found is not None and found.is_merged else found
    if existing is not None and existing.short_id == exclude_short_id:
        existing, blocks = None, False
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
