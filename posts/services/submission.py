"""Submitting, editing, deleting and removing posts.

The rules a post must pass live in posts/services/rules.py; every refusal is a `PostRejected`
(or PermissionDenied for someone else's post), which the HTML form and the REST API both turn
into field errors.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.cache import cache_call
from core.text import duration_text, text_problem
from posts.models import REMOVED_REASON_MAX_LENGTH, Post
from posts.services.content import PostContent
from posts.services.core import (
    post_children_replace,
    post_create,
    post_derive_fields,
)
from posts.services.errors import PostRejected
from posts.services.rules import (
    check_author,
    check_duplicate,
    check_rate_limits,
    validate_content,
)
from posts.services.search import post_search_index
from posts.services.voting import submitter_vote_cast
from posts.signals import post_removed
from posts.tasks import post_fetch_preview, post_render_card

CARD_REQUEST_SECONDS = 600


def post_preview_enqueue(*, post: Post) -> None:
    """Queue `posts.tasks.post_fetch_preview` for `post` once the current transaction commits.

    `robust`: the post is saved either way, so a broker that is down (or a failing eager run)
    is logged and never turns the user's submission into an error page.
    """
    transaction.on_commit(functools.partial(post_fetch_preview.delay, post.pk), robust=True)


def post_card_enqueue(*, post: Post) -> None:
    """Queue `posts.tasks.post_render_card` for `post` once the current transaction commits
    (at once outside one), so the card of the version just saved gets drawn.

    `robust`, like the preview: a broker that is down is logged, and the post page names the
    site-wide card until the card exists (posts/services/cards.py).
    """
    transaction.on_commit(functools.partial(post_render_card.delay, post.pk), robust=True)


def post_card_request(*, post: Post, version: str) -> None:
    """Queue drawing the missing card `version` of `post` (a post from before cards, a channel
    renamed since, a lost message), at most once every CARD_REQUEST_SECONDS per version: the
    first readers get the site-wide card meanwhile. While the cache is down, nothing is queued
    (a crawler must not turn a Redis outage into a flood of tasks)."""
    key = f"post-card-queued:{post.short_id}:{version}"
    if cache_call("card request", lambda: cache.add(key, 1, CARD_REQUEST_SECONDS), False):
        post_card_enqueue(post=post)


@transaction.atomic
def post_submit(*, author: User, content: PostContent) -> Post:
    """Publish a user's link (or text post when the content has no URL) and queue its link
    preview and its social card.

    Refuses with `PostRejected`, saving nothing, when: the author's email is not verified; the
    author is over a rate limit (a new account's one post per interval, everyone's daily cap);
    any content rule is broken (title length, a valid http(s) URL or a body, a one-line lead of
    at most 280 characters, a quote with its source, 1-5 tags, the author belongs to the
    channel, TL;DR/key number/timeline/key entity limits); the same link, normalized, was
    published within POST_DUPLICATE_WINDOW_DAYS. An older post of the link does not block. A
    link to a localhost name or a loopback, private or link-local address is refused too.

    The post starts with its submitter's own upvote (score 1), as on Hacker News and Lobsters.
    """
    check_author(author)
    # Lock the author's row: their concurrent submissions queue up behind the rate-limit count.
    User.objects.select_for_update().filter(pk=author.pk).first()
    check_rate_limits(author=author, now=timezone.now())
    validate_content(author=author, content=content)
    if content.url:
        check_duplicate(normalized_url=content.normalized_url)
    post = post_create(author=author, content=content)
    submitter_vote_cast(post=post)
    if post.url:
        post_preview_enqueue(post=post)
    post_card_enqueue(post=post)
    return post


def _check_editable(*, post: Post, editor: User) -> None:
    if post.is_editable_by(editor):
        return
    if not post.is_authored_by(editor):
        raise PermissionDenied("You can only edit your own posts.")
    if post.is_removed:
        raise PermissionDenied("This post was removed and can no longer be edited.")
    window = duration_text(settings.POST_EDIT_WINDOW_SECONDS)
    raise PermissionDenied(f"Posts can be edited for {window} after posting; that time is up.")


@transaction.atomic
def post_update(*, post: Post, editor: User, content: PostContent) -> Post:
    """Replace the content of `editor`'s own post within the edit window.

    Raises PermissionDenied when `editor` is not the author, the post was removed or the window
    (POST_EDIT_WINDOW_SECONDS after publication) has closed, and `PostRejected` for the same
    content and duplicate rules as `post_submit` (the post itself does not count as a duplicate).
    Score, votes and the short id stay; a changed link gets a fresh preview; the search document
    is rewritten; the social card of the new version is queued.
    """
    # Re-read under a lock: votes may have changed the score since the caller loaded the post.
    post = Post.objects.select_for_update().get(pk=post.pk)
    _check_editable(post=post, editor=editor)
    validate_content(author=editor, content=content)
    url_changed = content.url != post.url
    if content.url and url_changed:
        check_duplicate(normalized_url=content.normalized_url, exclude=post)
    post.url = content.url
    post.title = content.title
    post.channel = content.channel
    post.lead = content.lead
    post.tldr = list(content.tldr)
    post.body = content.body
    post.quote = content.quote
    post.quote_source = content.quote_source
    post.quote_url = content.quote_url
    update_fields = [
        "url",
        "title",
        "channel",
        "lead",
        "tldr",
        "body",
        "slug",
        "kind",
        "normalized_url",
        "domain",
        "body_html",
        "quote",
        "quote_html",
        "quote_source",
        "quote_url",
        "hotness",
        "updated_at",
    ]
    if url_changed:
        post.preview_title = post.preview_description = post.preview_site_name = ""
        post.preview_image_url = ""
        post.preview_fetched_at = None
        update_fields += [
            "preview_title",
            "preview_description",
            "preview_site_name",
            "preview_image_url",
            "preview_fetched_at",
        ]
    post_derive_fields(post=post, content=content)
    post.save(update_fields=update_fields)
    post.tags.set(list(content.tags))
    post_children_replace(
        post=post,
        key_facts=content.key_facts,
        timeline=content.timeline,
        entities=content.entities,
    )
    post_search_index(post=post)
    if url_changed and post.url:
        post_preview_enqueue(post=post)
    post_card_enqueue(post=post)
    return post


@transaction.atomic
def post_delete(*, post: Post, user: User) -> None:
    """Delete `user`'s own post: it leaves every feed and its page says the author deleted it.

    The row stays (status removed), so votes, saves and links to it keep working. Raises
    PermissionDenied for someone else's post or a post already removed.
    """
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not post.is_deletable_by(user):
        raise PermissionDenied(
            "This post was already removed."
            if post.is_removed
            else "A moderator merged this post into another story."
            if post.is_merged
            else "You can only delete your own posts."
        )
    post.status = Post.Status.REMOVED
    post.removed_by = user
    post.removed_reason = ""
    post.save(update_fields=["status", "removed_by", "removed_reason", "updated_at"])


@transaction.atomic
def post_remove(*, post: Post, moderator: User, reason: str) -> None:
    """A staff member removes any post, recording who did it and why (shown on the post page).

    Raises PermissionDenied unless `moderator` is staff and the post is not removed yet, and
    `PostRejected` (field `reason`) without a reason of 1 to 300 characters on one line.
    """
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not post.is_removable_by(moderator):
        is_staff = getattr(moderator, "is_staff", False)
        raise PermissionDenied(
            "This post was already removed."
            if post.is_removed and is_staff
            else "This post was merged into another story."
            if post.is_merged and is_staff
            else "Only moderators can remove posts."
        )
    reason = reason.strip()
    if not reason or len(reason) > REMOVED_REASON_MAX_LENGTH:
        raise PostRejected(
            {"reason": [f"Give a reason of 1 to {REMOVED_REASON_MAX_LENGTH} characters."]}
        )
    if problem := text_problem(reason):
        raise PostRejected({"reason": [problem]})
    post.status = Post.Status.REMOVED
    post.removed_by = moderator
    post.removed_reason = reason
    post.save(update_fields=["status", "removed_by", "removed_reason", "updated_at"])
    post_removed.send(sender=Post, post=post, moderator=moderator, reason=reason)
