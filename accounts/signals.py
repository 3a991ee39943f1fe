"""Signals the accounts app sends for effects that belong to the apps above it: accounts imports
no higher app, so those apps connect here in their AppConfig.ready() (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

# Sent by `user_delete` inside its transaction, before the User row goes, with `user`. Receivers
# undo what the account did in their app (posts withdraws its votes so stored scores stay true).
# An exception in a receiver rolls the deletion back.
user_deleting = Signal()

# Sent by the settings page with `request`, `user` and `bound` (the form just submitted, by
# name). Each receiver returns a SettingsSection that the page includes in receiver order.
settings_sections = Signal()


@dataclass(frozen=True)
class SettingsSection:
    """One section of the settings page contributed by another app: a template to include and
    the context it needs."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
