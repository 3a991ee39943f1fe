"""Hotness: a stored ranking score in the spirit of Hacker News and Lobsters.

    points  = score + merged + min(comment_points, score + merged) - flags
    hotness = sign(points) * log10(max(|points|, 1)) + (published_at - EPOCH) / WINDOW

`comment_points` is what the discussion adds, as Lobsters counts it: half a point for each
comment and each upvote on a comment, not counting the submitter's own comments, and never more
than the post's own score (a story with many comments and few votes is more likely a flame war
than news). Each flag readers raised and no moderator dismissed counts one point against
(docs/moderation.md#flags). `merged` is the score of the posts moderators merged into this one,
frozen at the merge (docs/moderation.md#merging), so a story counts the votes of both.
docs/architecture.md#ranking.

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


def hotness(
    *,
    score: int,
    published_at: datetime | None,
    comment_points: float = 0.0,
    flags: int = 0,
    merged: int = 0,
) -> float:
    """The hotness for a score, the merged posts' score, the discussion's points, the open
    flags and a publication time (unpublished posts rank at the epoch)."""
    score += merged
    points = score + min(max(comment_points, 0.0), max(score, 0)) - flags
    order = math.log10(max(abs(points), 1))
    sign = 1 if points > 0 else -1 if points < 0 else 0
    seconds = (published_at - EPOCH).total_seconds() if published_at else 0.0
    return round(sign * order + seconds / settings.HOTNESS_WINDOW_SECONDS, 7)
