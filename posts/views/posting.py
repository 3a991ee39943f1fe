"""Posting: the submit and edit form (with Preview and a no-JavaScript "Add a row"), delete,
moderator removal, and the URL check the form calls while the user types."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_http_methods

from posts.forms import ADD_ROW_ACTIONS, PostEditor, PostRemoveForm
from posts.models import Post
from posts.selectors.posts import post_get_for_edit, url_duplicate_check
from posts.services import submission
from posts.services.core import post_draft_build
from posts.services.errors import PostRejected
from posts.services.submission import post_update


def _post_form_page(request: HttpRequest, *, post: Post | None) -> HttpResponse:
    """The submit page (post is None) or the edit page: Preview, "Add a row" and Publish.

    Preview and "Add a row" save nothing. A refusal from the service shows on the form's
    fields: 400, or 429 for a rate limit.
    """
    user = request.user
    template = "posts/submit.html"
    context: dict[str, Any] = {"post": post, "nav": "submit" if post is None else None}
    if request.method != "POST":
        return render(request, template, {**context, "editor": PostEditor(user=user, post=post)})
    action = request.POST.get("action", "publish")
    if action in ADD_ROW_ACTIONS:
        editor = PostEditor.with_added_row(
            user=user, data=request.POST, prefix=ADD_ROW_ACTIONS[action]
        )
        return render(request, template, {**context, "editor": editor})
    editor = PostEditor(user=user, data=request.POST)
    if not editor.is_valid():
        return render(request, template, {**context, "editor": editor}, status=400)
    if action != "publish":  # "preview", or anything unexpected: show, never save
        draft = post_draft_build(author=user, content=editor.content())
        return render(request, template, {**context, "editor": editor, "draft": draft})
    try:
        if post is None:
            saved = submission.post_submit(author=user, content=editor.content())
        else:
            saved = post_update(post=post, editor=user, content=editor.content())
    except PostRejected as exc:
        editor.reject(exc)
        status = 429 if exc.code == "rate_limited" else 400
        return render(request, template, {**context, "editor": editor}, status=status)
    messages.success(request, "Your post is live." if post is None else "Your changes are saved.")
    return redirect(saved)


@login_required
@require_http_methods(["GET", "POST"])
def post_submit(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified:  # type: ignore[union-attr]
        return render(
            request, "posts/submit.html", {"unverified": True, "nav": "submit"}, status=403
        )
    return _post_form_page(request, post=None)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, short_id: str) -> HttpResponse:
    post = post_get_for_edit(user=request.user, short_id=short_id, action="edit")
    return _post_form_page(request, post=post)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, short_id: str) -> HttpResponse:
    post = post_get_for_edit(user=request.user, short_id=short_id, action="delete")
    if request.method == "POST":
        submission.post_delete(post=post, user=request.user)
        messages.success(request, "Your post was deleted.")
        return redirect(post)
    return render(request, "posts/delete.html", {"post": post})


@login_required
@require_http_methods(["GET", "POST"])
def post_remove(request: HttpRequest, short_id: str) -> HttpResponse:
    post = post_get_for_edit(user=request.user, short_id=short_id, action="remove")
    form = PostRemoveForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            submission.post_remove(
                post=post, moderator=request.user, reason=form.cleaned_data["reason"]
            )
        except PostRejected as exc:
            form.add_error("reason", exc.errors.get("reason", [exc.message]))
        else:
            messages.success(request, "The post was removed.")
            return redirect(post)
    status = 400 if form.is_bound else 200
    return render(request, "posts/remove.html", {"post": post, "form": form}, status=status)


@require_GET
def submit_check(request: HttpRequest) -> JsonResponse:
    """What the submit form's URL field says while the user types: JSON for static/js/faun.js.

    `{"ok": false, "message": ...}` for a URL that cannot be posted (invalid, or posted within
    the duplicate window, with `duplicate`); `ok` with a note and `duplicate` for an older post.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False, "message": "Log in to post."}, status=401)
    url = request.GET.get("url", "").strip()
    if not url:
        return JsonResponse({"ok": True, "message": ""})
    try:
        check = url_duplicate_check(url=url, exclude_short_id=request.GET.get("exclude") or None)
    except ValueError as exc:
        return JsonResponse({"ok": False, "message": str(exc)})
    existing = check.existing
    if existing is None or existing.published_at is None:
        return JsonResponse({"ok": True, "message": ""})
    ago = timesince(existing.published_at).replace("\xa0", " ")
    return JsonResponse(
        {
            "ok": not check.blocks,
            "message": (
                f"This link was already posted {ago} ago."
                if check.blocks
                else f"Previously posted {ago} ago; you can post it again."
            ),
            "duplicate": {
                "title": existing.title,
                "url": existing.get_absolute_url(),
                "recent": check.blocks,
            },
        }
    )
