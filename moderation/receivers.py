"""Moderation's parts of what lower apps do and show, connected in apps.py (docs/moderation.md)."""
