"""Moderation pages: flagging, the moderators' queue and the public moderation log
(docs/moderation.md). Each view parses the request, calls one service or selector and renders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import User
from core.http import bad_request, page_size_from, safe_next
from core.pagination import InvalidCursor
from discussion.selectors import comment_get_public
from moderation.feeds import entry_link, entry_title
from moderation.forms import (
    FlagForm,
    MergeForm,
    PostEditForm,
    ReasonForm,
    SuggestForm,
    SuspendForm,
)
from moderation.models import Flag, Suggestion
from moderation.selectors import (
    can_flag,
    can_suggest,
    flag_of,
    member_get_for_moderation,
    member_standing,
    merge_candidates,
    moderation_log,
    moderation_queue,
    suggestions_of,
)
from moderation.services.actions import (
    ModerationConflict,
    ModerationRefused,
    moderation_comment_flags_dismiss,
    moderation_comment_remove,
    moderation_comment_restore,
    moderation_member_reinstate,
    moderation_member_suspend,
    moderation_post_edit,
    moderation_post_flags_dismiss,
    moderation_post_merge,
    moderation_post_remove,
    moderation_post_restore,
)
from moderation.services.errors import FlagNotAllowed, SuggestionRejected
from moderation.services.flags import comment_flag, comment_unflag, post_flag, post_unflag
from moderation.services.suggestions import post_suggest
from posts.models import Post
from posts.selectors.posts import (
    post_find_by_reference,
    post_get_for_page,
    post_get_published,
)


@login_required
def post_flag_view(request: HttpRequest, short_id: str) -> HttpResponse:
    """GET: why flag this post (or the member's flag, to take back); POST: flag or unflag."""
    post = post_get_published(short_id=short_id)
    member = cast(User, request.user)
    form = FlagForm(request.POST if request.method == "POST" else None, reasons=Flag.POST_REASONS)
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
    form = FlagForm(
        request.POST if request.method == "POST" else None, reasons=Flag.COMMENT_REASONS
    )
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


# The moderators' pages: staff only.


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors are sent to log in; members who are not staff get the 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Only moderators see this page.")
        return view(request, *args, **kwargs)

    return wrapped


def _back(request: HttpRequest) -> str:
    return safe_next(request, reverse("moderation:queue"))


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """/mod/: flagged posts and comments with their reasons, new accounts' posts, recent
    removals to restore, suspended members."""
    return render(
        request,
        "moderation/queue.html",
        {"queue": moderation_queue(), "nav": "mod", "remove_form": ReasonForm(required=True)},
    )


def _post_for_moderation(request: HttpRequest, short_id: str) -> Post:
    return post_get_for_page(short_id=short_id, viewer=request.user)


def _act(
    request: HttpRequest,
    *,
    action: Callable[[str], object],
    done: str,
    context: dict[str, Any],
    reason_required: bool = False,
) -> HttpResponse:
    """GET: the confirmation page with a reason; POST: run `action(reason)`, then back to the
    queue (or `next`) with `done`, or with what another moderator did first."""
    form = ReasonForm(request.POST if request.method == "POST" else None, required=reason_required)
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data["reason"])
        except ModerationConflict as exc:
            messages.error(request, exc.message)
            return redirect(_back(request))
        except ModerationRefused as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(request, done)
            return redirect(_back(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/confirm.html",
        {**context, "form": form, "next": _back(request), "nav": "mod"},
        status=status,
    )


@staff_required
def post_remove(request: HttpRequest, short_id: str) -> HttpResponse:
    post = _post_for_moderation(request, short_id)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_post_remove(moderator=moderator, post=post, reason=reason),
        done="The post is removed; its page shows why.",
        context={"post": post, "verb": "Remove", "danger": True},
        reason_required=True,
    )


@staff_required
def post_restore(request: HttpRequest, short_id: str) -> HttpResponse:
    post = _post_for_moderation(request, short_id)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_post_restore(
            moderator=moderator, post=post, reason=reason
        ),
        done="The post is published again.",
        context={"post": post, "verb": "Restore"},
    )


@staff_required
def post_dismiss(request: HttpRequest, short_id: str) -> HttpResponse:
    post = _post_for_moderation(request, short_id)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_post_flags_dismiss(
            moderator=moderator, post=post, reason=reason
        ),
        done="The flags are dismissed; the post is back on the front page.",
        context={"post": post, "verb": "Dismiss the flags on"},
    )


@staff_required
def post_edit(request: HttpRequest, short_id: str) -> HttpResponse:
    """A better title or tags for a post, logged with before and after."""
    post = _post_for_moderation(request, short_id)
    initial = {"title": post.title, "tags": list(post.tags.all())}
    form = PostEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = moderation_post_edit(
                moderator=cast(User, request.user),
                post=post,
                title=form.cleaned_data["title"],
                tags=list(form.cleaned_data["tags"]),
                reason=form.cleaned_data["reason"],
            )
        except ModerationConflict as exc:
            messages.error(request, exc.message)
            return redirect(_back(request))
        except ModerationRefused as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, "The post is edited." if changed else "Nothing changed.")
            return redirect(_back(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/edit.html",
        {"post": post, "form": form, "next": _back(request), "nav": "mod"},
        status=status,
    )


@staff_required
def post_merge(request: HttpRequest, short_id: str) -> HttpResponse:
    """Merge a post into another story on the same subject; then to that story's page."""
    post = _post_for_moderation(request, short_id)
    form = MergeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            target = moderation_post_merge(
                moderator=cast(User, request.user),
                post=post,
                into=post_find_by_reference(reference=form.cleaned_data["into"]),
                reason=form.cleaned_data["reason"],
            )
        except ModerationConflict as exc:
            messages.error(request, exc.message)
            return redirect(_back(request))
        except ModerationRefused as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, "The post is merged: its comments and votes are here now.")
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/merge.html",
        {
            "post": post,
            "form": form,
            "candidates": merge_candidates(post=post),
            "next": _back(request),
            "nav": "mod",
        },
        status=status,
    )


@staff_required
def comment_remove(request: HttpRequest, short_id: str) -> HttpResponse:
    comment = comment_get_public(short_id=short_id)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_comment_remove(
            moderator=moderator, comment=comment, reason=reason
        ),
        done="The comment is removed; the thread shows why in its place.",
        context={"comment": comment, "post": comment.post, "verb": "Remove", "danger": True},
        reason_required=True,
    )


@staff_required
def comment_restore(request: HttpRequest, short_id: str) -> HttpResponse:
    comment = comment_get_public(short_id=short_id)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_comment_restore(
            moderator=moderator, comment=comment, reason=reason
        ),
        done="The comment is published again.",
        context={"comment": comment, "post": comment.post, "verb": "Restore"},
    )


@staff_required
def comment_dismiss(request: HttpRequest, short_id: str) -> HttpResponse:
    comment = comment_get_public(short_id=short_id)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_comment_flags_dismiss(
            moderator=moderator, comment=comment, reason=reason
        ),
        done="The flags on the comment are dismissed.",
        context={"comment": comment, "post": comment.post, "verb": "Dismiss the flags on"},
    )


@staff_required
def member(request: HttpRequest, username: str) -> HttpResponse:
    """A member as moderators see them (standing, suspension) and the suspend or ban form."""
    subject = member_get_for_moderation(username=username)
    form = SuspendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation_member_suspend(
                moderator=cast(User, request.user),
                member=subject,
                days=form.days,
                reason=form.cleaned_data["reason"],
            )
        except ModerationConflict as exc:
            messages.error(request, exc.message)
            return redirect(_back(request))
        except ModerationRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{subject.username} is suspended.")
            return redirect(_back(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/member.html",
        {
            "member": subject,
            "standing": member_standing(user=subject),
            "form": form,
            "next": _back(request),
            "nav": "mod",
        },
        status=status,
    )


@staff_required
def member_reinstate(request: HttpRequest, username: str) -> HttpResponse:
    subject = member_get_for_moderation(username=username)
    moderator = cast(User, request.user)
    return _act(
        request,
        action=lambda reason: moderation_member_reinstate(
            moderator=moderator, member=subject, reason=reason
        ),
        done=f"{subject.username} may log in and write again.",
        context={"member": subject, "verb": "Lift the suspension of"},
    )


# The public moderation log.


def log(request: HttpRequest) -> HttpResponse:
    """/moderations/: every moderator action, newest first, with who, what, when and why."""
    try:
        page = moderation_log(
            after=request.GET.get("after") or None, page_size=page_size_from(request)
        )
    except InvalidCursor:
        return bad_request(request, "That “more” link is broken. Start again from the first page.")
    entries = [(entry, entry_title(entry), entry_link(entry)) for entry in page.items]
    return render(
        request,
        "moderation/log.html",
        {
            "page": page,
            "entries": entries,
            "heading": "Moderation log",
            "nav": "moderations",
            "feed_rss": reverse("moderation:log_rss"),
            "feed_atom": reverse("moderation:log_atom"),
            "feed_json": reverse("moderation:log_json"),
        },
    )


# Suggested edits.


@login_required
def post_suggest_view(request: HttpRequest, short_id: str) -> HttpResponse:
    """GET: the post's title and tags (or the member's own suggestion) to change; POST: suggest."""
    post = post_get_published(short_id=short_id)
    member = cast(User, request.user)
    own = suggestions_of(user=member, post=post)
    initial = {
        "title": own.get(Suggestion.Kind.TITLE, post.title),
        "tags": own[Suggestion.Kind.TAGS].split()
        if Suggestion.Kind.TAGS in own
        else [tag.slug for tag in post.tags.all()],
    }
    form = SuggestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            applied = post_suggest(
                user=member,
                post=post,
                title=form.cleaned_data["title"],
                tags=list(form.cleaned_data["tags"]),
            )
        except SuggestionRejected as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(
                request,
                "Enough members suggested the same: the post is edited."
                if applied
                else "Thank you: your suggestion is recorded. "
                f"It is applied once {settings.MODERATION_SUGGESTION_QUORUM} members agree.",
            )
            return redirect(post)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/suggest.html",
        {
            "post": post,
            "form": form,
            "can_suggest": can_suggest(user=member),
            "min_karma": settings.MODERATION_SUGGEST_MIN_KARMA,
            "quorum": settings.MODERATION_SUGGESTION_QUORUM,
        },
        status=status,
    )
