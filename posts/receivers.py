"""What the posts app does when a lower app announces a change (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from posts.services.voting import votes_withdraw_all


def withdraw_votes_of_deleted_user(*, user: User, **kwargs: Any) -> None:
    votes_withdraw_all(user=user)
