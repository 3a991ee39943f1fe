"""How comments are ordered and what they add to their post's hotness (docs/discussion.md)."""

from __future__ import annotations

import math

# z for an 80% confidence level, as Reddit's "best" sort and Lobsters use.
Z = 1.281551565545


def confidence(*, ups: int, downs: int = 0) -> float:
    """The lower bound of the Wilson score interval for the share of positive votes: a comment
    with 10 upvotes out of 10 ranks above one with 1 out of 1, and one with no votes at 0.
    A comment's open flags are its down votes (docs/moderation.md#flags)."""
    n = ups + downs
    if n <= 0:
        return 0.0
    phat = ups / n
    z2 = Z * Z
    return (phat + z2 / (2 * n) - Z * math.sqrt((phat * (1 - phat) + z2 / (4 * n)) / n)) / (
        1 + z2 / n
    )


def comment_points(*, score: int) -> float:
    """What one comment adds to its post's comment points (posts/ranking.py): half a point for
    the comment and half for each upvote, as Lobsters counts it. The submitter's own comments
    add nothing (the caller leaves them out)."""
    return 0.5 * (score + 1)


def comment_points_total(*, comments: int, upvotes: int) -> float:
    """`comment_points` summed over `comments` comments holding `upvotes` upvotes between them
    (a discussion counted again from its rows)."""
    return 0.5 * (upvotes + comments)
