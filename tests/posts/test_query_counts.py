"""Every feed page costs the same number of queries whatever its size (10, 25 and 100 posts)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posts.models import HiddenPost, SavedPost, Tag
from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.posts.factories import (
    ChannelFactory,
    ChannelMembershipFactory,
    FollowFactory,
    PostFactory,
    TagFactory,
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
    # The voter hid a few posts: the feeds leave them out in the same query.
    HiddenPost.objects.bulk_create(HiddenPost(user=voter, post=post) for post in posts[110:])
    SavedPost.objects.bulk_create(SavedPost(user=voter, post=post) for post in posts[:110])
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
    # Warm the per-member caches (the header's unread count) first: counts are of steady state.
    client.get(url)
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
    for url in [*page_urls(world), "/saved/"]:
        counts = {}
        for size in PAGE_SIZES:
            queries, shown = count_queries(
                client, f"{url}{'&' if '?' in url else '?'}per_page={size}"
            )
            assert shown == size, url  # 110 visible posts: every page is full
            counts[size] = queries
        assert len(set(counts.values())) == 1, (url, counts)
        assert counts[10] <= ANONYMOUS_MAX + 2, (url, counts)


def test_hidden_list_has_a_constant_query_count(client, world):
    client.force_login(world["voter"])
    HiddenPost.objects.bulk_create(
        HiddenPost(user=world["voter"], post=post)
        for post in world["author"].posts.order_by("id")[:100]
    )
    counts = {size: count_queries(client, f"/hidden/?per_page={size}") for size in PAGE_SIZES}
    assert {shown for _, shown in counts.values()} == set(PAGE_SIZES)
    assert len({queries for queries, _ in counts.values()}) == 1, counts
    assert counts[10][0] <= ANONYMOUS_MAX


def test_hidden_posts_leave_the_viewers_feeds(client, world):
    client.force_login(world["voter"])
    hidden = set(HiddenPost.objects.values_list("post_id", flat=True))
    for url in page_urls(world):
        shown = {
            post.pk
            for post in client.get(f"{url}{'&' if '?' in url else '?'}per_page=100")
            .context["page"]
            .items
        }
        assert not shown & hidden, url


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
    # The post, its tags, key numbers, timeline and key entities, the earlier submission of its
    # link and the discussion thread.
    assert counts[0] <= ANONYMOUS_MAX + 1


def test_tag_list_counts_posts_and_followers_in_one_query_at_any_size(client):
    """/t/ shows every tag's post and follower counts from one query, at 3, 10 and 30 tags."""
    readers = UserFactory.create_batch(3)
    counts = {}
    for total in (3, 10, 30):
        while Tag.objects.count() < total:
            tag = TagFactory(slug=f"tag-{Tag.objects.count():02d}")
            PostFactory(tags=[tag])
            for reader in readers:
                FollowFactory(user=reader, tag=tag)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/t/")
        html = response.content.decode()
        assert html.count("· 1 post · 3 followers") == total
        counts[total] = len(ctx.captured_queries)
    assert set(counts.values()) == {1}, counts


SEARCH_URLS = ["/search?q=post", "/search?q=post&order=newest", "/search?q=post tag:go"]


def test_search_pages_have_constant_query_counts(client, world):
    for logged_in in (False, True):
        if logged_in:
            client.force_login(world["voter"])
        for url in SEARCH_URLS:
            counts = {}
            for size in PAGE_SIZES:
                queries, shown = count_queries(client, f"{url}&per_page={size}")
                assert shown == size, url
                counts[size] = queries
            assert len(set(counts.values())) == 1, (url, counts)
            assert counts[10] <= (ANONYMOUS_MAX + 2 if logged_in else ANONYMOUS_MAX), (url, counts)


def test_my_feed_has_a_constant_query_count(client, world):
    from posts.services.follows import follow_add

    voter = world["voter"]
    follow_add(user=voter, target=world["tag"])
    follow_add(user=voter, target=world["channel"])
    follow_add(user=voter, target=world["author"])
    client.force_login(voter)
    for url in ("/my/", "/my/?order=newest"):
        counts = {}
        for size in PAGE_SIZES:
            queries, shown = count_queries(
                client, f"{url}{'&' if '?' in url else '?'}per_page={size}"
            )
            assert shown == size, url  # 110 visible posts, each matching three follows once
            counts[size] = queries
        assert len(set(counts.values())) == 1, (url, counts)
        assert counts[10] <= ANONYMOUS_MAX, (url, counts)


def test_api_search_and_my_feed_have_constant_query_counts(client, world):
    from posts.services.follows import follow_add

    voter = world["voter"]
    follow_add(user=voter, target=world["tag"])
    client.force_login(voter)
    for url in (
        "/api/v1/search/?q=post",
        "/api/v1/posts/?search=post",
        "/api/v1/posts/?search=post&order=newest",
        "/api/v1/me/feed/",
        "/api/v1/me/feed/?order=newest",
    ):
        counts = {}
        for size in PAGE_SIZES:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{url}{'&' if '?' in url else '?'}page_size={size}")
            assert len(response.json()["results"]) == size, url
            counts[size] = len(ctx.captured_queries)
        assert len(set(counts.values())) == 1, (url, counts)
        assert counts[10] <= ANONYMOUS_MAX, (url, counts)
