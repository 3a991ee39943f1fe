"""Tags, channels and users: their lists, their pages and how many follow them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from core.pagination import Ordering
from posts.models import Channel, ChannelMembership, Follow, HiddenTag, Post, Tag
from posts.selectors.core import Viewer, _authenticated, _PostTag

BY_SLUG = Ordering("slug", str, descending=False)
BY_HANDLE = Ordering("handle", str, descending=False)


def tag_get(*, slug: str) -> Tag:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def tag_list() -> QuerySet[Tag]:
    """Every tag by slug, each with `post_count` (its published posts) and `follower_count`,
    in one query whatever the number of tags."""
    posts = (
        _PostTag.objects.filter(tag=OuterRef("pk"), post__status=Post.Status.PUBLISHED)
        .order_by()
        .values("tag")
        .values(n=Count("pk"))
    )
    return Tag.objects.order_by("slug").annotate(
        post_count=Coalesce(Subquery(posts, output_field=IntegerField()), 0),
        follower_count=_follower_count(tag=OuterRef("pk")),
    )


def channel_get(*, handle: str) -> Channel:
    """The channel with its members (owners first) prefetched, or Http404."""
    memberships = ChannelMembership.objects.select_related("user").order_by("role", "joined_at")
    channel = (
        Channel.objects.prefetch_related(Prefetch("memberships", queryset=memberships))
        .filter(handle=handle.lower())
        .first()
    )
    if channel is None:
        raise Http404("No such channel.")
    return channel


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.order_by("handle")


def user_get_public(*, username: str) -> User:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    return user


def _follower_count(**target: Any) -> Coalesce:
    counts = (
        Follow.objects.filter(**target)
        .order_by()
        .values(*target)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def tag_get_for_page(*, slug: str, viewer: Viewer) -> Tag:
    """The tag with `follower_count`, and for a logged-in viewer `viewer_follows` and
    `viewer_hid`, in one query; or Http404."""
    qs = Tag.objects.filter(slug=slug).annotate(follower_count=_follower_count(tag=OuterRef("pk")))
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_follows=Exists(Follow.objects.filter(user=user, tag=OuterRef("pk"))),
            viewer_hid=Exists(HiddenTag.objects.filter(user=user, tag=OuterRef("pk"))),
        )
    tag = qs.first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def channel_get_for_page(*, handle: str, viewer: Viewer) -> Channel:
    """`channel_get` plus `follower_count` and, for a logged-in viewer, `viewer_follows`, in
    the same query."""
    memberships = ChannelMembership.objects.select_related("user").order_by("role", "joined_at")
    qs = (
        Channel.objects.prefetch_related(Prefetch("memberships", queryset=memberships))
        .filter(handle=handle.lower())
        .annotate(follower_count=_follower_count(channel=OuterRef("pk")))
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_follows=Exists(Follow.objects.filter(user=user, channel=OuterRef("pk")))
        )
    channel = qs.first()
    if channel is None:
        raise Http404("No such channel.")
    return channel


@dataclass(frozen=True)
class FollowState:
    follower_count: int
    viewer_follows: bool


def user_follow_state(*, user: User, viewer: Viewer) -> FollowState:
    """How many follow `user`, and whether `viewer` does: one query."""
    viewer_user = _authenticated(viewer)
    qs = Follow.objects.filter(followed_user=user)
    if viewer_user is None:
        return FollowState(follower_count=qs.count(), viewer_follows=False)
    counts = qs.aggregate(n=Count("pk"), mine=Count("pk", filter=Q(user=viewer_user)))
    return FollowState(follower_count=counts["n"], viewer_follows=bool(counts["mine"]))
