"""Absolute URLs for emails, feeds and API bodies: the configured SITE_URL plus a path."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (from `reverse()`, starting with "/") on the site's public address."""
    return f"{settings.SITE_URL}{path}"
