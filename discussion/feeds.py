"""RSS and Atom feeds of comments: everywhere, one post's, one member's (XML-safe, as every feed
of the site: core/feeds.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from accounts.models import User
from core.feeds import XmlSafeFeed
from discussion.models import Comment
from discussion.selectors import comments_by_user, comments_of_post_latest, comments_recent
from posts.models import Post
from posts.selectors.directory import user_get_public
from posts.selectors.posts import post_get_published

FEED_LENGTH = 30


class CommentFeed(XmlSafeFeed):
    """/feeds/comments.rss: the newest comments everywhere."""

    feed_type: type[Rss201rev2Feed] = Rss201rev2Feed

    def title(self, obj: Any = None) -> str:
        return f"{settings.SITE_NAME}: newest comments"

    def link(self, obj: Any = None) -> str:
        return reverse("discussion:comments")

    def description(self, obj: Any = None) -> str:
        return f"The newest comments on {settings.SITE_NAME}."

    subtitle = description

    def items(self, obj: Any = None) -> list[Comment]:
        return comments_recent(viewer=None, page_size=FEED_LENGTH).items

    def item_title(self, item: Comment) -> str:
        who = item.author.username if item.author else "deleted user"
        return f"{who} on “{item.post.title}”"

    def item_description(self, item: Comment) -> str:
        if not item.is_published:
            return (
                "<p>[deleted]</p>" if item.status == Comment.Status.DELETED else "<p>[removed]</p>"
            )
        return item.body_html  # sanitized when written (core/markdown.py)

    def item_link(self, item: Comment) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Comment) -> str:
        return f"{settings.SITE_URL}{item.get_absolute_url()}"

    item_guid_is_permalink = True

    def item_pubdate(self, item: Comment) -> datetime | None:
        return item.created_at

    def item_updateddate(self, item: Comment) -> datetime | None:
        return item.edited_at or item.created_at

    def item_author_name(self, item: Comment) -> str:
        return item.author.username if item.author else "deleted user"


class PostCommentFeed(CommentFeed):
    """/feeds/p/<short_id>/comments.rss: one post's discussion, oldest first."""

    def get_object(self, request: HttpRequest, short_id: str) -> Post:  # type: ignore[override]
        return post_get_published(short_id=short_id)

    def title(self, obj: Post) -> str:  # type: ignore[override]
        return f"Comments on “{obj.title}”"

    def link(self, obj: Post) -> str:  # type: ignore[override]
        return f"{obj.get_absolute_url()}#comments"

    def description(self, obj: Post) -> str:  # type: ignore[override]
        return f"The discussion of “{obj.title}” on {settings.SITE_NAME}."

    subtitle = description

    def items(self, obj: Post) -> list[Comment]:  # type: ignore[override]
        comments = comments_of_post_latest(post=obj, limit=FEED_LENGTH)
        for comment in comments:
            comment.post = obj
        return comments


class UserCommentFeed(CommentFeed):
    """/feeds/u/<username>/comments.rss: a member's comments."""

    def get_object(self, request: HttpRequest, username: str) -> User:  # type: ignore[override]
        return user_get_public(username=username)

    def title(self, obj: User) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: comments by {obj.username}"

    def link(self, obj: User) -> str:  # type: ignore[override]
        return reverse("discussion:user_comments", kwargs={"username": obj.username})

    def description(self, obj: User) -> str:  # type: ignore[override]
        return f"Comments written by {obj.username}."

    subtitle = description

    def items(self, obj: User) -> list[Comment]:  # type: ignore[override]
        return comments_by_user(user=obj, viewer=None, page_size=FEED_LENGTH).items
