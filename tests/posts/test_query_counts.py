"""Every feed page costs the same number of queries whatever its size (10, 25 and 100 posts)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posts.services import vote_cast
from tests.factories import (
    ChannelFactory,
    ChannelMembershipFactory,
    PostFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGE_SIZES = (10, 25, 100)
ANONYMOUS_MAX = 6


@pytest.fixture
def world():
    """120 posts spread over a tag, a channel and one author, with tags and votes."""
    tag = TagFactory(slug="go")
    other = TagFactory(slug="linux")
    channel = ChannelFactory(handle="golangissues")
    author = ChannelMembershipFactory(channel=channel).user
    voter = UserFactory()
    posts = [
        PostFactory(author=author, channel=channel, tags=[tag, other], title=f"Post {i}")
        for i in range(120)
    ]
    for post in posts[:30]:
        vote_cast(user=voter, post=post)
    return {"tag": tag, "channel": channel, "author": author, "voter": voter, "post": posts[0]}


def page_urls(world) -> list[str]:
    return [
        "/",
        "/newest/",
        "/top/",
        "/top/all/",
        f"/t/{world['tag'].slug}/",
        f"/t/{world['tag'].slug}/?order=newest",
        f"/@{world['channel'].handle}/",
        f"/u/{world['author'].username}/",
    ]


def count_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), len(response.context["page"].items)


def test_anonymous_feed_pages_have_constant_query_counts(client, world):
    for url in page_urls(world):
        counts = {}
        for size in PAGE_SIZES:
            queries, shown = count_queries(
                client, f"{url}{'&' if '?' in url else '?'}per_page={size}"
            )
            assert shown == size, url
            counts[size] = queries
        assert len(set(counts.values())) == 1, (url, counts)
        assert counts[10] <= ANONYMOUS_MAX, (url, counts)


def test_logged_in_feed_pages_have_constant_query_counts(client, world):
    client.force_login(world["voter"])
    for url in page_urls(world):
        counts = {
            size: count_queries(client, f"{url}{'&' if '?' in url else '?'}per_page={size}")[0]
            for size in PAGE_SIZES
        }
        assert len(set(counts.values())) == 1, (url, counts)
        assert counts[10] <= ANONYMOUS_MAX + 2, (url, counts)


def test_second_page_costs_the_same_as_the_first(client, world):
    first_queries, _ = count_queries(client, "/newest/?per_page=25")
    cursor = client.get("/newest/?per_page=25").context["page"].next_cursor
    later_queries, _ = count_queries(client, f"/newest/?per_page=25&after={cursor}")
    assert later_queries == first_queries


def test_post_page_query_count_does_not_grow_with_key_facts_and_timeline(client):
    small = PostFactory(key_facts=[("1", "one")], timeline=[("a", None, "2020")])
    big = PostFactory(
        key_facts=[(str(i), f"fact {i}") for i in range(12)],
        timeline=[(f"event {i}", None, f"{2000 + i}") for i in range(12)],
        tags=[TagFactory(slug=f"t{i}") for i in range(5)],
    )
    counts = []
    for post in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(post.get_absolute_url()).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[0] <= ANONYMOUS_MAX
