"""JSON Feed 1.1 beside every RSS/Atom feed (core.feeds.JsonFeed): each answers
application/feed+json with what the specification requires (version, title, items with an id and
content_html or content_text), and the pages that link their RSS feed advertise it too."""

from __future__ import annotations

import json
from datetime import datetime

import feedparser
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.feeds import JSON_FEED_VERSION, JsonFeed
from moderation.services.actions import moderation_post_remove
from posts.services.follows import feed_token_reset, follow_add
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feeds(member):
    channel = ChannelFactory(handle="devopslinks")
    author = ChannelMembershipFactory(channel=channel).user
    post = PostFactory(
        title="Rust <is> here & staying",
        url="https://lwn.example/rust",
        lead="The experiment is over.",
        channel=channel,
        author=author,
        tags=[TagFactory(slug="rust")],
        entities=[("Rust", "The language.", "technology")],
    )
    CommentFactory(post=post, author=member, body="Finally **done**.")
    follow_add(user=member, target=channel)
    moderation_post_remove(
        moderator=UserFactory(is_staff=True), post=PostFactory(title="Spam"), reason="Spam."
    )
    token = feed_token_reset(user=member).secret
    posts_feeds = [
        "/feeds/home",
        "/feeds/newest",
        "/feeds/t/rust",
        "/feeds/c/devopslinks",
        f"/feeds/u/{author.username}",
        "/feeds/e/rust",
        "/feeds/d/lwn.example",
        f"/feeds/my/{token}",
    ]
    comment_feeds = [
        "/feeds/comments",
        f"/feeds/p/{post.short_id}/comments",
        f"/feeds/u/{member.username}/comments",
    ]
    return {"post": post, "member": member, "posts": posts_feeds, "comments": comment_feeds}


def json_feed(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/feed+json; charset=utf-8", url
    document = json.loads(response.content.decode("utf-8"))
    # What JSON Feed 1.1 requires (https://jsonfeed.org/version/1.1).
    assert document["version"] == JSON_FEED_VERSION, url
    assert isinstance(document["title"], str), url
    assert document["title"], url
    assert isinstance(document["items"], list), url
    for item in document["items"]:
        assert isinstance(item["id"], str), url
        assert item["id"], url
        assert isinstance(item.get("content_html", item.get("content_text")), str), url
        for key in ("date_published", "date_modified"):
            if key in item:
                assert datetime.fromisoformat(item[key]).tzinfo is not None
    for key in ("home_page_url", "feed_url"):
        assert document[key].startswith("http"), (url, key)
    return document


def test_every_posts_and_comments_feed_has_a_valid_json_feed_twin(client, feeds):
    for base in feeds["posts"] + feeds["comments"] + ["/feeds/search?q=rust", "/moderations"]:
        rss = f"{base}.rss" if "?" not in base else base.replace("?", ".rss?")
        json_url = f"{base}.json" if "?" not in base else base.replace("?", ".json?")
        document = json_feed(client, json_url)
        parsed = feedparser.parse(client.get(rss).content)
        # The same items, in the same order, as the RSS feed.
        assert [item["title"] for item in document["items"]] == [
            entry.title for entry in parsed.entries
        ], base
        assert document["items"], base


def test_a_post_item_carries_its_lead_link_tags_and_sanitized_html(client, feeds):
    post = feeds["post"]
    (item,) = json_feed(client, "/feeds/e/rust.json")["items"]
    assert item["id"] == f"http://127.0.0.1:8000{post.get_absolute_url()}"
    assert item["url"] == f"http://testserver{post.get_absolute_url()}"
    assert item["title"] == "Rust <is> here & staying"  # JSON: no HTML escaping of titles
    assert item["summary"] == "The experiment is over."
    assert item["external_url"] == "https://lwn.example/rust"
    assert item["tags"] == ["rust"]
    assert item["authors"] == [{"name": "@devopslinks"}]
    assert item["content_html"].startswith("<p><em>The experiment is over.</em></p>")


def test_pages_advertise_their_json_feed(client, feeds):
    post = feeds["post"]
    pages = {
        "/": "/feeds/home.json",
        "/newest/": "/feeds/newest.json",
        "/t/rust/": "/feeds/t/rust.json",
        "/@devopslinks/": "/feeds/c/devopslinks.json",
        f"/u/{post.author.username}/": f"/feeds/u/{post.author.username}.json",
        "/e/rust/": "/feeds/e/rust.json",
        "/d/lwn.example/": "/feeds/d/lwn.example.json",
        "/search?q=rust": "/feeds/search.json?q=rust",
        "/comments/": "/feeds/comments.json",
        "/moderations/": "/moderations.json",
    }
    for page, feed in pages.items():
        html = client.get(page).content.decode()
        link = '<link rel="alternate" type="application/feed+json" title="'
        assert link in html, page
        assert f'href="{feed}"' in html, page


def test_every_feed_url_has_its_json_twin():
    """A new RSS feed without its JSON Feed twin fails here."""
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns)
    rss = {name for name in names if name.endswith("_rss")}
    assert rss
    missing = {name for name in rss if name.removesuffix("_rss") + "_json" not in names}
    assert not missing


def test_the_generator_leaves_out_empty_members():
    feed = JsonFeed(title="t", link="https://x.example/", description="")
    feed.add_item(title="a", link="https://x.example/a", description="")
    document = feed.document()
    assert "description" not in document
    (item,) = document["items"]
    assert item == {
        "id": "https://x.example/a",
        "url": "https://x.example/a",
        "title": "a",
        "content_html": "",
    }


def test_every_feed_goes_out_in_one_piece(client, feeds):
    """The feed generator writes element by element; a response of a thousand chunks costs the
    server a thousand socket writes, from the page cache too (docs/performance.md)."""
    for url in [*feeds["posts"], *feeds["comments"], "/moderations"]:
        for suffix in (".rss", ".atom", ".json"):
            response = client.get(url + suffix)
            assert response.status_code == 200, url + suffix
            assert len(response._container) == 1, url + suffix
