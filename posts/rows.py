"""Feed rows, rendered once for every reader and cached; each reader's own part is filled in per
request (core/fragments.py, docs/performance.md#feed-rows).

`posts/_post_row.html` renders the shared row, with slots for the vote button, save/hide and
the author's or moderator's links, "3 new" comments, and the time ("9h ago", which must not
freeze in a cache); this module fills them with plain string formatting.

The cache key holds everything a reader can change about the shared row: the post's
`updated_at` (every edit, retag, removal or moderator's change saves it), its comment count (a
new comment), its author (an account deleted) and its channel; a vote changes only the score,
which is in the vote slot. Changes only an administrator makes (renaming a tag or a channel)
show within POST_ROW_CACHE_SECONDS. Search results carry highlighted titles and snippets and
are rendered per request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache as memoize
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.fragments import Fragments
from core.text import ago_text
from posts.models import Post
from posts.selectors.core import post_row_related_load

# A short id in URLs reversed once per request and filled in per row (reverse() is a tenth of
# a row's cost otherwise).
_ID = "0SHORTID0"


def _row_key(post: Post) -> str | None:
    if getattr(post, "search_title", None) is not None:
        return None  # highlighted for one search
    updated = post.updated_at.timestamp() if post.updated_at else 0
    return f"{post.pk}:{updated:.6f}:{post.comment_count}:{post.author_id}:{post.channel_id}"


ROWS: Fragments[Post] = Fragments(
    name="post-row",
    template="posts/_post_row.html",
    slots=("vote", "ago", "new", "actions"),
    key=_row_key,
    context=lambda post: {"post": post},
    seconds=lambda: settings.POST_ROW_CACHE_SECONDS,
    # Feed pages fetch posts without them (feed_list's related=False): only rendering needs them.
    prepare=post_row_related_load,
)


@dataclass(frozen=True)
class RowViewer:
    """What a row needs to know about the request, computed once per page and escaped for HTML
    already: rows are assembled with plain string formatting."""

    user_id: int | None
    is_staff: bool
    csrf_input: str
    next_input: str
    login_url: str
    urls: dict[str, str]

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def url(self, name: str, post: Post) -> str:
        # Short ids are letters and digits: nothing to escape.
        return self.urls[name].replace(_ID, post.short_id)


def row_viewer(request: HttpRequest) -> RowViewer:
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    next_path = request.get_full_path()
    csrf_input = ""
    if authenticated:
        csrf_input = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
        )
    return RowViewer(
        user_id=user.pk if authenticated and user is not None else None,
        is_staff=bool(authenticated and user is not None and user.is_staff),
        csrf_input=csrf_input,
        next_input=f'<input type="hidden" name="next" value="{escape(next_path)}">',
        login_url=escape(f"{reverse('accounts:login')}?next={quote(next_path, safe='/')}"),
        urls={name: escape(url) for name, url in _action_urls().items()},
    )


@memoize
def _action_urls() -> dict[str, str]:
    return {
        name: reverse(f"posts:{name}", kwargs={"short_id": _ID})
        for name in ("vote", "save", "hide", "edit", "delete", "remove")
    }


def post_rows_html(request: HttpRequest, posts: Iterable[Post]) -> SafeString:
    """The `<li>` rows of a feed page for this request's reader."""
    posts = list(posts)
    viewer = row_viewer(request)
    now = timezone.now()
    return ROWS.render(posts, lambda slot, post: _fill(slot, post, viewer, now))


def _fill(slot: str, post: Post, viewer: RowViewer, now: datetime) -> str:
    if slot == "vote":
        return post_vote_html(post, viewer)
    if slot == "ago":
        return ago_text((now - post.published_at).total_seconds()) if post.published_at else ""
    if slot == "new":
        new = post.new_comment_count
        return f' <span class="post-row__new">{new} new</span>' if new else ""
    if viewer.is_authenticated and post.is_published:  # slot == "actions"
        return "· " + post_actions_html(post, viewer)
    return ""


_ARROW = '<span aria-hidden="true">▲</span> '


def post_vote_html(post: Post, viewer: RowViewer) -> SafeString:
    """The score with its button: a form for a member who may vote, the plain score for the
    author and on posts no longer published, a log-in link for visitors."""
    points = f'<span class="post-row__points">{int(post.score)}</span>'
    own = viewer.is_authenticated and post.author_id == viewer.user_id
    if post.is_published and viewer.is_authenticated and not own:
        voted = bool(getattr(post, "viewer_voted", False))
        html = (
            f'<form method="post" action="{viewer.url("vote", post)}" class="vote" '
            f'data-action="vote">{viewer.csrf_input}{viewer.next_input}'
            f'<input type="hidden" name="action" value="{"remove" if voted else "up"}">'
            f'<button type="submit" class="vote__button" aria-pressed="{_bool(voted)}" '
            f'title="{"Remove your vote" if voted else "Upvote"}">'
            f'<span class="visually-hidden">Upvote</span>{_ARROW}{points}</button></form>'
        )
    elif viewer.is_authenticated or not post.is_published:
        title = ' title="Your post: you cannot vote on it"' if own else ""
        html = f'<span class="vote vote--static"{title}>{_ARROW}{points}</span>'
    else:
        html = (
            f'<a class="vote vote--login" href="{viewer.login_url}" title="Log in to vote">'
            f'<span class="visually-hidden">Log in to upvote</span>{_ARROW}{points}</a>'
        )
    return mark_safe(html)  # noqa: S308 (every part is escaped or a number)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _toggle_form(post: Post, viewer: RowViewer, *, name: str, on: bool, words: str) -> str:
    """A save or hide form. `words`: "save unsave save saved" is the action, the action that
    undoes it, and the button's label off and on."""
    action, undo, label, label_on = words.split()
    return (
        f'<form method="post" action="{viewer.url(name, post)}" class="inline-form" '
        f'data-action="{name}">{viewer.csrf_input}{viewer.next_input}'
        f'<input type="hidden" name="action" value="{undo if on else action}">'
        f'<button type="submit" class="link-button" aria-pressed="{_bool(on)}">'
        f"{label_on if on else label}</button></form>"
    )


def post_actions_html(post: Post, viewer: RowViewer) -> SafeString:
    """Save, hide, and the author's edit and delete or a moderator's remove, for a member on a
    published post (feed rows and the post page; faun.js updates the forms in place)."""
    if not (viewer.is_authenticated and post.is_published):
        return SafeString("")
    saved = bool(getattr(post, "viewer_saved", False))
    hidden = bool(getattr(post, "viewer_hidden", False))
    links = [
        _toggle_form(post, viewer, name="save", on=saved, words="save unsave save saved"),
        _toggle_form(post, viewer, name="hide", on=hidden, words="hide unhide hide unhide"),
    ]
    if post.author_id == viewer.user_id:
        if post.edit_window_open:
            links.append(f'<a href="{viewer.url("edit", post)}">edit</a>')
        links.append(f'<a href="{viewer.url("delete", post)}">delete</a>')
    elif viewer.is_staff:
        links.append(f'<a href="{viewer.url("remove", post)}">remove</a>')
    return mark_safe(f'<div class="post-actions">{" · ".join(links)}</div>')  # noqa: S308
