"""Moderation pages: flagging, the moderators' queue and the public moderation log
(docs/moderation.md). Each view parses the request, calls one service or selector and renders."""
