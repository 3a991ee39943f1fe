"""The authentication backend: Django's, minus suspended accounts (docs/moderation.md#bans)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's ModelBackend, except that a suspended or banned account cannot authenticate and
    its open sessions stop working (Django asks `user_can_authenticate` on every request's
    session look-up too). The log-in form says why (accounts/forms.py)."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_suspended", False)
