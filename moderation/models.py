"""Flags and the moderation log (docs/moderation.md)."""
