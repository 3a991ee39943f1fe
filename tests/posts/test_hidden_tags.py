"""A reader's hidden tags filter every list they read: home, newest, top, tag and channel and
user pages, search, My feed, the API lists (tag combinations included), their private feed and
the selectors digests use."""

from __future__ import annotations

import feedparser
import pytest

from posts.models import HiddenTag
from posts.selectors.core import hidden_tag_ids
from posts.selectors.feeds import feed_items_for_syndication
from posts.services.follows import feed_token_reset, follow_add, hidden_tag_add, hidden_tag_remove
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    crypto, rust, go = TagFactory(slug="crypto"), TagFactory(slug="rust"), TagFactory(slug="go")
    channel = ChannelFactory(handle="devopslinks")
    author = UserFactory(username="ada")
    shown = PostFactory(title="Kernel news", tags=[rust], author=author, channel=channel)
    hidden = PostFactory(title="Kernel coins", tags=[rust, crypto], author=author, channel=channel)
    other = PostFactory(title="Go kernel", tags=[go], author=author, channel=channel)
    reader = UserFactory()
    hidden_tag_add(user=reader, tag=crypto)
    follow_add(user=reader, target=rust)
    return {
        "reader": reader,
        "crypto": crypto,
        "shown": shown,
        "hidden": hidden,
        "other": other,
        "author": author,
    }


HTML_LISTS = [
    "/",
    "/newest/",
    "/top/",
    "/top/all/",
    "/t/rust/",
    "/t/rust/?order=newest",
    "/@devopslinks/",
    "/u/ada/",
    "/search?q=kernel",
    "/search?q=kernel&order=newest",
    "/my/",
    "/my/?order=newest",
]
API_LISTS = [
    "/api/v1/posts/",
    "/api/v1/posts/?order=newest",
    "/api/v1/posts/?order=top",
    "/api/v1/posts/?tag=rust,crypto",
    "/api/v1/posts/?channel=devopslinks",
    "/api/v1/posts/?author=ada",
    "/api/v1/posts/?search=kernel",
    "/api/v1/search/?q=kernel",
    "/api/v1/me/feed/",
]


@pytest.mark.parametrize("url", HTML_LISTS)
def test_html_lists_leave_out_posts_with_a_hidden_tag(client, world, url):
    client.force_login(world["reader"])
    titles = [post.title for post in client.get(url).context["page"].items]
    assert "Kernel news" in titles
    assert "Kernel coins" not in titles


@pytest.mark.parametrize("url", HTML_LISTS[:-2])
def test_other_readers_still_see_them(client, world, url):
    titles = [post.title for post in client.get(url).context["page"].items]
    assert "Kernel coins" in titles


@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_leave_out_posts_with_a_hidden_tag(client, world, url):
    client.force_login(world["reader"])
    titles = [item["title"] for item in client.get(url).json()["results"]]
    assert "Kernel news" in titles
    assert "Kernel coins" not in titles


def test_private_feed_and_digest_selectors_leave_them_out(client, world):
    reader = world["reader"]
    secret = feed_token_reset(user=reader).secret
    feed = feedparser.parse(client.get(f"/feeds/my/{secret}.rss").content)
    assert [entry.title for entry in feed.entries] == ["Kernel news"]
    assert hidden_tag_ids(user=reader) == {world["crypto"].pk}
    personal = feed_items_for_syndication(viewer=reader)
    assert world["hidden"] not in personal
    assert world["shown"] in personal
    assert world["hidden"] in feed_items_for_syndication()  # the public feeds


def test_a_hidden_tags_page_says_so_and_offers_to_unhide(client, world):
    client.force_login(world["reader"])
    response = client.get("/t/crypto/")
    html = response.content.decode()
    assert "You hid #crypto" in html
    assert "Unhide #crypto" in html
    assert response.context["page"] is None  # no empty list, no posts query
    back = client.post("/t/crypto/-/hide/", {"action": "unhide", "next": "/t/crypto/"})
    assert back["Location"] == "/t/crypto/"
    assert not HiddenTag.objects.exists()
    titles = [post.title for post in client.get("/t/crypto/").context["page"].items]
    assert titles == ["Kernel coins"]


def test_hide_from_the_tag_page(client, world):
    client.force_login(world["reader"])
    assert "Hide this tag" in client.get("/t/go/").content.decode()
    response = client.post("/t/go/-/hide/", {"action": "hide", "next": "/t/go/"})
    assert response.status_code == 302
    assert "You hid #go" in client.get("/t/go/").content.decode()
    assert "Go kernel" not in [p.title for p in client.get("/newest/").context["page"].items]


def test_api_hide_and_unhide_tags(client, world):
    from accounts.tokens import api_token_create

    headers = {
        "authorization": "Bearer "
        + api_token_create(user=world["reader"], name="t", scope="write").secret
    }
    assert client.post("/api/v1/tags/go/hide/", headers=headers).json() == {"active": True}
    hidden = client.get("/api/v1/me/hidden-tags/", headers=headers).json()["results"]
    assert [tag["slug"] for tag in hidden] == ["go", "crypto"]
    titles = [i["title"] for i in client.get("/api/v1/posts/", headers=headers).json()["results"]]
    assert titles == ["Kernel news"]
    assert client.delete("/api/v1/tags/go/hide/", headers=headers).json() == {"active": False}
    assert client.post("/api/v1/tags/nosuch/hide/", headers=headers).status_code == 404


def test_hidden_tag_services_are_idempotent(world):
    reader = world["reader"]
    assert hidden_tag_add(user=reader, tag=world["crypto"]) is False
    assert hidden_tag_remove(user=reader, tag=world["crypto"]) is True
    assert hidden_tag_remove(user=reader, tag=world["crypto"]) is False
