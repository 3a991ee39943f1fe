"""Reader actions: vote, save and hide posts, list what you saved or hid, follow tags, channels
and users, and hide tags. Each view calls the same service as the HTML button."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PAGE_PARAMETERS, list_response, paginated
from core.permissions import Authenticated
from posts.api.serializers import PostSerializer
from posts.models import Channel, Follow, Post, Tag
from posts.selectors.directory import channel_get, tag_get, user_get_public
from posts.selectors.feeds import hidden_post_list, saved_post_list
from posts.selectors.posts import post_get_published
from posts.services.errors import PostActionNotAllowed
from posts.services.follows import (
    FollowNotAllowed,
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
from posts.services.voting import vote_cast, vote_remove

VOTE_STATE = inline_serializer(
    name="VoteState",
    fields={"voted": serializers.BooleanField(), "score": serializers.IntegerField()},
)
FLAG_STATE = inline_serializer(name="FlagState", fields={"active": serializers.BooleanField()})


def _post_action(request: Request, short_id: str, action: Any, **kwargs: Any) -> Post:
    post = post_get_published(short_id=short_id)
    try:
        action(user=request.user, post=post, **kwargs)
    except PostActionNotAllowed as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc
    return post


class PostVoteView(APIView):
    @extend_schema(
        summary="Upvote a post", request=None, responses=VOTE_STATE, operation_id="posts_vote"
    )
    def post(self, request: Request, short_id: str) -> Response:
        post = _post_action(request, short_id, vote_cast)
        post.refresh_from_db(fields=["score"])
        return Response({"voted": True, "score": post.score})

    @extend_schema(
        summary="Withdraw your vote", responses={200: VOTE_STATE}, operation_id="posts_unvote"
    )
    def delete(self, request: Request, short_id: str) -> Response:
        post = _post_action(request, short_id, vote_remove)
        post.refresh_from_db(fields=["score"])
        return Response({"voted": False, "score": post.score})


class PostSaveView(APIView):
    @extend_schema(
        summary="Save a post for later",
        request=None,
        responses=FLAG_STATE,
        operation_id="posts_save",
    )
    def post(self, request: Request, short_id: str) -> Response:
        _post_action(request, short_id, saved_post_add)
        return Response({"active": True})

    @extend_schema(
        summary="Unsave a post", responses={200: FLAG_STATE}, operation_id="posts_unsave"
    )
    def delete(self, request: Request, short_id: str) -> Response:
        _post_action(request, short_id, saved_post_remove)
        return Response({"active": False})


class PostHideView(APIView):
    @extend_schema(
        summary="Hide a post from your feeds",
        request=None,
        responses=FLAG_STATE,
        operation_id="posts_hide",
    )
    def post(self, request: Request, short_id: str) -> Response:
        _post_action(request, short_id, hidden_post_add)
        return Response({"active": True})

    @extend_schema(
        summary="Unhide a post", responses={200: FLAG_STATE}, operation_id="posts_unhide"
    )
    def delete(self, request: Request, short_id: str) -> Response:
        _post_action(request, short_id, hidden_post_remove)
        return Response({"active": False})


class MyListView(APIView):
    permission_classes = [Authenticated]
    selector: Any = None

    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: type(self).selector(
                user=request.user, after=after, page_size=size
            ),
            serializer_class=PostSerializer,
        )


class MySavedView(MyListView):
    selector = staticmethod(saved_post_list)

    @extend_schema(
        summary="Your saved posts",
        parameters=PAGE_PARAMETERS,
        responses=paginated(PostSerializer),
        operation_id="me_saved_list",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class MyHiddenView(MyListView):
    selector = staticmethod(hidden_post_list)

    @extend_schema(
        summary="Your hidden posts",
        parameters=PAGE_PARAMETERS,
        responses=paginated(PostSerializer),
        operation_id="me_hidden_list",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


FOLLOW_STATE = inline_serializer(
    name="FollowState",
    fields={"following": serializers.BooleanField(), "follower_count": serializers.IntegerField()},
)


class FollowView(APIView):
    """POST follows, DELETE unfollows the tag, channel or user named in the URL."""

    noun = ""

    def target(self, key: str) -> Any:
        raise NotImplementedError

    def _toggle(self, request: Request, key: str, *, add: bool) -> Response:
        target = self.target(key)
        try:
            if add:
                follow_add(user=request.user, target=target)
            else:
                follow_remove(user=request.user, target=target)
        except FollowNotAllowed as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        count = Follow.objects.filter(**follows_target_fields(target)).count()
        return Response({"following": add, "follower_count": count})


class TagFollowView(FollowView):
    def target(self, key: str) -> Tag:
        return tag_get(slug=key)

    @extend_schema(
        summary="Follow a tag", request=None, responses=FOLLOW_STATE, operation_id="tags_follow"
    )
    def post(self, request: Request, slug: str) -> Response:
        return self._toggle(request, slug, add=True)

    @extend_schema(
        summary="Unfollow a tag", responses={200: FOLLOW_STATE}, operation_id="tags_unfollow"
    )
    def delete(self, request: Request, slug: str) -> Response:
        return self._toggle(request, slug, add=False)


class ChannelFollowView(FollowView):
    def target(self, key: str) -> Channel:
        return channel_get(handle=key)

    @extend_schema(
        summary="Follow a channel",
        request=None,
        responses=FOLLOW_STATE,
        operation_id="channels_follow",
    )
    def post(self, request: Request, handle: str) -> Response:
        return self._toggle(request, handle, add=True)

    @extend_schema(
        summary="Unfollow a channel",
        responses={200: FOLLOW_STATE},
        operation_id="channels_unfollow",
    )
    def delete(self, request: Request, handle: str) -> Response:
        return self._toggle(request, handle, add=False)


class UserFollowView(FollowView):
    def target(self, key: str) -> Any:
        return user_get_public(username=key)

    @extend_schema(
        summary="Follow a user (not yourself)",
        request=None,
        responses=FOLLOW_STATE,
        operation_id="users_follow",
    )
    def post(self, request: Request, username: str) -> Response:
        return self._toggle(request, username, add=True)

    @extend_schema(
        summary="Unfollow a user", responses={200: FOLLOW_STATE}, operation_id="users_unfollow"
    )
    def delete(self, request: Request, username: str) -> Response:
        return self._toggle(request, username, add=False)


class TagHideView(APIView):
    @extend_schema(
        summary="Hide a tag: its posts leave every list you read",
        request=None,
        responses=FLAG_STATE,
        operation_id="tags_hide",
    )
    def post(self, request: Request, slug: str) -> Response:
        hidden_tag_add(user=request.user, tag=tag_get(slug=slug))
        return Response({"active": True})

    @extend_schema(summary="Unhide a tag", responses={200: FLAG_STATE}, operation_id="tags_unhide")
    def delete(self, request: Request, slug: str) -> Response:
        hidden_tag_remove(user=request.user, tag=tag_get(slug=slug))
        return Response({"active": False})
