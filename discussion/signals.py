"""Signals the discussion app sends for apps above it (docs/architecture.md#layers)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `comment_remove` inside its transaction, with `comment`, `moderator` and `reason`, when
# a moderator removes a comment (from the thread, the API or the moderation queue): moderation
# logs it and settles the comment's flags; an exception rolls the removal back.
comment_removed = Signal()
