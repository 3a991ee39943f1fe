"""What moderation changes on a post: its flag count and the hotness that follows, the hold
that keeps it off the hot feed, restoring a removed post, and a moderator's edit of its title or
tags. The moderation app (above posts) calls these in the transaction of each flag or moderator
action; posts owns the rows (docs/moderation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from core.text import text_problem
from posts.models import TAGS_MAX, TAGS_MIN, TITLE_MAX_LENGTH, TITLE_MIN_LENGTH, Post, Tag
from posts.ranking import hotness
from posts.services.core import post_slug
from posts.services.errors import PostActionNotAllowed, PostRejected
from posts.services.search import post_search_index


@dataclass(frozen=True)
class PostEdit:
    """A moderator's edit of a post's title and tags: what they were and what they became."""

    old_title: str
    new_title: str
    old_tags: tuple[str, ...]
    new_tags: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return (self.old_title, self.old_tags) != (self.new_title, self.new_tags)


def post_lock(*, post_id: int) -> Post:
    """The post's row, locked until the caller's transaction ends. Flags and moderator actions
    take it before writing anything that points at the post, so two of them on one post queue
    up instead of deadlocking, and each sees what the other did."""
    return Post.objects.select_for_update().get(pk=post_id)


def post_flags_store(*, post: Post, delta: int, hold_at: int) -> Post:
    """Add `delta` to the locked `post`'s open flags, store the hotness that follows (each flag
    a point against, posts/ranking.py) and hold the post off the hot feed once a new flag brings
    the count to `hold_at`, in one UPDATE. The caller holds the row lock (`post_lock`)."""
    post.flag_count = max(0, post.flag_count + delta)
    post.held = post.held or (delta > 0 and post.flag_count >= hold_at)
    post.hotness = _hotness(post)
    Post.objects.filter(pk=post.pk).update(
        flag_count=post.flag_count, held=post.held, hotness=post.hotness
    )
    return post


@transaction.atomic
def post_flags_clear(*, post: Post) -> Post:
    """A moderator decided the open flags on the locked `post` need nothing more: they stop
    counting against its hotness and the hold ends. Raises PostActionNotAllowed when there is
    nothing to dismiss (another moderator just did)."""
    if not post.flag_count and not post.held:
        raise PostActionNotAllowed("There are no open flags on this post; nothing to dismiss.")
    post.flag_count, post.held = 0, False
    post.hotness = _hotness(post)
    Post.objects.filter(pk=post.pk).update(flag_count=0, held=False, hotness=post.hotness)
    return post


@transaction.atomic
def post_restore(*, post: Post) -> Post:
    """Publish the locked `post` again after a moderator's removal, with no hold. Raises
    PostActionNotAllowed for a post that is not removed (another moderator restored it) or that
    its author deleted (theirs to take back, not a moderator's)."""
    if not post.is_removed:
        raise PostActionNotAllowed("This post is not removed; nothing to restore.")
    if post.was_deleted_by_author:
        raise PostActionNotAllowed("Its author deleted this post; only removals are restored.")
    post.status = Post.Status.PUBLISHED
    post.removed_by = None
    post.removed_reason = ""
    post.held = False
    post.save(update_fields=["status", "removed_by", "removed_reason", "held", "updated_at"])
    return post


@transaction.atomic
def post_title_tags_set(*, post: Post, title: str, tags: Sequence[Tag]) -> PostEdit:
    """Give the locked `post` a moderator's title and tags (its slug and search document
    follow). Raises PostRejected (fields `title`, `tags`) with the posting rules' limits."""
    title = title.strip()
    errors: dict[str, list[str]] = {}
    if problem := text_problem(title):
        errors["title"] = [problem]
    elif not TITLE_MIN_LENGTH <= len(title) <= TITLE_MAX_LENGTH:
        errors["title"] = [f"Use {TITLE_MIN_LENGTH} to {TITLE_MAX_LENGTH} characters."]
    unique_tags = list(dict.fromkeys(tags))
    if not TAGS_MIN <= len(unique_tags) <= TAGS_MAX:
        errors["tags"] = [f"Choose {TAGS_MIN} to {TAGS_MAX} tags."]
    if errors:
        raise PostRejected(errors)
    old_tags = tuple(sorted(post.tags.values_list("slug", flat=True)))
    edit = PostEdit(
        old_title=post.title,
        new_title=title,
        old_tags=old_tags,
        new_tags=tuple(sorted(tag.slug for tag in unique_tags)),
    )
    if not edit.changed:
        return edit
    post.title = title
    post.slug = post_slug(title)
    post.save(update_fields=["title", "slug", "updated_at"])
    post.tags.set(unique_tags)
    post_search_index(post=post)
    return edit


def _hotness(post: Post) -> float:
    return hotness(
        score=post.score,
        published_at=post.published_at,
        comment_points=post.comment_points,
        flags=post.flag_count,
    )
