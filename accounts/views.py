"""Account pages: the public profile. Sign-up, verification and settings live beside it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from posts import selectors
from posts.views import render_feed


def profile(request: HttpRequest, username: str) -> HttpResponse:
    profile_user = selectors.user_get_public(username=username)
    if profile_user.username != username:
        return redirect(profile_user, permanent=True)
    return render_feed(
        request,
        template="accounts/profile.html",
        order="newest",
        author=profile_user,
        context={
            "profile_user": profile_user,
            "heading": profile_user.shown_name,
            "feed_rss": reverse("posts:feed_user_rss", kwargs={"username": profile_user.username}),
            "feed_atom": reverse(
                "posts:feed_user_atom", kwargs={"username": profile_user.username}
            ),
        },
    )
