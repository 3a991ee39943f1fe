"""`{% load threads %}`: a thread's comments from discussion/comments.py."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from discussion.comments import thread_comments_html
from discussion.selectors import Thread

register = template.Library()


@register.simple_tag(takes_context=True)
def comments_html(context: dict[str, Any], thread: Thread) -> SafeString:
    """The `<li>` items of `thread` for this request's reader."""
    return thread_comments_html(context["request"], thread, context["post"])
