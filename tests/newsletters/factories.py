"""Factories for the newsletters app's models."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from newsletters.models import Delivery, DigestPreference, Newsletter, NewsletterIssue, Subscription
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newsletter
        django_get_or_create = ("channel",)

    channel = factory.SubFactory(ChannelFactory)
    name = factory.LazyAttribute(lambda n: n.channel.newsletter_name or n.channel.name)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active (confirmed) subscription; pass status=Subscription.Status.PENDING for one that
    waits for its confirmation."""

    class Meta:
        model = Subscription

    newsletter = factory.SubFactory(NewsletterFactory)
    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    status = Subscription.Status.ACTIVE
    confirmed_at = factory.LazyFunction(timezone.now)


class DigestPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigestPreference

    user = factory.SubFactory(UserFactory)
    frequency = DigestPreference.Frequency.WEEKLY
    next_due_at = factory.LazyFunction(timezone.now)


class NewsletterIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsletterIssue

    newsletter = factory.SubFactory(NewsletterFactory)
    period = factory.Sequence(lambda n: f"2026-W{n % 52 + 1:02d}")
    subject = factory.LazyAttribute(lambda i: f"{i.newsletter.name}, {i.period}")
    window_end = factory.LazyFunction(timezone.now)
    window_start = factory.LazyAttribute(lambda i: i.window_end - timedelta(days=7))


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A newsletter delivery (subscription and period); for a digest pass user= and
    subscription=None."""

    class Meta:
        model = Delivery

    subscription = factory.SubFactory(SubscriptionFactory)
    period = "2026-W48"
