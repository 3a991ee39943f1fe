"""A reader's own lists: posts saved for later and posts hidden from their feeds."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from posts.models import HiddenPost, Post, SavedPost
from posts.services.errors import PostActionNotAllowed


def _require_published(post: Post) -> None:
    if post.status != Post.Status.PUBLISHED:
        raise PostActionNotAllowed("This post is no longer available.")


@transaction.atomic
def saved_post_add(*, user: User, post: Post) -> bool:
    """Save `post` to `user`'s list. Returns False if it was already saved (nothing changes)."""
    _require_published(post)
    try:
        with transaction.atomic():
            SavedPost.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def saved_post_remove(*, user: User, post: Post) -> bool:
    """Take `post` off `user`'s saved list. Returns False if it was not on it."""
    deleted, _ = SavedPost.objects.filter(user=user, post=post).delete()
    return bool(deleted)


@transaction.atomic
def hidden_post_add(*, user: User, post: Post) -> bool:
    """Hide `post` from every feed `user` sees. Returns False if it was already hidden."""
    _require_published(post)
    try:
        with transaction.atomic():
            HiddenPost.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def hidden_post_remove(*, user: User, post: Post) -> bool:
    """Show `post` in `user`'s feeds again. Returns False if it was not hidden."""
    deleted, _ = HiddenPost.objects.filter(user=user, post=post).delete()
    return bool(deleted)
