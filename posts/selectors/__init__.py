"""Reads for the feed pages, post pages, feeds and the API. Each returns rows ready for its page:
related rows joined or prefetched, and the viewer's own state annotated, so that a page costs the
same few queries whatever its size.

Split by sub-domain; import from here (`from posts.selectors import feed_list`).
"""

from posts.selectors.core import (
    ORDERINGS,
    TOP_PERIODS,
    Viewer,
    hidden_tag_ids,
    posts_for_viewer,
)
from posts.selectors.directory import (
    BY_HANDLE,
    BY_SLUG,
    FollowState,
    channel_get,
    channel_get_for_page,
    channel_list,
    tag_get,
    tag_get_for_page,
    tag_list,
    user_follow_state,
    user_get_public,
)
from posts.selectors.discovery import (
    FOLLOW_ORDERING,
    SEARCH_ORDERINGS,
    feed_followed,
    feed_token_active,
    feed_token_user,
    follow_list,
    followed_items_for_syndication,
    follows_any,
    hidden_tag_list,
    post_search,
    search_effective_order,
    search_items_for_syndication,
)
from posts.selectors.feeds import (
    feed_items_for_syndication,
    feed_list,
    hidden_post_list,
    saved_post_list,
)
from posts.selectors.posts import (
    DuplicateCheck,
    PostAction,
    duration_text,
    post_earlier_submission,
    post_get_for_edit,
    post_get_for_page,
    post_get_published,
    url_duplicate_check,
)

__all__ = [
    "BY_HANDLE",
    "BY_SLUG",
    "FOLLOW_ORDERING",
    "ORDERINGS",
    "SEARCH_ORDERINGS",
    "TOP_PERIODS",
    "DuplicateCheck",
    "FollowState",
    "PostAction",
    "Viewer",
    "channel_get",
    "channel_get_for_page",
    "channel_list",
    "duration_text",
    "feed_followed",
    "feed_items_for_syndication",
    "feed_list",
    "feed_token_active",
    "feed_token_user",
    "follow_list",
    "followed_items_for_syndication",
    "follows_any",
    "hidden_post_list",
    "hidden_tag_ids",
    "hidden_tag_list",
    "post_earlier_submission",
    "post_get_for_edit",
    "post_get_for_page",
    "post_get_published",
    "post_search",
    "posts_for_viewer",
    "saved_post_list",
    "search_effective_order",
    "search_items_for_syndication",
    "tag_get",
    "tag_get_for_page",
    "tag_list",
    "url_duplicate_check",
    "user_follow_state",
    "user_get_public",
]
