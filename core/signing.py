"""Loading the signed tokens in emailed links (verification, email change, newsletter
confirmation, unsubscribe, "view in browser"), with one exception for every way a link fails."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core import signing


class InvalidLink(Exception):
    """A link from an email that cannot be used. `reason` is one of REASONS; a subclass may
    word the messages for its own links."""

    REASONS: ClassVar[dict[str, str]] = {
        "expired": "This link has expired.",
        "invalid": "This link is not valid. Check that you copied all of it.",
        "used": "This link was already used.",
        "taken": "That email address now belongs to another account.",
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.REASONS[reason])


def signed_loads(token: str, *, salt: str, max_age: int, max_length: int) -> Any:
    """The value `signing.dumps(value, salt=salt)` made, if younger than `max_age` seconds.
    Raises InvalidLink("expired") or InvalidLink("invalid") (also for an over-long token)."""
    if not token or len(token) > max_length:
        raise InvalidLink("invalid")
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink("expired") from None
    except signing.BadSignature:
        raise InvalidLink("invalid") from None
