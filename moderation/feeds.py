"""The public moderation log as RSS and Atom (docs/moderation.md)."""
