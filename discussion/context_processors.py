"""The unread notification count in the header, computed only when a page shows it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from accounts.models import User
from discussion.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    member = user

    @cache
    def count() -> int:
        return unread_count(user=member)

    # Templates call a callable variable: the count is read (cache, else one query) only by a
    # page that shows it, once per page.
    return {"inbox_unread": count}
