"""The moderators' queue (/mod/) and its actions through HTTP: flagged posts and comments with
their reasons and counts, new accounts' posts, remove with a reason, restore, dismiss flags,
edit a title or tags; each action in the public log; a second moderator acting on an item that
changed is told what happened (docs/moderation.md#the-queue)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from discussion.models import Comment
from moderation.models import Flag, ModerationAction
from moderation.services.actions import (
    ModerationConflict,
    moderation_comment_remove,
    moderation_post_flags_dismiss,
    moderation_post_remove,
)
from moderation.services.errors import FlagNotAllowed
from moderation.services.flags import comment_flag, post_flag, post_unflag
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client):
    user = UserFactory(username="ada", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def spam(settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 3
    post = PostFactory(
        title="Buy cheap watches",
        author=UserFactory(username="spammer", date_joined=timezone.now()),
    )
    for reason in ("spam", "spam", "off-topic"):
        post_flag(user=trusted(), post=post, reason=reason)
    return post


def html(response) -> str:
    return response.content.decode()


def test_the_queue_lists_flagged_items_with_reasons_counts_and_new_accounts(
    client, moderator, spam
):
    comment = CommentFactory(body="Me too!", author=UserFactory(date_joined=timezone.now()))
    comment_flag(user=trusted(), comment=comment, reason="me-too")
    old_hand = UserFactory(date_joined=timezone.now() - timedelta(days=400))
    PostFactory(title="A veteran's post", author=old_hand)

    page = html(client.get("/mod/"))

    assert "Buy cheap watches" in page
    assert "3 flags</strong>: spam (2), off-topic (1)" in page
    assert "held off the front page" in page
    assert 'href="/mod/u/spammer/">spammer</a> <span class="badge badge--new"' in page
    assert "Me too!" in page
    assert "1 flag</strong>: me-too (1)" in page
    new_accounts = page[page.index("New accounts' posts") :]
    assert "Buy cheap watches" in new_accounts
    assert "A veteran's post" not in page


def test_a_moderator_removes_a_post_from_the_queue_with_a_reason(client, moderator, spam):
    response = client.post(
        f"/mod/p/{spam.short_id}/remove/", {"reason": "Spam, again", "next": "/mod/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/mod/"
    spam.refresh_from_db()
    assert spam.is_removed
    assert spam.removed_reason == "Spam, again"
    assert (spam.flag_count, spam.held) == (0, False)
    assert not Flag.objects.filter(post=spam, dismissed_at__isnull=True).exists()
    assert "Buy cheap watches" not in html(client.get("/mod/")).split("Recently removed")[0]
    entry = ModerationAction.objects.get()
    assert (entry.moderator, entry.kind, entry.post, entry.reason) == (
        moderator,
        "post-removed",
        spam,
        "Spam, again",
    )
    stub = html(client.get(spam.get_absolute_url()))
    assert "This post was removed: Spam, again." in stub
    log = html(client.get("/moderations/"))
    assert "ada</a> removed a post" in log
    assert "Buy cheap watches" in log
    assert "Reason: Spam, again" in log


def test_removing_needs_a_reason(client, moderator, spam):
    response = client.post(f"/mod/p/{spam.short_id}/remove/", {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in html(response)
    spam.refresh_from_db()
    assert spam.is_published


def test_a_second_moderator_acting_on_the_same_post_is_told_who_acted_first(client, spam):
    first = UserFactory(username="ada", is_staff=True)
    second = UserFactory(username="grace", is_staff=True)
    seen_by_second = Post.objects.get(pk=spam.pk)  # the queue grace loaded
    moderation_post_remove(moderator=first, post=spam, reason="Spam")

    with pytest.raises(ModerationConflict) as conflict:
        moderation_post_remove(moderator=second, post=seen_by_second, reason="Spam too")
    assert conflict.value.message.startswith("This post was already removed. ada removed a post")

    client.force_login(second)
    response = client.post(f"/mod/p/{spam.short_id}/remove/", {"reason": "Spam"}, follow=True)
    assert "This post was already removed. ada removed a post" in html(response)
    assert ModerationAction.objects.count() == 1


def test_dismissing_returns_the_post_to_the_front_page_and_flags_are_reviewed(
    client, moderator, spam
):
    assert "Buy cheap watches" not in html(client.get("/"))
    flagger = Flag.objects.filter(post=spam).first().user

    response = client.post(f"/mod/p/{spam.short_id}/dismiss/", {"reason": "Not spam: a review"})

    assert response.status_code == 302
    spam.refresh_from_db()
    assert (spam.flag_count, spam.held) == (0, False)
    assert "Buy cheap watches" in html(client.get("/"))
    entry = ModerationAction.objects.get()
    assert (entry.kind, entry.details) == ("post-flags-dismissed", "3 flags")
    # A reviewed flag is neither taken back nor raised again.
    with pytest.raises(FlagNotAllowed, match="already reviewed"):
        post_unflag(user=flagger, post=spam)
    assert post_flag(user=flagger, post=spam, reason="spam") is False
    # Dismissing again: nothing to dismiss, and who did.
    second = client.post(f"/mod/p/{spam.short_id}/dismiss/", {}, follow=True)
    assert "There are no open flags on this post; nothing to dismiss. ada dismissed" in html(second)


def test_restoring_a_removed_post(client, moderator, spam):
    moderation_post_remove(moderator=moderator, post=spam, reason="Spam")

    assert "Buy cheap watches" in html(client.get("/mod/")).split("Recently removed")[1]
    response = client.post(f"/mod/p/{spam.short_id}/restore/", {"reason": "It was a review"})

    assert response.status_code == 302
    spam.refresh_from_db()
    assert spam.is_published
    assert (spam.removed_reason, spam.held) == ("", False)
    assert [e.kind for e in ModerationAction.objects.all()] == ["post-restored", "post-removed"]
    assert "Buy cheap watches" in html(client.get("/"))


def test_an_authors_own_deletion_is_not_restored_by_moderators(client, moderator):
    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED, removed_by=post.author)

    response = client.post(f"/mod/p/{post.short_id}/restore/", {}, follow=True)

    assert "Its author deleted this post" in html(response)
    post.refresh_from_db()
    assert post.is_removed


def test_editing_a_title_and_tags_is_logged_with_before_and_after(client, moderator):
    rust, go = TagFactory(slug="rust"), TagFactory(slug="go")
    post = PostFactory(title="RUST IS THE BEST!!!", tags=[go])

    page = html(client.get(f"/mod/p/{post.short_id}/edit/"))
    assert 'value="RUST IS THE BEST!!!"' in page
    response = client.post(
        f"/mod/p/{post.short_id}/edit/",
        {"title": "Rust 1.80 released", "tags": ["rust"], "reason": "Editorialized title"},
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.slug) == ("Rust 1.80 released", "rust-180-released")
    assert list(post.tags.all()) == [rust]
    entry = ModerationAction.objects.get()
    assert entry.details == "title: “RUST IS THE BEST!!!” → “Rust 1.80 released”; tags: go → rust"
    assert "Editorialized title" in html(client.get("/moderations/"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "ab", "tags": ["rust"]}, "title", "Use 3 to 200 characters."),
        ({"title": "Fine title", "tags": []}, "tags", "This field is required."),
        ({"title": "Bad\x07title", "tags": ["rust"]}, "title", "U+0007"),
    ],
)
def test_an_edit_the_posting_rules_refuse_is_a_field_error(client, moderator, data, field, message):
    TagFactory(slug="rust")
    post = PostFactory(title="Original title")

    response = client.post(f"/mod/p/{post.short_id}/edit/", data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    post.refresh_from_db()
    assert post.title == "Original title"
    assert not ModerationAction.objects.exists()


def test_comments_removed_restored_and_their_flags_dismissed(client, moderator):
    comment = CommentFactory(body="You are all idiots.")
    comment_flag(user=trusted(), comment=comment, reason="unkind")
    thread = comment.post.get_absolute_url()

    client.post(f"/mod/c/{comment.short_id}/remove/", {"reason": "Be kind"})
    assert "[removed by a moderator: Be kind]" in html(client.get(thread))
    assert Comment.objects.get(pk=comment.pk).flag_count == 0
    client.post(f"/mod/c/{comment.short_id}/restore/", {})
    assert "You are all idiots." in html(client.get(thread))
    comment_flag(user=trusted(), comment=comment, reason="unkind")
    client.post(f"/mod/c/{comment.short_id}/dismiss/", {})
    assert Comment.objects.get(pk=comment.pk).flag_count == 0

    kinds = [entry.kind for entry in ModerationAction.objects.order_by("id")]
    assert kinds == ["comment-removed", "comment-restored", "comment-flags-dismissed"]
    log = html(client.get("/moderations/"))
    assert f'href="/c/{comment.short_id}/"' in log
    assert "Reason: Be kind" in log
    # Another moderator's stale view of a comment that is gone meanwhile.
    stale = Comment.objects.get(pk=comment.pk)
    moderation_comment_remove(moderator=moderator, comment=comment, reason="Gone")
    with pytest.raises(ModerationConflict, match=r"This comment is already gone\. ada removed"):
        moderation_comment_remove(moderator=UserFactory(is_staff=True), comment=stale, reason="x")


def test_removals_from_the_post_page_the_thread_and_the_api_are_logged_too(client, moderator):
    post = PostFactory()
    comment = CommentFactory()

    client.post(f"/p/{post.short_id}/-/remove/", {"reason": "Off-topic"})
    client.post(f"/c/{comment.short_id}/remove/", {"reason": "Unkind"})

    kinds = sorted(entry.kind for entry in ModerationAction.objects.all())
    assert kinds == ["comment-removed", "post-removed"]


def test_dismissing_after_a_flag_was_taken_back_still_ends_the_hold(client, moderator, spam):
    for flag in Flag.objects.filter(post=spam):
        post_unflag(user=flag.user, post=spam)
    spam.refresh_from_db()
    assert (spam.flag_count, spam.held) == (0, True)
    assert "Buy cheap watches" in html(client.get("/mod/"))  # still in the queue

    moderation_post_flags_dismiss(moderator=moderator, post=spam)

    spam.refresh_from_db()
    assert not spam.held
