"""RSS 2.0 and Atom feeds, read back with a real feed parser."""

from __future__ import annotations

import feedparser
import pytest

from posts.models import Channel, Post, Tag
from posts.services.follows import feed_token_reset, follow_add
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    channel = ChannelFactory(handle="kaptain", name="Kaptain")
    author = ChannelMembershipFactory(channel=channel).user
    return PostFactory(
        title="Kubernetes 2.0 <beta> & friends",
        url="https://k8s.example/blog",
        channel=channel,
        author=author,
        tags=[TagFactory(slug="kubernetes")],
        tldr=["Bullet <one>", "Bullet two"],
        body="Body with <script>alert(1)</script> **bold**",
    )


def feed_urls(post) -> list[str]:
    return [
        "/feeds/home.rss",
        "/feeds/home.atom",
        "/feeds/newest.rss",
        "/feeds/newest.atom",
        "/feeds/t/kubernetes.rss",
        "/feeds/t/kubernetes.atom",
        "/feeds/c/kaptain.rss",
        "/feeds/c/kaptain.atom",
        f"/feeds/u/{post.author.username}.rss",
        f"/feeds/u/{post.author.username}.atom",
    ]


def test_every_feed_parses_and_carries_the_post(client, post):
    for url in feed_urls(post):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert parsed.version in {"rss20", "atom10"}, url
        (entry,) = parsed.entries
        assert entry.title == "Kubernetes 2.0 <beta> & friends"
        assert entry.link.endswith(post.get_absolute_url())
        assert "Bullet &lt;one&gt;" in entry.summary or "Bullet <one>" not in entry.summary
        assert "<script>" not in entry.summary
        assert "<strong>bold</strong>" in entry.summary
        assert [t.term for t in entry.tags] == ["kubernetes"]


def test_rss_and_atom_are_their_formats(client, post):
    assert feedparser.parse(client.get("/feeds/newest.rss").content).version == "rss20"
    assert feedparser.parse(client.get("/feeds/newest.atom").content).version == "atom10"


def test_feeds_for_unknown_things_are_404(client):
    assert client.get("/feeds/t/nope.rss").status_code == 404
    assert client.get("/feeds/c/nope.atom").status_code == 404
    assert client.get("/feeds/u/nope.rss").status_code == 404


def test_feed_leaves_out_other_tags(client, post):
    PostFactory(title="Unrelated", tags=[TagFactory(slug="python")])
    parsed = feedparser.parse(client.get("/feeds/t/kubernetes.rss").content)
    assert [e.title for e in parsed.entries] == ["Kubernetes 2.0 <beta> & friends"]


# Every character XML 1.0 cannot carry that PostgreSQL can store; rows written before the
# input checks (or by an admin) may hold them. docs/posting.md#text-a-user-writes
UNSERIALIZABLE = "\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"


def test_every_feed_survives_control_characters_in_stored_rows(client, post, member):
    follow_add(user=member, target=post.tags.get())
    secret = feed_token_reset(user=member).secret
    Post.objects.filter(pk=post.pk).update(
        title=f"Bad{UNSERIALIZABLE} title",
        tldr=[f"Bullet{UNSERIALIZABLE}"],
        body=f"Body{UNSERIALIZABLE}",
        body_html=f"<p>Body{UNSERIALIZABLE}</p>",
    )
    Tag.objects.filter(slug="kubernetes").update(description=f"Tag{UNSERIALIZABLE}")
    Channel.objects.filter(handle="kaptain").update(
        name=f"Kap{UNSERIALIZABLE}", description=f"Chan{UNSERIALIZABLE}"
    )
    feeds = [
        *feed_urls(post),
        f"/feeds/my/{secret}.rss",
        f"/feeds/my/{secret}.atom",
        # SQLite matches the new title, PostgreSQL the search document written with the post.
        "/feeds/search.rss?q=bad+OR+kubernetes",
        "/feeds/search.atom?q=bad+OR+kubernetes",
    ]
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        (entry,) = parsed.entries
        assert entry.title == "Bad title"
