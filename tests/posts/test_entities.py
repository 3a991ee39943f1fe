"""Entity pages (/e/<slug>/): the posts that involve an entity, one timeline merged from theirs,
its feeds, and following it into My feed."""

from __future__ import annotations

from datetime import date, timedelta

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posts.models import Entity, Follow, HiddenPost, Post
from posts.selectors.discovery import followed_post_ids_for
from posts.services.follows import follow_add
from tests.accounts.factories import UserFactory
from tests.posts.factories import HiddenTagFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

PAGE_SIZES = (10, 25, 100)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def story():
    """Two posts that involve Kubeforge, each with its own timeline, and one that does not."""
    now = timezone.now()
    older = PostFactory(
        title="Kubeforge 1.9 resizes pods in place",
        published_at=now - timedelta(days=3),
        entities=[("Kubeforge", "The orchestrator.", "project")],
        timeline=[
            ("1.9 released.", date(2026, 3, 4)),
            ("Resizing proposed.", date(2024, 5, 1)),
            ("GA planned.", None, "Q3 2027"),
        ],
    )
    newer = PostFactory(
        title="Kubeforge deprecates its webhook bundle",
        published_at=now - timedelta(days=1),
        entities=[("kubeforge", "Deprecates the bundle."), ("Emberdb", "A user.", "project")],
        timeline=[("Policies GA.", date(2025, 7, 9)), ("Removal.", None, "2028")],
    )
    other = PostFactory(
        title="Emberdb 7 ships",
        entities=[("Emberdb", "The database.")],
        timeline=[("Emberdb 7.", date(2025, 1, 1))],
    )
    return {"older": older, "newer": newer, "other": other}


def timeline_of(response) -> list[tuple[str, str]]:
    return [
        (str(event.date or event.when), event.post.title) for event in response.context["timeline"]
    ]


def test_the_entity_page_lists_its_posts_and_one_merged_timeline_in_date_order(client, story):
    assert Entity.objects.filter(name="Kubeforge").count() == 1
    response = client.get("/e/kubeforge/")
    assert response.status_code == 200
    assert [p.title for p in response.context["page"].items] == [
        story["newer"].title,
        story["older"].title,
    ]
    assert timeline_of(response) == [
        ("2024-05-01", story["older"].title),
        ("2025-07-09", story["newer"].title),
        ("2026-03-04", story["older"].title),
        ("Q3 2027", story["older"].title),  # undated last, by their post's publication
        ("2028", story["newer"].title),
    ]
    page = html(response)
    assert '<span class="muted entity__kind">Project</span>' in page
    timeline = page.split('<section class="timeline entity-timeline"')[1].split("</section>")[0]
    assert timeline.index("May 1, 2024") < timeline.index("Jul 9, 2025")
    assert f'href="{story["newer"].get_absolute_url()}"' in timeline
    assert "Emberdb 7." not in timeline
    assert "Emberdb 7 ships" not in page
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert 'href="/feeds/e/kubeforge.atom"' in page


def test_hidden_and_removed_posts_leave_the_entity_page_and_its_timeline(client, story):
    reader = UserFactory()
    HiddenPost.objects.create(user=reader, post=story["older"])
    Post.objects.filter(pk=story["newer"].pk).update(status=Post.Status.REMOVED)
    response = client.get("/e/kubeforge/")
    assert [p.title for p in response.context["page"].items] == [story["older"].title]
    client.force_login(reader)
    response = client.get("/e/kubeforge/")
    assert response.context["page"].items == []
    assert response.context["timeline"] == []
    assert "Nothing here yet." in html(response)


def test_a_hidden_tag_hides_its_posts_events_too(client, story):
    tag = TagFactory(slug="spam")
    story["older"].tags.add(tag)
    reader = UserFactory()
    HiddenTagFactory(user=reader, tag=tag)
    client.force_login(reader)
    response = client.get("/e/kubeforge/")
    assert {title for _, title in timeline_of(response)} == {story["newer"].title}


def test_unknown_entities_are_404_and_a_broken_cursor_is_400(client, story):
    assert client.get("/e/nope/").status_code == 404
    assert client.get("/feeds/e/nope.rss").status_code == 404
    assert client.get("/e/kubeforge/?after=garbage").status_code == 400


def test_the_second_page_has_no_timeline_and_no_repeats(client, story):
    first = client.get("/e/kubeforge/?per_page=1")
    cursor = first.context["page"].next_cursor
    second = client.get(f"/e/kubeforge/?per_page=1&after={cursor}")
    assert [p.title for p in second.context["page"].items] == [story["older"].title]
    assert second.context["timeline"] is None


@pytest.fixture
def crowd():
    """120 posts that involve one entity, each with two timeline events."""
    for i in range(120):
        PostFactory(
            title=f"Lantern news {i}",
            tags=[TagFactory(slug="observability")],
            entities=[("Lantern", "The collector.", "project")],
            timeline=[
                (f"Event {i}.", date(2020, 1, 1) + timedelta(days=i)),
                ("Later.", None, "Q1"),
            ],
        )
    return Entity.objects.get(slug="lantern")


def count_queries(client, url: str) -> tuple[int, int]:
    client.get(url)  # steady state: per-member caches warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["page"].items)


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_entity_page_has_a_constant_query_count(client, crowd, logged_in):
    if logged_in:
        client.force_login(UserFactory())
    counts = {}
    for size in PAGE_SIZES:
        queries, shown = count_queries(client, f"/e/lantern/?per_page={size}")
        assert shown == size
        counts[size] = queries
    assert len(set(counts.values())) == 1, counts
    # The entity, the posts, their tags and the merged timeline (+ session and user).
    assert counts[10] <= (6 if logged_in else 4), counts
    response = client.get("/e/lantern/")
    assert len(response.context["timeline"]) == 200  # capped: the first 200 events


def test_entity_feeds_carry_its_posts(client, story):
    for url in ("/feeds/e/kubeforge.rss", "/feeds/e/kubeforge.atom"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo, url
        assert parsed.feed.title.endswith("Kubeforge")
        assert [e.title for e in parsed.entries] == [story["newer"].title, story["older"].title]


def test_follow_an_entity_and_find_its_posts_in_my_feed(client, story):
    reader = UserFactory()
    client.force_login(reader)
    page = html(client.get("/e/kubeforge/"))
    assert 'action="/e/kubeforge/-/follow/"' in page
    assert "0 followers" in page
    response = client.post(
        "/e/kubeforge/-/follow/", {"action": "follow"}, headers={"accept": "application/json"}
    )
    assert response.json() == {"following": True, "follower_count": 1}
    assert Follow.objects.get(user=reader).entity.slug == "kubeforge"
    assert "Unfollow Kubeforge" in html(client.get("/e/kubeforge/"))
    feed = client.get("/my/").context["page"].items
    assert [p.title for p in feed] == [story["newer"].title, story["older"].title]
    following = html(client.get("/following/"))
    assert '<a href="/e/kubeforge/">Kubeforge' in following
    response = client.post("/e/kubeforge/-/follow/", {"action": "unfollow", "next": "/my/"})
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert not Follow.objects.exists()


def test_visitors_are_asked_to_log_in_to_follow(client, story):
    response = client.post("/e/kubeforge/-/follow/", {"action": "follow"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert "Log in to follow Kubeforge" in html(client.get("/e/kubeforge/"))


def test_followed_entities_join_the_personal_digest(story):
    reader, other = UserFactory(), UserFactory()
    follow_add(user=reader, target=Entity.objects.get(slug="emberdb"))
    HiddenPost.objects.create(user=reader, post=story["other"])
    now = timezone.now()
    since = {reader.pk: now - timedelta(days=7), other.pk: now - timedelta(days=7)}
    chosen = followed_post_ids_for(user_ids=[reader.pk, other.pk], since=since, until=now, limit=10)
    assert chosen == {reader.pk: [story["newer"].pk], other.pk: []}


@pytest.mark.postgres
def test_entities_leads_and_quotes_are_in_the_postgres_search_document():
    from posts.search import parse_query
    from posts.selectors.discovery import post_search

    def search(text: str) -> list[int]:
        return [p.pk for p in post_search(viewer=None, query=parse_query(text)).items]

    entity = PostFactory(
        title="Weekly notes", entities=[("Quillstore", "The database.", "project")]
    )
    lead = PostFactory(title="Other notes", lead="Quillstore grows a columnar engine.")
    quote = PostFactory(
        title="More notes", quote="Quillstore is fast now.", quote_source="its blog"
    )
    found = search("quillstore")
    assert set(found[:2]) == {entity.pk, lead.pk}  # weight B, above the quote's C
    assert found[-1] == quote.pk
    assert search('entity:"QUILLSTORE"') == [entity.pk]
    assert search("entity:quillstore columnar") == []


@pytest.mark.postgres
def test_an_entity_renamed_in_the_admin_reindexes_its_posts(admin_client):
    from posts.search import parse_query
    from posts.selectors.discovery import post_search

    post = PostFactory(title="Weekly notes", entities=[("Quilstore", "Typo.", "project")])
    entity = Entity.objects.get()
    response = admin_client.post(
        f"/admin/posts/entity/{entity.pk}/change/",
        {"name": "Quillstore", "kind": "project", "slug": "quillstore"},
    )
    assert response.status_code == 302
    found = post_search(viewer=None, query=parse_query("quillstore")).items
    assert [p.pk for p in found] == [post.pk]


def test_the_api_lists_a_followed_entity_among_my_follows(client, story):
    reader = UserFactory()
    follow_add(user=reader, target=Entity.objects.get(slug="kubeforge"))
    client.force_login(reader)
    response = client.get("/api/v1/me/follows/")
    assert response.status_code == 200
    (follow,) = response.json()["results"]
    assert follow["type"] == "entity"
    assert follow["target"] == "kubeforge"
    assert follow["html_url"] == "http://testserver/e/kubeforge/"
    feed = client.get("/api/v1/me/feed/?order=newest").json()["results"]
    assert [item["title"] for item in feed] == [story["newer"].title, story["older"].title]
