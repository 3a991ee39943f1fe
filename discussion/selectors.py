"""Reads for the discussion: a post's thread in tree order for a viewer, comment lists, the
inbox. Each costs a fixed number of queries whatever its size (docs/discussion.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import F, QuerySet
from django.http import Http404

from accounts.models import User
from core.cache import cache_call
from core.pagination import KeysetPage, Ordering, keyset_paginate
from discussion.models import Comment, CommentVote, Notification, NotificationPreference, ThreadMute
from posts.models import Post
from posts.selectors.core import Viewer, post_visible_filter

NEWEST = Ordering("created_at", datetime)
UNREAD_CACHE_SECONDS = 300
# A reply names its parent by short id in the API, without loading the parent's row.
PARENT_SHORT_ID = {"parent_short_id": F("parent__short_id")}


def _member(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) and viewer.is_authenticated else None


@dataclass
class ThreadComment:
    """A comment in its place in the thread: `closes` counts the levels that end after it
    (the template closes that many nested lists), so a thousand comments render as one flat
    loop instead of a thousand nested includes."""

    comment: Comment
    has_replies: bool = False
    closes: list[int] = field(default_factory=list)
    voted: bool = False
    is_new: bool = False
    # Filled in for the page (discussion/receivers.py): the permalink and the flag page's.
    url: str = ""
    flag_url: str = ""


@dataclass
class Thread:
    comments: list[ThreadComment]
    count: int
    muted: bool = False


# What a thread needs of each comment to put it in its place and fill in a reader's part; the
# text, the removal reason and the author's name are loaded by `thread_comments_complete`, only
# for the comments whose cached HTML is missing (discussion/comments.py).
_THREAD_COLUMNS = (
    "id",
    "short_id",
    "post_id",
    "parent_id",
    "author_id",
    "depth",
    "score",
    "confidence",
    "status",
    "created_at",
    "edited_at",
)


def thread_comments_complete(comments: Iterable[Comment]) -> None:
    """Load the text, removal reason and author (name only) of `comments` from `thread_for`, in
    one query, for rendering them."""
    comments = list(comments)
    if not comments:
        return
    rows = (
        Comment.objects.filter(pk__in=[comment.pk for comment in comments])
        .select_related("author")
        .only("id", "body_html", "removed_reason", "author__id", "author__username")
        .in_bulk()
    )
    for comment in comments:
        row = rows[comment.pk]
        comment.body_html, comment.removed_reason = row.body_html, row.removed_reason
        comment.author = row.author


def thread_for(*, post: Post, viewer: Viewer, read_since: datetime | None = None) -> Thread:
    """Every comment of `post` in thread order: replies under their parent, siblings by
    confidence (then oldest first), with the viewer's votes and, when `read_since` is given,
    which comments are new to them. Three queries at most, whatever the thread's size: the
    comments, the viewer's votes, whether they muted the thread. Each comment's text and author
    are left to `thread_comments_complete`."""
    rows = list(
        Comment.objects.filter(post=post)
        .only(*_THREAD_COLUMNS)
        .order_by("-confidence", "created_at", "id")
    )
    member = _member(viewer)
    voted: set[int] = set()
    muted = False
    if member is not None and rows:
        voted = set(
            CommentVote.objects.filter(user=member, comment__post=post).values_list(
                "comment_id", flat=True
            )
        )
    if member is not None:
        muted = ThreadMute.objects.filter(user=member, post=post).exists()
    children: dict[int | None, list[Comment]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    ordered: list[ThreadComment] = []
    stack: list[Comment] = list(reversed(children[None]))
    while stack:
        comment = stack.pop()
        replies = children.get(comment.pk, [])
        ordered.append(
            ThreadComment(
                comment=comment,
                has_replies=bool(replies),
                voted=comment.pk in voted,
                is_new=read_since is not None
                and comment.created_at > read_since
                and comment.author_id != (member.pk if member else None),
            )
        )
        stack.extend(reversed(replies))
    for index, item in enumerate(ordered):
        if item.has_replies:
            continue
        next_depth = ordered[index + 1].comment.depth if index + 1 < len(ordered) else 0
        item.closes = list(range(item.comment.depth - next_depth))
    published = sum(1 for row in rows if row.is_published)
    return Thread(comments=ordered, count=published, muted=muted)


def comment_get_public(*, short_id: str) -> Comment:
    """The comment named in a permalink (any status; its page says if it is gone), or Http404."""
    comment = (
        Comment.objects.select_related("post", "author")
        .annotate(**PARENT_SHORT_ID)
        .filter(short_id=short_id, post__status=Post.Status.PUBLISHED)
        .first()
    )
    if comment is None:
        raise Http404("No such comment.")
    return comment


def _listed(viewer: Viewer, *, source: bool = False) -> QuerySet[Comment]:
    deferred = ["post__body", "post__body_html", "post__search_vector"]
    return (
        Comment.objects.filter(status=Comment.Status.PUBLISHED)
        .filter(post_visible_filter(viewer=viewer, post="post"))
        .select_related("author", "post")
        .defer(*deferred if source else ["body", *deferred])
    )


def comments_recent(
    *, viewer: Viewer, after: str | None = None, page_size: int = 25
) -> KeysetPage[Comment]:
    """The newest comments everywhere, leaving out posts the viewer hid or that carry a tag
    they hid. One query. Raises InvalidCursor."""
    return keyset_paginate(_listed(viewer), ordering=NEWEST, after=after, page_size=page_size)


def comments_by_user(
    *,
    user: User,
    viewer: Viewer,
    after: str | None = None,
    page_size: int = 25,
    source: bool = False,
) -> KeysetPage[Comment]:
    """A member's published comments, newest first (the comments tab of their profile), leaving
    out posts the viewer hid or that carry a tag they hid. One query. With `source`, each comment
    also has its Markdown and its parent's short id (`parent_short_id`), for the API."""
    comments = _listed(viewer, source=source).filter(author=user)
    if source:
        comments = comments.annotate(**PARENT_SHORT_ID)
    return keyset_paginate(comments, ordering=NEWEST, after=after, page_size=page_size)


def comments_of_post(
    *, post: Post, after: str | None = None, page_size: int = 100
) -> KeysetPage[Comment]:
    """A post's comments in the order they were written (the API's flat thread and the post's
    comment feed), every status: a gone comment keeps its place for its replies. A reply comes
    after its parent, whose short id it carries (`parent_short_id`). One query."""
    return keyset_paginate(
        Comment.objects.filter(post=post).select_related("author").annotate(**PARENT_SHORT_ID),
        ordering=Ordering("created_at", datetime, descending=False),
        after=after,
        page_size=page_size,
    )


def comments_of_post_latest(*, post: Post, limit: int) -> list[Comment]:
    """The `limit` newest comments of a post, every status, oldest of them first (the post's
    comment feed). One query, reading the post's comments index from its newest end however long
    the thread."""
    rows = list(
        Comment.objects.filter(post=post)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )
    return rows[::-1]


def comments_voted_by(*, viewer: Viewer, comments: Iterable[Comment]) -> set[int]:
    """The ids of those of `comments` the viewer upvoted; none for an anonymous viewer. One
    query, whatever the number of comments."""
    member = _member(viewer)
    ids = [comment.pk for comment in comments]
    if member is None or not ids:
        return set()
    return set(
        CommentVote.objects.filter(user=member, comment_id__in=ids).values_list(
            "comment_id", flat=True
        )
    )


def inbox_unread(*, user: User, limit: int = 100) -> list[Notification]:
    """The member's unread notifications, newest first (at most `limit`)."""
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("comment__author", "comment__post")
        .order_by("-created_at", "-id")[:limit]
    )


def inbox_read(
    *, user: User, after: str | None = None, page_size: int = 25
) -> KeysetPage[Notification]:
    """The member's notifications already read, newest first, a keyset page at a time."""
    return keyset_paginate(
        Notification.objects.filter(recipient=user, read_at__isnull=False).select_related(
            "comment__author", "comment__post"
        ),
        ordering=NEWEST,
        after=after,
        page_size=page_size,
    )


def notifications_for(
    *, user: User, after: str | None = None, page_size: int = 25
) -> KeysetPage[Notification]:
    """All of the member's notifications, newest first (the API)."""
    return keyset_paginate(
        Notification.objects.filter(recipient=user).select_related(
            "comment__author", "comment__post"
        ),
        ordering=NEWEST,
        after=after,
        page_size=page_size,
    )


def _unread_key(user_id: int) -> str:
    return f"inbox-unread:{user_id}"


def unread_count(*, user: User) -> int:
    """How many unread notifications the member has, for the header. Cached per member for
    UNREAD_CACHE_SECONDS and dropped whenever their inbox changes (`unread_count_forget`), so a
    page costs no query on a cache hit; without the cache it is one indexed count."""
    key = _unread_key(user.pk)
    cached = cache_call("inbox count", lambda: cache.get(key), None)
    if cached is not None:
        return int(cached)
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    cache_call("inbox count", lambda: cache.set(key, count, UNREAD_CACHE_SECONDS), None)
    return count


def unread_count_forget(*, user_ids: list[int]) -> None:
    """Drop the cached counts of these members (a notification arrived or was read)."""
    keys = [_unread_key(user_id) for user_id in user_ids]
    cache_call("inbox count", lambda: cache.delete_many(keys), None)


def notification_preference_get(*, user: User) -> NotificationPreference:
    """The member's choices, unsaved defaults (both on) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )
