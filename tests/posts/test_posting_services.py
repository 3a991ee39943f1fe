"""The posting rules, tested on the services the HTML form and the REST API share."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from posts.models import HiddenPost, KeyFact, Post, SavedPost, TimelineEvent
from posts.selectors.core import posts_for_viewer
from posts.selectors.feeds import feed_list, hidden_post_list
from posts.selectors.posts import post_earlier_submission, post_get_for_edit, url_duplicate_check
from posts.services.content import KeyFactData, PostContent, TimelineEventData
from posts.services.errors import PostActionNotAllowed, PostRejected
from posts.services.lists import (
    hidden_post_add,
    hidden_post_remove,
    saved_post_add,
    saved_post_remove,
)
from posts.services.submission import post_delete, post_remove, post_submit, post_update
from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(member):
    """A verified account older than the new-account period."""
    return member


@pytest.fixture
def rust():
    return TagFactory(slug="rust")


def submit(author, **overrides):
    fields = {
        "url": "https://lwn.example/articles/1",
        "title": "Rust in the kernel",
        "tags": overrides.pop("tags", None) or [TagFactory(slug="rust")],
        "channel": None,
        "tldr": ["It is here to stay."],
        "body": "Some **bold** text.",
        "key_facts": [KeyFactData("6.1", "Kernel version.")],
        "timeline": [
            TimelineEventData("Merged.", date(2022, 12, 11)),
            TimelineEventData("Done", None, "2025"),
        ],
    }
    fields.update(overrides)
    return post_submit(author=author, content=PostContent.of(**fields))


def age(post: Post, **delta) -> None:
    """Pretend `post` was submitted and published `delta` ago."""
    then = timezone.now() - timedelta(**delta)
    Post.objects.filter(pk=post.pk).update(created_at=then, published_at=then)
    post.refresh_from_db()


def rejected(code: str, field: str, **kwargs) -> PostRejected:
    with pytest.raises(PostRejected) as info:
        submit(**kwargs)
    assert info.value.code == code
    assert field in info.value.errors, info.value.errors
    return info.value


# Submitting.


def queued_tasks(callbacks) -> list[str]:
    """The names of the tasks that on-commit callbacks queue (functools.partial of .delay)."""
    return [callback.func.__self__.name.rsplit(".", 1)[1] for callback in callbacks]


def test_submit_publishes_a_link_post_with_everything(author, django_capture_on_commit_callbacks):
    channel = ChannelMembershipFactory(user=author).channel
    with django_capture_on_commit_callbacks() as callbacks:
        post = submit(
            author, channel=channel, url="https://www.LWN.example/articles/1/?utm_source=x"
        )
    post.refresh_from_db()
    assert post.is_published
    assert post.kind == Post.Kind.LINK
    assert post.normalized_url == "https://lwn.example/articles/1"
    assert post.domain == "lwn.example"
    assert post.channel == channel
    assert post.author == author
    assert post.body_html == "<p>Some <strong>bold</strong> text.</p>\n"
    assert [f.value for f in post.key_facts.all()] == ["6.1"]
    assert [(e.date, e.when) for e in post.timeline_events.all()] == [
        (date(2022, 12, 11), ""),
        (None, "2025"),
    ]
    assert [t.slug for t in post.tags.all()] == ["rust"]
    # The link preview and the social card, queued for after the commit.
    assert queued_tasks(callbacks) == ["post_fetch_preview", "post_render_card"]


def test_a_text_post_needs_a_body_and_queues_no_preview(author, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        post = submit(author, url="", body="Just text.")
    assert post.kind == Post.Kind.TEXT
    assert queued_tasks(callbacks) == ["post_render_card"]  # no preview
    error = rejected("invalid", "body", author=author, url="", body="  ")
    assert "Add a link" in error.message


def test_unverified_and_inactive_authors_cannot_post():
    unverified = UserFactory(email_verified_at=None)
    error = rejected("unverified", "__all__", author=unverified)
    assert "Verify your email" in error.message
    rejected("unverified", "__all__", author=UserFactory(is_active=False))
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "Only http:// and https://"),
        ("JaVaScRiPt:alert(1)", "Only http:// and https://"),
        ("data:text/html,<script>alert(1)</script>", "Only http:// and https://"),
        ("ftp://example.com/file", "Only http:// and https://"),
        ("example.com/no-scheme", "starting with http://"),
        ("http://", "no host name"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com:99999/", "port"),
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_bad_urls_are_refused_on_the_url_field(author, url, message):
    error = rejected("invalid", "url", author=author, url=url)
    assert message in error.errors["url"][0]
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "ab"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "x" * 40_001}, "body"),
        ({"tldr": ["one", "two", "three", "four", "five", "six"]}, "tldr"),
        ({"tldr": ["x" * 301]}, "tldr"),
        ({"key_facts": [KeyFactData("1", "")]}, "key_facts"),
        ({"key_facts": [KeyFactData("1" * 41, "too long value")]}, "key_facts"),
        ({"key_facts": [KeyFactData(str(i), "n") for i in range(11)]}, "key_facts"),
        ({"timeline": [TimelineEventData("no date")]}, "timeline"),
        ({"timeline": [TimelineEventData("", None, "2024")]}, "timeline"),
        ({"timeline": [TimelineEventData("x", None, "w" * 61)]}, "timeline"),
        ({"timeline": [TimelineEventData("e", None, "2024")] * 21}, "timeline"),
        # The services refuse what the forms and the API refuse, whoever calls them.
        ({"title": "Rust\x01 in the kernel"}, "title"),
        ({"url": "https://lwn.example/\ud800"}, "url"),
        ({"body": "Some\x00 text."}, "body"),
        ({"tldr": ["Tab\tin a bullet."]}, "tldr"),
        ({"key_facts": [KeyFactData("6.1", "Kernel\ufffe version.")]}, "key_facts"),
        ({"timeline": [TimelineEventData("Merged\x1b.", date(2022, 12, 11))]}, "timeline"),
        ({"timeline": [TimelineEventData("Done", None, "20\x0c25")]}, "timeline"),
    ],
)
def test_content_limits_are_enforced_and_nothing_is_saved(author, overrides, field):
    rejected("invalid", field, author=author, **overrides)
    assert Post.objects.count() == KeyFact.objects.count() == TimelineEvent.objects.count() == 0


def test_one_to_five_distinct_tags(author):
    tags = [TagFactory(slug=f"t{i}") for i in range(6)]
    assert "Choose 1 to 5 tags." in rejected("invalid", "tags", author=author, tags=tags).message
    with pytest.raises(PostRejected, match="1 to 5 tags"):
        post_submit(
            author=author,
            content=PostContent.of(
                url="",
                title="No tags",
                tags=[],
                channel=None,
                tldr=[],
                body="text",
                key_facts=[],
                timeline=[],
            ),
        )
    twice = rejected("invalid", "tags", author=author, tags=[tags[0], tags[0]])
    assert "once" in twice.message
    assert submit(author, tags=tags[:5]).tags.count() == 5


def test_only_members_post_on_behalf_of_a_channel(author):
    stranger_channel = ChannelFactory(handle="elsewhere")
    error = rejected("invalid", "channel", author=author, channel=stranger_channel)
    assert error.errors["channel"] == ["You are not a member of @elsewhere."]
    assert Post.objects.count() == 0


def test_a_database_failure_half_way_leaves_nothing_behind(author, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(TimelineEvent.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        submit(author)
    assert Post.objects.count() == KeyFact.objects.count() == 0


# Rate limits.


def test_new_accounts_post_once_per_interval(settings):
    newcomer = UserFactory()  # joined just now
    first = submit(newcomer)
    error = rejected("rate_limited", "__all__", author=newcomer, url="https://other.example/")
    assert "New accounts can post once every 5 minutes during their first 3 days" in error.message
    assert "You can post again in 5 minutes." in error.message
    assert 0 < error.retry_after <= 300
    age(first, minutes=6)
    assert submit(newcomer, url="https://other.example/").is_published


def test_established_accounts_are_not_held_to_the_interval(author):
    submit(author)
    assert submit(author, url="https://other.example/").is_published


def test_everyone_has_a_daily_cap_counted_in_the_database(author, settings):
    settings.POST_DAILY_LIMIT = 3
    posts = [submit(author, url=f"https://e.example/{i}") for i in range(3)]
    age(posts[0], hours=20)
    error = rejected("rate_limited", "__all__", author=author, url="https://e.example/x")
    assert (
        error.message
    ) == "You have reached the limit of 3 posts a day. You can post again in 4 hours."
    assert 3 * 3600 < error.retry_after <= 4 * 3600
    # Deleting a post does not give its slot back.
    post_delete(post=posts[1], user=author)
    rejected("rate_limited", "__all__", author=author, url="https://e.example/x")
    age(posts[0], hours=25)
    assert submit(author, url="https://e.example/x").is_published


# Duplicates.


@pytest.mark.parametrize(
    "variant",
    [
        "https://lwn.example/articles/1",
        "http://www.lwn.example/articles/1/",
        "https://LWN.example:443/articles/1?utm_source=hn#comments",
        "https://lwn.example/articles/./1/index.html",
    ],
)
def test_a_link_posted_in_the_last_30_days_is_refused_with_the_existing_post(author, variant):
    existing = submit(author)
    age(existing, days=29)
    error = rejected(
        "duplicate", "url", author=UserFactory(date_joined=existing.created_at), url=variant
    )
    assert error.duplicate_of == existing
    assert error.errors["url"] == [
        f"This link was already posted 4 weeks, 1 day ago: “{existing.title}”."
    ]


def test_an_older_post_of_the_link_does_not_block_and_is_shown_as_previously_posted(author):
    old = submit(author)
    age(old, days=31)
    new = submit(author, url="http://www.lwn.example/articles/1/")
    assert post_earlier_submission(post=new) == old
    assert post_earlier_submission(post=old) is None


def test_a_removed_post_does_not_block_its_link(author):
    first = submit(author)
    post_delete(post=first, user=author)
    assert submit(author).is_published


def test_duplicate_check_reports_recent_and_older_posts(author):
    post = submit(author)
    check = url_duplicate_check(url="http://lwn.example/articles/1")
    assert check.existing == post
    assert check.blocks
    assert not url_duplicate_check(
        url="http://lwn.example/articles/1", exclude_short_id=post.short_id
    ).existing
    age(post, days=40)
    check = url_duplicate_check(url="http://lwn.example/articles/1")
    assert check.existing == post
    assert not check.blocks
    with pytest.raises(ValueError, match="Only http"):
        url_duplicate_check(url="javascript:alert(1)")


# Editing, deleting, removing.


def test_author_edits_within_the_window(author, django_capture_on_commit_callbacks):
    post = submit(author)
    vote_cast(user=UserFactory(), post=post)
    Post.objects.filter(pk=post.pk).update(preview_title="Old", preview_fetched_at=timezone.now())
    go = TagFactory(slug="go")
    with django_capture_on_commit_callbacks() as callbacks:
        post_update(
            post=post,
            editor=author,
            content=PostContent.of(
                url="https://new.example/story",
                title="A better title",
                tags=[go],
                channel=None,
                tldr=["New bullet"],
                body="New *body*",
                key_facts=[KeyFactData("2x", "Faster."), KeyFactData("3", "Three.")],
                timeline=[],
            ),
        )
    post.refresh_from_db()
    assert (post.title, post.slug, post.domain) == (
        "A better title",
        "a-better-title",
        "new.example",
    )
    assert post.score == 2  # votes (the author's own and another's) survive an edit
    assert post.body_html == "<p>New <em>body</em></p>\n"
    assert [t.slug for t in post.tags.all()] == ["go"]
    assert [f.value for f in post.key_facts.all()] == ["2x", "3"]
    assert not post.timeline_events.exists()
    assert post.preview_title == ""
    assert post.preview_fetched_at is None
    assert queued_tasks(callbacks) == ["post_fetch_preview", "post_render_card"]


def edit(post, editor, **overrides):
    fields = {
        "url": post.url,
        "title": "Edited title",
        "tags": list(post.tags.all()),
        "channel": post.channel,
        "tldr": post.tldr,
        "body": post.body,
        "key_facts": [],
        "timeline": [],
    }
    fields.update(overrides)
    return post_update(post=post, editor=editor, content=PostContent.of(**fields))


def test_keeping_the_same_link_is_not_a_duplicate_but_taking_another_recent_one_is(author):
    post = submit(author)
    other = submit(author, url="https://other.example/a")
    assert edit(post, author).title == "Edited title"
    with pytest.raises(PostRejected) as info:
        edit(post, author, url="http://other.example/a/")
    assert info.value.duplicate_of == other


def test_others_cannot_edit_and_the_window_closes(author, settings):
    post = submit(author)
    with pytest.raises(PermissionDenied, match="only edit your own"):
        edit(post, UserFactory())
    settings.POST_EDIT_WINDOW_SECONDS = 3600
    age(post, minutes=61)
    with pytest.raises(PermissionDenied, match="1 hour after posting"):
        edit(post, author)
    post.refresh_from_db()
    assert post.title == "Rust in the kernel"


def test_author_deletes_softly_and_only_once(author):
    post = submit(author)
    with pytest.raises(PermissionDenied):
        post_delete(post=post, user=UserFactory())
    post_delete(post=post, user=author)
    post.refresh_from_db()
    assert post.is_removed
    assert post.removed_by == author
    assert post.was_deleted_by_author
    assert not posts_for_viewer(viewer=None).filter(pk=post.pk).exists()
    with pytest.raises(PermissionDenied, match="already removed"):
        post_delete(post=post, user=author)
    with pytest.raises(PermissionDenied, match="removed"):
        edit(post, author)


def test_staff_remove_any_post_with_a_reason(author):
    post = submit(author)
    moderator = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied, match="Only moderators"):
        post_remove(post=post, moderator=author, reason="spam")
    with pytest.raises(PostRejected) as info:
        post_remove(post=post, moderator=moderator, reason="   ")
    assert "reason" in info.value.errors
    with pytest.raises(PostRejected) as info:
        post_remove(post=post, moderator=moderator, reason="Spam\x01")
    assert "U+0001" in info.value.errors["reason"][0]
    post_remove(post=post, moderator=moderator, reason="Spam.")
    post.refresh_from_db()
    assert (post.status, post.removed_by, post.removed_reason) == ("removed", moderator, "Spam.")
    assert not post.was_deleted_by_author


def test_post_get_for_edit_is_the_one_permission_check(author, settings):
    post = submit(author)
    other, staff = UserFactory(), UserFactory(is_staff=True)
    assert post_get_for_edit(user=author, short_id=post.short_id) == post
    with pytest.raises(Http404):
        post_get_for_edit(user=author, short_id="nope00")
    for user in (other, staff):
        with pytest.raises(PermissionDenied):
            post_get_for_edit(user=user, short_id=post.short_id)
    with pytest.raises(PermissionDenied):
        post_get_for_edit(user=other, short_id=post.short_id, action="delete")
    with pytest.raises(PermissionDenied):
        post_get_for_edit(user=author, short_id=post.short_id, action="remove")
    assert post_get_for_edit(user=staff, short_id=post.short_id, action="remove")
    age(post, hours=7)
    with pytest.raises(PermissionDenied, match="6 hours"):
        post_get_for_edit(user=author, short_id=post.short_id)
    # Deleting has no window.
    assert post_get_for_edit(user=author, short_id=post.short_id, action="delete")
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    with pytest.raises(Http404):
        post_get_for_edit(user=other, short_id=draft.short_id)


# Saved and hidden posts.


def test_save_and_hide_are_idempotent_and_only_for_published_posts():
    post, user = PostFactory(), UserFactory()
    assert saved_post_add(user=user, post=post) is True
    assert saved_post_add(user=user, post=post) is False
    assert hidden_post_add(user=user, post=post) is True
    assert hidden_post_add(user=user, post=post) is False
    assert SavedPost.objects.count() == HiddenPost.objects.count() == 1
    assert saved_post_remove(user=user, post=post) is True
    assert saved_post_remove(user=user, post=post) is False
    assert hidden_post_remove(user=user, post=post) is True
    assert hidden_post_remove(user=user, post=post) is False
    Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
    post.refresh_from_db()
    with pytest.raises(PostActionNotAllowed):
        saved_post_add(user=user, post=post)
    with pytest.raises(PostActionNotAllowed):
        hidden_post_add(user=user, post=post)


def test_database_refuses_a_second_hidden_row():
    from django.db import IntegrityError, transaction

    post, user = PostFactory(), UserFactory()
    HiddenPost.objects.create(user=user, post=post)
    with pytest.raises(IntegrityError), transaction.atomic():
        HiddenPost.objects.create(user=user, post=post)


def test_hidden_posts_leave_the_viewers_feeds_only():
    tag = TagFactory(slug="go")
    hidden, kept = PostFactory(tags=[tag]), PostFactory(tags=[tag])
    viewer = UserFactory()
    hidden_post_add(user=viewer, post=hidden)
    for kwargs in ({}, {"tag": tag}, {"author": hidden.author}, {"order": "top"}):
        mine = feed_list(viewer=viewer, **kwargs).items
        theirs = feed_list(viewer=UserFactory(), **kwargs).items
        assert hidden not in mine
        assert hidden in theirs
    assert kept in feed_list(viewer=viewer).items
    assert hidden_post_list(user=viewer).items == [hidden]


# Re-normalizing stored URLs.


def test_renormalize_urls_fixes_stale_keys_in_batches(author):
    posts = [PostFactory(url=f"https://www.Example.com/{i}/?utm_source=x") for i in range(5)]
    PostFactory(url="", body="text")
    Post.objects.filter(pk__in=[p.pk for p in posts[:3]]).update(
        normalized_url="stale", domain="stale"
    )
    broken = posts[4]
    Post.objects.filter(pk=broken.pk).update(url="https://exa mple.com/")
    out = StringIO()
    call_command("renormalize_urls", "--batch-size", "2", "--dry-run", stdout=out)
    assert "Checked 5 link posts: 3 would change, 1 unchanged, 1 invalid." in out.getvalue()
    assert Post.objects.filter(normalized_url="stale").count() == 3
    out = StringIO()
    call_command("renormalize_urls", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "Checked 5 link posts: 3 changed, 1 unchanged, 1 invalid" in text
    assert f"post ids {broken.pk}\n" in text
    assert set(
        Post.objects.filter(pk__in=[p.pk for p in posts[:3]]).values_list("domain", flat=True)
    ) == {"example.com"}
    assert Post.objects.get(pk=posts[0].pk).normalized_url == "https://example.com/0"
