"""Reading pages: the feeds, tag and channel pages, and the post page. Each view parses the
request, calls one selector and renders."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.http import bad_request, page_size_from
from core.links import absolute_url
from core.pagination import InvalidCursor
from core.sections import sections_from
from posts.models import Post
from posts.selectors import directory
from posts.selectors.core import TOP_PERIODS
from posts.selectors.directory import channel_get_for_page, tag_get_for_page, user_get_public
from posts.selectors.feeds import domain_get, feed_list
from posts.selectors.posts import (
    post_earlier_submission,
    post_first_fact,
    post_get_for_page,
    post_merge_target,
    post_merged_from,
)
from posts.services.cards import post_card_version
from posts.signals import post_page_asides, post_page_sections, profile_sections


def render_feed(
    request: HttpRequest,
    *,
    template: str = "posts/feed.html",
    order: str,
    period: str = "all",
    context: dict[str, Any],
    **filters: Any,
) -> HttpResponse:
    try:
        page = feed_list(
            viewer=request.user,
            order=order,
            period=period,
            after=request.GET.get("after") or None,
            page_size=page_size_from(request),
            related=False,  # feed rows load them for rows not cached (posts/rows.py)
            **filters,
        )
    except InvalidCursor:
        return bad_request(request, "That “more” link is broken. Start again from the first page.")
    return render(request, template, {"page": page, "order": order, "period": period, **context})


def home(request: HttpRequest) -> HttpResponse:
    return render_feed(
        request,
        order="hot",
        context={
            "heading": "Hot",
            "nav": "hot",
            "feed_rss": reverse("posts:feed_home_rss"),
            "feed_atom": reverse("posts:feed_home_atom"),
            "feed_json": reverse("posts:feed_home_json"),
        },
    )


def newest(request: HttpRequest) -> HttpResponse:
    return render_feed(
        request,
        order="newest",
        context={
            "heading": "Newest",
            "nav": "newest",
            "feed_rss": reverse("posts:feed_newest_rss"),
            "feed_atom": reverse("posts:feed_newest_atom"),
            "feed_json": reverse("posts:feed_newest_json"),
        },
    )


def active(request: HttpRequest) -> HttpResponse:
    """Posts by their latest comment: where the discussion is now."""
    return render_feed(request, order="active", context={"heading": "Active", "nav": "active"})


def top(request: HttpRequest, period: str = "week") -> HttpResponse:
    if period not in TOP_PERIODS:
        return bad_request(request, "Top posts come by day, week, month or all time.")
    return render_feed(
        request,
        order="top",
        period=period,
        context={
            "heading": "Top",
            "nav": "top",
            "periods": list(TOP_PERIODS),
        },
    )


def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = tag_get_for_page(slug=slug, viewer=request.user)
    order = "newest" if request.GET.get("order") == "newest" else "hot"
    context = {
        "tag": tag,
        "heading": f"#{tag.slug}",
        "feed_rss": reverse("posts:feed_tag_rss", kwargs={"slug": tag.slug}),
        "feed_atom": reverse("posts:feed_tag_atom", kwargs={"slug": tag.slug}),
        "feed_json": reverse("posts:feed_tag_json", kwargs={"slug": tag.slug}),
    }
    if getattr(tag, "viewer_hid", False):
        # The reader hid this tag: say so, with the way back, rather than an empty list.
        return render(request, "posts/tag_detail.html", {**context, "order": order, "page": None})
    return render_feed(
        request, template="posts/tag_detail.html", order=order, tag=tag, context=context
    )


def tag_list(request: HttpRequest) -> HttpResponse:
    return render(request, "posts/tag_list.html", {"tags": directory.tag_list(), "nav": "tags"})


def channel_detail(request: HttpRequest, handle: str) -> HttpResponse:
    channel = channel_get_for_page(handle=handle, viewer=request.user)
    if channel.handle != handle:
        return redirect(channel, permanent=True)
    return render_feed(
        request,
        template="posts/channel_detail.html",
        order="newest",
        channel=channel,
        context={
            "channel": channel,
            "heading": f"@{channel.handle}",
            "feed_rss": reverse("posts:feed_channel_rss", kwargs={"handle": channel.handle}),
            "feed_atom": reverse("posts:feed_channel_atom", kwargs={"handle": channel.handle}),
            "feed_json": reverse("posts:feed_channel_json", kwargs={"handle": channel.handle}),
        },
    )


def domain_detail(request: HttpRequest, domain: str) -> HttpResponse:
    """/d/<domain>/: the posts that link to one source domain, newest first."""
    canonical = domain_get(domain=domain)
    if canonical != domain:
        return redirect("posts:domain", domain=canonical, permanent=True)
    return render_feed(
        request,
        template="posts/domain_detail.html",
        order="newest",
        domain=canonical,
        context={
            "domain": canonical,
            "heading": canonical,
            "feed_rss": reverse("posts:feed_domain_rss", kwargs={"domain": canonical}),
            "feed_atom": reverse("posts:feed_domain_atom", kwargs={"domain": canonical}),
            "feed_json": reverse("posts:feed_domain_json", kwargs={"domain": canonical}),
        },
    )


def channel_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "posts/channel_list.html",
        {"channels": directory.channel_list(), "nav": "channels"},
    )


def post_detail(request: HttpRequest, short_id: str, slug: str | None = None) -> HttpResponse:
    post = post_get_for_page(short_id=short_id, viewer=request.user)
    if post.is_merged:
        # Merged into another story: its address (and its slug's) leads there for good.
        return redirect(post_merge_target(post=post), permanent=True)
    if slug != post.slug:
        return redirect(post, permanent=True)
    sections = sections_from(
        post_page_sections.send(sender=Post, request=request, post=post, viewer=request.user)
    )
    asides = sections_from(
        post_page_asides.send(sender=Post, request=request, post=post, viewer=request.user)
    )
    return render(
        request,
        "posts/detail.html",
        {
            "post": post,
            "previously_posted": post_earlier_submission(post=post),
            "merged_from": post_merged_from(post=post),
            "sections": sections,
            "asides": asides,
            # Absolute from SITE_URL, whatever Host the request came with (docs/posting.md).
            "canonical_url": absolute_url(post.get_absolute_url()),
            "card_url": _card_url(post),
        },
    )


def _card_url(post: Post) -> str:
    """The address of the post's social card, with its version (the default card for a post
    that was removed)."""
    if not post.is_published:
        return absolute_url(reverse("posts:default_card"))
    version = post_card_version(post=post, first_fact=post_first_fact(post=post))
    return absolute_url(f"{reverse('posts:card', kwargs={'short_id': post.short_id})}?v={version}")


def profile(request: HttpRequest, username: str) -> HttpResponse:
    profile_user = user_get_public(username=username)
    if profile_user.username != username:
        return redirect(profile_user, permanent=True)
    sections = sections_from(
        profile_sections.send(
            sender=Post, request=request, profile_user=profile_user, viewer=request.user
        )
    )
    return render_feed(
        request,
        template="posts/profile.html",
        order="newest",
        author=profile_user,
        context={
            "profile_user": profile_user,
            "sections": sections,
            "heading": profile_user.shown_name,
            "is_own_profile": request.user.is_authenticated and request.user.pk == profile_user.pk,
            "feed_rss": reverse("posts:feed_user_rss", kwargs={"username": profile_user.username}),
            "feed_atom": reverse(
                "posts:feed_user_atom", kwargs={"username": profile_user.username}
            ),
            "feed_json": reverse(
                "posts:feed_user_json", kwargs={"username": profile_user.username}
            ),
        },
    )
