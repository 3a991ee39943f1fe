"""The search box's parser (posts/search.py): pure Python, no database."""

from __future__ import annotations

import pytest

from posts.search import (
    MAX_QUERY_LENGTH,
    Filter,
    QueryTooLong,
    Term,
    parse_query,
    sqlite_highlight,
)


def test_words_phrases_exclusions_and_or_groups():
    query = parse_query('kubernetes "rolling update" -helm nginx or caddy')
    assert query.groups == (
        (Term("kubernetes"),),
        (Term("rolling update", phrase=True),),
        (Term("nginx"), Term("caddy")),
    )
    assert query.excluded == (Term("helm"),)
    assert query.websearch() == 'kubernetes "rolling update" nginx or caddy -helm'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tag:Rust", Filter("tag", "rust")),
        ("tag:#go", Filter("tag", "go")),
        ("channel:@DevOpsLinks", Filter("channel", "devopslinks")),
        ("author:@Ada", Filter("author", "Ada")),
        ("domain:https://www.LWN.net/Articles/1", Filter("domain", "lwn.net")),
        ("-tag:rust", Filter("tag", "rust", negated=True)),
        ('TAG:"kubernetes"', Filter("tag", "kubernetes")),
    ],
)
def test_operators_are_filters_not_words(raw, expected):
    query = parse_query(raw)
    assert query.filters == (expected,)
    assert query.groups == ()
    assert not query.has_text
    assert not query.is_empty


def test_unbalanced_quote_runs_to_the_end_with_a_notice():
    query = parse_query('kernel "memory safety')
    assert query.groups == ((Term("kernel"),), (Term("memory safety", phrase=True),))
    assert any("quote" in notice for notice in query.notices)


def test_unknown_operator_is_searched_as_text_with_a_notice():
    query = parse_query("lang:rust")
    assert query.groups == ((Term("lang:rust"),),)
    assert query.filters == ()
    assert "“lang:” is not a search operator" in query.notices[0]


def test_operator_without_a_value_says_so():
    query = parse_query("tag:")
    assert query.is_empty
    assert "needs a value" in query.notices[0]


@pytest.mark.parametrize("raw", ["https://lwn.net/a", "note: kernel", "12:30"])
def test_urls_and_prose_colons_are_not_unknown_operators(raw):
    assert parse_query(raw).notices == ()


@pytest.mark.parametrize("raw", ["", "   ", "or", "-", '""', "--"])
def test_blank_queries_are_empty(raw):
    assert parse_query(raw).is_empty


def test_dangling_or_is_ignored():
    assert parse_query("or kernel or").groups == ((Term("kernel"),),)


@pytest.mark.parametrize(
    "raw",
    [
        "'; DROP TABLE posts_post; --",
        ".*[(\\",
        "a & b | !c <-> d:*",
        "%_%",
        "\x00\x01nul",
        '"""',
        "((((",
    ],
)
def test_metacharacters_never_raise(raw):
    query = parse_query(raw)
    assert "\x00" not in query.websearch()


def test_length_limit():
    parse_query("x" * MAX_QUERY_LENGTH)
    with pytest.raises(QueryTooLong, match="200 characters"):
        parse_query("x" * (MAX_QUERY_LENGTH + 1))


def test_sqlite_highlight_escapes_everything_but_its_marks():
    query = parse_query("script")
    html = sqlite_highlight('<script>alert("x")</script> & more', query)
    assert html == (
        "&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt; &amp; more"
    )


def test_sqlite_highlight_treats_words_as_text_not_patterns():
    assert sqlite_highlight("a.b axb", parse_query("a.b")) == "<mark>a.b</mark> axb"
