from django.urls import path

from core.feeds import atom, json_feed
from discussion import feeds, views

app_name = "discussion"

# A comment's actions sit under its permalink /c/<id>/: the thread builds them from it
# (discussion/receivers.py) rather than reversing each one for each comment.

urlpatterns = [
    path("comments/", views.comments_newest, name="comments"),
    path("p/<str:short_id>/-/comment/", views.comment_new, name="comment_new"),
    path("p/<str:short_id>/-/mute/", views.thread_mute, name="thread_mute"),
    path("c/<str:short_id>/", views.comment_permalink, name="comment"),
    path("c/<str:short_id>/reply/", views.comment_reply, name="reply"),
    path("c/<str:short_id>/edit/", views.comment_edit_view, name="edit"),
    path("c/<str:short_id>/delete/", views.comment_delete_view, name="delete"),
    path("c/<str:short_id>/remove/", views.comment_remove_view, name="remove"),
    path("c/<str:short_id>/vote/", views.comment_vote, name="vote"),
    path("u/<str:username>/comments/", views.user_comments, name="user_comments"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
    path("inbox/<int:notification_id>/", views.notification_open, name="notification"),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notifications_unsubscribe,
        name="notifications_unsubscribe",
    ),
    path("feeds/comments.rss", feeds.CommentFeed(), name="feed_comments_rss"),
    path("feeds/comments.atom", atom(feeds.CommentFeed)(), name="feed_comments_atom"),
    path("feeds/comments.json", json_feed(feeds.CommentFeed)(), name="feed_comments_json"),
    path("feeds/p/<str:short_id>/comments.rss", feeds.PostCommentFeed(), name="feed_post_rss"),
    path(
        "feeds/p/<str:short_id>/comments.atom",
        atom(feeds.PostCommentFeed)(),
        name="feed_post_atom",
    ),
    path(
        "feeds/p/<str:short_id>/comments.json",
        json_feed(feeds.PostCommentFeed)(),
        name="feed_post_json",
    ),
    path("feeds/u/<str:username>/comments.rss", feeds.UserCommentFeed(), name="feed_user_rss"),
    path(
        "feeds/u/<str:username>/comments.atom",
        atom(feeds.UserCommentFeed)(),
        name="feed_user_atom",
    ),
    path(
        "feeds/u/<str:username>/comments.json",
        json_feed(feeds.UserCommentFeed)(),
        name="feed_user_json",
    ),
]
