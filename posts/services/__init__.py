"""Writes for posts, tags and channels. Every function is atomic: it saves everything or nothing.

Split by sub-domain; import from here (`from posts.services import post_submit`).
"""

from posts.services.core import (
    KeyFactData,
    PostDraft,
    RenormalizeCounts,
    TimelineEventData,
    post_children_replace,
    post_create,
    post_derive_fields,
    post_draft_build,
    post_slug,
    post_urls_renormalize,
    short_id_generate,
)
from posts.services.errors import NON_FIELD, PostActionNotAllowed, PostRejected
from posts.services.follows import (
    FollowNotAllowed,
    FollowTarget,
    IssuedFeedToken,
    feed_token_hash,
    feed_token_reset,
    feed_token_revoke,
    follow_add,
    follow_remove,
    follows_target_fields,
    hidden_tag_add,
    hidden_tag_remove,
)
from posts.services.lists import (
    hidden_post_add,
    hidden_post_remove,
    saved_post_add,
    saved_post_remove,
)
from posts.services.previews import post_preview_enqueue, post_preview_store
from posts.services.search import post_search_index, post_search_reindex
from posts.services.submission import post_delete, post_remove, post_submit, post_update
from posts.services.voting import VoteNotAllowed, vote_cast, vote_remove

__all__ = [
    "NON_FIELD",
    "FollowNotAllowed",
    "FollowTarget",
    "IssuedFeedToken",
    "KeyFactData",
    "PostActionNotAllowed",
    "PostDraft",
    "PostRejected",
    "RenormalizeCounts",
    "TimelineEventData",
    "VoteNotAllowed",
    "feed_token_hash",
    "feed_token_reset",
    "feed_token_revoke",
    "follow_add",
    "follow_remove",
    "follows_target_fields",
    "hidden_post_add",
    "hidden_post_remove",
    "hidden_tag_add",
    "hidden_tag_remove",
    "post_children_replace",
    "post_create",
    "post_delete",
    "post_derive_fields",
    "post_draft_build",
    "post_preview_enqueue",
    "post_preview_store",
    "post_remove",
    "post_search_index",
    "post_search_reindex",
    "post_slug",
    "post_submit",
    "post_update",
    "post_urls_renormalize",
    "saved_post_add",
    "saved_post_remove",
    "short_id_generate",
    "vote_cast",
    "vote_remove",
]
