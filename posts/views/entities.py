"""Key entities' pages: /e/<slug>/ lists the posts that involve an entity beside one timeline
merged from theirs, and follows it (docs/pages.md#entities-and-domains)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.http import bad_request, page_size_from
from core.pagination import InvalidCursor
from posts.selectors.entities import (
    ENTITY_TIMELINE_MAX,
    entity_get,
    entity_get_for_page,
    entity_post_list,
    entity_timeline,
)
from posts.views.discovery import BROKEN_CURSOR, _follow, _toggle_view


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """/e/<slug>/: an entity's kind, the posts that involve it (newest first, keyset pages) and
    the timeline merged from theirs, in date order."""
    entity = entity_get_for_page(slug=slug, viewer=request.user)
    after = request.GET.get("after") or None
    try:
        page = entity_post_list(
            entity=entity, viewer=request.user, after=after, page_size=page_size_from(request)
        )
    except InvalidCursor:
        return bad_request(request, BROKEN_CURSOR)
    feeds = {
        f"feed_{kind}": reverse(f"posts:feed_entity_{kind}", kwargs={"slug": entity.slug})
        for kind in ("rss", "atom", "json")
    }
    return render(
        request,
        "posts/entity_detail.html",
        {
            "entity": entity,
            "page": page,
            "heading": entity.name,
            # The timeline is the entity's whole story: shown once, above the first page.
            "timeline": None if after else entity_timeline(entity=entity, viewer=request.user),
            "timeline_max": ENTITY_TIMELINE_MAX,
            **feeds,
        },
    )


@_toggle_view(lambda slug: entity_get(slug=slug), on="follow", off="unfollow")
def entity_follow(request: HttpRequest, entity: Any, add: bool) -> dict[str, Any]:
    return _follow(request, entity, add, entity=entity)
