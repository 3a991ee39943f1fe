"""The discussion's parts of pages owned by lower apps: the thread under a post, and the
notification section of the settings page (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from core.sections import PageSection
from discussion.forms import CommentForm, NotificationPreferenceForm
from discussion.selectors import Thread, notification_preference_get, thread_for
from posts.models import Post
from posts.selectors.core import Viewer
from posts.services.discussion import read_ribbon_get, read_ribbon_mark

# Stands for the varying part of an address reversed once (ids and usernames never hold it).
PLACEHOLDER = "~~"


def thread_section(
    *, request: HttpRequest, post: Post, viewer: Viewer, **kwargs: Any
) -> PageSection:
    """The thread under a post, with the comment box for members; a member's visit moves their
    read ribbon, and the comments written since their last visit are marked new."""
    member = viewer if isinstance(viewer, User) and viewer.is_authenticated else None
    read_since = None
    if member is not None and post.is_published:
        ribbon = read_ribbon_get(user=member, post=post)
        read_since = ribbon.last_read_at if ribbon is not None else None
        read_ribbon_mark(user=member, post=post)
    thread = thread_for(post=post, viewer=viewer, read_since=read_since)
    _fill_links(thread)
    return PageSection(
        template="discussion/_thread.html",
        context={
            "post": post,
            "thread": thread,
            "form": CommentForm() if member is not None and post.is_published else None,
        },
    )


def settings_section(
    *, request: HttpRequest, user: User, bound: dict[str, Form], **kwargs: Any
) -> PageSection:
    """Which notifications are emailed."""
    preference = notification_preference_get(user=user)
    form = bound.get("notification_form") or NotificationPreferenceForm(
        initial={
            "email_replies": preference.email_replies,
            "email_mentions": preference.email_mentions,
        }
    )
    return PageSection(template="discussion/_settings.html", context={"form": form})


def _fill_links(thread: Thread) -> None:
    """Each comment's permalink and flag page, by filling in one reversed address per kind
    instead of two reverse() calls per comment: URL lookups were a quarter of a 500-comment
    thread's time. (The author's link is in the comment's cached HTML: discussion/comments.py.) A
    comment's actions live under its permalink (discussion/urls.py): "reply/", "vote/"..."""
    comment_url = reverse("discussion:comment", kwargs={"short_id": PLACEHOLDER})
    try:  # moderation (above this app) adds its flag page when it is installed
        flag_url = reverse("moderation:comment_flag", kwargs={"short_id": PLACEHOLDER})
    except NoReverseMatch:
        flag_url = ""
    for item in thread.comments:
        comment = item.comment
        item.url = comment_url.replace(PLACEHOLDER, comment.short_id)
        item.flag_url = flag_url.replace(PLACEHOLDER, comment.short_id)
