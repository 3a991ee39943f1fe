from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from discussion.api.comments import (
    CommentItemView,
    CommentVoteView,
    PostCommentsView,
    UserCommentsView,
)
from discussion.api.notifications import MyNotificationsReadView, MyNotificationsView
from moderation.api import moderators as moderation_api
from moderation.api import readers as flags_api
from posts.api import users as users_api
from posts.api.actions import (
    ChannelFollowView,
    MyHiddenView,
    MySavedView,
    PostHideView,
    PostSaveView,
    PostVoteView,
    TagFollowView,
    TagHideView,
    UserFollowView,
)
from posts.api.directory import ChannelDetailView, ChannelListView, TagDetailView, TagListView
from posts.api.discovery import MyFeedView, MyFollowsView, MyHiddenTagsView, SearchView
from posts.api.submission import PostCollectionView, PostItemView, PostRemoveView

v1 = [
    path("posts/", PostCollectionView.as_view(), name="post-list"),
    path("posts/<str:short_id>/", PostItemView.as_view(), name="post-detail"),
    path("posts/<str:short_id>/vote/", PostVoteView.as_view(), name="post-vote"),
    path("posts/<str:short_id>/save/", PostSaveView.as_view(), name="post-save"),
    path("posts/<str:short_id>/hide/", PostHideView.as_view(), name="post-hide"),
    path("posts/<str:short_id>/remove/", PostRemoveView.as_view(), name="post-remove"),
    path("posts/<str:short_id>/comments/", PostCommentsView.as_view(), name="post-comments"),
    path("comments/<str:short_id>/", CommentItemView.as_view(), name="comment-detail"),
    path("comments/<str:short_id>/vote/", CommentVoteView.as_view(), name="comment-vote"),
    path("tags/", TagListView.as_view(), name="tag-list"),
    path("tags/<str:slug>/", TagDetailView.as_view(), name="tag-detail"),
    path("tags/<str:slug>/follow/", TagFollowView.as_view(), name="tag-follow"),
    path("tags/<str:slug>/hide/", TagHideView.as_view(), name="tag-hide"),
    path("channels/", ChannelListView.as_view(), name="channel-list"),
    path("channels/<str:handle>/", ChannelDetailView.as_view(), name="channel-detail"),
    path(
        "channels/<str:handle>/follow/",
        ChannelFollowView.as_view(),
        name="channel-follow",
    ),
    path("users/", users_api.UserListView.as_view(), name="user-list"),
    path("users/<str:username>/", users_api.UserDetailView.as_view(), name="user-detail"),
    path("users/<str:username>/follow/", UserFollowView.as_view(), name="user-follow"),
    path("users/<str:username>/comments/", UserCommentsView.as_view(), name="user-comments"),
    path("search/", SearchView.as_view(), name="search"),
    path("me/", users_api.MeView.as_view(), name="me"),
    path("me/saved/", MySavedView.as_view(), name="me-saved"),
    path("me/hidden/", MyHiddenView.as_view(), name="me-hidden"),
    path("me/feed/", MyFeedView.as_view(), name="me-feed"),
    path("me/follows/", MyFollowsView.as_view(), name="me-follows"),
    path("me/hidden-tags/", MyHiddenTagsView.as_view(), name="me-hidden-tags"),
    path("me/notifications/", MyNotificationsView.as_view(), name="me-notifications"),
    path(
        "me/notifications/read/",
        MyNotificationsReadView.as_view(),
        name="me-notifications-read",
    ),
    # Moderation (docs/moderation.md): flags and suggestions, the public log, and the
    # moderators' actions (staff tokens only).
    path("posts/<str:short_id>/flag/", flags_api.PostFlagView.as_view(), name="post-flag"),
    path(
        "posts/<str:short_id>/suggestions/",
        flags_api.PostSuggestionsView.as_view(),
        name="post-suggestions",
    ),
    path(
        "comments/<str:short_id>/flag/",
        flags_api.CommentFlagView.as_view(),
        name="comment-flag",
    ),
    path("moderations/", flags_api.ModerationLogView.as_view(), name="moderation-list"),
    path(
        "mod/posts/<str:short_id>/restore/",
        moderation_api.ModPostRestoreView.as_view(),
        name="mod-post-restore",
    ),
    path(
        "mod/posts/<str:short_id>/dismiss/",
        moderation_api.ModPostDismissView.as_view(),
        name="mod-post-dismiss",
    ),
    path(
        "mod/posts/<str:short_id>/edit/",
        moderation_api.ModPostEditView.as_view(),
        name="mod-post-edit",
    ),
    path(
        "mod/posts/<str:short_id>/merge/",
        moderation_api.ModPostMergeView.as_view(),
        name="mod-post-merge",
    ),
    path(
        "mod/comments/<str:short_id>/remove/",
        moderation_api.ModCommentRemoveView.as_view(),
        name="mod-comment-remove",
    ),
    path(
        "mod/comments/<str:short_id>/restore/",
        moderation_api.ModCommentRestoreView.as_view(),
        name="mod-comment-restore",
    ),
    path(
        "mod/comments/<str:short_id>/dismiss/",
        moderation_api.ModCommentDismissView.as_view(),
        name="mod-comment-dismiss",
    ),
    path(
        "mod/users/<str:username>/suspend/",
        moderation_api.ModUserSuspendView.as_view(),
        name="mod-user-suspend",
    ),
    path(
        "mod/users/<str:username>/reinstate/",
        moderation_api.ModUserReinstateView.as_view(),
        name="mod-user-reinstate",
    ),
]

# Added to the site's policy (faun/settings.py) on the two docs pages. Swagger UI's style sheet
# draws its icons as data: images. ReDoc (styled-components) writes its styles into <style>
# elements at run time, with no way to give them a nonce, and runs its search index in a Web
# Worker started from a blob: URL.
SWAGGER_UI_CSP = {"img-src": ["data:"]}
REDOC_CSP = {"img-src": ["data:"], "style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # script-src stays 'self' on the docs pages: the split view serves Swagger UI's start-up script
    # as a request of its own (?script), not inline (docs/operations.md#security-headers).
    path(
        "docs/",
        csp_update(SWAGGER_UI_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        csp_update(REDOC_CSP)(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]
