"""Comments through /api/v1/: a post's comments as a flat list in the order written, each naming
its `parent`; writing, editing, deleting and voting; a member's comments. Each view parses the
request, calls the same service or selector as the HTML view and turns the service's refusal into
the API's error body (docs/api.md#comments-and-notifications)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import (
    PAGE_PARAMETERS,
    RateLimited,
    check_query_params,
    page_size_param,
    paginated,
    paginated_response,
)
from core.pagination import KeysetPage
from discussion.api.serializers import (
    COMMENT_VOTE_STATE,
    CommentEditSerializer,
    CommentSerializer,
    CommentWriteSerializer,
)
from discussion.models import Comment
from discussion.selectors import (
    comment_get_public,
    comments_by_user,
    comments_of_post,
    comments_voted_by,
)
from discussion.services.comments import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_get_for_edit,
)
from discussion.services.errors import CommentActionNotAllowed, CommentRejected
from discussion.services.voting import comment_vote_cast, comment_vote_remove
from posts.selectors.directory import user_get_public
from posts.selectors.posts import post_get_published


def _rejection(exc: CommentRejected, *, field: str) -> exceptions.APIException:
    """The API form of a service refusal: 403 unverified, 429 with Retry-After for rate limits,
    else a 400 on the field it concerns (`parent` when the comment answered takes no replies)."""
    if exc.code == "unverified":
        return exceptions.PermissionDenied(exc.message)
    if exc.code == "rate_limited":
        return RateLimited(wait=exc.retry_after, detail=exc.message)
    return serializers.ValidationError({field: [exc.message]})


def _comment_page(
    request: Request, fetch: Callable[[str | None, int], KeysetPage[Comment]]
) -> Response:
    """A keyset page of comments with the viewer's votes (one query more when logged in)."""
    check_query_params(request, {"cursor", "page_size"})
    page = fetch(request.query_params.get("cursor") or None, page_size_param(request))
    context = {"request": request, "voted": _voted(request, page.items)}
    data = CommentSerializer(page.items, many=True, context=context).data
    return paginated_response(request, page=page, data=data)


def _voted(request: Request, comments: list[Comment]) -> set[int] | None:
    if not request.user.is_authenticated:
        return None
    return comments_voted_by(viewer=request.user, comments=comments)


def _detail(request: Request, short_id: str, *, code: int = status.HTTP_200_OK) -> Response:
    comment = comment_get_public(short_id=short_id)
    context = {"request": request, "voted": _voted(request, [comment])}
    response = Response(CommentSerializer(comment, context=context).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = request.build_absolute_uri(f"/api/v1/comments/{short_id}/")
    return response


def _own(request: Request, short_id: str, action: str) -> Comment:
    """The caller's comment to edit or delete: 404 as for a reader (unknown, or on a post that is
    no longer published), 403 with the reason when it is not theirs to change."""
    comment_get_public(short_id=short_id)
    try:
        return comment_get_for_edit(short_id=short_id, user=cast(User, request.user), action=action)
    except CommentActionNotAllowed as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc


class PostCommentsView(APIView):
    """/api/v1/posts/<id>/comments/: GET the thread, POST a comment or a reply."""

    @extend_schema(
        summary="A post's comments, in the order written",
        description=(
            "The whole thread as a flat list, oldest first, every comment with its `parent` "
            "(null on the post) and `depth`: a reply always comes after the comment it answers, "
            "so a client builds the tree in one pass. Deleted and removed comments keep their "
            "place for their replies, without their text."
        ),
        parameters=PAGE_PARAMETERS,
        responses=paginated(CommentSerializer),
        operation_id="posts_comments_list",
    )
    def get(self, request: Request, short_id: str) -> Response:
        post = post_get_published(short_id=short_id)

        def fetch(after: str | None, size: int) -> KeysetPage[Comment]:
            page = comments_of_post(post=post, after=after, page_size=size)
            for comment in page.items:
                comment.post = post  # the post is this one: no join needed
            return page

        return _comment_page(request, fetch)

    @extend_schema(
        summary="Comment on a post, or reply to one of its comments",
        description=(
            "Needs a verified email address (403). The same text sent twice within a minute is "
            "taken as a double submit: the first comment is returned and nothing new is written."
        ),
        request=CommentWriteSerializer,
        responses={201: CommentSerializer},
        examples=[
            OpenApiExample(
                "A reply",
                request_only=True,
                value={"body": "Which **kernel** version was that?", "parent": "k3x9q2a"},
            )
        ],
        operation_id="posts_comments_create",
    )
    def post(self, request: Request, short_id: str) -> Response:
        post = post_get_published(short_id=short_id)
        serializer = CommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data["parent"] is not None:
            try:
                parent = comment_get_public(short_id=data["parent"])
            except Http404:
                raise serializers.ValidationError({"parent": ["No such comment."]}) from None
        try:
            comment = comment_create(
                author=cast(User, request.user), post=post, body=data["body"], parent=parent
            )
        except CommentRejected as exc:
            field = "parent" if exc.code == "closed" and parent is not None else "body"
            raise _rejection(exc, field=field) from exc
        return _detail(request, comment.short_id, code=status.HTTP_201_CREATED)


class CommentItemView(APIView):
    """/api/v1/comments/<id>/: GET, PATCH (its author, within the edit window), DELETE."""

    @extend_schema(
        summary="A comment",
        description=(
            "In any status: a deleted or removed comment answers with its `status` and no text."
        ),
        responses=CommentSerializer,
        operation_id="comments_retrieve",
    )
    def get(self, request: Request, short_id: str) -> Response:
        return _detail(request, short_id)

    @extend_schema(
        summary="Edit your comment (within the edit window)",
        description=(
            "Only its author, within an hour of writing it (DISCUSSION_EDIT_WINDOW_SECONDS); 403 "
            "otherwise. It is marked edited; mentions added by an edit notify nobody."
        ),
        request=CommentEditSerializer,
        responses={200: CommentSerializer},
        operation_id="comments_partial_update",
    )
    def patch(self, request: Request, short_id: str) -> Response:
        comment = _own(request, short_id, "edit")
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "body" not in serializer.validated_data:
            return _detail(request, short_id)  # a PATCH that names no field changes nothing
        try:
            comment_edit(
                comment=comment,
                editor=cast(User, request.user),
                body=serializer.validated_data["body"],
            )
        except CommentRejected as exc:
            raise _rejection(exc, field="body") from exc
        except CommentActionNotAllowed as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return _detail(request, short_id)

    @extend_schema(
        summary="Delete your comment (its replies stay)",
        description=(
            "Only its author. The text goes; the comment keeps its place in the thread, as "
            "`deleted`, for its replies."
        ),
        responses={204: None},
        operation_id="comments_destroy",
    )
    def delete(self, request: Request, short_id: str) -> Response:
        comment = _own(request, short_id, "delete")
        try:
            comment_delete(comment=comment, user=cast(User, request.user))
        except CommentActionNotAllowed as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentVoteView(APIView):
    """/api/v1/comments/<id>/vote/: POST upvotes, DELETE takes the vote back."""

    def _vote(self, request: Request, short_id: str, *, up: bool) -> Response:
        comment = comment_get_public(short_id=short_id)
        user = cast(User, request.user)
        try:
            if up:
                comment_vote_cast(user=user, comment=comment)
            else:
                comment_vote_remove(user=user, comment=comment)
        except CommentActionNotAllowed as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        comment.refresh_from_db(fields=["score"])
        return Response({"voted": up, "score": comment.score})

    @extend_schema(
        summary="Upvote a comment",
        description=(
            "Not your own, and only with a verified email address (403). Voting twice changes "
            "nothing."
        ),
        request=None,
        responses=COMMENT_VOTE_STATE,
        operation_id="comments_vote",
    )
    def post(self, request: Request, short_id: str) -> Response:
        return self._vote(request, short_id, up=True)

    @extend_schema(
        summary="Take back your vote on a comment",
        description="Without a vote, nothing changes.",
        responses={200: COMMENT_VOTE_STATE},
        operation_id="comments_unvote",
    )
    def delete(self, request: Request, short_id: str) -> Response:
        return self._vote(request, short_id, up=False)


class UserCommentsView(APIView):
    @extend_schema(
        summary="A member's comments, newest first",
        description="Comments on posts you hid, or that carry a tag you hid, are left out.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(CommentSerializer),
        operation_id="users_comments_list",
    )
    def get(self, request: Request, username: str) -> Response:
        user = user_get_public(username=username)
        return _comment_page(
            request,
            lambda after, size: comments_by_user(
                user=user, viewer=request.user, after=after, page_size=size, source=True
            ),
        )
