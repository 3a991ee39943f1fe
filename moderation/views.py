"""Moderation pages: flagging, the moderators' queue and the public moderation log
(docs/moderation.md). Each view parses the request, calls one service or selector and renders."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import User
from discussion.selectors import comment_get_public
from moderation.forms import FlagForm
from moderation.models import Flag
from moderation.selectors import can_flag, flag_of
from moderation.services.errors import FlagNotAllowed
from moderation.services.flags import comment_flag, comment_unflag, post_flag, post_unflag
from posts.selectors.posts import post_get_published


@login_required
def post_flag_view(request: HttpRequest, short_id: str) -> HttpResponse:
    """GET: why flag this post (or the member's flag, to take back); POST: flag or unflag."""
    post = post_get_published(short_id=short_id)
    member = cast(User, request.user)
    form = FlagForm(request.POST or None, reasons=Flag.POST_REASONS)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "unflag":
                post_unflag(user=member, post=post)
                messages.success(request, "Your flag is taken back.")
                return redirect(post)
            if form.is_valid():
                post_flag(user=member, post=post, reason=form.cleaned_data["reason"])
                messages.success(request, "Thank you: the post is flagged for the moderators.")
                return redirect(post)
        except FlagNotAllowed as exc:
            form.add_error(None, exc.message)
        status = 400
    return render(
        request,
        "moderation/flag.html",
        {
            "post": post,
            "item": post,
            "form": form,
            "flag": flag_of(user=member, post=post),
            "can_flag": can_flag(user=member),
            "min_karma": settings.MODERATION_FLAG_MIN_KARMA,
            "action_url": request.path,
        },
        status=status,
    )


@login_required
def comment_flag_view(request: HttpRequest, short_id: str) -> HttpResponse:
    """GET: why flag this comment (or the member's flag, to take back); POST: flag or unflag."""
    comment = comment_get_public(short_id=short_id)
    member = cast(User, request.user)
    form = FlagForm(request.POST or None, reasons=Flag.COMMENT_REASONS)
    back = f"{comment.post.get_absolute_url()}#{comment.anchor}"
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "unflag":
                comment_unflag(user=member, comment=comment)
                messages.success(request, "Your flag is taken back.")
                return redirect(back)
            if form.is_valid():
                comment_flag(user=member, comment=comment, reason=form.cleaned_data["reason"])
                messages.success(request, "Thank you: the comment is flagged for the moderators.")
                return redirect(back)
        except FlagNotAllowed as exc:
            form.add_error(None, exc.message)
        status = 400
    return render(
        request,
        "moderation/flag.html",
        {
            "post": comment.post,
            "comment": comment,
            "form": form,
            "flag": flag_of(user=member, comment=comment),
            "can_flag": can_flag(user=member),
            "min_karma": settings.MODERATION_FLAG_MIN_KARMA,
            "action_url": request.path,
        },
        status=status,
    )
