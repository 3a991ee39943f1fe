from django.urls import path

from core.feeds import atom, json_feed
from moderation import feeds, views

app_name = "moderation"

urlpatterns = [
    path("p/<str:short_id>/-/flag/", views.post_flag_view, name="post_flag"),
    path("c/<str:short_id>/flag/", views.comment_flag_view, name="comment_flag"),
    path("p/<str:short_id>/-/suggest/", views.post_suggest_view, name="post_suggest"),
    # The public log.
    path("moderations/", views.log, name="log"),
    path("moderations.rss", feeds.ModerationLogFeed(), name="log_rss"),
    path("moderations.atom", atom(feeds.ModerationLogFeed)(), name="log_atom"),
    path("moderations.json", json_feed(feeds.ModerationLogFeed)(), name="log_json"),
    # The moderators' queue and actions: staff only.
    path("mod/", views.queue, name="queue"),
    path("mod/p/<str:short_id>/remove/", views.post_remove, name="post_remove"),
    path("mod/p/<str:short_id>/restore/", views.post_restore, name="post_restore"),
    path("mod/p/<str:short_id>/dismiss/", views.post_dismiss, name="post_dismiss"),
    path("mod/p/<str:short_id>/edit/", views.post_edit, name="post_edit"),
    path("mod/p/<str:short_id>/merge/", views.post_merge, name="post_merge"),
    path("mod/c/<str:short_id>/remove/", views.comment_remove, name="comment_remove"),
    path("mod/c/<str:short_id>/restore/", views.comment_restore, name="comment_restore"),
    path("mod/c/<str:short_id>/dismiss/", views.comment_dismiss, name="comment_dismiss"),
    path("mod/u/<str:username>/", views.member, name="member"),
    path("mod/u/<str:username>/reinstate/", views.member_reinstate, name="member_reinstate"),
]
