"""Link previews: store what the linked page said (the task in posts/tasks.py fetches it;
posts/services/submission.py queues the task after a post is saved)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from posts.models import Post
from posts.previews import LinkPreview


@transaction.atomic
def post_preview_store(*, post_id: int, url: str, preview: LinkPreview) -> bool:
    """Store `preview`, fetched from `url`, on the post. Returns whether anything was written.

    Nothing is written when the post is gone, already has a preview, or no longer links to
    `url` (edited while the page was being fetched), so running it twice is harmless.
    """
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    if post is None or post.preview_fetched_at is not None or post.url != url:
        return False
    post.preview_title = preview.title
    post.preview_description = preview.description
    post.preview_site_name = preview.site_name
    post.preview_image_url = preview.image_url
    post.preview_fetched_at = timezone.now()
    post.save(
        update_fields=[
            "preview_title",
            "preview_description",
            "preview_site_name",
            "preview_image_url",
            "preview_fetched_at",
        ]
    )
    return True
