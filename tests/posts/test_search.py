"""Search from the header box, the API and a saved-search feed, on whichever database runs the
suite (SQLite's simpler match or PostgreSQL's full-text search): operators, highlighting, bad
input, paging."""

from __future__ import annotations

import feedparser
import pytest
from django.db import connection

from posts.models import HiddenPost
from posts.search import parse_query
from posts.selectors.discovery import post_search
from posts.services.follows import hidden_tag_add
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [post.title for post in response.context["page"].items]


def api_titles(response) -> list[str]:
    return [item["title"] for item in response.json()["results"]]


@pytest.fixture
def corpus():
    rust, go = TagFactory(slug="rust", name="Rust"), TagFactory(slug="go", name="Go")
    channel = ChannelFactory(handle="devopslinks")
    ada = UserFactory(username="ada")
    ChannelMembershipFactory(channel=channel, user=ada)
    grace = UserFactory(username="grace")
    posts = {
        "scheduler": PostFactory(
            title="A new kernel scheduler",
            url="https://lwn.net/Articles/1",
            tags=[rust],
            author=ada,
            channel=channel,
            body="The scheduler shares the CPU fairly.",
        ),
        "memory": PostFactory(
            title="Memory safety in practice",
            url="https://blog.rust-lang.org/memory",
            tags=[rust],
            author=grace,
            tldr=["Fewer kernel bugs."],
            key_facts=[("70%", "of vulnerabilities are memory bugs")],
        ),
        "gc": PostFactory(
            title="Tuning the garbage collector",
            url="https://go.dev/blog/gc",
            tags=[go],
            author=grace,
            body="Latency drops when the collector paces itself.",
        ),
    }
    return posts


def test_header_has_a_labelled_search_box(client):
    html = client.get("/").content.decode()
    assert '<form role="search" aria-label="Site" action="/search"' in html
    assert '<label for="site-search-q"' in html


def test_the_search_page_has_one_search_box_not_the_headers_too(client, corpus):
    for params in ({}, {"q": "kernel"}, {"q": "x" * 500}):
        html = client.get("/search", params).content.decode()
        assert html.count('role="search"') == 1, params
        assert 'id="search-q"' in html
        assert 'id="site-search-q"' not in html
    assert 'id="site-search-q"' in client.get("/newest/").content.decode()


def test_a_long_snippet_ends_at_a_whole_word_with_an_ellipsis(client):
    tldr = ["The kernel scheduler " + "rebalances runqueues " * 30]
    PostFactory(title="Scheduler notes", tldr=tldr)
    response = client.get("/search", {"q": "scheduler"})
    snippet = str(response.context["page"].items[0].search_snippet)
    assert snippet.endswith("…")
    assert snippet[:-1].split()[-1] in {"rebalances", "runqueues"}
    api = client.get("/api/v1/search/", {"q": "scheduler"}).json()["results"][0]
    assert api["snippet_html"] == snippet


def test_empty_search_shows_the_syntax_help(client):
    response = client.get("/search?q=")
    assert response.status_code == 200
    assert "How to search" in response.content.decode()
    assert "page" not in response.context or response.context.get("page") is None


def test_words_match_title_tldr_body_and_key_numbers(client, corpus):
    assert titles(client.get("/search?q=scheduler")) == ["A new kernel scheduler"]
    assert set(titles(client.get("/search?q=kernel"))) == {
        "A new kernel scheduler",
        "Memory safety in practice",  # TL;DR
    }
    assert titles(client.get("/search?q=vulnerabilities")) == ["Memory safety in practice"]
    assert titles(client.get("/search?q=latency")) == ["Tuning the garbage collector"]


def test_phrase_exclusion_and_or(client, corpus):
    assert titles(client.get('/search?q="garbage collector"')) == ["Tuning the garbage collector"]
    assert titles(client.get('/search?q="collector garbage"')) == []
    assert titles(client.get("/search?q=kernel -scheduler")) == ["Memory safety in practice"]
    assert set(titles(client.get("/search?q=scheduler or collector"))) == {
        "A new kernel scheduler",
        "Tuning the garbage collector",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:rust", {"A new kernel scheduler", "Memory safety in practice"}),
        ("-tag:rust", {"Tuning the garbage collector"}),
        ("kernel tag:rust", {"A new kernel scheduler", "Memory safety in practice"}),
        ("channel:devopslinks", {"A new kernel scheduler"}),
        ("channel:@DevOpsLinks", {"A new kernel scheduler"}),
        ("author:grace", {"Memory safety in practice", "Tuning the garbage collector"}),
        ("author:GRACE -tag:go", {"Memory safety in practice"}),
        ("domain:lwn.net", {"A new kernel scheduler"}),
        ("domain:rust-lang.org", {"Memory safety in practice"}),  # subdomains too
        ("domain:https://go.dev/anything", {"Tuning the garbage collector"}),
        ("tag:nosuchtag", set()),
    ],
)
def test_each_operator(client, corpus, query, expected):
    assert set(titles(client.get("/search", {"q": query}))) == expected
    assert set(api_titles(client.get("/api/v1/search/", {"q": query}))) == expected


def test_unknown_operator_gives_results_and_a_message(client, corpus):
    response = client.get("/search", {"q": "topic:kernel"})
    assert response.status_code == 200
    assert "“topic:” is not a search operator" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE posts_post; --",
        ".*[(\\",
        "a & b | !c <-> d:*",
        "%_%",
        '"""',
        "kernel \x00",
        "((((",
        "-",
        "the",
        '"unbalanced',
        "tag:",
        "x" * 200,
        "a " * 100,
        "-a " * 66,
    ],
)
def test_bad_input_gives_results_or_a_message_never_an_error(client, corpus, query):
    for url in ("/search", "/api/v1/search/", "/api/v1/posts/"):
        key = "search" if url == "/api/v1/posts/" else "q"
        response = client.get(url, {key: query})
        assert response.status_code in (200, 400), (url, query)
    assert client.get("/feeds/search.rss", {"q": query}).status_code in (200, 400)


def test_over_long_queries_are_refused_with_a_clear_message(client):
    long = "kernel " * 40
    page = client.get("/search", {"q": long})
    assert page.status_code == 400
    assert "Searches are limited to 200 characters." in page.content.decode()
    api = client.get("/api/v1/search/", {"q": long})
    assert api.status_code == 400
    assert api.json()["error"]["fields"]["q"] == ["Searches are limited to 200 characters."]
    listing = client.get("/api/v1/posts/", {"search": long})
    assert listing.json()["error"]["fields"]["search"] == [
        "Searches are limited to 200 characters."
    ]
    assert client.get("/feeds/search.rss", {"q": long}).status_code == 400


def test_api_search_needs_a_query(client):
    response = client.get("/api/v1/search/?q=")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["q"] == ["Say what to search for."]


def test_highlighting_cannot_inject_markup(client):
    payload = '<img src=x onerror=alert(1)> kernel <script>alert("k")</script>'
    PostFactory(title=f"{payload} title", tldr=[payload], body=payload)
    html = client.get("/search", {"q": "kernel"}).content.decode()
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>kernel</mark>" in html
    item = client.get("/api/v1/search/", {"q": "kernel"}).json()["results"][0]
    assert "<img" not in item["title_html"]
    assert "<mark>kernel</mark>" in item["title_html"]
    assert "<mark>" in item["snippet_html"]


def test_search_marks_cannot_be_forged_by_a_post(client):
    PostFactory(title="kernel hl0000000000000000s fake hl0000000000000000e")
    html = client.get("/search", {"q": "kernel"}).content.decode()
    assert html.count("<mark>") == 1


def test_results_page_in_order_newest_with_keyset_cursors(client):
    for index in range(7):
        PostFactory(title=f"Kernel release {index}")
    first = client.get("/search", {"q": "kernel", "order": "newest", "per_page": 3})
    seen = titles(first)
    cursor = first.context["page"].next_cursor
    while cursor:
        more = client.get(
            "/search", {"q": "kernel", "order": "newest", "per_page": 3, "after": cursor}
        )
        seen += titles(more)
        cursor = more.context["page"].next_cursor
    assert seen == [f"Kernel release {index}" for index in reversed(range(7))]
    assert 'href="?after=' in first.content.decode()
    assert "q=kernel" in first.content.decode()


def test_relevance_pages_visit_every_match_once(client):
    for index in range(9):
        PostFactory(title=f"Kernel {'kernel ' * (index % 3)}news {index}")
    seen, cursor = [], ""
    while True:
        params = {"q": "kernel", "per_page": 2, **({"after": cursor} if cursor else {})}
        response = client.get("/search", params)
        seen += titles(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 9


def test_order_tabs_keep_the_query(client, corpus):
    html = client.get("/search", {"q": "kernel", "per_page": "5", "order": "top"}).content.decode()
    assert 'href="?q=kernel&amp;per_page=5&amp;order=newest">Newest' in html
    assert 'href="?q=kernel&amp;per_page=5&amp;order=top" aria-current="page">Top' in html
    newest = client.get("/search", {"q": "kernel", "order": "newest"})
    assert newest.context["order"] == "newest"
    assert 'name="order" value="newest"' in newest.content.decode()  # the form keeps it


def test_broken_cursor_is_a_400_page(client, corpus):
    assert client.get("/search", {"q": "kernel", "after": "garbage"}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "kernel", "cursor": "garbage"}).status_code == 400


def test_hidden_posts_and_tags_stay_out_of_search(client, corpus):
    reader = UserFactory()
    HiddenPost.objects.create(user=reader, post=corpus["memory"])
    hidden_tag_add(user=reader, tag=corpus["gc"].tags.get())
    client.force_login(reader)
    assert titles(client.get("/search?q=kernel or collector")) == ["A new kernel scheduler"]
    assert api_titles(client.get("/api/v1/search/?q=kernel or collector")) == [
        "A new kernel scheduler"
    ]


def test_api_posts_list_takes_search_with_filters(client, corpus):
    response = client.get("/api/v1/posts/", {"search": "kernel", "author": "ada"})
    assert api_titles(response) == ["A new kernel scheduler"]
    newest = client.get("/api/v1/posts/", {"search": "kernel", "order": "newest"})
    assert api_titles(newest) == ["Memory safety in practice", "A new kernel scheduler"]
    wrong = client.get("/api/v1/posts/", {"search": "kernel", "order": "best"})
    assert wrong.status_code == 400
    assert "order" in wrong.json()["error"]["fields"]
    # An empty search is no search: the usual hot list.
    assert len(api_titles(client.get("/api/v1/posts/?search="))) == 3


def test_api_search_within_a_period(client):
    from datetime import timedelta

    from django.utils import timezone

    PostFactory(title="Kernel old", published_at=timezone.now() - timedelta(days=10))
    PostFactory(title="Kernel new")
    assert api_titles(client.get("/api/v1/posts/?search=kernel&period=week")) == ["Kernel new"]
    assert len(api_titles(client.get("/api/v1/posts/?search=kernel&period=all"))) == 2
    assert client.get("/api/v1/posts/?search=kernel&period=decade").status_code == 400


def test_saved_search_feed(client, corpus):
    response = client.get("/feeds/search.rss", {"q": "tag:rust"})
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert {entry.title for entry in feed.entries} == {
        "A new kernel scheduler",
        "Memory safety in practice",
    }
    assert "tag:rust" in feed.feed.title
    atom = feedparser.parse(client.get("/feeds/search.atom", {"q": "scheduler"}).content)
    assert [entry.title for entry in atom.entries] == ["A new kernel scheduler"]
    page = client.get("/search", {"q": "tag:rust"}).content.decode()
    assert 'type="application/rss+xml"' in page
    assert "/feeds/search.rss?q=tag%3Arust" in page
    blank = client.get("/feeds/search.rss")
    assert blank.status_code == 400
    assert b"/feeds/search.rss?q=" in blank.content


def test_trailing_slash_redirects_with_the_query(client):
    response = client.get("/search/?q=kernel")
    assert response.status_code == 302
    assert response["Location"] == "/search?q=kernel"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_sqlite_fallback_is_substring_and_newest_first(client):
    older = PostFactory(title="Kernel scheduler")
    newer = PostFactory(title="Unrelated", body="mentions the kernel once")
    assert older.published_at < newer.published_at
    page = post_search(viewer=None, query=parse_query("kernel"), order="relevance")
    assert [post.pk for post in page.items] == [newer.pk, older.pk]  # newest, not relevance
    assert [p.pk for p in post_search(viewer=None, query=parse_query("sched")).items] == [older.pk]
    html = client.get("/search?q=kernel").content.decode()
    assert "relevance ranking needs PostgreSQL" in html
    assert "<mark>Kernel</mark> scheduler" in html
    # The tabs show the order really used; relevance, which SQLite cannot rank, is not offered.
    assert 'order=newest" aria-current="page">Newest' in html
    assert "Most relevant" not in html
    assert html.count('aria-current="page"') == 1


def test_relevance_is_selected_only_where_it_ranks(client, corpus):
    html = client.get("/search", {"q": "kernel"}).content.decode()
    ranks = connection.vendor == "postgresql"
    assert ('aria-current="page">Most relevant' in html) is ranks
    assert ('order=newest" aria-current="page">Newest' in html) is not ranks
    # Operators alone have no words to rank by: newest first, on any database.
    html = client.get("/search", {"q": "tag:rust"}).content.decode()
    assert "Only operators: newest first." in html
    assert 'order=newest" aria-current="page">Newest' in html
    assert "Most relevant" not in html


def test_every_order_the_schema_lists_is_accepted_with_and_without_search(client):
    """The API schema lists hot, newest, top and relevance for `order`; each answers 200 with or
    without `search` (relevance without words to match is hot; search results by hot or top)."""
    low = PostFactory(title="Kernel news, the quiet one")
    high = PostFactory(title="Kernel news, the loud one")
    Post = type(high)
    Post.objects.filter(pk=high.pk).update(score=50, hotness=high.hotness + 10)
    Post.objects.filter(pk=low.pk).update(score=1)
    for order in ("hot", "newest", "top", "relevance"):
        for params in ({"order": order}, {"order": order, "search": "kernel"}):
            response = client.get("/api/v1/posts/", params)
            assert response.status_code == 200, (params, response.json())
    for order in ("hot", "top"):
        results = client.get("/api/v1/posts/", {"order": order, "search": "kernel"}).json()
        assert [post["title"] for post in results["results"]] == [high.title, low.title]
        results = client.get("/api/v1/search/", {"order": order, "q": "kernel"})
        assert results.status_code == 200
    assert client.get("/api/v1/posts/", {"order": "relevance"}).json() == (
        client.get("/api/v1/posts/", {"order": "hot"}).json()
    )
