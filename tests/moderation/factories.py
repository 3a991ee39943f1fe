"""Factories for the moderation app's models."""

from __future__ import annotations

import factory

from moderation.models import Flag
from tests.accounts.factories import UserFactory


class FlagFactory(factory.django.DjangoModelFactory):
    """A bare flag row on a post (pass `comment=` and `post=None` for a comment); to count it as
    the site does, use moderation's post_flag / comment_flag."""

    class Meta:
        model = Flag

    user = factory.SubFactory(UserFactory)
    post = None
    comment = None
    reason = Flag.Reason.SPAM


def trusted(**kwargs):
    """A verified member with enough karma to flag (MODERATION_FLAG_MIN_KARMA is 10 by default)."""
    return UserFactory(karma=100, **kwargs)
