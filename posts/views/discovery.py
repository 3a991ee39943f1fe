"""Finding posts: search, "My feed", following tags, channels and people, hiding tags, and the
private feed address. Follow and hide are plain form posts that redirect back, or answer JSON
to static/js/faun.js."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.http import bad_request, page_size_from, safe_next, wants_json
from core.pagination import InvalidCursor
from posts import search
from posts.models import Follow
from posts.selectors.directory import channel_get, tag_get, user_get_public
from posts.selectors.discovery import (
    feed_followed,
    feed_token_active,
    follow_list,
    follows_any,
    hidden_tag_list,
    post_search,
    search_effective_order,
)
from posts.services.follows import (
    FollowNotAllowed,
    feed_token_reset,
    feed_token_revoke,
    follow_add,
    follow_remove,
    hidden_tag_add,
    hidden_tag_remove,
)

BROKEN_CURSOR = "That “more” link is broken. Start again from the first page."


def search_page(request: HttpRequest) -> HttpResponse:
    """/search?q=: results with highlighted titles and snippets, by relevance, newest, hot or
    top."""
    raw = request.GET.get("q", "")
    order = request.GET.get("order", "relevance")
    if order not in search.SEARCH_ORDERS:
        order = "relevance"
    context: dict[str, Any] = {
        "q": raw,
        "order": order,
        "nav": "search",
        "heading": "Search",
        "max_length": search.MAX_QUERY_LENGTH,
        "operators": search.OPERATORS,
        "postgres": search.is_postgres(),
    }
    try:
        query = search.parse_query(raw)
    except search.QueryTooLong as exc:
        return render(request, "posts/search.html", {**context, "error": str(exc)}, status=400)
    context["notices"] = query.notices
    if query.is_empty:
        return render(request, "posts/search.html", context)
    try:
        page = post_search(
            viewer=request.user,
            query=query,
            order=order,
            after=request.GET.get("after") or None,
            page_size=page_size_from(request),
        )
    except InvalidCursor:
        return bad_request(request, BROKEN_CURSOR)
    feed_query = urlencode({"q": query.text})
    return render(
        request,
        "posts/search.html",
        {
            **context,
            "page": page,
            "heading": f"Search: {query.text}",
            # The tabs show the order really used, and offer relevance only where it ranks.
            "effective_order": search_effective_order(query=query, order=order),
            "relevance_available": search_effective_order(query=query, order="relevance")
            == "relevance",
            "ranked": query.has_text,
            "feed_rss": f"{reverse('posts:feed_search_rss')}?{feed_query}",
            "feed_atom": f"{reverse('posts:feed_search_atom')}?{feed_query}",
            "feed_json": f"{reverse('posts:feed_search_json')}?{feed_query}",
        },
    )


@login_required
def my_feed(request: HttpRequest) -> HttpResponse:
    """/my/: posts from the tags, channels, people and key entities the reader follows, hot or
    newest."""
    order = "newest" if request.GET.get("order") == "newest" else "hot"
    after = request.GET.get("after") or None
    try:
        page = feed_followed(
            viewer=request.user,  # type: ignore[arg-type]
            order=order,
            after=after,
            page_size=page_size_from(request),
            related=False,  # feed rows load them for rows not cached (posts/rows.py)
        )
    except InvalidCursor:
        return bad_request(request, BROKEN_CURSOR)
    follows_nothing = not page.items and not after
    if follows_nothing:
        follows_nothing = not follows_any(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "posts/my_feed.html",
        {
            "page": page,
            "order": order,
            "nav": "my",
            "heading": "My feed",
            "follows_nothing": follows_nothing,
        },
    )


def _following_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    follows = follow_list(user=user, page_size=1000).items  # type: ignore[arg-type]
    return {
        "nav": "following",
        "heading": "Following",
        "followed_tags": [f for f in follows if f.tag_id],
        "followed_channels": [f for f in follows if f.channel_id],
        "followed_users": [f for f in follows if f.followed_user_id],
        "followed_entities": [f for f in follows if f.entity_id],
        "hidden_tags": hidden_tag_list(user=user, page_size=1000).items,  # type: ignore[arg-type]
        "feed_token": feed_token_active(user=user),  # type: ignore[arg-type]
    }


@login_required
def following(request: HttpRequest) -> HttpResponse:
    """/following/: what the reader follows and hides, and their private feed address."""
    return render(request, "posts/following.html", _following_context(request))


@login_required
@require_POST
def feed_token(request: HttpRequest) -> HttpResponse:
    """Reset (revoke and issue) or turn off the private feed address. The new address is shown
    once, on this response: only its hash is stored."""
    if request.POST.get("action") == "revoke":
        if feed_token_revoke(user=request.user):  # type: ignore[arg-type]
            messages.info(request, "Your private feed address no longer works.")
        return redirect("posts:following")
    issued = feed_token_reset(user=request.user)  # type: ignore[arg-type]
    rss = reverse("posts:feed_my_rss", kwargs={"token": issued.secret})
    atom = reverse("posts:feed_my_atom", kwargs={"token": issued.secret})
    json = reverse("posts:feed_my_json", kwargs={"token": issued.secret})
    context = {
        **_following_context(request),
        "new_feed_rss": f"{settings.SITE_URL}{rss}",
        "new_feed_atom": f"{settings.SITE_URL}{atom}",
        "new_feed_json": f"{settings.SITE_URL}{json}",
    }
    response = render(request, "posts/following.html", context)
    response["Cache-Control"] = "no-store"
    return response


Toggle = Callable[[HttpRequest, Any, bool], dict[str, Any]]


def _toggle_view(
    resolve: Callable[[str], Any], on: str, off: str
) -> Callable[[Toggle], Callable[..., HttpResponse]]:
    """A POST-only toggle (`action=<on>|<off>`) on a tag, channel or user found by `resolve`.

    Logged-in users only: visitors are sent to log in (401 in JSON). Answers JSON (the new state,
    or `{"error": ...}` with 401/403/404) to Accept: application/json; otherwise redirects back
    to a same-site `next` or the target's page. A refusal is a 403.
    """

    def decorate(view: Toggle) -> Callable[..., HttpResponse]:
        @require_POST
        @wraps(view)
        def wrapper(request: HttpRequest, key: str) -> HttpResponse:
            json = wants_json(request)
            if not request.user.is_authenticated:
                login_url = resolve_url(settings.LOGIN_URL)
                if json:
                    return JsonResponse(
                        {"error": "Log in first.", "login_url": login_url}, status=401
                    )
                back = safe_next(request, reverse("posts:home"))
                return redirect(f"{login_url}?{urlencode({'next': back})}")
            try:
                target = resolve(key)
                state = view(request, target, request.POST.get("action", on) != off)
            except Http404:
                if json:
                    return JsonResponse({"error": "Not found."}, status=404)
                raise
            except FollowNotAllowed as exc:
                if json:
                    return JsonResponse({"error": str(exc)}, status=403)
                raise PermissionDenied(str(exc)) from exc
            if json:
                return JsonResponse(state)
            return redirect(safe_next(request, target.get_absolute_url()))

        return wrapper

    return decorate


def _follow(request: HttpRequest, target: Any, add: bool, **count: Any) -> dict[str, Any]:
    if add:
        follow_add(user=request.user, target=target)  # type: ignore[arg-type]
    else:
        follow_remove(user=request.user, target=target)  # type: ignore[arg-type]
    return {"following": add, "follower_count": Follow.objects.filter(**count).count()}


@_toggle_view(lambda slug: tag_get(slug=slug), on="follow", off="unfollow")
def tag_follow(request: HttpRequest, tag: Any, add: bool) -> dict[str, Any]:
    return _follow(request, tag, add, tag=tag)


@_toggle_view(lambda handle: channel_get(handle=handle), on="follow", off="unfollow")
def channel_follow(request: HttpRequest, channel: Any, add: bool) -> dict[str, Any]:
    return _follow(request, channel, add, channel=channel)


@_toggle_view(lambda name: user_get_public(username=name), on="follow", off="unfollow")
def user_follow(request: HttpRequest, user: Any, add: bool) -> dict[str, Any]:
    return _follow(request, user, add, followed_user=user)


@_toggle_view(lambda slug: tag_get(slug=slug), on="hide", off="unhide")
def tag_hide(request: HttpRequest, tag: Any, add: bool) -> dict[str, Any]:
    if add:
        hidden_tag_add(user=request.user, tag=tag)  # type: ignore[arg-type]
        if not wants_json(request):
            messages.info(request, f"Posts tagged #{tag.slug} are hidden from your lists.")
    else:
        hidden_tag_remove(user=request.user, tag=tag)  # type: ignore[arg-type]
    return {"hidden": add}
