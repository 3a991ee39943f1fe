"""What moderation changes on a post: its flag count and the hotness that follows, the hold
that keeps it off the hot feed, restoring a removed post, and a moderator's edit of its title or
tags. The moderation app (above posts) calls these in the transaction of each flag or moderator
action; posts owns the rows (docs/moderation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from core.text import text_problem
from posts.models import (
    TAGS_MAX,
    TAGS_MIN,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    Post,
    SavedPost,
    Tag,
)
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


def posts_lock(*, post_ids: Sequence[int]) -> dict[int, Post]:
    """Several posts' rows, locked in the order of their ids (the order every caller that locks
    more than one post takes them in, so two merges never wait on each other in a circle)."""
    return {
        post.pk: post
        for post in Post.objects.select_for_update().filter(pk__in=post_ids).order_by("pk")
    }


@transaction.atomic
def post_merge(*, post: Post, into: Post) -> Post:
    """Merge the locked `post` into the locked `into`, a story on the same subject: `post`
    redirects there from now on, its score counts in `into`'s hotness (frozen: nobody votes on
    a merged post), posts merged into it earlier now point at `into`, and members who saved it
    have `into` saved. Its comments are the discussion's to move (the moderation service does
    both in one transaction). Returns `into` as stored.

    Raises PostActionNotAllowed when `post` is not published (another moderator merged or
    removed it first), and PostRejected (field `into`) for a target that cannot take it."""
    if post.pk == into.pk:
        raise PostRejected({"into": ["A post cannot be merged into itself."]})
    if not post.is_published:
        raise PostActionNotAllowed(
            "This post was already merged into another story."
            if post.is_merged
            else "This post is not published any more; only published posts are merged."
        )
    if not into.is_published:
        raise PostRejected({"into": ["That story is not published; merge into a published one."]})
    moved = post.score + post.merged_score
    Post.objects.filter(merged_into=post).update(merged_into=into)
    into.merged_score += moved
    into.merged_count += post.merged_count + 1
    into.hotness = _hotness(into)
    Post.objects.filter(pk=into.pk).update(
        merged_score=into.merged_score, merged_count=into.merged_count, hotness=into.hotness
    )
    post.status = Post.Status.MERGED
    post.merged_into = into
    post.merged_score = post.merged_count = 0
    post.flag_count, post.held = 0, False
    post.save(
        update_fields=[
            "status",
            "merged_into",
            "merged_score",
            "merged_count",
            "flag_count",
            "held",
            "updated_at",
        ]
    )
    saved_already = SavedPost.objects.filter(post=into).values("user_id")
    SavedPost.objects.filter(post=post).exclude(user_id__in=saved_already).update(post=into)
    return into


def _hotness(post: Post) -> float:
    return hotness(
        score=post.score,
        published_at=post.published_at,
        comment_points=post.comment_points,
        flags=post.flag_count,
        merged=post.merged_score,
    )
