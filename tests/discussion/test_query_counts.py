"""Discussion pages cost the same number of queries whatever their size: a post's thread at 10,
100 and 1,000 comments (anonymous, and a member with votes, own comments and a read ribbon), the
comment lists and the inbox at page sizes 10, 25 and 100, and the comment feeds
(docs/discussion.md#speed)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from discussion.models import MAX_DEPTH, Comment, CommentVote, Notification
from discussion.ranking import confidence
from posts.models import Post, ReadRibbon
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db

THREAD_SIZES = (10, 100, 1000)
PAGE_SIZES = (10, 25, 100)
# What the discussion adds to the post page, whatever the post's own parts cost: the comments
# with their authors; for a member also their votes in the thread, whether they muted it and the
# read ribbon (read and upsert). A thread without comments skips the votes.
DISCUSSION_TABLES = ("discussion_", "posts_readribbon")
THREAD_ANONYMOUS = 1
THREAD_MEMBER = 5
# A list: the comments (authors and posts joined), and the member for a member's list; logged in
# adds the session and the user.
LIST_MAX = 2


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Count what the views cost, not what the anonymous page cache saves.
    settings.ANONYMOUS_CACHE_SECONDS = 0


def build_thread(
    *, post: Post, size: int, authors: list[User | None], prefix: str
) -> list[Comment]:
    """`size` comments on `post` in a tree several levels deep (a third at the top, the rest
    replies, mostly to recent comments as real threads go), with scores, a few deleted and
    removed comments and the post's stored count: one bulk insert per depth, no service call."""
    rng = random.Random(size)
    start = timezone.now() - timedelta(days=2)
    planned: list[tuple[int | None, int]] = []  # (parent index, depth)
    for i in range(size):
        candidates = [j for j in range(max(0, i - 30), i) if planned[j][1] < MAX_DEPTH]
        if i < 3 or rng.random() < 0.3 or not candidates:
            planned.append((None, 0))
        else:
            parent = rng.choice(candidates)
            planned.append((parent, planned[parent][1] + 1))
    comments: list[Comment] = []
    for i, (_parent, depth) in enumerate(planned):
        score = int(rng.expovariate(0.3))
        status = Comment.Status.PUBLISHED
        if i % 23 == 5:
            status = Comment.Status.DELETED
        elif i % 31 == 7:
            status = Comment.Status.REMOVED
        comments.append(
            Comment(
                short_id=f"{prefix}{i:05d}",
                post=post,
                author=authors[i % len(authors)],
                depth=depth,
                body="" if status == Comment.Status.DELETED else f"Comment {i} with **bold**",
                body_html="" if status == Comment.Status.DELETED else f"<p>Comment {i}</p>",
                score=score,
                confidence=confidence(ups=score),
                status=status,
                removed_reason="Off topic" if status == Comment.Status.REMOVED else "",
                created_at=start + timedelta(minutes=i),
            )
        )
    # Parents first: the database checks that a reply's parent is a comment of the same post.
    for depth in range(MAX_DEPTH + 1):
        level = [
            (comment, parent)
            for comment, (parent, d) in zip(comments, planned, strict=True)
            if d == depth
        ]
        for comment, parent in level:
            comment.parent = comments[parent] if parent is not None else None
        Comment.objects.bulk_create([comment for comment, _ in level])
    published = sum(1 for comment in comments if comment.is_published)
    Post.objects.filter(pk=post.pk).update(
        comment_count=published, last_commented_at=comments[-1].created_at
    )
    return comments


@pytest.fixture
def world():
    """Three posts with threads of 10, 100 and 1,000 comments, written by a few members (the
    viewer and the submitter among them) and a deleted account; the viewer voted on every
    seventh comment of each."""
    viewer = UserFactory(username="viewer", date_joined=timezone.now() - timedelta(days=30))
    submitter = UserFactory(username="submitter")
    writer = UserFactory(username="writer")
    authors: list[User | None] = [writer, submitter, viewer, UserFactory(), None]
    threads = {0: (PostFactory(author=submitter, title="A post without comments"), [])}
    for size, prefix in zip(THREAD_SIZES, "abc", strict=True):
        post = PostFactory(author=submitter, title=f"A post with {size} comments")
        comments = build_thread(post=post, size=size, authors=authors, prefix=prefix)
        CommentVote.objects.bulk_create(
            CommentVote(user=viewer, comment=comment)
            for comment in comments[::7]
            if comment.is_published and comment.author_id != viewer.pk
        )
        threads[size] = (Post.objects.get(pk=post.pk), comments)
    return {"viewer": viewer, "writer": writer, "threads": threads}


def count(client, url: str) -> tuple[int, object]:
    # Warm the per-member caches (the header's unread count) first: counts are of steady state.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


def discussions_share(ctx: CaptureQueriesContext) -> int:
    return sum(
        1 for query in ctx.captured_queries if any(t in query["sql"] for t in DISCUSSION_TABLES)
    )


def test_anonymous_thread_costs_the_same_at_10_100_and_1000_comments(client, world):
    counts = {}
    for size, (post, comments) in world["threads"].items():
        url = post.get_absolute_url()
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        page = response.content.decode()
        assert page.count('<li class="comment') == size
        if comments:
            assert f"c-{comments[-1].short_id}" in page
        assert discussions_share(ctx) == THREAD_ANONYMOUS, size
        counts[size] = len(ctx.captured_queries)
    # The same as a post without comments.
    assert len(set(counts.values())) == 1, counts


def test_members_thread_with_votes_and_ribbon_costs_the_same_at_every_size(client, world):
    viewer = world["viewer"]
    client.force_login(viewer)
    counts = {}
    empty, _ = world["threads"][0]
    without_comments, _ = count(client, empty.get_absolute_url())
    for size in THREAD_SIZES:
        post, comments = world["threads"][size]
        url = post.get_absolute_url()
        client.get(url)  # warm: the header's unread count is cached, the ribbon exists
        # The viewer last read the thread half-way through: the rest is marked new.
        ReadRibbon.objects.filter(user=viewer, post=post).update(
            seen_count=size // 2, last_read_at=comments[size // 2].created_at
        )
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count('<li class="comment') == size
        assert 'aria-pressed="true"' in page  # the viewer's votes are shown
        assert "comment--new" in page
        assert discussions_share(ctx) == THREAD_MEMBER, size
        counts[size] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts
    assert counts[10] == without_comments + 1, (without_comments, counts)  # the viewer's votes


def test_comment_lists_have_constant_query_counts(client, world):
    writer = world["writer"]
    for logged_in in (False, True):
        if logged_in:
            client.force_login(world["viewer"])
        for url in ("/comments/", f"/u/{writer.username}/comments/"):
            counts = {}
            for size in PAGE_SIZES:
                queries, response = count(client, f"{url}?per_page={size}")
                assert len(response.context["page"].items) == size, url
                counts[size] = queries
            assert len(set(counts.values())) == 1, (url, logged_in, counts)
            assert counts[10] <= LIST_MAX + 2 * logged_in, (url, logged_in, counts)


def test_inbox_has_a_constant_query_count(client, world):
    viewer = world["viewer"]
    others = [
        comment
        for _post, comments in world["threads"].values()
        for comment in comments
        if comment.author_id != viewer.pk
    ]
    now = timezone.now()
    # 60 unread (all on the page) and 300 read (a page at a time), replies and mentions, some of
    # them about comments since deleted or by deleted accounts.
    Notification.objects.bulk_create(
        Notification(
            recipient=viewer,
            kind=Notification.Kind.REPLY if i % 3 else Notification.Kind.MENTION,
            comment=comment,
            created_at=now - timedelta(minutes=i),
            read_at=None if i < 60 else now,
        )
        for i, comment in enumerate(others[:360])
    )
    client.force_login(viewer)
    counts = {}
    for size in PAGE_SIZES:
        queries, response = count(client, f"/inbox/?per_page={size}")
        assert len(response.context["unread"]) == 60
        assert len(response.context["page"].items) == size
        counts[size] = queries
    assert len(set(counts.values())) == 1, counts
    assert counts[10] <= LIST_MAX + 2, counts  # session, user, unread, a page of read ones


def test_comment_feeds_cost_the_same_whatever_the_thread_or_list_size(client, world):
    quiet = UserFactory(username="quiet")
    for kind in ("rss", "atom"):
        # One post's feed, at 10, 100 and 1,000 comments.
        counts = {}
        for size, (post, _comments) in world["threads"].items():
            counts[size] = count(client, f"/feeds/p/{post.short_id}/comments.{kind}")[0]
        assert len(set(counts.values())) == 1, (kind, counts)
        assert counts[10] <= LIST_MAX, (kind, counts)
        # A member's feed: about 200 comments, and none.
        counts = {
            user.username: count(client, f"/feeds/u/{user.username}/comments.{kind}")[0]
            for user in (world["writer"], quiet)
        }
        assert len(set(counts.values())) == 1, (kind, counts)
        assert max(counts.values()) <= LIST_MAX, (kind, counts)
        assert count(client, f"/feeds/comments.{kind}")[0] <= LIST_MAX, kind


def test_a_posts_comment_feed_shows_its_newest_comments_however_long_the_thread(client, world):
    post, comments = world["threads"][1000]
    response = client.get(f"/feeds/p/{post.short_id}/comments.rss")
    assert response.status_code == 200
    feed = response.content.decode()
    assert f"/c/{comments[-1].short_id}/" in feed
    assert f"/c/{comments[0].short_id}/" not in feed
