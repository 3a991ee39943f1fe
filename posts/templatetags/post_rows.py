"""`{% load post_rows %}`: feed rows and the post page's vote and action controls, from
posts/rows.py (docs/performance.md#feed-rows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from posts.models import Post
from posts.rows import post_actions_html, post_rows_html, post_vote_html, row_viewer

register = template.Library()


@register.simple_tag(takes_context=True)
def post_rows(context: dict[str, Any], posts: Iterable[Post]) -> SafeString:
    """The `<li>` rows of `posts` for this request's reader."""
    return post_rows_html(context["request"], posts)


@register.simple_tag(takes_context=True)
def post_vote(context: dict[str, Any], post: Post) -> SafeString:
    return post_vote_html(post, row_viewer(context["request"]))


@register.simple_tag(takes_context=True)
def post_actions(context: dict[str, Any], post: Post) -> SafeString:
    return post_actions_html(post, row_viewer(context["request"]))
