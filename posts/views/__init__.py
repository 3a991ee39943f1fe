"""HTML views for posts, split by what the reader is doing. Import them from here."""

from posts.views.actions import hidden_list, post_hide, post_save, post_vote, saved_list
from posts.views.browsing import (
    bad_request,
    channel_detail,
    channel_list,
    home,
    newest,
    page_size_from,
    post_detail,
    render_feed,
    tag_detail,
    tag_list,
    top,
)
from posts.views.discovery import (
    channel_follow,
    feed_token,
    following,
    my_feed,
    search_page,
    tag_follow,
    tag_hide,
    user_follow,
)
from posts.views.posting import post_delete, post_edit, post_remove, post_submit, submit_check

__all__ = [
    "bad_request",
    "channel_detail",
    "channel_follow",
    "channel_list",
    "feed_token",
    "following",
    "hidden_list",
    "home",
    "my_feed",
    "newest",
    "page_size_from",
    "post_delete",
    "post_detail",
    "post_edit",
    "post_hide",
    "post_remove",
    "post_save",
    "post_submit",
    "post_vote",
    "render_feed",
    "saved_list",
    "search_page",
    "submit_check",
    "tag_detail",
    "tag_follow",
    "tag_hide",
    "tag_list",
    "top",
    "user_follow",
]
