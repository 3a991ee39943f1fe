"""REST API for posts, tags and channels (/api/v1/). Views parse and validate, then call the same
selectors and services as the HTML pages; writes turn a service's refusal into the API's error body.

Split by sub-domain; import the views from here (`from posts import api`, `api.PostItemView`).
"""

from posts.api.actions import (
    ChannelFollowView,
    FollowView,
    MyHiddenView,
    MyListView,
    MySavedView,
    PostHideView,
    PostSaveView,
    PostVoteView,
    TagFollowView,
    TagHideView,
    UserFollowView,
)
from posts.api.directory import (
    ChannelDetailView,
    ChannelListView,
    TagDetailView,
    TagListView,
)
from posts.api.discovery import MyFeedView, MyFollowsView, MyHiddenTagsView, SearchView
from posts.api.posts import PostDetailView, PostListView
from posts.api.serializers import PostDetailSerializer, PostSerializer, TagSerializer
from posts.api.submission import (
    PostCollectionView,
    PostCreateView,
    PostEditView,
    PostItemView,
    PostRemoveView,
)

__all__ = [
    "ChannelDetailView",
    "ChannelFollowView",
    "ChannelListView",
    "FollowView",
    "MyFeedView",
    "MyFollowsView",
    "MyHiddenTagsView",
    "MyHiddenView",
    "MyListView",
    "MySavedView",
    "PostCollectionView",
    "PostCreateView",
    "PostDetailSerializer",
    "PostDetailView",
    "PostEditView",
    "PostHideView",
    "PostItemView",
    "PostListView",
    "PostRemoveView",
    "PostSaveView",
    "PostSerializer",
    "PostVoteView",
    "SearchView",
    "TagDetailView",
    "TagFollowView",
    "TagHideView",
    "TagListView",
    "TagSerializer",
    "UserFollowView",
]
