"""Reads for the newsletter pages and the settings page's newsletter and digest sections."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import User
from newsletters.models import Delivery, DigestPreference, Newsletter, NewsletterIssue, Subscription
from posts.models import Channel, ChannelMembership, Post


def newsletter_channel_get(*, handle: str) -> tuple[Channel, Newsletter | None]:
    """The channel named by `handle` and its newsletter (None before its first subscriber).
    Raises Http404."""
    channel = Channel.objects.filter(handle=handle).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel, Newsletter.objects.filter(channel=channel).first()


def issue_list(*, newsletter: Newsletter) -> QuerySet[NewsletterIssue]:
    """The newsletter's past issues that were sent (not the empty ones), newest first."""
    return (
        NewsletterIssue.objects.filter(newsletter=newsletter)
        .exclude(post_ids=[])
        .defer("html", "text")
        .order_by("-window_end", "-id")
    )


def issue_get(*, newsletter: Newsletter, period: str) -> NewsletterIssue:
    issue = (
        NewsletterIssue.objects.filter(newsletter=newsletter, period=period)
        .exclude(post_ids=[])
        .select_related("newsletter__channel")
        .first()
    )
    if issue is None:
        raise Http404("No such issue.")
    return issue


def posts_in_order(*, post_ids: list[int]) -> list[Post]:
    """The posts of an issue or digest, in the issue's order; posts removed since are left out."""
    found = {
        post.pk: post
        for post in Post.objects.filter(pk__in=post_ids, status=Post.Status.PUBLISHED)
        .select_related("channel", "author")
        .defer("body", "body_html", "search_vector")
    }
    return [found[pk] for pk in post_ids if pk in found]


def channel_is_member(*, user: User | None, channel: Channel) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return ChannelMembership.objects.filter(user=user, channel=channel).exists()


def subscription_list(*, user: User) -> list[Subscription]:
    """The member's newsletter subscriptions (active or waiting), for the settings page."""
    return list(
        Subscription.objects.filter(user=user)
        .exclude(status=Subscription.Status.UNSUBSCRIBED)
        .select_related("newsletter__channel")
        .order_by("newsletter__name")
    )


def newsletter_for_viewer(*, channel: Channel, user: User | None) -> tuple[Newsletter | None, bool]:
    """The channel's newsletter (None before its first subscriber) and whether the member's
    address is subscribed to it, for the box under the channel's posts: one query."""
    newsletters = Newsletter.objects.filter(channel=channel)
    if user is None:
        return newsletters.first(), False
    newsletter = newsletters.annotate(
        viewer_subscribed=Exists(
            Subscription.objects.filter(
                newsletter=OuterRef("pk"),
                email=user.email.lower(),
                status=Subscription.Status.ACTIVE,
            )
        )
    ).first()
    return newsletter, bool(getattr(newsletter, "viewer_subscribed", False))


def subscription_active_for(*, user: User, newsletter: Newsletter) -> bool:
    return Subscription.objects.filter(
        newsletter=newsletter, email=user.email.lower(), status=Subscription.Status.ACTIVE
    ).exists()


def digest_preference_get(*, user: User) -> DigestPreference:
    """The member's digest preference, unsaved defaults (off) when they never chose."""
    return DigestPreference.objects.filter(user=user).first() or DigestPreference(user=user)


def digest_delivery_get(*, user_id: int, period: str) -> Delivery:
    """A sent digest, for its "view in browser" page. Raises Http404."""
    delivery = (
        Delivery.objects.filter(user_id=user_id, period=period, outbound_email__isnull=False)
        .select_related("outbound_email")
        .first()
    )
    if delivery is None or delivery.outbound_email is None:
        raise Http404("No such digest.")
    return delivery
