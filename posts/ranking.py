"""Hotness: a stored ranking score in the spirit of Hacker News and Lobsters.

    hotness = sign(score) * log10(max(|score|, 1)) + (published_at - EPOCH) / WINDOW

A post needs ten times the score to outrank a post published WINDOW seconds (12.5 hours by
default) later. Because the time term only depends on the publication date, the value never decays
on its own: it is stored in an indexed column and recomputed only when the score changes, so the
hot feed is an index scan rather than a sort over every post.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.conf import settings

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def hotness(*, score: int, published_at: datetime | None) -> float:
    """The hotness for a score and publication time (unpublished posts rank at the epoch)."""
    order = math.log10(max(abs(score), 1))
    sign = 1 if score > 0 else -1 if score < 0 else 0
    seconds = (published_at - EPOCH).total_seconds() if published_at else 0.0
    return round(sign * order + seconds / settings.HOTNESS_WINDOW_SECONDS, 7)
