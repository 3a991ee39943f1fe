"""Exceptions the moderation services raise. Each carries a message fit to show as is."""

from __future__ import annotations


class FlagNotAllowed(Exception):
    """The member may not flag (or unflag) this item; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SuggestionRejected(Exception):
    """The member may not suggest this, or the suggestion breaks a posting rule; `field` names
    the form field the message belongs to ("" for the whole form)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
