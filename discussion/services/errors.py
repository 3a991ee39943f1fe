"""Refusals of the discussion services, each with a message fit to show as is, so the HTML
views and the API turn them into the same field errors."""

from __future__ import annotations


class CommentRejected(Exception):
    """The comment cannot be written as it is. `code`: invalid (the body), unverified, closed
    (the post or the parent comment takes no replies), rate_limited (with `retry_after`
    seconds)."""

    def __init__(self, message: str, *, code: str = "invalid", retry_after: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after


class CommentActionNotAllowed(Exception):
    """The member may not do this to this comment (edit someone else's, vote on their own...)."""
