"""Search: the query parser (pure Python, no database) and the database side of matching.

A query is written the way people search the web:

    kubernetes "rolling update" -helm nginx or caddy tag:go channel:devopslinks author:ada
    domain:lwn.net

Words are ANDed, `"..."` is a phrase, `-word` / `-"phrase"` excludes, `a or b` matches either, and
the operators `tag:`, `channel:`, `author:`, `domain:`, `entity:` filter (each can be negated with
`-`). The parser turns any text into a `ParsedQuery` without raising, except `QueryTooLong`; unknown
operators and unbalanced quotes become notices shown next to the results.

On PostgreSQL the words go to `websearch_to_tsquery('english', ...)` against `Post.search_vector`
(GIN index `post_search_idx`), ranked by `ts_rank` and highlighted with `ts_headline`. On SQLite
each word or phrase is a case-insensitive substring match over title, lead, TL;DR, body, quote,
key numbers, key entities and tags, ordered by newest (docs/search.md lists what that cannot do).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import (
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Concat, Right
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.canonical import text_fold
from posts.models import KeyFact, Post, PostEntity

MAX_QUERY_LENGTH = 200
OPERATORS = ("tag", "channel", "author", "domain", "entity")
CONFIG = "english"
SEARCH_ORDERS = ("relevance", "newest", "hot", "top", "active")

# A token: an optional "-", an optional "name:", then a quoted phrase (closing quote optional),
# or else a run of non-space characters.
_TOKEN = re.compile(r'(?P<neg>-?)(?P<op>[A-Za-z]+:)?"(?P<phrase>[^"]*)(?P<close>"?)|(?P<word>\S+)')
_OPERATOR_WORD = re.compile(r"^(?P<neg>-?)(?P<name>[A-Za-z]+):(?P<value>.*)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_OPERATORS = {"http", "https", "mailto"}  # a pasted URL is text, not an unknown operator


class QueryTooLong(ValueError):
    """The query is longer than MAX_QUERY_LENGTH characters."""

    def __init__(self) -> None:
        super().__init__(f"Searches are limited to {MAX_QUERY_LENGTH} characters.")


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase."""

    text: str
    phrase: bool = False

    def websearch(self) -> str:
        return f'"{self.text}"' if self.phrase else self.text


@dataclass(frozen=True)
class Filter:
    """An operator such as `tag:rust` (negated: `-tag:rust`)."""

    operator: str
    value: str
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """What a search asks for. `groups` are ANDed; the terms inside one group are ORed."""

    text: str
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    filters: tuple[Filter, ...] = ()
    notices: tuple[str, ...] = field(default=())

    @property
    def has_text(self) -> bool:
        """True when there are words to rank by (relevance needs them)."""
        return bool(self.groups)

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.excluded or self.filters)

    def websearch(self) -> str:
        """The word part rebuilt in websearch_to_tsquery syntax, operators removed."""
        parts = [" or ".join(term.websearch() for term in group) for group in self.groups]
        parts += [f"-{term.websearch()}" for term in self.excluded]
        return " ".join(parts)


def _clean_value(operator: str, value: str) -> str:
    value = value.strip().strip('"').strip()
    if operator == "tag":
        return value.lstrip("#").lower()
    if operator == "channel":
        return value.lstrip("@").lower()
    if operator == "author":
        return value.lstrip("@")
    if operator == "entity":
        return " ".join(value.split())
    # domain: accept a pasted URL; keep the host, as posts store it (no "www.").
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.lower())
    value = value.split("/", 1)[0].split("?", 1)[0].rstrip(".")
    return value.removeprefix("www.")


def parse_query(raw: str) -> ParsedQuery:
    """Parse a search box's text. Raises QueryTooLong; never anything else."""
    if len(raw or "") > MAX_QUERY_LENGTH:
        raise QueryTooLong
    text = _CONTROL.sub(" ", raw or "").strip()
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    filters: list[Filter] = []
    notices: list[str] = []
    # True when the previous token was a positive term, so a following "or" may join it.
    joinable = False
    pending_or = False
    for match in _TOKEN.finditer(text):
        term: Term | None = None
        negated = False
        if match.group("phrase") is not None:
            negated = bool(match.group("neg"))
            op = (match.group("op") or "")[:-1].lower()
            phrase = " ".join(match.group("phrase").split())
            if not match.group("close"):
                notices.append("A quote was not closed: the phrase runs to the end of the search.")
            if op in OPERATORS:
                value = _clean_value(op, phrase)
                if value:
                    filters.append(Filter(op, value, negated))
                else:
                    notices.append(f"“{op}:” needs a value, for example {op}:{_example(op)}.")
                joinable = pending_or = False
                continue
            if op:  # name:"..." with an unknown name: search the name as a word too
                _unknown_operator(op, notices)
                phrase = f"{op} {phrase}".strip()
            if phrase:
                term = Term(phrase, phrase=True)
        else:
            word = match.group("word")
            operator = _OPERATOR_WORD.match(word)
            if operator and operator.group("name").lower() in OPERATORS:
                op = operator.group("name").lower()
                value = _clean_value(op, operator.group("value"))
                if value:
                    filters.append(Filter(op, value, bool(operator.group("neg"))))
                else:
                    notices.append(f"“{op}:” needs a value, for example {op}:{_example(op)}.")
                joinable = pending_or = False
                continue
            if (
                operator
                and operator.group("value")
                and operator.group("name").lower() not in _NOT_OPERATORS
            ):
                _unknown_operator(operator.group("name").lower(), notices)
            if word.lower() == "or" and joinable:
                pending_or = True
                continue
            negated = word.startswith("-")
            word = word.lstrip("-").replace('"', "")
            if word and word.lower() != "or":
                term = Term(word)
        if term is None:
            joinable = pending_or = False
            continue
        if negated:
            excluded.append(term)
            joinable = pending_or = False
        elif pending_or and groups:
            groups[-1].append(term)
            joinable, pending_or = True, False
        else:
            groups.append([term])
            joinable, pending_or = True, False
    return ParsedQuery(
        text=text,
        groups=tuple(tuple(group) for group in groups),
        excluded=tuple(excluded),
        filters=tuple(filters),
        notices=tuple(dict.fromkeys(notices)),
    )


def _example(operator: str) -> str:
    return {
        "tag": "rust",
        "channel": "devopslinks",
        "author": "ada",
        "domain": "lwn.net",
        "entity": "kubeforge",
    }[operator]


def _unknown_operator(name: str, notices: list[str]) -> None:
    known = "operators: " + ", ".join(f"{op}:" for op in OPERATORS)
    notices.append(f"“{name}:” is not a search operator, so it was searched as text ({known}).")


# --- The database side ---------------------------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class _JsonListText(Func):
    """A JSON list of strings (the TL;DR) as one space-separated text, on PostgreSQL. Anything
    other than a list of strings still yields text rather than an error (lax path mode)."""

    template = (
        "COALESCE((SELECT string_agg(e #>> '{}', ' ') "
        "FROM jsonb_path_query(%(expressions)s, 'lax $[*]') AS e), '')"
    )
    output_field = TextField()


class _HtmlText(Func):
    """Sanitized body HTML as plain text, on PostgreSQL: tags become spaces and the entities the
    sanitizer writes (nh3 escapes only these) become characters again."""

    template = (
        "replace(replace(replace(replace(replace(regexp_replace(%(expressions)s, '<[^>]*>', ' ', "
        "'g'), '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&nbsp;', ' '), '&amp;', '&')"
    )
    output_field = TextField()


def _joined(queryset: QuerySet[Any], text: Any) -> Func:
    return Func(
        ArraySubquery(queryset.values(text=text)),
        Value(" "),
        function="array_to_string",
        output_field=TextField(),
    )


def search_vector_expression() -> Any:
    """The expression that computes a post's search document from its stored columns and
    rows (PostgreSQL). Used in an UPDATE by the post services and by `search_reindex`, so both
    always agree.

    Weights: A title; B lead, TL;DR, tag slugs and names, key numbers, key entities (names
    and roles); C the body and the quote as plain text.
    """
    post_tags = Post.tags.through.objects.filter(post_id=OuterRef("pk"))
    tags = _joined(post_tags, Concat("tag__slug", Value(" "), "tag__name"))
    facts = _joined(
        KeyFact.objects.filter(post_id=OuterRef("pk")),
        Concat("value", Value(" "), "description"),
    )
    entities = _joined(
        PostEntity.objects.filter(post_id=OuterRef("pk")),
        Concat("entity__name", Value(" "), "role"),
    )
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector(
            "lead", _JsonListText(F("tldr")), tags, facts, entities, weight="B", config=CONFIG
        )
        + SearchVector(
            _HtmlText(F("body_html")), _HtmlText(F("quote_html")), weight="C", config=CONFIG
        )
    )


def _sqlite_term(term: Term) -> Q:
    text = term.text
    post_tags = Post.tags.through.objects.filter(post_id=OuterRef("pk"))
    return (
        Q(title__icontains=text)
        | Q(lead__icontains=text)
        | Q(tldr__icontains=text)
        | Q(body__icontains=text)
        | Q(quote__icontains=text)
        | Q(Exists(post_tags.filter(Q(tag__slug__icontains=text) | Q(tag__name__icontains=text))))
        | Q(
            Exists(
                KeyFact.objects.filter(post_id=OuterRef("pk")).filter(
                    Q(value__icontains=text) | Q(description__icontains=text)
                )
            )
        )
        | Q(
            Exists(
                PostEntity.objects.filter(post_id=OuterRef("pk")).filter(
                    Q(entity__name__icontains=text) | Q(role__icontains=text)
                )
            )
        )
    )


def _filter_q(item: Filter) -> Q:
    if item.operator == "tag":
        return Q(
            Exists(Post.tags.through.objects.filter(post_id=OuterRef("pk"), tag__slug=item.value))
        )
    if item.operator == "channel":
        return Q(channel__handle=item.value)
    if item.operator == "author":
        return Q(author__username__iexact=item.value)
    if item.operator == "entity":
        # An entity by its slug (entity:harborlane-ci) or its name in any letter case.
        entity = Q(entity__slug=item.value.lower()) | Q(entity__name_key=text_fold(item.value))
        return Q(Exists(PostEntity.objects.filter(entity, post_id=OuterRef("pk"))))
    return Q(domain=item.value) | Q(domain__endswith=f".{item.value}")


def search_query(parsed: ParsedQuery) -> Any:
    """The SearchQuery for the word part (PostgreSQL)."""
    return SearchQuery(parsed.websearch(), search_type="websearch", config=CONFIG)


def search_filter(queryset: QuerySet[Any], parsed: ParsedQuery) -> QuerySet[Any]:
    """Narrow `queryset` (posts) to what `parsed` asks for, on the current database."""
    for item in parsed.filters:
        condition = _filter_q(item)
        queryset = queryset.exclude(condition) if item.negated else queryset.filter(condition)
    if not (parsed.groups or parsed.excluded):
        return queryset
    if is_postgres():
        return queryset.filter(search_vector=search_query(parsed))
    for group in parsed.groups:
        either = Q()
        for term in group:
            either |= _sqlite_term(term)
        queryset = queryset.filter(either)
    for term in parsed.excluded:
        queryset = queryset.exclude(_sqlite_term(term))
    return queryset


@dataclass(frozen=True)
class Highlighter:
    """Marks ts_headline puts around matches. Random per search, so no post text can contain
    them; the snippet is escaped as a whole and only these become <mark> elements."""

    start: str = field(default_factory=lambda: f"hl{secrets.token_hex(8)}s")
    stop: str = field(default_factory=lambda: f"hl{secrets.token_hex(8)}e")

    def annotations(self, parsed: ParsedQuery) -> dict[str, Any]:
        """ts_headline columns for a result row: the title and a snippet of TL;DR and body."""
        from django.contrib.postgres.search import SearchHeadline

        query = search_query(parsed)
        document = Concat(
            _JsonListText(F("tldr")),
            Value(" … "),
            _HtmlText(F("body_html")),
            output_field=TextField(),
        )
        return {
            "search_title_raw": SearchHeadline(
                "title",
                query,
                config=CONFIG,
                start_sel=self.start,
                stop_sel=self.stop,
                highlight_all=True,
            ),
            "search_snippet_raw": SearchHeadline(
                document,
                query,
                config=CONFIG,
                start_sel=self.start,
                stop_sel=self.stop,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
            # The document's last words: a snippet that does not end with them was cut, and
            # says so with "…" (render_snippet).
            "search_snippet_tail": Right(document, 60),
        }

    def render(self, raw: str | None) -> SafeString:
        """Escape everything, then turn this search's marks (and only them) into <mark>.
        Runs of whitespace (left where HTML tags were) become one space."""
        escaped = str(escape(" ".join((raw or "").split())))
        html = escaped.replace(self.start, "<mark>").replace(self.stop, "</mark>")
        return mark_safe(html)  # noqa: S308 - escaped above; only our own marks become tags

    def render_snippet(self, raw: str | None, tail: str | None) -> SafeString:
        """The snippet as `render` makes it, ending with "…" when ts_headline stopped before
        the end of the document (its cuts fall between words already)."""
        html = self.render(raw)
        plain = " ".join((raw or "").replace(self.start, "").replace(self.stop, "").split())
        last = (tail or "").split()[-1:]
        if plain and last and not plain.endswith(last[0]):
            return mark_safe(f"{html}…")  # noqa: S308 - html is escaped; "…" is plain text
        return html


def sqlite_highlight(text: str, parsed: ParsedQuery) -> SafeString:
    """The SQLite fallback's highlighting: the text escaped, each searched word or phrase
    wrapped in <mark> (case-insensitive, matched on the escaped text's own characters)."""
    words = {term.text for group in parsed.groups for term in group}
    needles = sorted(words, key=len, reverse=True)
    if not needles:
        return escape(text)
    pattern = re.compile("|".join(re.escape(needle) for needle in needles), re.IGNORECASE)
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(str(escape(text[position : match.start()])))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    pieces.append(str(escape(text[position:])))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped
