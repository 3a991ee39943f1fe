"""Reads for the feed pages, post pages, feeds and the API. Each returns rows ready for its page:
related rows joined or prefetched, and the viewer's own state annotated, so that a page costs the
same few queries whatever its size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.expressions import Subquery
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from posts import search
from posts.models import (
    Channel,
    ChannelMembership,
    FeedToken,
    Follow,
    HiddenPost,
    HiddenTag,
    Post,
    SavedPost,
    Tag,
    Vote,
)
from posts.pagination import KeysetPage, Ordering, keyset_paginate
from posts.search import ParsedQuery
from posts.urlnorm import normalize_url

Viewer = User | AnonymousUser | None

ORDERINGS: dict[str, Ordering] = {
    "hot": Ordering("hotness", float),
    "newest": Ordering("published_at", datetime),
    "top": Ordering("score", int),
}
BY_SLUG = Ordering("slug", str, descending=False)
BY_HANDLE = Ordering("handle", str, descending=False)
TOP_PERIODS: dict[str, timedelta | None] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "all": None,
}


def _authenticated(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) and viewer.is_authenticated else None


_ROW_DEFERRED = (
    "search_vector",
    "body",
    "body_html",
    "normalized_url",
    "removed_reason",
    "preview_title",
    "preview_description",
    "preview_site_name",
    "preview_image_url",
)
_ROW_TAGS = Tag.objects.only("id", "slug", "name")


def posts_for_viewer(
    *,
    viewer: Viewer,
    queryset: QuerySet[Post] | None = None,
    include_hidden: bool = False,
) -> QuerySet[Post]:
    """Published posts with author, channel and tags loaded, and the viewer's vote/save flags.

    Posts the viewer hid are left out (a NOT EXISTS in the same query, so the page still costs
    one query) unless `include_hidden`, which annotates `viewer_hidden` instead. Posts carrying a
    tag the viewer hid are always left out (one more NOT EXISTS): every feed, search, My feed
    and API list goes through here.
    """
    qs = queryset if queryset is not None else Post.objects.all()
    qs = (
        qs.filter(status=Post.Status.PUBLISHED)
        .select_related("author", "channel")
        .prefetch_related(Prefetch("tags", queryset=_ROW_TAGS))
        .defer(*_ROW_DEFERRED)
    )
    user = _authenticated(viewer)
    if user is not None:
        flags = _viewer_flags(user)
        hidden = flags.pop("viewer_hidden")
        qs = qs.annotate(**flags)
        qs = qs.annotate(viewer_hidden=hidden) if include_hidden else qs.filter(~hidden)
        qs = qs.filter(~_has_hidden_tag(user))
    return qs


_PostTag = Post.tags.through


def _has_hidden_tag(user: User, post: str = "pk") -> Exists:
    """EXISTS: the post named by `post` carries a tag `user` hid."""
    return Exists(
        _PostTag.objects.filter(
            post_id=OuterRef(post),
            tag_id__in=HiddenTag.objects.filter(user=user).values("tag_id"),
        )
    )


def hidden_tag_ids(*, user: User) -> set[int]:
    """The ids of the tags `user` hid: for lists built outside `posts_for_viewer` (digests)."""
    return set(HiddenTag.objects.filter(user=user).values_list("tag_id", flat=True))


def _viewer_flags(user: User, post: str = "pk") -> dict[str, Exists]:
    """EXISTS columns for the viewer's own state of the post named by the `post` reference."""
    return {
        "viewer_voted": Exists(Vote.objects.filter(user=user, post=OuterRef(post))),
        "viewer_saved": Exists(SavedPost.objects.filter(user=user, post=OuterRef(post))),
        "viewer_hidden": Exists(HiddenPost.objects.filter(user=user, post=OuterRef(post))),
    }


_LIST_ORDERING = Ordering("created_at", datetime)


def _user_list(
    *, model: type[SavedPost] | type[HiddenPost], user: User, after: str | None, page_size: int
) -> KeysetPage[Post]:
    """A user's saved or hidden posts, most recently added first, as feed rows.

    Pages on the list row's (created_at, id) through its (user, -created_at, -id) index; the
    viewer's flags come from EXISTS columns, so a page costs one query plus the tags prefetch.
    """
    rows = (
        model.objects.filter(user=user, post__status=Post.Status.PUBLISHED)
        .select_related("post", "post__author", "post__channel")
        .prefetch_related(Prefetch("post__tags", queryset=_ROW_TAGS))
        .defer(*(f"post__{name}" for name in _ROW_DEFERRED))
        .annotate(**_viewer_flags(user, post="post_id"))
    )
    page: KeysetPage[Any] = keyset_paginate(
        rows, ordering=_LIST_ORDERING, after=after, page_size=page_size
    )
    posts = []
    for row in page.items:
        post: Post = row.post
        post.viewer_voted = row.viewer_voted  # type: ignore[attr-defined]
        post.viewer_saved = row.viewer_saved  # type: ignore[attr-defined]
        post.viewer_hidden = row.viewer_hidden  # type: ignore[attr-defined]
        posts.append(post)
    return KeysetPage(items=posts, next_cursor=page.next_cursor, page_size=page.page_size)


def saved_post_list(
    *, user: User, after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of the posts `user` saved, newest save first. Raises InvalidCursor."""
    return _user_list(model=SavedPost, user=user, after=after, page_size=page_size)


def hidden_post_list(
    *, user: User, after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of the posts `user` hid, newest first. Raises InvalidCursor."""
    return _user_list(model=HiddenPost, user=user, after=after, page_size=page_size)


def feed_list(
    *,
    viewer: Viewer,
    order: str = "hot",
    period: str = "all",
    tag: Tag | None = None,
    channel: Channel | None = None,
    author: User | None = None,
    queryset: QuerySet[Post] | None = None,
    after: str | None = None,
    page_size: int = 25,
) -> KeysetPage[Post]:
    """One page of a feed. `order` is hot, newest or top; `period` narrows top to a time span;
    `queryset` narrows further (the API's filters).

    Raises InvalidCursor for a forged cursor and KeyError for an unknown order or period.
    """
    ordering = ORDERINGS[order]
    filters: dict[str, Any] = {}
    if tag is not None:
        filters["tags"] = tag
    if channel is not None:
        filters["channel"] = channel
    if author is not None:
        filters["author"] = author
    if order == "top":
        span = TOP_PERIODS[period]
        if span is not None:
            filters["published_at__gte"] = timezone.now() - span
    base = queryset if queryset is not None else Post.objects.all()
    qs = posts_for_viewer(viewer=viewer, queryset=base.filter(**filters))
    return keyset_paginate(qs, ordering=ordering, after=after, page_size=page_size)


def post_get_for_page(*, short_id: str, viewer: Viewer) -> Post:
    """The post page's post with everything the page shows, or Http404.

    Removed posts are returned (the page says they were removed); drafts only to their author.
    """
    qs = (
        Post.objects.select_related("author", "channel")
        .prefetch_related("tags", "key_facts", "timeline_events")
        .filter(short_id=short_id)
        .defer("search_vector")
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(**_viewer_flags(user))
    post = qs.first()
    if post is None:
        raise Http404("No such post.")
    if post.status == Post.Status.DRAFT and (user is None or post.author_id != user.pk):
        raise Http404("No such post.")
    return post


def post_get_published(*, short_id: str) -> Post:
    """The published post with this short id (the target of a vote, save or hide), or Http404."""
    post = Post.objects.filter(short_id=short_id, status=Post.Status.PUBLISHED).first()
    if post is None:
        raise Http404("No such post.")
    return post


PostAction = Literal["edit", "delete", "remove"]


def post_get_for_edit(*, user: Viewer, short_id: str, action: PostAction = "edit") -> Post:
    """The post `user` may edit (its author, within the edit window), delete (its author) or
    remove (staff), with tags, key facts and timeline loaded for the edit form.

    Raises Http404 when there is no such post (or it is someone else's draft) and
    PermissionDenied, with a message for the user, when the action is not theirs to take.
    """
    post = (
        Post.objects.select_related("author", "channel")
        .prefetch_related("tags", "key_facts", "timeline_events")
        .filter(short_id=short_id)
        .first()
    )
    if post is None or (post.status == Post.Status.DRAFT and not post.is_authored_by(user)):
        raise Http404("No such post.")
    if post.is_removed:
        raise PermissionDenied("This post was removed.")
    if action == "remove":
        if not post.is_removable_by(user):
            raise PermissionDenied("Only moderators can remove posts.")
    elif not post.is_authored_by(user):
        raise PermissionDenied(f"You can only {action} your own posts.")
    elif action == "edit" and not post.edit_window_open:
        window = duration_text(settings.POST_EDIT_WINDOW_SECONDS)
        raise PermissionDenied(f"Posts can be edited for {window} after posting; that time is up.")
    return post


def duration_text(seconds: float) -> str:
    """'4 minutes', '6 hours': a duration for messages, rounded up to whole minutes or hours."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"


@dataclass(frozen=True)
class DuplicateCheck:
    """What the site already has for a link: its latest published post, and whether that post
    is recent enough (within POST_DUPLICATE_WINDOW_DAYS) to refuse a new submission."""

    normalized_url: str
    existing: Post | None
    blocks: bool


def url_duplicate_check(*, url: str, exclude_short_id: str | None = None) -> DuplicateCheck:
    """Look `url` up by its normalized form. Raises ValueError, with a message for the user,
    when the URL is not an acceptable link. `exclude_short_id` leaves out the post being
    edited."""
    normalized = normalize_url(url)
    qs = Post.objects.filter(normalized_url=normalized, status=Post.Status.PUBLISHED)
    if exclude_short_id:
        qs = qs.exclude(short_id=exclude_short_id)
    existing = qs.order_by("-published_at", "-id").first()
    window = timedelta(days=settings.POST_DUPLICATE_WINDOW_DAYS)
    blocks = bool(
        existing
        and existing.published_at is not None
        and existing.published_at >= timezone.now() - window
    )
    return DuplicateCheck(normalized_url=normalized, existing=existing, blocks=blocks)


def post_earlier_submission(*, post: Post) -> Post | None:
    """The latest earlier published post of the same link ("previously posted"), or None."""
    if not post.normalized_url or post.published_at is None:
        return None
    return (
        Post.objects.filter(
            normalized_url=post.normalized_url,
            status=Post.Status.PUBLISHED,
            published_at__lt=post.published_at,
        )
        .exclude(pk=post.pk)
        .only("id", "short_id", "slug", "title", "published_at")
        .order_by("-published_at", "-id")
        .first()
    )


def tag_get(*, slug: str) -> Tag:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("slug")


def channel_get(*, handle: str) -> Channel:
    """The channel with its members (owners first) prefetched, or Http404."""
    memberships = ChannelMembership.objects.select_related("user").order_by("role", "joined_at")
    channel = (
        Channel.objects.prefetch_related(Prefetch("memberships", queryset=memberships))
        .filter(handle=handle.lower())
        .first()
    )
    if channel is None:
        raise Http404("No such channel.")
    return channel


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.order_by("handle")


def user_get_public(*, username: str) -> User:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    return user


def feed_items_for_syndication(
    *,
    order: str = "newest",
    tag: Tag | None = None,
    channel: Channel | None = None,
    author: User | None = None,
    viewer: Viewer = None,
    limit: int = 30,
) -> list[Post]:
    """The newest (or hottest) published posts for an RSS/Atom feed, bodies included.

    With a `viewer` (a personal digest or feed), the posts and tags they hid are left out.
    """
    qs = Post.objects.filter(status=Post.Status.PUBLISHED)
    if tag is not None:
        qs = qs.filter(tags=tag)
    if channel is not None:
        qs = qs.filter(channel=channel)
    if author is not None:
        qs = qs.filter(author=author)
    return _syndication_rows(qs, viewer=viewer, order=order, limit=limit)


def _syndication_rows(qs: QuerySet[Post], *, viewer: Viewer, order: str, limit: int) -> list[Post]:
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.filter(
            ~Exists(HiddenPost.objects.filter(user=user, post=OuterRef("pk"))),
            ~_has_hidden_tag(user),
        )
    qs = (
        qs.filter(status=Post.Status.PUBLISHED)
        .select_related("author", "channel")
        .prefetch_related("tags")
        .defer("search_vector")
    )
    return list(qs.order_by(*ORDERINGS[order].order_by)[:limit])


# --- Search ---------------------------------------------------------------------------------

SEARCH_ORDERINGS: dict[str, Ordering] = {
    "relevance": Ordering("search_rank", float),
    "newest": ORDERINGS["newest"],
}


def search_effective_order(*, query: ParsedQuery, order: str) -> str:
    """The order a search really uses: relevance needs words and PostgreSQL, else newest."""
    if order == "relevance" and not (query.has_text and search.is_postgres()):
        return "newest"
    return order


def post_search(
    *,
    viewer: Viewer,
    query: ParsedQuery,
    order: str = "relevance",
    period: str = "all",
    after: str | None = None,
    page_size: int = 25,
    queryset: QuerySet[Post] | None = None,
) -> KeysetPage[Post]:
    """One page of posts matching `query` (see posts/search.py), for this viewer (their hidden
    posts and tags left out), by relevance or newest, keyset-paginated.

    Each post carries `search_title` and `search_snippet`: escaped HTML in which only the
    matched words are wrapped in <mark>. On PostgreSQL they come from ts_headline in the same
    query, so a page costs the posts query plus the tags prefetch at any size. `period` (day,
    week, month, all) keeps recent posts only; `queryset` narrows further (the API's filters).
    Raises InvalidCursor and KeyError (unknown order or period).
    """
    order = search_effective_order(query=query, order=order)
    ordering = SEARCH_ORDERINGS[order]
    base = queryset if queryset is not None else Post.objects.all()
    span = TOP_PERIODS[period]
    if span is not None:
        base = base.filter(published_at__gte=timezone.now() - span)
    qs = posts_for_viewer(viewer=viewer, queryset=search.search_filter(base, query))
    highlighter: search.Highlighter | None = None
    if query.has_text and search.is_postgres():
        from django.contrib.postgres.search import SearchRank

        highlighter = search.Highlighter()
        # Cast to double precision: a `real` rank would reach the cursor as a rounded decimal and
        # no longer compare equal to itself on the next page.
        rank = Cast(SearchRank(F("search_vector"), search.search_query(query)), FloatField())
        qs = qs.annotate(
            search_rank=rank,
            **highlighter.annotations(query),
        )
    page = keyset_paginate(qs, ordering=ordering, after=after, page_size=page_size)
    for post in page.items:
        if highlighter is not None:
            post.search_title = highlighter.render(post.search_title_raw)  # type: ignore[attr-defined]
            post.search_snippet = highlighter.render(post.search_snippet_raw)  # type: ignore[attr-defined]
        else:
            snippet = " · ".join(str(line) for line in post.tldr) if post.tldr else ""
            post.search_title = search.sqlite_highlight(post.title, query)  # type: ignore[attr-defined]
            post.search_snippet = search.sqlite_highlight(snippet[:300], query)  # type: ignore[attr-defined]
    return page


def search_items_for_syndication(*, query: ParsedQuery, limit: int = 30) -> list[Post]:
    """The newest posts matching `query`, bodies included, for a saved search's RSS/Atom feed."""
    qs = search.search_filter(Post.objects.all(), query)
    return _syndication_rows(qs, viewer=None, order="newest", limit=limit)


# --- Following ------------------------------------------------------------------------------


def _followed(user: User) -> Q:
    """Posts with a tag, channel or author `user` follows: three EXISTS, so a post that matches
    several follows is still one row."""
    follows = Follow.objects.filter(user=user)
    return (
        Q(
            Exists(
                _PostTag.objects.filter(
                    post_id=OuterRef("pk"),
                    tag_id__in=follows.filter(tag__isnull=False).values("tag_id"),
                )
            )
        )
        | Q(Exists(follows.filter(channel_id=OuterRef("channel_id"))))
        | Q(Exists(follows.filter(followed_user_id=OuterRef("author_id"))))
    )


def feed_followed(
    *, viewer: User, order: str = "hot", after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of "My feed": published posts tagged with a tag `viewer` follows, on a channel
    they follow or by a user they follow, hot or newest first; their hidden posts and tags left
    out. Costs the posts query plus the tags prefetch at any page size. Raises InvalidCursor and
    KeyError (unknown order)."""
    if order not in ("hot", "newest"):
        raise KeyError(order)
    qs = posts_for_viewer(viewer=viewer, queryset=Post.objects.filter(_followed(viewer)))
    return keyset_paginate(qs, ordering=ORDERINGS[order], after=after, page_size=page_size)


def followed_items_for_syndication(*, user: User, limit: int = 30) -> list[Post]:
    """The newest posts of `user`'s My feed, bodies included, for their private RSS/Atom feed."""
    qs = Post.objects.filter(_followed(user))
    return _syndication_rows(qs, viewer=user, order="newest", limit=limit)


def follows_any(*, user: User) -> bool:
    return Follow.objects.filter(user=user).exists()


def _follower_count(**target: Any) -> Coalesce:
    counts = (
        Follow.objects.filter(**target)
        .order_by()
        .values(*target)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def tag_get_for_page(*, slug: str, viewer: Viewer) -> Tag:
    """The tag with `follower_count`, and for a logged-in viewer `viewer_follows` and
    `viewer_hid`, in one query; or Http404."""
    qs = Tag.objects.filter(slug=slug).annotate(follower_count=_follower_count(tag=OuterRef("pk")))
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_follows=Exists(Follow.objects.filter(user=user, tag=OuterRef("pk"))),
            viewer_hid=Exists(HiddenTag.objects.filter(user=user, tag=OuterRef("pk"))),
        )
    tag = qs.first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def channel_get_for_page(*, handle: str, viewer: Viewer) -> Channel:
    """`channel_get` plus `follower_count` and, for a logged-in viewer, `viewer_follows`, in
    the same query."""
    memberships = ChannelMembership.objects.select_related("user").order_by("role", "joined_at")
    qs = (
        Channel.objects.prefetch_related(Prefetch("memberships", queryset=memberships))
        .filter(handle=handle.lower())
        .annotate(follower_count=_follower_count(channel=OuterRef("pk")))
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_follows=Exists(Follow.objects.filter(user=user, channel=OuterRef("pk")))
        )
    channel = qs.first()
    if channel is None:
        raise Http404("No such channel.")
    return channel


@dataclass(frozen=True)
class FollowState:
    follower_count: int
    viewer_follows: bool


def user_follow_state(*, user: User, viewer: Viewer) -> FollowState:
    """How many follow `user`, and whether `viewer` does: one query."""
    viewer_user = _authenticated(viewer)
    qs = Follow.objects.filter(followed_user=user)
    if viewer_user is None:
        return FollowState(follower_count=qs.count(), viewer_follows=False)
    counts = qs.aggregate(n=Count("pk"), mine=Count("pk", filter=Q(user=viewer_user)))
    return FollowState(follower_count=counts["n"], viewer_follows=bool(counts["mine"]))


FOLLOW_ORDERING = Ordering("created_at", datetime)


def follow_list(
    *, user: User, after: str | None = None, page_size: int = 100
) -> KeysetPage[Follow]:
    """`user`'s follows with their tag, channel or user loaded, latest first. One query."""
    qs = Follow.objects.filter(user=user).select_related("tag", "channel", "followed_user")
    return keyset_paginate(qs, ordering=FOLLOW_ORDERING, after=after, page_size=page_size)


def hidden_tag_list(
    *, user: User, after: str | None = None, page_size: int = 100
) -> KeysetPage[HiddenTag]:
    """The tags `user` hid, latest first, tags loaded. One query."""
    qs = HiddenTag.objects.filter(user=user).select_related("tag")
    return keyset_paginate(qs, ordering=FOLLOW_ORDERING, after=after, page_size=page_size)


def feed_token_active(*, user: User) -> FeedToken | None:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_token_user(*, secret: str) -> User | None:
    """The active user whose private-feed token is `secret`, or None (unknown or revoked)."""
    if not secret or len(secret) > 100:
        return None
    token = (
        FeedToken.objects.select_related("user")
        .filter(
            token_hash=FeedToken.hash_secret(secret), revoked_at__isnull=True, user__is_active=True
        )
        .first()
    )
    return token.user if token is not None else None
