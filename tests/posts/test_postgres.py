"""On PostgreSQL the feed queries are index scans, not sorts over every post."""

from __future__ import annotations

import pytest
from django.db import connection

from posts.models import Post
from posts.selectors.core import posts_for_viewer
from tests.posts.factories import PostFactory, TagFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table would otherwise seq-scan
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


def test_hot_and_newest_feeds_use_their_indexes():
    tag = TagFactory()
    for _ in range(5):
        PostFactory(tags=[tag])
    hot = posts_for_viewer(viewer=None).order_by("-hotness", "-id")[:26]
    newest = posts_for_viewer(viewer=None).order_by("-published_at", "-id")[:26]
    assert "post_hot_idx" in explain(hot)
    assert "post_newest_idx" in explain(newest)
    assert Post.objects.count() == 5
