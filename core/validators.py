"""Validators that models and forms of several apps share."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError


def validate_timezone(value: str) -> None:
    """An IANA time zone name this machine knows (Europe/Paris, America/New_York, UTC)."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone such as Europe/Paris or America/New_York.")
