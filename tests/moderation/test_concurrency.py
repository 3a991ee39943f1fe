"""At the same moment, on PostgreSQL (each call in its own thread and connection): two
moderators acting on one item (one wins, the other is told what happened), flags and votes
counted without a lost update, and votes, comments and flags on one member's post never
deadlocking (docs/moderation.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment
from discussion.services.comments import comment_create
from discussion.services.voting import comment_vote_cast
from moderation.models import ModerationAction
from moderation.services.actions import (
    ModerationConflict,
    ModerationRefused,
    moderation_member_suspend,
    moderation_post_flags_dismiss,
    moderation_post_merge,
    moderation_post_remove,
)
from moderation.services.flags import post_flag
from moderation.services.suggestions import post_suggest
from posts.models import Post
from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory, TagFactory
from tests.posts.test_posting_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def one_wins(results: list[object]) -> ModerationConflict:
    """Exactly one call succeeded and the other was refused as a conflict."""
    conflicts = [r for r in results if isinstance(r, ModerationConflict)]
    assert len(conflicts) == 1, results
    assert [r for r in results if not isinstance(r, ModerationConflict)] == [None], results
    return conflicts[0]


@pytest.mark.parametrize("attempt", range(3))
def test_two_moderators_removing_one_post_at_once(attempt):
    post = PostFactory()
    ada, grace = UserFactory(username=f"ada{attempt}", is_staff=True), UserFactory(is_staff=True)

    conflict = one_wins(
        race(
            lambda: moderation_post_remove(moderator=ada, post=post, reason="Spam"),
            lambda: moderation_post_remove(moderator=grace, post=post, reason="Off-topic"),
        )
    )

    assert conflict.message.startswith("This post was already removed.")
    assert ModerationAction.objects.filter(post=post).count() == 1
    post.refresh_from_db()
    assert post.is_removed


def test_two_moderators_dismissing_the_same_flags_at_once(settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 1
    post = PostFactory()
    post_flag(user=trusted(), post=post, reason="spam")
    moderators = [UserFactory(is_staff=True) for _ in range(2)]

    conflict = one_wins(
        race(
            *(
                lambda moderator=moderator: moderation_post_flags_dismiss(
                    moderator=moderator, post=post
                )
                for moderator in moderators
            )
        )
    )

    assert "nothing to dismiss" in conflict.message
    assert ModerationAction.objects.count() == 1
    post.refresh_from_db()
    assert (post.flag_count, post.held) == (0, False)


def test_two_moderators_suspending_one_member_at_once():
    member = UserFactory()
    moderators = [UserFactory(is_staff=True) for _ in range(2)]

    conflict = one_wins(
        race(
            *(
                lambda moderator=moderator, days=days: moderation_member_suspend(
                    moderator=moderator, member=member, days=days, reason="Trolling"
                )
                for moderator, days in zip(moderators, (1, 30), strict=True)
            )
        )
    )

    assert "is already suspended" in conflict.message
    assert ModerationAction.objects.count() == 1


def test_flags_raised_at_the_same_moment_all_count_and_the_last_holds_the_post(settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 6
    post = PostFactory()
    flaggers = [trusted() for _ in range(6)]

    results = race(*(lambda f=f: post_flag(user=f, post=post, reason="spam") for f in flaggers))

    assert results == [True] * 6
    post.refresh_from_db()
    assert (post.flag_count, post.held) == (6, True)


@pytest.mark.parametrize("attempt", range(3))
def test_votes_and_comments_on_one_members_posts_at_once_all_count_without_deadlock(attempt):
    author = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=author)
    voters = [UserFactory() for _ in range(4)]
    calls = [lambda v=v: vote_cast(user=v, post=post) for v in voters]
    calls += [lambda v=v: comment_vote_cast(user=v, comment=comment) for v in voters]
    # The author writes while others vote: comments take the author's row, then the post's.
    calls += [
        lambda i=i: comment_create(author=author, post=post, body=f"Reply {i}") for i in range(2)
    ]

    results = race(*calls)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert User.objects.get(pk=author.pk).karma == 8
    post.refresh_from_db()
    assert post.score == 4
    assert Comment.objects.get(pk=comment.pk).score == 4


def test_the_last_members_of_a_quorum_suggesting_at_once_apply_it_once(settings):
    settings.MODERATION_SUGGESTION_QUORUM = 3
    post = PostFactory(title="Clickbait title", tags=[TagFactory()])
    tags = list(post.tags.all())
    members = [trusted() for _ in range(4)]
    post_suggest(user=members[0], post=post, title="Plain title", tags=tags)

    results = race(
        *(
            lambda m=m: post_suggest(user=m, post=post, title="Plain title", tags=tags)
            for m in members[1:]
        )
    )

    # Under the post's lock: the second reaches the quorum and applies it; the third finds the
    # title already what it suggests.
    assert sorted(results) == [[], [], ["title"]], results
    post.refresh_from_db()
    assert post.title == "Plain title"
    assert ModerationAction.objects.filter(kind="post-suggestion-applied").count() == 1


@pytest.mark.parametrize("attempt", range(2))
def test_two_moderators_merging_one_post_at_once(attempt):
    post, first, second = PostFactory(), PostFactory(), PostFactory()
    CommentFactory(post=post)
    ada, grace = UserFactory(username=f"ada{attempt}", is_staff=True), UserFactory(is_staff=True)

    def merge(moderator, into):
        return lambda: moderation_post_merge(moderator=moderator, post=post, into=into) and None

    conflict = one_wins(race(merge(ada, first), merge(grace, second)))

    assert conflict.message.startswith("This post was already merged into another story.")
    assert ModerationAction.objects.filter(post=post).count() == 1
    post.refresh_from_db()
    target = Post.objects.get(pk=post.merged_into_id)
    assert (target.comment_count, target.merged_count) == (1, 1)


def test_two_stories_merged_into_each_other_at_once_merge_once_without_a_deadlock():
    one, two = PostFactory(), PostFactory()
    ada, grace = UserFactory(is_staff=True), UserFactory(is_staff=True)

    results = race(
        lambda: moderation_post_merge(moderator=ada, post=one, into=two) and None,
        lambda: moderation_post_merge(moderator=grace, post=two, into=one) and None,
    )

    assert results.count(None) == 1, results
    (refused,) = [r for r in results if r is not None]
    assert isinstance(refused, ModerationRefused)
    assert Post.objects.filter(status=Post.Status.MERGED).count() == 1
