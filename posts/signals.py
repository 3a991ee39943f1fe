"""Signals the posts app sends for apps above it (docs/architecture.md#layers)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the post page with `request`, `post` and `viewer`. Each receiver returns a
# core.sections.PageSection, shown under the post in receiver order (the discussion's thread).
post_page_sections = Signal()

# Sent by the post page with `request`, `post` and `viewer`. Each receiver returns a
# core.sections.PageSection (or None), shown in the page's "Stay in touch" aside (the channel's
# newsletter box).
post_page_asides = Signal()

# Sent by `post_remove` inside its transaction, with `post`, `moderator` and `reason`, when a
# moderator removes a post (from its page, the API or the moderation queue): moderation logs it
# and settles the post's flags; an exception rolls the removal back.
post_removed = Signal()

# Sent by a member's profile page with `request`, `profile_user` and `viewer`. Each receiver
# returns a core.sections.PageSection, shown under the name in receiver order (their standing).
profile_sections = Signal()
