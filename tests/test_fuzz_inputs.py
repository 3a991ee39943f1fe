"""Random Unicode into every form field and every API write field: all planes, control
characters, NUL, lone surrogates, noncharacters, bidi marks, combining characters and
10,000-character strings. Whatever goes in, no answer is a 5xx, and every page and feed that shows
what was saved still parses: HTML with no invalid code point or character reference error
(html5lib), RSS and Atom without a bozo flag (feedparser); docs/posting.md#text-a-user-writes.

Forms are posted as raw urlencoded UTF-8 (a lone surrogate becomes the invalid bytes a hostile
client would send); the API gets JSON, where a lone surrogate is a legal `\\ud800` escape.
Hypothesis runs derandomized with a bounded number of examples per field group, so every run
(SQLite and PostgreSQL in CI) tries the same inputs; the whole file runs in well under a minute.
"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import feedparser
import html5lib
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tokens import api_token_create
from core.text import text_problem
from newsletters.services.subscriptions import newsletter_for_channel
from posts.models import Post
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# Characters worth more than their share of random draws.
SPECIALS = [
    "\x00",
    "\x01",
    "\x08",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\x9f",
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u0301",  # combining acute accent
    "\u05d0",
    "\ufdd0",
    "\ufffd",
    "\ufffe",
    "\uffff",
    "\ud800",
    "\udfff",
    "\U0001f600",
    "\U0001fffe",
    "\U0010ffff",
    "<",
    ">",
    "&",
    '"',
    "'",
    "%",
    "\\",
    "/",
    " ",
]
CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS))
# Text a form accepts: any script, mark or plane, but no control character, surrogate or
# noncharacter (so it reaches the pages and feeds that show it).
ACCEPTABLE = st.characters(
    exclude_categories=("Cc", "Cs"), exclude_characters=["\ufdd0", "\ufffe", "\uffff"]
)


def _texts(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    short = st.text(chars, max_size=30)
    # 10,000 characters from a short random piece: past every length limit, cheap to draw.
    long = st.text(chars, min_size=1, max_size=6).map(lambda piece: (piece * 10_000)[:10_000])
    return st.one_of(short, short, short, long)


TEXT = st.one_of(_texts(CHARS), _texts(ACCEPTABLE).filter(lambda text: text_problem(text) is None))
JSON_VALUE = st.one_of(TEXT, st.none(), st.integers(), st.booleans(), st.lists(TEXT, max_size=2))
# Links and usernames must be new for a submission or sign-up to get through: SERIAL in a value
# becomes the next number.
SERIAL = itertools.count()


def fresh(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("SERIAL", str(next(SERIAL)))
    return value


def mutated(valid: str) -> st.SearchStrategy[str]:
    """`valid` with a few random characters slipped in: it still passes every other rule
    (length, link syntax, a known tag), so the characters themselves are what is checked."""
    return st.builds(
        lambda at, noise: valid[:at] + noise + valid[at:],
        st.integers(0, len(valid)),
        st.text(CHARS, min_size=1, max_size=3),
    )


def wild(valid: Any) -> st.SearchStrategy[Any]:
    """A random stand-in for the valid value `valid`, of its shape or not."""
    if isinstance(valid, str):
        return st.one_of(TEXT, mutated(valid), mutated(valid), mutated(valid))
    if isinstance(valid, list):
        return st.lists(wild(valid[0]) if valid else TEXT, max_size=3)
    if isinstance(valid, dict):
        return st.fixed_dictionaries(
            {key: st.one_of(st.just(value), wild(value)) for key, value in valid.items()}
        )
    return JSON_VALUE


def fuzzed(
    valid: dict[str, Any],
    strategies: dict[str, st.SearchStrategy[Any]] | None = None,
    *,
    partial: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """`valid` with one or two of its fields replaced by random values (`wild` ones unless
    `strategies` names another), so each input is looked at past the fields that are fine;
    `partial`: only the replaced fields (a PATCH)."""
    strategies = strategies or {}

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        names = draw(st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=2, unique=True))
        chosen = {
            name: draw(strategies[name] if name in strategies else wild(valid[name]))
            for name in names
        }
        data = chosen if partial else {**valid, **chosen}
        return {name: fresh(value) for name, value in data.items()}

    return build()


@pytest.fixture(autouse=True)
def _no_limits(settings):
    """Rate limits and throttles would answer 429 before most of the input is looked at."""
    settings.POST_DAILY_LIMIT = 10**6
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = 10**6
    settings.ACCOUNTS_EMAIL_LIMIT = 10**6
    settings.DISCUSSION_DAILY_LIMIT = 10**6
    settings.DISCUSSION_DUPLICATE_SECONDS = 0
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(
            settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], None
        ),
    }


@pytest.fixture
def world(member):
    """Tags, a channel with a newsletter, and a post to follow, save and hide."""
    rust = TagFactory(slug="rust")
    channel = ChannelFactory(handle="devopslinks")
    ChannelMembershipFactory(channel=channel, user=member)
    newsletter_for_channel(channel=channel)
    post = PostFactory(tags=[rust], published_at=timezone.now() - timedelta(hours=1))
    return {
        "tags": "rust",
        "channels": "devopslinks",
        "posts": post.short_id,
        "users": post.author.username,
    }


@pytest.fixture
def token(member):
    """A read-and-write API token of `member`."""
    return api_token_create(user=member, name="fuzz", scope="write").secret


def encoded(value: str) -> str:
    # What a client sends for text it cannot encode: the surrogate's bytes, invalid UTF-8.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def form_post(client: Client, path: str, data: dict[str, str | list[str]]) -> Any:
    body = "&".join(
        f"{encoded(name)}={encoded(item)}"
        for name, value in data.items()
        for item in (value if isinstance(value, list) else [value])
    )
    return client.post(path, body, content_type="application/x-www-form-urlencoded")


def json_send(client: Client, method: str, path: str, payload: Any, token: str) -> Any:
    body = json.dumps(payload)  # ASCII, a lone surrogate as its \ud800 escape
    return getattr(client, method)(
        path, body, content_type="application/json", headers={"authorization": f"Bearer {token}"}
    )


def no_server_error(response: Any) -> Any:
    assert response.status_code < 500, (response.status_code, response.content[:2000])
    return response


def page_parses(client: Client, path: str) -> None:
    """The page renders, and an HTML5 parser finds no invalid code point and no broken
    character reference in it: no text reached the markup unescaped or uncleaned. (Markup
    mistakes of the templates themselves are not this test's subject.)"""
    response = no_server_error(client.get(path))
    assert response.status_code == 200, path
    parser = html5lib.HTMLParser()
    parser.parse(response.content)
    text_errors = [
        (position, code, data)
        for position, code, data in parser.errors
        if "codepoint" in code or "entity" in code
    ]
    assert not text_errors, (path, text_errors)


def feed_parses(client: Client, path: str) -> None:
    response = no_server_error(client.get(path))
    assert response.status_code == 200, path
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (path, parsed.get("bozo_exception"))


def json_parses(client: Client, path: str) -> None:
    response = no_server_error(client.get(path))
    assert response.status_code == 200, path
    json.loads(response.content)


def post_shows_everywhere(client: Client, post: Post) -> None:
    """Every page, feed and API answer that lists `post` still renders and parses."""
    cache.clear()  # the anonymous page cache would serve what was rendered before
    anonymous = Client()
    page_parses(client, post.get_absolute_url())
    for path in ["/", "/newest/", "/t/rust/", f"/u/{post.author.username}/"]:
        page_parses(anonymous, path)
    for path in ["/feeds/newest.rss", "/feeds/home.atom", "/feeds/t/rust.rss"]:
        feed_parses(anonymous, path)
    feed_parses(anonymous, f"/feeds/u/{post.author.username}.atom")
    json_parses(anonymous, f"/api/v1/posts/{post.short_id}/")
    json_parses(anonymous, "/api/v1/posts/")


# --- forms ------------------------------------------------------------------------------------

SUBMIT = fuzzed(
    {
        "url": "https://fuzz.example/SERIAL",
        "title": "Rust in the kernel",
        "lead": "Rust support is no longer an experiment.",
        "tags": ["rust"],
        "channel": "",
        "tldr": "It is here to stay.\nDistributions ship it.",
        "body": "Merged in **6.1**.",
        "quote": "The experiment is over.",
        "quote_source": "lwn.example",
        "quote_url": "https://lwn.example/quote",
        "key_facts-0-value": "6.1",
        "key_facts-0-description": "Kernel version.",
        "timeline-0-when": "2022-12-11",
        "timeline-0-description": "Merged.",
    },
)


@FUZZ
@given(fields=SUBMIT)
def test_submit_form(member_client, world, fields):
    data = {
        **fields,
        "key_facts-TOTAL_FORMS": "1",
        "key_facts-INITIAL_FORMS": "0",
        "timeline-TOTAL_FORMS": "1",
        "timeline-INITIAL_FORMS": "0",
        "action": "publish",
    }
    before = set(Post.objects.values_list("pk", flat=True))
    response = no_server_error(form_post(member_client, "/submit/", data))
    html5lib.HTMLParser().parse(response.content)
    created = Post.objects.exclude(pk__in=before).first()
    if created is not None:
        assert response.status_code == 302
        post_shows_everywhere(member_client, created)


@FUZZ
@given(fields=fuzzed({"display_name": "Ada", "bio": "Engines.\r\nAnd notes.", "website": ""}))
def test_settings_profile_form(member_client, member, fields):
    response = no_server_error(form_post(member_client, reverse("accounts:settings"), fields))
    html5lib.HTMLParser().parse(response.content)
    if response.status_code == 302:
        cache.clear()
        page_parses(member_client, reverse("accounts:settings"))
        page_parses(Client(), f"/u/{member.username}/")
        json_parses(Client(), f"/api/v1/users/{member.username}/")


@FUZZ
@given(fields=fuzzed({"name": "feed reader", "scope": "read"}))
def test_api_token_form(member_client, fields):
    response = no_server_error(form_post(member_client, reverse("accounts:tokens"), fields))
    html5lib.HTMLParser().parse(response.content)
    if response.status_code == 201:
        page_parses(member_client, reverse("accounts:tokens"))


@FUZZ
@given(
    fields=fuzzed(
        {
            "username": "adaSERIAL",
            "email": "adaSERIAL@example.com",
            "password1": "correct-horse-battery-9",
            "password2": "correct-horse-battery-9",
        }
    )
)
def test_sign_up_form(client, db, fields):
    response = no_server_error(form_post(client, reverse("accounts:signup"), fields))
    html5lib.HTMLParser().parse(response.content)
    if response.status_code == 302:
        page_parses(client, response.url)


@FUZZ
@given(fields=fuzzed({"username": "ada", "password": "correct-horse-battery-9"}))
def test_login_form(client, db, fields):
    response = no_server_error(form_post(client, reverse("accounts:login"), fields))
    html5lib.HTMLParser().parse(response.content)


@FUZZ
@given(fields=fuzzed({"email": "adaSERIAL@example.com"}))
def test_newsletter_subscribe_form(client, world, fields):
    path = reverse("newsletters:subscribe", kwargs={"handle": "devopslinks"})
    response = no_server_error(form_post(client, path, fields))
    html5lib.HTMLParser().parse(response.content)
    if response.status_code == 302:
        page_parses(client, response.url)


@FUZZ
@given(q=TEXT, order=st.sampled_from(["relevance", "newest", "hot", "top", "\x00", "\ud800"]))
def test_search_box(client, world, q, order):
    query = f"q={encoded(q)}&order={encoded(order)}"
    html5lib.HTMLParser().parse(no_server_error(client.get(f"/search/?{query}")).content)
    for path in ["/feeds/search.rss", "/feeds/search.atom"]:
        response = no_server_error(client.get(f"{path}?q={encoded(q)}"))
        if response.status_code == 200:
            assert not feedparser.parse(response.content).bozo
    json.loads(no_server_error(client.get(f"/api/v1/search/?{query}")).content)


def comments_show_everywhere(client: Client, post: Post) -> None:
    """Every page, feed and API answer that lists the post's comments still parses."""
    cache.clear()
    anonymous = Client()
    page_parses(anonymous, post.get_absolute_url())
    page_parses(anonymous, "/comments/")
    for path in [
        "/feeds/comments.rss",
        f"/feeds/p/{post.short_id}/comments.atom",
        f"/feeds/u/{post.author.username}/comments.rss",
    ]:
        feed_parses(anonymous, path)
    json_parses(anonymous, f"/api/v1/posts/{post.short_id}/comments/")


@FUZZ
@given(fields=fuzzed({"body": "Nice **work**, @ada.\n\n> Quoted."}))
def test_comment_form(member_client, world, fields):
    post = Post.objects.get(short_id=world["posts"])
    path = f"/p/{post.short_id}/-/comment/"
    response = no_server_error(form_post(member_client, path, fields))
    html5lib.HTMLParser().parse(response.content)
    if response.status_code == 302:
        comments_show_everywhere(member_client, post)


# --- the API ----------------------------------------------------------------------------------

API_FIELDS = {
    "url": "https://fuzz.example/api/SERIAL",
    "title": "Rust in the kernel",
    "lead": "Rust support is no longer an experiment.",
    "tags": ["rust"],
    "channel": None,
    "tldr": ["Concluded."],
    "body": "Merged in **6.1**.",
    "quote": {
        "text": "The experiment is over.",
        "source": "lwn.example",
        "url": "https://lwn.example/quote",
    },
    "key_facts": [{"value": "6.1", "description": "Kernel version."}],
    "timeline": [
        {"date": "2022-12-11", "description": "Merged."},
        {"when": "Q1 2027", "description": "Next."},
    ],
}
API_STRATEGIES = {"channel": st.one_of(JSON_VALUE, mutated("devopslinks"))}
UNKNOWN_FIELDS = st.dictionaries(TEXT, JSON_VALUE, max_size=2)


@FUZZ
@given(
    fields=fuzzed(API_FIELDS, API_STRATEGIES),
    edit=fuzzed(API_FIELDS, API_STRATEGIES, partial=True),
    unknown=st.one_of(st.just({}), UNKNOWN_FIELDS),
)
def test_api_post_create_and_edit(client, token, world, fields, edit, unknown):
    payload = {**unknown, **fields}
    response = no_server_error(json_send(client, "post", "/api/v1/posts/", payload, token))
    json.loads(response.content)
    if response.status_code != 201:
        return
    short_id = response.json()["id"]
    changes = edit
    response = no_server_error(
        json_send(client, "patch", f"/api/v1/posts/{short_id}/", changes, token)
    )
    json.loads(response.content)
    post_shows_everywhere(client, Post.objects.get(short_id=short_id))


@FUZZ
@given(
    fields=fuzzed({"body": "Nice **work**.", "parent": None}, {"parent": JSON_VALUE}),
    edit=fuzzed({"body": "Nicer **work**."}, partial=True),
    unknown=st.one_of(st.just({}), UNKNOWN_FIELDS),
)
def test_api_comment_create_and_edit(client, token, world, fields, edit, unknown):
    post = Post.objects.get(short_id=world["posts"])
    path = f"/api/v1/posts/{post.short_id}/comments/"
    response = no_server_error(json_send(client, "post", path, {**unknown, **fields}, token))
    json.loads(response.content)
    if response.status_code != 201:
        return
    short_id = response.json()["id"]
    response = no_server_error(
        json_send(client, "patch", f"/api/v1/comments/{short_id}/", edit, token)
    )
    json.loads(response.content)
    comments_show_everywhere(client, post)


ACTIONS = [
    ("post", "tags", "follow"),
    ("delete", "tags", "follow"),
    ("post", "tags", "hide"),
    ("post", "channels", "follow"),
    ("post", "users", "follow"),
    ("post", "posts", "hide"),
    ("delete", "posts", "hide"),
    ("post", "posts", "save"),
]


@FUZZ
@given(
    action=st.sampled_from(ACTIONS),
    key=st.one_of(st.none(), TEXT),
    body=st.one_of(st.none(), JSON_VALUE, UNKNOWN_FIELDS),
)
def test_api_follow_and_hide(client, token, world, action, key, body):
    method, kind, verb = action
    # None: the real tag, channel, user or post, so the body is looked at too.
    segment = encoded(world[kind] if key is None else key)
    response = no_server_error(
        json_send(client, method, f"/api/v1/{kind}/{segment}/{verb}/", body, token)
    )
    if response.get("Content-Type", "").startswith("application/json"):
        json.loads(response.content)
