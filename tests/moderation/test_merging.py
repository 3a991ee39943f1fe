"""Merging a story into another on the same subject (docs/moderation.md#merging): the merged
post's comments move under the target with their threads, its votes count in the target's
hotness, its page and link redirect there, the duplicate detector treats its link as the
target's, and the public log records it. Through the service, the queue's pages and the API."""

from __future__ import annotations

import json

import pytest

from accounts.services import user_delete
from accounts.tokens import api_token_create
from discussion.models import Comment
from moderation.models import Flag, ModerationAction
from moderation.services.actions import (
    ModerationConflict,
    ModerationRefused,
    moderation_post_merge,
    moderation_post_remove,
)
from moderation.services.flags import post_flag
from posts.models import Post, SavedPost
from posts.ranking import hotness
from posts.selectors.posts import url_duplicate_check
from posts.services.errors import PostRejected
from posts.services.lists import saved_post_add
from posts.services.voting import VoteNotAllowed, vote_cast, vote_remove
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory
from tests.posts.test_posting_services import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(username="ada", is_staff=True)


@pytest.fixture
def stories():
    """The original story with one vote and one comment, and a later duplicate with two votes
    and a thread three levels deep."""
    original = PostFactory(title="Kestrel 2.0 is out", url="https://kestrel.example/blog/2-0")
    duplicate = PostFactory(
        title="Kestrel 2.0 released today", url="https://kestrel.example/blog/2-0?utm_source=x"
    )
    vote_cast(user=UserFactory(), post=original)
    for _ in range(2):
        vote_cast(user=UserFactory(), post=duplicate)
    CommentFactory(post=original, body="Finally.")
    top = CommentFactory(post=duplicate, body="The new scheduler is the news here.")
    reply = CommentFactory(parent=top, body="Agreed, and it is opt-in.")
    CommentFactory(parent=reply, body="Opt-in until 2.1, says the changelog.")
    return Post.objects.get(pk=original.pk), Post.objects.get(pk=duplicate.pk)


def test_merging_moves_the_thread_and_counts_both_stories_votes(ada, stories):
    original, duplicate = stories
    threads_before = {
        c.body: (c.parent and c.parent.body, c.depth)
        for c in Comment.objects.filter(post=duplicate).select_related("parent")
    }

    moderation_post_merge(moderator=ada, post=duplicate, into=original, reason="Same release")

    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Post.Status.MERGED, original)
    moved = Comment.objects.filter(post=original).select_related("parent")
    assert {
        c.body: (c.parent and c.parent.body, c.depth) for c in moved if c.body != "Finally."
    } == (threads_before)
    assert (original.comment_count, duplicate.comment_count) == (4, 0)
    assert original.comment_points == 4 * 0.5
    assert (original.score, original.merged_score, original.merged_count) == (1, 2, 1)
    assert original.hotness == hotness(
        score=1, merged=2, published_at=original.published_at, comment_points=2.0
    )
    assert original.hotness > hotness(
        score=1, published_at=original.published_at, comment_points=2.0
    )
    # Its votes stay where they were cast: their karma stays with whoever earned it.
    assert duplicate.score == 2
    entry = ModerationAction.objects.get()
    assert (entry.moderator, entry.kind, entry.post, entry.reason) == (
        ada,
        "post-merged",
        duplicate,
        "Same release",
    )
    assert entry.details == f"into “Kestrel 2.0 is out” ({original.short_id})"


def test_the_merged_story_leaves_the_feeds_and_its_address_leads_to_the_target(
    client, ada, stories
):
    original, duplicate = stories
    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    for address in (duplicate.get_absolute_url(), f"/p/{duplicate.short_id}/"):
        response = client.get(address)
        assert response.status_code == 301
        assert response["Location"] == original.get_absolute_url()
    page = client.get(original.get_absolute_url()).content.decode()
    assert "Merged into this story by the moderators" in page
    assert 'href="https://kestrel.example/blog/2-0?utm_source=x">Kestrel 2.0 released today' in page
    assert "2 points" in page
    assert "Opt-in until 2.1, says the changelog." in page
    newest = client.get("/newest/").content.decode()
    assert "Kestrel 2.0 is out" in newest
    assert "Kestrel 2.0 released today" not in newest


def test_a_comment_permalink_from_the_merged_story_opens_it_under_the_target(client, ada, stories):
    original, duplicate = stories
    comment = Comment.objects.filter(post=duplicate, depth=2).get()
    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    response = client.get(comment.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith(original.get_absolute_url())


def test_the_duplicate_detector_treats_both_links_as_the_targets(ada, stories):
    original, duplicate = stories
    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    check = url_duplicate_check(url="https://kestrel.example/blog/2-0?utm_source=x")
    assert (check.existing, check.blocks) == (original, True)
    with pytest.raises(PostRejected) as refused:
        submit(UserFactory(), url="https://kestrel.example/blog/2-0?utm_source=x")
    assert refused.value.duplicate_of == original
    assert "“Kestrel 2.0 is out”" in refused.value.errors["url"][0]
    # The target's own author editing it is not refused by the link merged into it.
    own = url_duplicate_check(
        url="https://kestrel.example/blog/2-0?utm_source=x", exclude_short_id=original.short_id
    )
    assert own.existing is None


def test_nobody_votes_on_a_merged_post_nor_takes_a_vote_back(ada, stories):
    original, duplicate = stories
    voter = duplicate.votes.exclude(user=duplicate.author).first().user
    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    with pytest.raises(VoteNotAllowed):
        vote_cast(user=UserFactory(), post=duplicate)
    with pytest.raises(VoteNotAllowed, match="merged"):
        vote_remove(user=voter, post=duplicate)


def test_a_deleted_account_takes_its_vote_on_a_merged_post_out_of_the_target(ada, stories):
    original, duplicate = stories
    voter = duplicate.votes.first().user
    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    user_delete(user=voter)

    original.refresh_from_db()
    assert original.merged_score == 1
    assert original.hotness == hotness(
        score=1, merged=1, published_at=original.published_at, comment_points=2.0
    )


def test_merging_a_story_that_has_merged_posts_brings_them_along(ada, stories):
    original, duplicate = stories
    third = PostFactory(title="Kestrel 2.0: what changed")
    vote_cast(user=UserFactory(), post=third)
    moderation_post_merge(moderator=ada, post=duplicate, into=third)

    moderation_post_merge(moderator=ada, post=third, into=original)

    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert (original.merged_score, original.merged_count) == (3, 2)
    assert original.comment_count == 4
    assert Post.objects.get(pk=third.pk).merged_into == original


def test_saves_follow_the_merge_and_open_flags_are_settled(ada, stories, settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 1
    original, duplicate = stories
    reader, both = UserFactory(), UserFactory()
    saved_post_add(user=reader, post=duplicate)
    saved_post_add(user=both, post=duplicate)
    saved_post_add(user=both, post=original)
    post_flag(user=trusted(), post=duplicate, reason="already-posted")

    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    assert SavedPost.objects.filter(user=reader, post=original).exists()
    assert SavedPost.objects.filter(user=both, post=original).count() == 1
    assert not Flag.objects.filter(post=duplicate, dismissed_at__isnull=True).exists()
    duplicate.refresh_from_db()
    assert (duplicate.flag_count, duplicate.held) == (0, False)
    assert ModerationAction.objects.get().details.endswith("; 1 flag settled")


@pytest.mark.parametrize("target", ["itself", "missing", "removed", "merged"])
def test_a_target_that_cannot_take_the_post_is_a_field_error(ada, stories, target):
    original, duplicate = stories
    if target == "removed":
        moderation_post_remove(moderator=ada, post=original, reason="Spam")
    if target == "merged":
        moderation_post_merge(moderator=ada, post=original, into=PostFactory())
    into = {"itself": duplicate, "missing": None}.get(target, original)

    with pytest.raises(ModerationRefused) as refused:
        moderation_post_merge(moderator=ada, post=duplicate, into=into)

    assert refused.value.field == "into"
    assert Post.objects.get(pk=duplicate.pk).is_published
    assert Comment.objects.filter(post=duplicate).count() == 3


def test_a_post_merged_or_removed_already_is_a_conflict_naming_who(ada, stories):
    original, duplicate = stories
    moderation_post_merge(moderator=ada, post=duplicate, into=original)

    with pytest.raises(ModerationConflict) as conflict:
        moderation_post_merge(moderator=UserFactory(is_staff=True), post=duplicate, into=original)

    assert conflict.value.message.startswith(
        "This post was already merged into another story. ada merged a post into another story"
    )
    assert ModerationAction.objects.count() == 1


def test_the_author_of_a_merged_post_no_longer_edits_or_deletes_it(client, ada, stories):
    original, duplicate = stories
    moderation_post_merge(moderator=ada, post=duplicate, into=original)
    client.force_login(duplicate.author)

    for action in ("edit", "delete"):
        response = client.get(f"/p/{duplicate.short_id}/-/{action}/")
        assert response.status_code == 403
        assert "merged this post into another story" in response.content.decode()


# The queue's pages.


def test_a_moderator_merges_from_the_post_page_by_short_id_or_address(client, ada, stories):
    original, duplicate = stories
    client.force_login(ada)
    assert (
        f"/mod/p/{duplicate.short_id}/merge/"
        in client.get(duplicate.get_absolute_url()).content.decode()
    )
    form = client.get(f"/mod/p/{duplicate.short_id}/merge/").content.decode()
    assert "Other posts of the same link" in form
    assert f"({original.short_id}, by" in form

    response = client.post(
        f"/mod/p/{duplicate.short_id}/merge/",
        {"into": f"http://testserver{original.get_absolute_url()}", "reason": "Same release"},
    )

    assert response.status_code == 302
    assert response["Location"] == original.get_absolute_url()
    assert Post.objects.get(pk=duplicate.pk).merged_into == original
    log = client.get("/moderations/").content.decode()
    assert "ada</a> merged a post into another story" in log
    assert "Same release" in log
    assert "into “Kestrel 2.0 is out”" in log


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("", "This field is required."),
        ("zzzzzzz", "There is no such story"),
        ("https://elsewhere.example/", "There is no such story"),
        ("abc\x07def", "invisible character U+0007"),
        ("abc\x00def", "Null characters are not allowed."),
    ],
)
def test_the_merge_form_says_what_is_wrong_and_merges_nothing(client, ada, stories, into, message):
    _, duplicate = stories
    client.force_login(ada)

    response = client.post(f"/mod/p/{duplicate.short_id}/merge/", {"into": into})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Post.objects.get(pk=duplicate.pk).is_published


def test_members_do_not_merge(client, stories):
    original, duplicate = stories
    client.force_login(trusted())

    response = client.post(f"/mod/p/{duplicate.short_id}/merge/", {"into": original.short_id})

    assert response.status_code == 403
    assert Post.objects.get(pk=duplicate.pk).is_published


# The API.


def _post(client, url, token, body):
    return client.post(
        url, json.dumps(body), content_type="application/json", headers={"authorization": token}
    )


def test_staff_merge_through_the_api_and_the_post_reads_as_merged(client, ada, stories):
    original, duplicate = stories
    token = f"Bearer {api_token_create(user=ada, name='t', scope='write').secret}"
    url = f"/api/v1/mod/posts/{duplicate.short_id}/merge/"

    assert _post(client, url, token, {"into": original.short_id}).json() == {"done": True}
    again = _post(client, url, token, {"into": original.short_id})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    missing = _post(client, f"/api/v1/mod/posts/{original.short_id}/merge/", token, {"into": "x"})
    assert missing.status_code == 400
    assert "into" in missing.json()["error"]["fields"]
    detail = client.get(f"/api/v1/posts/{duplicate.short_id}/").json()
    assert (detail["status"], detail["merged_into"]) == ("merged", original.short_id)
    assert client.get(f"/api/v1/posts/{original.short_id}/").json()["merged_into"] is None
