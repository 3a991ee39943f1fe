"""Admin pages of the moderation app (docs/moderation.md)."""
