"""The API's permissions (DRF loads them from settings, so this module imports no DRF views)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class ReadOnlyOrWriter(permissions.BasePermission):
    """Anyone may read. Writing needs a logged-in user and, with a token, write scope.

    Whether the account may do the write is the service's rule, the same for the browser and the
    API: publishing and voting need a verified email address (`post_submit`, `vote_cast`), while
    saving, hiding and following are the member's own business and do not (docs/api.md)."""

    message = "Writing needs a logged-in account (and a token with write scope)."
    allows_anonymous_reads = True

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not user or not user.is_authenticated:
            return False
        # A token carries its scope; a session (auth None) writes as its user may.
        if request.auth is not None and not getattr(request.auth, "can_write", True):
            self.message = "This token is read-only; create one with write scope."
            return False
        return True


class Authenticated(permissions.IsAuthenticated):
    """For the viewer's own resources (me, saved, hidden): any scope may read them."""
