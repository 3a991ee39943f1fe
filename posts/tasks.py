"""Background work for posts (Celery). Tasks take ids, re-read their rows and are safe to repeat."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.app.task import Task
from django.conf import settings

from posts.models import Post
from posts.previews import PreviewNetworkError, PreviewRefused, fetch_preview
from posts.services.cards import post_card_generate
from posts.services.previews import post_preview_store

logger = logging.getLogger(__name__)

PREVIEW_MAX_RETRIES = 3


def _backoff(retries: int) -> int:
    """Seconds before retry number `retries + 1`: 1, 2, 4 minutes, with some jitter."""
    return 60 * 2**retries + random.randint(0, 30)  # noqa: S311 - jitter, not security


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=PREVIEW_MAX_RETRIES,
    soft_time_limit=30,
    time_limit=45,
)
def post_fetch_preview(self: Task, post_id: int) -> str:
    """Fetch the linked page of post `post_id` and store its title, description, site name and
    image URL on the post. Returns what happened: stored, skipped, refused or failed.

    Returns early when the post is gone, removed, not a link or already has a preview, so a
    repeated delivery is harmless. Every SSRF rule of `posts.previews.fetch_preview` applies;
    a refused URL stores nothing and is not retried. Timeouts and network errors are retried
    with exponential backoff (not when running eagerly: there is no queue to come back to).
    """
    post = Post.objects.filter(pk=post_id).only("id", "url", "status", "preview_fetched_at").first()
    if (
        post is None
        or not post.url
        or post.status != Post.Status.PUBLISHED
        or post.preview_fetched_at is not None
    ):
        return "skipped"
    try:
        preview = fetch_preview(
            post.url,
            allow_loopback=settings.LINK_PREVIEW_ALLOW_LOOPBACK,
            timeout=settings.LINK_PREVIEW_TIMEOUT_SECONDS,
        )
    except PreviewNetworkError as exc:
        if self.request.is_eager:
            logger.info("link preview for post %s failed: %s", post_id, exc.reason)
            return "failed"
        logger.info("link preview for post %s failed, will retry: %s", post_id, exc.reason)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except PreviewRefused as exc:
        logger.info("link preview for post %s refused: %s", post_id, exc.reason)
        return "refused"
    stored = post_preview_store(post_id=post.pk, url=post.url, preview=preview)
    return "stored" if stored else "skipped"


@shared_task(acks_late=True, soft_time_limit=20, time_limit=30)
def post_render_card(post_id: int) -> str:
    """Draw and store the social card of post `post_id`'s current version (posts.services.cards).
    Returns stored, exists or skipped; a card already drawn is not drawn again, so a repeated
    delivery is harmless."""
    return post_card_generate(post_id=post_id)
