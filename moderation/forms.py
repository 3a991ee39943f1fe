"""Forms of the moderation pages. They check the shape of the input; the rules are the
services' (docs/moderation.md)."""
