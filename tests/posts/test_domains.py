"""Domain pages (/d/<domain>/): the posts that link to one source domain, with RSS and Atom."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts():
    now = timezone.now()
    return {
        "old": PostFactory(
            title="Old LWN story",
            url="https://lwn.net/Articles/1/",
            published_at=now - timedelta(days=2),
        ),
        "new": PostFactory(
            title="New LWN story",
            url="https://www.LWN.net/Articles/2/",
            published_at=now - timedelta(days=1),
        ),
        "sub": PostFactory(title="Subdomain story", url="https://static.lwn.net/x"),
        "other": PostFactory(title="Elsewhere", url="https://example.org/y"),
    }


def test_the_rows_domain_label_links_to_the_domain_page(client, posts):
    page = client.get("/newest/").content.decode()
    assert '<a class="post-row__domain" href="/d/lwn.net/"' in page
    assert '<a class="post-row__domain" href="/d/static.lwn.net/"' in page


def test_the_domain_page_lists_that_domains_posts_newest_first(client, posts):
    response = client.get("/d/lwn.net/")
    assert response.status_code == 200
    assert [p.title for p in response.context["page"].items] == ["New LWN story", "Old LWN story"]
    page = response.content.decode()
    assert "<h1>lwn.net</h1>" in page
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert 'href="/feeds/d/lwn.net.atom"' in page


def test_other_spellings_redirect_and_unknown_domains_are_404(client, posts):
    response = client.get("/d/WWW.LWN.NET./")
    assert response.status_code == 301
    assert response["Location"] == "/d/lwn.net/"
    assert client.get("/d/nowhere.example/").status_code == 404
    assert client.get("/feeds/d/nowhere.example.rss").status_code == 404
    Post.objects.filter(pk=posts["other"].pk).update(status=Post.Status.REMOVED)
    assert client.get("/d/example.org/").status_code == 404


def test_domain_feeds_carry_its_posts(client, posts):
    for url in ("/feeds/d/lwn.net.rss", "/feeds/d/lwn.net.atom"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo, url
        assert [e.title for e in parsed.entries] == ["New LWN story", "Old LWN story"]


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_domain_page_has_a_constant_query_count(client, logged_in):
    tag = TagFactory(slug="kernel")
    for i in range(120):
        PostFactory(url=f"https://lwn.net/Articles/{i}/", tags=[tag])
    if logged_in:
        client.force_login(UserFactory())
    counts = {}
    for size in (10, 25, 100):
        url = f"/d/lwn.net/?per_page={size}"
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert len(response.context["page"].items) == size
        counts[size] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts
    # The domain's existence, the posts and their tags (+ session and user).
    assert counts[10] <= (5 if logged_in else 3), counts
