"""Short texts that several apps put in messages and emails."""

from __future__ import annotations

import math

DAY = 24 * 3600


def duration_text(seconds: float) -> str:
    """'3 days', '6 hours', '4 minutes': how long something lasts or how long to wait.

    Whole days from two days up, else hours from an hour up, else minutes; hours and minutes
    are rounded up, so a wait is never understated."""
    if seconds >= 2 * DAY and seconds % DAY == 0:
        return f"{int(seconds // DAY)} days"
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"
