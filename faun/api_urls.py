from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import api as accounts_api
from posts import api as posts_api

v1 = [
    path("posts/", posts_api.PostListView.as_view(), name="post-list"),
    path("posts/<str:short_id>/", posts_api.PostDetailView.as_view(), name="post-detail"),
    path("tags/", posts_api.TagListView.as_view(), name="tag-list"),
    path("tags/<str:slug>/", posts_api.TagDetailView.as_view(), name="tag-detail"),
    path("channels/", posts_api.ChannelListView.as_view(), name="channel-list"),
    path("channels/<str:handle>/", posts_api.ChannelDetailView.as_view(), name="channel-detail"),
    path("users/", accounts_api.UserListView.as_view(), name="user-list"),
    path("users/<str:username>/", accounts_api.UserDetailView.as_view(), name="user-detail"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
