"""Key entities' pages: /e/<slug>/ lists the posts that involve an entity."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.pagination import InvalidCursor
from posts.selectors.entities import entity_get, entity_post_list
from posts.views.browsing import bad_request, page_size_from

BROKEN_CURSOR = "That “more” link is broken. Start again from the first page."


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """/e/<slug>/: an entity's kind and the posts that involve it, newest first."""
    entity = entity_get(slug=slug)
    try:
        page = entity_post_list(
            entity=entity,
            viewer=request.user,
            after=request.GET.get("after") or None,
            page_size=page_size_from(request),
        )
    except InvalidCursor:
        return bad_request(request, BROKEN_CURSOR)
    return render(
        request,
        "posts/entity_detail.html",
        {"entity": entity, "page": page, "heading": entity.name},
    )
