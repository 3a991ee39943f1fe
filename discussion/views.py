"""Discussion pages: writing, replying, editing, deleting and removing comments, votes, muting
a thread, the newest comments, a member's comments, the inbox and notification settings. Each
view parses the request, calls one service or selector and renders (docs/discussion.md)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import User
from core.http import bad_request, page_size_from, safe_next, wants_json
from core.pagination import InvalidCursor
from core.signing import InvalidLink
from discussion.forms import CommentForm, CommentRemoveForm, NotificationPreferenceForm
from discussion.models import Comment, Notification
from discussion.selectors import (
    comment_get_public,
    comments_by_user,
    comments_recent,
    inbox_read,
    inbox_unread,
)
from discussion.services.comments import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_get_for_edit,
    comment_remove,
)
from discussion.services.errors import CommentActionNotAllowed, CommentRejected
from discussion.services.notifications import (
    notification_preference_update,
    notification_unsubscribe,
    notifications_mark_read,
    thread_mute_set,
    unsubscribe_token_read,
)
from discussion.services.voting import comment_vote_cast, comment_vote_remove
from posts.models import Post
from posts.selectors.directory import user_get_public
from posts.selectors.posts import post_get_published


def _in_thread(comment: Comment) -> str:
    return f"{comment.post.get_absolute_url()}#{comment.anchor}"


def _status(exc: CommentRejected) -> int:
    return {"rate_limited": 429, "unverified": 403}.get(exc.code, 400)


def _write_page(
    request: HttpRequest,
    *,
    post: Post,
    form: CommentForm,
    parent: Comment | None = None,
    comment: Comment | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page with one comment form: a reply (HN's reply page), an edit, or a top-level
    comment sent back with what was wrong."""
    return render(
        request,
        "discussion/write.html",
        {"post": post, "parent": parent, "comment": comment, "form": form},
        status=status,
    )


@login_required
def comment_new(request: HttpRequest, short_id: str) -> HttpResponse:
    """POST a top-level comment on the post `short_id` (the box under the post)."""
    post = post_get_published(short_id=short_id)
    if request.method != "POST":
        return redirect(f"{post.get_absolute_url()}#comments")
    return _create(request, post=post, parent=None)


@login_required
def comment_reply(request: HttpRequest, short_id: str) -> HttpResponse:
    """GET: the reply page for a comment; POST: publish the reply."""
    parent = comment_get_public(short_id=short_id)
    if request.method != "POST":
        return _write_page(request, post=parent.post, parent=parent, form=CommentForm())
    return _create(request, post=parent.post, parent=parent)


def _create(request: HttpRequest, *, post: Post, parent: Comment | None) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = comment_create(
                author=cast(User, request.user),
                post=post,
                body=form.cleaned_data["body"],
                parent=parent,
            )
        except CommentRejected as exc:
            form.add_error("body", exc.message)
            return _write_page(request, post=post, parent=parent, form=form, status=_status(exc))
        return redirect(_in_thread(comment))
    return _write_page(request, post=post, parent=parent, form=form, status=400)


def comment_permalink(request: HttpRequest, short_id: str) -> HttpResponse:
    """/c/<short_id>/: the thread, opened at the comment."""
    return redirect(_in_thread(comment_get_public(short_id=short_id)))


def _own(request: HttpRequest, short_id: str, action: str) -> Comment:
    try:
        return comment_get_for_edit(short_id=short_id, user=cast(User, request.user), action=action)
    except Comment.DoesNotExist:
        raise Http404("No such comment.") from None
    except CommentActionNotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc


@login_required
def comment_edit_view(request: HttpRequest, short_id: str) -> HttpResponse:
    comment = _own(request, short_id, "edit")
    if request.method != "POST":
        form = CommentForm(initial={"body": comment.body})
        return _write_page(request, post=comment.post, comment=comment, form=form)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_edit(
                comment=comment, editor=cast(User, request.user), body=form.cleaned_data["body"]
            )
        except CommentRejected as exc:
            form.add_error("body", exc.message)
        except CommentActionNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return redirect(_in_thread(comment))
    return _write_page(request, post=comment.post, comment=comment, form=form, status=400)


@login_required
def comment_delete_view(request: HttpRequest, short_id: str) -> HttpResponse:
    comment = _own(request, short_id, "delete")
    if request.method != "POST":
        return render(request, "discussion/delete.html", {"comment": comment})
    try:
        comment_delete(comment=comment, user=cast(User, request.user))
    except CommentActionNotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, "Your comment is deleted; the replies to it stay.")
    return redirect(_in_thread(comment))


@login_required
def comment_remove_view(request: HttpRequest, short_id: str) -> HttpResponse:
    comment = _own(request, short_id, "remove")
    form = CommentRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comment_remove(
                comment=comment,
                moderator=cast(User, request.user),
                reason=form.cleaned_data["reason"],
            )
        except CommentRejected as exc:
            form.add_error("reason", exc.message)
        except CommentActionNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, "The comment is removed.")
            return redirect(_in_thread(comment))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "discussion/remove.html", {"comment": comment, "form": form}, status=status
    )


@require_POST
def comment_vote(request: HttpRequest, short_id: str) -> HttpResponse:
    """Upvote or take back the vote (action=remove); JSON for the in-place button."""
    json = wants_json(request)
    if not request.user.is_authenticated:
        login_url = resolve_url(settings.LOGIN_URL)
        if json:
            return JsonResponse({"error": "Log in first.", "login_url": login_url}, status=401)
        return redirect(f"{login_url}?{urlencode({'next': safe_next(request, '/')})}")
    try:
        comment = comment_get_public(short_id=short_id)
    except Http404:
        if json:
            return JsonResponse({"error": "No such comment."}, status=404)
        raise
    user = cast(User, request.user)
    try:
        if request.POST.get("action") == "remove":
            comment_vote_remove(user=user, comment=comment)
            voted = False
        else:
            comment_vote_cast(user=user, comment=comment)
            voted = True
    except CommentActionNotAllowed as exc:
        if json:
            return JsonResponse({"error": str(exc)}, status=403)
        raise PermissionDenied(str(exc)) from exc
    comment.refresh_from_db(fields=["score"])
    if json:
        return JsonResponse({"voted": voted, "score": comment.score})
    return redirect(safe_next(request, _in_thread(comment)))


@login_required
@require_POST
def thread_mute(request: HttpRequest, short_id: str) -> HttpResponse:
    post = post_get_published(short_id=short_id)
    muted = request.POST.get("action") != "unmute"
    thread_mute_set(user=cast(User, request.user), post=post, muted=muted)
    messages.success(
        request,
        "You will get no notifications from this discussion."
        if muted
        else "Notifications from this discussion are back on.",
    )
    return redirect(f"{post.get_absolute_url()}#comments")


def _list_page(request: HttpRequest, fetch: Any, context: dict[str, Any]) -> HttpResponse:
    try:
        page = fetch(after=request.GET.get("after") or None, page_size=page_size_from(request))
    except InvalidCursor:
        return bad_request(request, "That “more” link is broken. Start again from the first page.")
    return render(request, "discussion/comment_list.html", {"page": page, **context})


def comments_newest(request: HttpRequest) -> HttpResponse:
    """/comments/: the newest comments everywhere."""

    def fetch(**kwargs: Any) -> Any:
        return comments_recent(viewer=request.user, **kwargs)

    return _list_page(request, fetch, {"heading": "Newest comments", "nav": "comments"})


def user_comments(request: HttpRequest, username: str) -> HttpResponse:
    """/u/<username>/comments/: a member's comments."""
    profile_user = user_get_public(username=username)
    if profile_user.username != username:
        return redirect("discussion:user_comments", username=profile_user.username)

    def fetch(**kwargs: Any) -> Any:
        return comments_by_user(user=profile_user, viewer=request.user, **kwargs)

    return _list_page(
        request,
        fetch,
        {"heading": f"Comments by {profile_user.username}", "profile_user": profile_user},
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """/inbox/: unread notifications first, then the ones already read, a page at a time."""
    user = cast(User, request.user)
    try:
        earlier = inbox_read(
            user=user, after=request.GET.get("after") or None, page_size=page_size_from(request)
        )
    except InvalidCursor:
        return bad_request(request, "That “more” link is broken. Start again from the first page.")
    return render(
        request,
        "discussion/inbox.html",
        {"unread": inbox_unread(user=user), "page": earlier, "nav": "inbox"},
    )


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: it is read, and the thread opens at its comment."""
    notification = (
        Notification.objects.filter(pk=notification_id, recipient=request.user)
        .select_related("comment__post")
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    notifications_mark_read(user=cast(User, request.user), ids=[notification.pk])
    return redirect(_in_thread(notification.comment))


@login_required
@require_POST
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_read(user=cast(User, request.user))
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("discussion:inbox")


@login_required
@require_POST
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationPreferenceForm(request.POST)
    if form.is_valid():
        notification_preference_update(
            user=cast(User, request.user),
            email_replies=form.cleaned_data["email_replies"],
            email_mentions=form.cleaned_data["email_mentions"],
        )
        messages.success(request, "Your notification settings are saved.")
    return redirect("accounts:settings")


@csrf_exempt  # a mail client's one-click POST carries no CSRF token; the signed link is the key
def notifications_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click link in a notification email: GET shows a button, POST (the button, or a
    mail client's RFC 8058 one-click request) turns that kind of email off. No log-in needed:
    the signed link is the key."""
    try:
        _, kind = unsubscribe_token_read(token=token)
    except InvalidLink:
        return render(request, "discussion/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        notification_unsubscribe(token=token)
        done = True
    return render(
        request,
        "discussion/unsubscribe.html",
        {"kinds": "replies" if kind == Notification.Kind.REPLY else "mentions", "done": done},
    )
