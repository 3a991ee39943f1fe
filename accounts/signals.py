"""Signals the accounts app sends for effects that belong to the apps above it: accounts imports
no higher app, so those apps connect here in their AppConfig.ready() (docs/architecture.md)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `user_delete` inside its transaction, before the User row goes, with `user`. Receivers
# undo what the account did in their app (posts withdraws its votes so stored scores stay true).
# An exception in a receiver rolls the deletion back.
user_deleting = Signal()

# Sent by the settings page with `request`, `user` and `bound` (the form just submitted, by
# name). Each receiver returns a core.sections.PageSection; the page includes them in receiver
# order.
settings_sections = Signal()
