"""Suggested edits: members with enough karma suggest a better title or tags for someone else's
post; the submitter sees the suggestions on their post; when the quorum suggests the same, it is
applied and logged (docs/moderation.md#suggested-edits)."""

from __future__ import annotations

import pytest

from moderation.models import ModerationAction, Suggestion
from moderation.services.errors import SuggestionRejected
from moderation.services.suggestions import post_suggest
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags():
    return {slug: TagFactory(slug=slug) for slug in ("rust", "go", "release")}


@pytest.fixture
def post(tags, settings):
    settings.MODERATION_SUGGESTION_QUORUM = 3
    return PostFactory(title="YOU WON'T BELIEVE THIS RELEASE", tags=[tags["go"]])


def suggest(client, post, title, tags):
    return client.post(f"/p/{post.short_id}/-/suggest/", {"title": title, "tags": tags})


@pytest.mark.parametrize(("karma", "allowed"), [(9, False), (10, True)])
def test_suggesting_opens_at_the_karma_setting(client, settings, post, karma, allowed):
    settings.MODERATION_SUGGEST_MIN_KARMA = 10
    client.force_login(UserFactory(karma=karma))

    page = client.get(f"/p/{post.short_id}/-/suggest/").content.decode()
    response = suggest(client, post, "Rust 1.80 released", ["rust"])

    assert ('value="YOU WON&#x27;T BELIEVE THIS RELEASE"' in page) is allowed
    assert response.status_code == (302 if allowed else 400)
    assert Suggestion.objects.count() == (2 if allowed else 0)
    if not allowed:
        assert "Suggesting edits opens at 10 karma; you have 9." in response.content.decode()


def test_the_quorum_applies_a_title_and_logs_it_and_the_submitter_sees_it_before(client, post):
    members = [trusted(username=name) for name in ("ann", "bob", "cy")]
    tags = list(post.tags.all())
    for member in members[:2]:
        assert post_suggest(user=member, post=post, title="Go 1.23 released", tags=tags) == []
    post_suggest(user=trusted(), post=post, title="Go 1.23 is out", tags=tags)
    post.refresh_from_db()
    assert post.title == "YOU WON'T BELIEVE THIS RELEASE"  # two of three: not yet

    client.force_login(post.author)
    own = client.get(post.get_absolute_url()).content.decode()
    assert 'Title: “Go 1.23 released” <span class="muted">(2 of 3 members)</span>' in own
    assert 'Title: “Go 1.23 is out” <span class="muted">(1 of 3 members)</span>' in own
    client.force_login(UserFactory())
    assert "Suggested edits" not in client.get(post.get_absolute_url()).content.decode()

    applied = post_suggest(
        user=members[2], post=post, title="Go 1.23 released", tags=list(post.tags.all())
    )

    assert applied == ["title"]
    post.refresh_from_db()
    assert (post.title, post.slug) == ("Go 1.23 released", "go-123-released")
    assert not Suggestion.objects.filter(kind="title").exists()
    entry = ModerationAction.objects.get()
    assert entry.kind == "post-suggestion-applied"
    assert entry.moderator is None
    assert entry.reason == "Suggested by ann, bob, cy"
    assert entry.details == "title: “YOU WON'T BELIEVE THIS RELEASE” → “Go 1.23 released”"
    log = client.get("/moderations/").content.decode()
    assert "faun applied members&#x27; suggested edit to a post" in log


def test_the_quorum_applies_tags(post, tags):
    for _ in range(3):
        applied = post_suggest(
            user=trusted(), post=post, title=post.title, tags=[tags["release"], tags["go"]]
        )
    assert applied == ["tags"]
    assert sorted(t.slug for t in Post.objects.get(pk=post.pk).tags.all()) == ["go", "release"]
    assert ModerationAction.objects.get().details == "tags: go → go release"


def test_a_member_has_one_suggestion_of_each_kind_and_suggesting_what_is_there_withdraws_it(post):
    member = trusted()
    post_suggest(user=member, post=post, title="First idea", tags=list(post.tags.all()))
    post_suggest(user=member, post=post, title="Better idea", tags=list(post.tags.all()))
    assert list(Suggestion.objects.values_list("value", flat=True)) == ["Better idea"]

    post_suggest(user=member, post=post, title=post.title, tags=list(post.tags.all()))
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("own", "This is your post: edit it yourself."),
        ("removed", "This post is not open for suggestions."),
        ("short", "Use 3 to 200 characters."),
        ("no tags", "Choose 1 to 5 tags."),
    ],
)
def test_what_cannot_be_suggested(post, case, message):
    member = post.author if case == "own" else trusted()
    if case == "own":
        type(member).objects.filter(pk=member.pk).update(karma=100)
        member.refresh_from_db()
    if case == "removed":
        Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
        post.refresh_from_db()
    title = "ab" if case == "short" else "A fine title"
    tags = [] if case == "no tags" else list(post.tags.all())

    with pytest.raises(SuggestionRejected, match=message):
        post_suggest(user=member, post=post, title=title, tags=tags)
    assert not Suggestion.objects.exists()


def test_the_post_page_offers_members_the_suggest_link(client, post):
    client.force_login(UserFactory())
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'href="/p/{post.short_id}/-/suggest/"' in page
    client.force_login(post.author)
    assert "/-/suggest/" not in client.get(post.get_absolute_url()).content.decode()
