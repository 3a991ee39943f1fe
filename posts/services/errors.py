"""Exceptions the post services raise. Each carries a message fit to show the user as is, so the
HTML views and the REST API turn them into the same field errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posts.models import Post

NON_FIELD = "__all__"


class PostRejected(Exception):
    """A submission or edit broke a rule; nothing was saved.

    `errors` maps a field name (`url`, `title`, `lead`, `tags`, `channel`, `tldr`, `body`,
    `quote`, `quote_source`, `quote_url`, `key_facts`, `timeline`, `entities`, `reason`) or
    `NON_FIELD` to user-facing messages. `code` names the rule:
    `invalid` (bad input), `unverified`, `rate_limited` (with `retry_after` seconds) or
    `duplicate` (with `duplicate_of`, the recent post of the same link).
    """

    def __init__(
        self,
        errors: Mapping[str, Sequence[str]],
        *,
        code: str = "invalid",
        duplicate_of: Post | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.errors: dict[str, list[str]] = {key: list(value) for key, value in errors.items()}
        self.code = code
        self.duplicate_of = duplicate_of
        self.retry_after = retry_after
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


class PostActionNotAllowed(Exception):
    """The user may not do this to this post (vote on their own, save a removed one, ...)."""
