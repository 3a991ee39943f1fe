"""PostgreSQL full-text search: weights and ranking, stemming, highlighted headlines, the stored
vector kept current by the services, and the GIN index in the query plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posts.models import Post
from posts.search import parse_query
from posts.selectors.discovery import post_search
from posts.services.content import KeyFactData, PostContent
from posts.services.submission import post_delete, post_update
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def search(text: str, **kwargs) -> list[Post]:
    return post_search(viewer=None, query=parse_query(text), **kwargs).items


def test_a_title_match_ranks_above_a_body_match():
    body = PostFactory(title="Weekly notes", body="Deep inside: the new allocator is faster.")
    tldr = PostFactory(title="Release notes", tldr=["The allocator got faster."])
    title = PostFactory(title="A faster allocator")
    assert [post.pk for post in search("allocator")] == [title.pk, tldr.pk, body.pk]
    ranks = [post.search_rank for post in search("allocator")]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[-1]


def test_tags_and_key_numbers_are_weighted_like_the_tldr():
    tagged = PostFactory(title="Weekly notes", tags=[TagFactory(slug="webassembly")])
    fact = PostFactory(title="Other notes", key_facts=[("3x", "faster webassembly startup")])
    body = PostFactory(title="More notes", body="webassembly is mentioned in passing")
    found = [post.pk for post in search("webassembly")]
    assert found[-1] == body.pk
    assert set(found[:2]) == {tagged.pk, fact.pk}


def test_english_stemming_and_websearch_syntax():
    post = PostFactory(title="Schedulers compared", body="Running many containers.")
    assert [p.pk for p in search("scheduler")] == [post.pk]
    assert [p.pk for p in search("container run")] == [post.pk]
    assert search('"containers running"') == []
    assert search("scheduler -containers") == []


def test_headlines_mark_matches_and_escape_the_rest():
    PostFactory(
        title="The <b>kernel</b> & friends",
        tldr=["A kernel rewrite, finally."],
        body="Nothing about it here. Later, the **kernel** scheduler is <em>rewritten</em>.",
    )
    (post,) = search("kernel")
    assert post.search_title == "The &lt;b&gt;<mark>kernel</mark>&lt;/b&gt; &amp; friends"
    assert "<mark>kernel</mark> rewrite, finally." in post.search_snippet
    assert "the <mark>kernel</mark> scheduler" in post.search_snippet
    assert "<em>" not in post.search_snippet
    assert "<strong>" not in post.search_snippet


def test_the_vector_follows_edits_and_deletions():
    author = UserFactory()
    post = PostFactory(author=author, title="Original title about sloths")
    post_update(
        post=post,
        editor=author,
        content=PostContent.of(
            url=post.url,
            title="Renamed to pangolins",
            tags=[TagFactory(slug="zoology")],
            channel=None,
            tldr=[],
            body="",
            key_facts=[KeyFactData("9", "armoured mammals")],
            timeline=[],
        ),
    )
    assert search("sloths") == []
    assert [p.pk for p in search("pangolins")] == [post.pk]
    assert [p.pk for p in search("zoology")] == [post.pk]
    assert [p.pk for p in search("armoured")] == [post.pk]
    post_delete(post=post, user=author)
    assert search("pangolins") == []


def test_admin_edits_reindex_the_post_and_a_renamed_tag_its_posts(admin_client):
    tag = TagFactory(slug="ebpf", name="eBPF")
    post = PostFactory(title="Probes everywhere", tags=[tag])
    response = admin_client.post(
        f"/admin/posts/post/{post.pk}/change/",
        {
            "title": "Probes in production",
            "url": post.url,
            "author": post.author_id,
            "tags": [tag.pk],
            "status": "published",
            "tldr": '["Tracing without restarts."]',
            "body": "",
            "published_at_0": post.published_at.strftime("%Y-%m-%d"),
            "published_at_1": post.published_at.strftime("%H:%M:%S"),
            "key_facts-TOTAL_FORMS": "0",
            "key_facts-INITIAL_FORMS": "0",
            "timeline_events-TOTAL_FORMS": "0",
            "timeline_events-INITIAL_FORMS": "0",
            "entity_rows-TOTAL_FORMS": "0",
            "entity_rows-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [p.pk for p in search("restarts")] == [post.pk]
    admin_client.post(f"/admin/posts/tag/{tag.pk}/change/", {"slug": "ebpf", "name": "Kprobes"})
    assert [p.pk for p in search("kprobes")] == [post.pk]


def test_search_reindex_fills_posts_loaded_around_the_services():
    post = PostFactory(title="Lost vectors")
    Post.objects.update(search_vector=None)
    assert search("vectors") == []
    call_command("search_reindex", batch_size=1)
    assert [p.pk for p in search("vectors")] == [post.pk]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("order", ["relevance", "newest"])
def test_search_uses_the_gin_index_not_a_sequential_scan(order):
    # Enough posts for the planner's statistics to be real; only a few mention the word.
    call_command(
        "generate_synthetic", posts=4000, users=20, votes=0, tags=20, channels=3, quiet=True
    )
    for index in range(5):
        PostFactory(title=f"Axolotl regeneration study {index}")
    with connection.cursor() as cursor:
        # What autovacuum does in production: move fresh rows out of the GIN pending list, and
        # give the planner statistics.
        cursor.execute("SELECT gin_clean_pending_list('post_search_idx'::regclass)")
        cursor.execute("ANALYZE posts_post")
    with CaptureQueriesContext(connection) as ctx:
        found = search("axolotl", order=order)
    assert len(found) == 5
    (posts_query,) = [q["sql"] for q in ctx.captured_queries if "@@" in q["sql"]]
    plan = explain(posts_query)
    assert "post_search_idx" in plan
    assert "Seq Scan on posts_post" not in plan


def test_relevance_ranks_the_newest_matches_of_the_window_only(settings):
    """A common word would rank a third of the site per page; relevance ranks the newest
    POST_SEARCH_RANK_WINDOW matches (docs/search.md#relevance), newest reaches them all."""
    settings.POST_SEARCH_RANK_WINDOW = 2
    oldest = PostFactory(title="Allocator, allocator, allocator", published_at=days_ago(3))
    middle = PostFactory(title="Weekly notes", body="An allocator.", published_at=days_ago(2))
    newest = PostFactory(title="A faster allocator", published_at=days_ago(1))

    assert [post.pk for post in search("allocator")] == [newest.pk, middle.pk]
    assert [post.pk for post in search("allocator", order="newest")] == [
        newest.pk,
        middle.pk,
        oldest.pk,
    ]
    settings.POST_SEARCH_RANK_WINDOW = 1000
    assert search("allocator")[0].pk == oldest.pk


def test_relevance_over_a_common_word_ranks_a_bounded_window_without_a_sequential_scan():
    call_command(
        "generate_synthetic", posts=4000, users=20, votes=0, tags=20, channels=3, quiet=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('post_search_idx'::regclass)")
        cursor.execute("ANALYZE posts_post")
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
    common = parse_query("kubernetes")
    with CaptureQueriesContext(connection) as ctx:
        found = post_search(viewer=None, query=common, page_size=25).items
    assert len(found) == 25
    (posts_query,) = [q["sql"] for q in ctx.captured_queries if "@@" in q["sql"]]
    plan = explain(posts_query)
    assert "LIMIT 1000" in posts_query.upper()
    assert "Seq Scan on posts_post" not in plan
