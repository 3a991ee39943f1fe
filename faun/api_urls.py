from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import api as accounts_api
from posts import api as posts_api

v1 = [
    path("posts/", posts_api.PostCollectionView.as_view(), name="post-list"),
    path("posts/<str:short_id>/", posts_api.PostItemView.as_view(), name="post-detail"),
    path("posts/<str:short_id>/vote/", posts_api.PostVoteView.as_view(), name="post-vote"),
    path("posts/<str:short_id>/save/", posts_api.PostSaveView.as_view(), name="post-save"),
    path("posts/<str:short_id>/hide/", posts_api.PostHideView.as_view(), name="post-hide"),
    path("posts/<str:short_id>/remove/", posts_api.PostRemoveView.as_view(), name="post-remove"),
    path("tags/", posts_api.TagListView.as_view(), name="tag-list"),
    path("tags/<str:slug>/", posts_api.TagDetailView.as_view(), name="tag-detail"),
    path("tags/<str:slug>/follow/", posts_api.TagFollowView.as_view(), name="tag-follow"),
    path("tags/<str:slug>/hide/", posts_api.TagHideView.as_view(), name="tag-hide"),
    path("channels/", posts_api.ChannelListView.as_view(), name="channel-list"),
    path("channels/<str:handle>/", posts_api.ChannelDetailView.as_view(), name="channel-detail"),
    path(
        "channels/<str:handle>/follow/",
        posts_api.ChannelFollowView.as_view(),
        name="channel-follow",
    ),
    path("users/", accounts_api.UserListView.as_view(), name="user-list"),
    path("users/<str:username>/", accounts_api.UserDetailView.as_view(), name="user-detail"),
    path("users/<str:username>/follow/", posts_api.UserFollowView.as_view(), name="user-follow"),
    path("search/", posts_api.SearchView.as_view(), name="search"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("me/saved/", posts_api.MySavedView.as_view(), name="me-saved"),
    path("me/hidden/", posts_api.MyHiddenView.as_view(), name="me-hidden"),
    path("me/feed/", posts_api.MyFeedView.as_view(), name="me-feed"),
    path("me/follows/", posts_api.MyFollowsView.as_view(), name="me-follows"),
    path("me/hidden-tags/", posts_api.MyHiddenTagsView.as_view(), name="me-hidden-tags"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
