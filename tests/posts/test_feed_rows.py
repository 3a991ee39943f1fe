"""Feed rows are rendered once for every reader and cached; each reader's part is filled in per
request (posts/rows.py, docs/performance.md#feed-rows). What a reader does shows at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import user_delete
from discussion.services.comments import comment_create
from posts import rows
from posts.services.follows import hidden_tag_add
from posts.services.moderation import post_title_tags_set
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """The posts whose shared row was rendered (not taken from the cache), in order."""
    rendered: list[int] = []
    original = rows.ROWS.shared

    def counting(post):
        rendered.append(post.pk)
        return original(post)

    monkeypatch.setattr(rows.ROWS, "shared", counting)
    return rendered


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, path: str = "/newest/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def row(html: str, post) -> str:
    start = html.index(f'id="post-{post.short_id}"')
    return html[start : html.index("</li>", start)]


def test_each_row_is_rendered_once_for_every_reader(renders):
    posts = PostFactory.create_batch(3)
    ada, bob = UserFactory(), UserFactory()
    page(logged_in(ada))
    assert sorted(renders) == sorted(post.pk for post in posts)
    page(logged_in(bob))
    page(Client())
    page(logged_in(ada), "/")
    assert len(renders) == 3


def test_one_cached_row_carries_each_readers_own_state(renders):
    author, voter, moderator = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    post = PostFactory(author=author)
    voter_client = logged_in(voter)
    page(voter_client)
    voter_client.post(f"/p/{post.short_id}/-/vote/", {"action": "up", "next": "/newest/"})
    voter_client.post(f"/p/{post.short_id}/-/save/", {"action": "save", "next": "/newest/"})

    voted = row(page(voter_client), post)
    assert 'aria-pressed="true" title="Remove your vote"' in voted
    assert '<span class="post-row__points">1</span>' in voted
    assert ">saved</button>" in voted
    assert ">edit</a>" not in voted
    assert ">remove</a>" not in voted

    own = row(page(logged_in(author)), post)
    assert 'title="Your post: you cannot vote on it"' in own
    assert ">edit</a>" in own
    assert ">delete</a>" in own
    assert ">save</button>" in own

    staff = row(page(logged_in(moderator)), post)
    assert 'aria-pressed="false" title="Upvote"' in staff
    assert ">remove</a>" in staff

    visitor = row(page(Client()), post)
    assert 'title="Log in to vote"' in visitor
    assert "<form" not in visitor
    # The vote changed the score, not the shared row: still the one rendering.
    assert renders == [post.pk]


def test_cached_and_uncached_rows_are_the_same_html(settings):
    tag = TagFactory(slug="rust")
    author = UserFactory()
    PostFactory(author=author, tags=[tag])
    PostFactory(tags=[tag], url="")
    reader = logged_in(author)

    def unmasked(html: str) -> str:  # each request masks the CSRF token anew
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)

    cached = [unmasked(page(reader)), unmasked(page(reader))]
    settings.POST_ROW_CACHE_SECONDS = 0
    assert cached == [unmasked(page(reader)), unmasked(page(reader))]
    # Vote, save and hide on the other post, save and hide on his own, the header's log-out.
    assert cached[0].count("TOKEN") == 6


def test_an_edit_shows_at_once(renders):
    post = PostFactory(title="Before the edit")
    reader = logged_in(UserFactory())
    assert "Before the edit" in page(reader)
    post_title_tags_set(post=post, title="After the edit", tags=[TagFactory(slug="go")])
    html = row(page(reader), post)
    assert "After the edit" in html
    assert "#go" in html
    assert "Before the edit" not in html


def test_a_new_comment_shows_at_once_with_the_readers_new_count():
    post = PostFactory()
    reader = logged_in(UserFactory())
    assert ">discuss</a>" in row(page(reader), post)
    comment_create(author=UserFactory(), post=post, body="First!")
    assert ">1 comment</a>" in row(page(reader), post)


def test_a_hidden_tag_takes_its_posts_off_at_once():
    tag = TagFactory(slug="crypto")
    post = PostFactory(tags=[tag])
    user = UserFactory()
    reader = logged_in(user)
    assert f'id="post-{post.short_id}"' in page(reader)
    hidden_tag_add(user=user, tag=tag)
    assert f'id="post-{post.short_id}"' not in page(reader)


def test_a_deleted_account_is_no_longer_named_on_its_rows():
    author = UserFactory(username="leaving")
    post = PostFactory(author=author)
    reader = logged_in(UserFactory())
    assert ">leaving</a>" in row(page(reader), post)
    user_delete(user=author)
    assert "by deleted user" in row(page(reader), post)


def test_the_time_ago_moves_on_while_the_row_stays_cached(renders, monkeypatch):
    post = PostFactory(published_at=timezone.now() - timedelta(minutes=5))
    assert ">5m ago</time>" in row(page(Client()), post)
    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ">3h ago</time>" in row(page(Client()), post)
    assert renders == [post.pk]


def test_search_results_with_highlights_are_not_cached(renders):
    post = PostFactory(title="Tracing with eBPF in production")
    html = page(Client(), "/search?q=tracing")
    assert f'id="post-{post.short_id}"' in html
    page(Client(), "/search?q=tracing")
    assert renders == [post.pk, post.pk]


def test_a_changed_row_template_starts_new_cache_keys(monkeypatch):
    post = PostFactory()
    before = rows.ROWS.cache_key(post)
    monkeypatch.setattr(rows.ROWS, "template", "posts/_pager.html")  # another source
    monkeypatch.delattr(rows.ROWS, "version")  # computed again from that source
    assert rows.ROWS.cache_key(post) != before
