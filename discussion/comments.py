"""A thread's comments, each rendered once for every reader and cached; each reader's part is
filled in per request (core/fragments.py, docs/performance.md#feed-rows).

`discussion/_comment.html` renders the shared comment with slots: "new" marks (class and
label), the time ago, the points, the actions (vote, reply, edit, delete, flag, remove) and
`close`, which opens the list of its replies or closes the levels that end after it.

The key holds what can change the shared part: the comment's status (deleted, removed, with
the reason), `edited_at` (an edit), its author (an account deleted) and whether that author
submitted the post (the OP mark); votes change only the points, which are a slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString

from core.fragments import Fragments
from core.text import ago_text
from discussion.models import Comment
from discussion.selectors import Thread, ThreadComment, thread_comments_complete
from posts.models import Post


def _key(item: ThreadComment) -> str:
    comment = item.comment
    edited = comment.edited_at.timestamp() if comment.edited_at else 0
    return f"{comment.pk}:{comment.status}:{edited:.6f}:{comment.author_id}:{_is_op(item)}"


def _is_op(item: ThreadComment) -> bool:
    comment = item.comment
    return comment.author_id is not None and comment.author_id == comment.post.author_id


def _profile_url(comment: Comment) -> str:
    author = comment.author
    return reverse("posts:profile", kwargs={"username": author.username}) if author else ""


def _complete(items: list[ThreadComment]) -> None:
    thread_comments_complete(item.comment for item in items)


COMMENTS: Fragments[ThreadComment] = Fragments(
    name="comment",
    template="discussion/_comment.html",
    slots=("new_class", "ago", "score", "new", "actions", "close"),
    key=_key,
    context=lambda item: {
        "comment": item.comment,
        "url": item.url,
        "author_url": _profile_url(item.comment),
        "is_op": _is_op(item),
    },
    seconds=lambda: settings.POST_ROW_CACHE_SECONDS,
    # The thread is read without texts and authors: only comments rendered now need them.
    prepare=_complete,
)


@dataclass(frozen=True)
class _Reader:
    """The request's part of every comment, computed and escaped once per page."""

    user_id: int | None
    is_staff: bool
    csrf_input: str
    path: str
    login_url: str
    now: datetime


def _reader(request: HttpRequest) -> _Reader:
    user = request.user
    member = user.is_authenticated
    token = escape(get_token(request)) if member else ""
    return _Reader(
        user_id=user.pk if member else None,
        is_staff=bool(member and user.is_staff),
        csrf_input=f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">',
        path=escape(request.path),
        login_url=escape(f"{reverse('accounts:login')}?next={quote(request.path, safe='/')}"),
        now=timezone.now(),
    )


def thread_comments_html(request: HttpRequest, thread: Thread, post: Post) -> SafeString:
    """The `<li>` items of `thread` for this request's reader, nested as the thread is."""
    reader = _reader(request)
    for item in thread.comments:
        item.comment.post = post  # the OP mark compares with the post's author
    return COMMENTS.render(thread.comments, lambda slot, item: _fill(slot, item, reader))


def _fill(slot: str, item: ThreadComment, reader: _Reader) -> str:
    comment = item.comment
    if slot == "ago":
        return ago_text((reader.now - comment.created_at).total_seconds())
    if slot == "score":
        return f"{comment.score} point{'' if comment.score == 1 else 's'}"
    if slot == "new_class":
        return " comment--new" if item.is_new else ""
    if slot == "new":
        return '<span class="comment__new">new</span>' if item.is_new else ""
    if slot == "close":
        if item.has_replies:
            return '<ol class="comment__replies">'
        return "</details></li>" + "</ol></details></li>" * len(item.closes)
    return _actions(item, reader)  # slot == "actions"


def _actions(item: ThreadComment, reader: _Reader) -> str:
    comment = item.comment
    url = item.url  # a permalink: letters, digits and slashes
    if reader.user_id is None:
        return f'<a href="{reader.login_url}">log in to reply</a>'
    own = comment.author_id == reader.user_id
    links = []
    if not own:
        voted = item.voted
        links.append(
            f'<form method="post" action="{url}vote/" class="inline-form vote" '
            f'data-action="vote">{reader.csrf_input}'
            f'<input type="hidden" name="next" value="{reader.path}#{comment.anchor}">'
            f'<input type="hidden" name="action" value="{"remove" if voted else "up"}">'
            f'<button type="submit" class="link-button" '
            f'aria-pressed="{"true" if voted else "false"}" data-labels="▲ upvote|unvote">'
            f"{'unvote' if voted else '▲ upvote'}</button></form> ·"
        )
    links.append(f'<a href="{url}reply/" data-reply>reply</a>')
    if own and comment.edit_window_open:
        links.append(f'· <a href="{url}edit/">edit</a>')
    if own:
        links.append(f'· <a href="{url}delete/">delete</a>')
    if item.flag_url and not own:
        links.append(f'· <a href="{item.flag_url}">flag</a>')
    if reader.is_staff:
        links.append(f'· <a href="{url}remove/">remove</a>')
    return "\n      ".join(links)
