"""Factories for the discussion app's models."""

from __future__ import annotations

import factory

from discussion.models import Comment, CommentVote, Notification, NotificationPreference, ThreadMute
from discussion.services.comments import comment_create
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory


class CommentFactory(factory.django.DjangoModelFactory):
    """Builds comments through the service the site uses, so the post's stored count, latest
    comment time and hotness are real (and notifications are written)."""

    class Meta:
        model = Comment

    author = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)
    body = factory.Sequence(lambda n: f"A thoughtful comment, number {n}.")
    parent = None

    @classmethod
    def _create(cls, model_class, *args, author, post, body, parent=None, **kwargs):
        if parent is not None:
            post = parent.post
        return comment_create(author=author, post=post, body=body, parent=parent)


class CommentVoteFactory(factory.django.DjangoModelFactory):
    """A bare vote row; to change a comment's score as the site does, use comment_vote_cast."""

    class Meta:
        model = CommentVote

    user = factory.SubFactory(UserFactory)
    comment = factory.SubFactory(CommentFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Notification.Kind.REPLY
    comment = factory.SubFactory(CommentFactory)


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)


class ThreadMuteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThreadMute

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)
