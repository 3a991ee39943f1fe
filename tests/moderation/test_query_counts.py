"""The queue and the public log cost the same number of queries whatever their size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation.models import ModerationAction
from moderation.services.flags import comment_flag, post_flag
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_costs_the_same_at_every_size(client):
    client.force_login(UserFactory(is_staff=True))
    client.get("/mod/")  # the header's unread count is cached after the first page
    flagger = trusted()
    counts = {}
    flagged = 0
    for size in (2, 10, 25):
        for _ in range(size - flagged):
            post = PostFactory(author=UserFactory(date_joined=timezone.now()))
            post_flag(user=flagger, post=post, reason="spam")
            comment_flag(user=flagger, comment=CommentFactory(post=post), reason="unkind")
        flagged = size
        counts[size] = queries(client, "/mod/")
    assert len(set(counts.values())) == 1, counts


def test_the_log_costs_the_same_at_every_size(client):
    moderator = UserFactory(is_staff=True)
    counts = {}
    for size in (2, 10, 25):
        while ModerationAction.objects.count() < size:
            comment = CommentFactory()
            ModerationAction.objects.create(
                moderator=moderator, kind="post-removed", post=comment.post, reason="Spam"
            )
            ModerationAction.objects.create(
                moderator=moderator, kind="comment-removed", comment=comment, reason="Unkind"
            )
            ModerationAction.objects.create(
                moderator=moderator, kind="member-banned", member=comment.author, reason="Spam"
            )
        counts[size] = queries(client, "/moderations/?per_page=100")
        assert queries(client, "/moderations.rss") <= counts[size]
    assert len(set(counts.values())) == 1, counts
