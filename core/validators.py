"""Validators that models and forms of several apps share."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError

from core.text import text_problem


def validate_timezone(value: str) -> None:
    """An IANA time zone name this machine knows (Europe/Paris, America/New_York, UTC)."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone such as Europe/Paris or America/New_York.")


def validate_single_line_text(value: str) -> None:
    """One line of text a user wrote: no control character, tab or line break, no lone surrogate,
    no noncharacter such as U+FFFE (core.text.text_problem, docs/posting.md#text-a-user-writes)."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="control_character")


def validate_multiline_text(value: str) -> None:
    """Multi-line text a user wrote: as validate_single_line_text, but tab, line feed and carriage
    return are allowed."""
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValidationError(problem, code="control_character")
