"""Votes, saves and hides (plain form posts that redirect back, or JSON for static/js/faun.js),
and the reader's saved and hidden lists."""

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
from posts.models import Post
from posts.selectors.feeds import hidden_post_list, saved_post_list
from posts.selectors.posts import post_get_published
from posts.services.errors import PostActionNotAllowed
from posts.services.lists import (
    hidden_post_add,
    hidden_post_remove,
    saved_post_add,
    saved_post_remove,
)
from posts.services.voting import vote_cast, vote_remove

PostAction = Callable[[HttpRequest, Post], dict[str, Any]]


def post_action(view: PostAction) -> Callable[[HttpRequest, str], HttpResponse]:
    """POST-only action on a published post by a logged-in user.

    Answers JSON (the new state, or `{"error": ...}` with 401/403/404) when the request asks for
    it with Accept: application/json; otherwise redirects back to a same-site `next`, or to the
    log-in page for visitors, and shows refusals on the 403 page.
    """

    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, short_id: str) -> HttpResponse:
        json = wants_json(request)
        if not request.user.is_authenticated:
            login_url = resolve_url(settings.LOGIN_URL)
            back = safe_next(request, reverse("posts:home"))
            if json:
                return JsonResponse({"error": "Log in first.", "login_url": login_url}, status=401)
            return redirect(f"{login_url}?{urlencode({'next': back})}")
        try:
            post = post_get_published(short_id=short_id)
            state = view(request, post)
        except Http404:
            if json:
                return JsonResponse({"error": "No such post."}, status=404)
            raise
        except PostActionNotAllowed as exc:
            if json:
                return JsonResponse({"error": str(exc)}, status=403)
            raise PermissionDenied(str(exc)) from exc
        if json:
            return JsonResponse(state)
        back = safe_next(request, post.get_absolute_url())
        return redirect(back if "#" in back else f"{back}#post-{post.short_id}")

    return wrapper


@post_action
def post_vote(request: HttpRequest, post: Post) -> dict[str, Any]:
    if request.POST.get("action") == "remove":
        vote_remove(user=request.user, post=post)  # type: ignore[arg-type]
        voted = False
    else:
        vote_cast(user=request.user, post=post)  # type: ignore[arg-type]
        voted = True
    post.refresh_from_db(fields=["score"])
    return {"voted": voted, "score": post.score}


@post_action
def post_save(request: HttpRequest, post: Post) -> dict[str, Any]:
    if request.POST.get("action") == "unsave":
        saved_post_remove(user=request.user, post=post)  # type: ignore[arg-type]
        return {"saved": False}
    saved_post_add(user=request.user, post=post)  # type: ignore[arg-type]
    return {"saved": True}


@post_action
def post_hide(request: HttpRequest, post: Post) -> dict[str, Any]:
    if request.POST.get("action") == "unhide":
        hidden_post_remove(user=request.user, post=post)  # type: ignore[arg-type]
        return {"hidden": False}
    hidden_post_add(user=request.user, post=post)  # type: ignore[arg-type]
    if not wants_json(request):
        messages.info(request, f"Hidden from your feeds: “{post.title}”. Find it under Hidden.")
    return {"hidden": True}


def _user_list(request: HttpRequest, *, which: str) -> HttpResponse:
    select = saved_post_list if which == "saved" else hidden_post_list
    try:
        page = select(
            user=request.user,  # type: ignore[arg-type]
            after=request.GET.get("after") or None,
            page_size=page_size_from(request),
        )
    except InvalidCursor:
        return bad_request(request, "That “more” link is broken. Start again from the first page.")
    return render(
        request,
        "posts/user_list.html",
        {"page": page, "which": which, "heading": which.capitalize(), "nav": which},
    )


@login_required
def saved_list(request: HttpRequest) -> HttpResponse:
    return _user_list(request, which="saved")


@login_required
def hidden_list(request: HttpRequest) -> HttpResponse:
    return _user_list(request, which="hidden")
