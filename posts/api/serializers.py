"""Output serializers for posts and tags, shared by the read and the write endpoints."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from posts.models import Entity, Post, PostEntity, Tag
from posts.selectors.posts import post_merge_target


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name", "description"]


class ChannelRefSerializer(serializers.Serializer):
    handle = serializers.CharField()
    name = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class ViewerStateSerializer(serializers.Serializer):
    voted = serializers.BooleanField()
    saved = serializers.BooleanField()


class PostSerializer(serializers.ModelSerializer):
    """A post as it appears in lists."""

    id = serializers.CharField(source="short_id", read_only=True)
    html_url = serializers.SerializerMethodField()
    link = serializers.CharField(source="url", read_only=True)
    tags = serializers.SerializerMethodField()
    channel = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "html_url",
            "kind",
            "title",
            "link",
            "domain",
            "lead",
            "tldr",
            "tags",
            "channel",
            "author",
            "score",
            "published_at",
            "viewer",
        ]
        read_only_fields = fields

    def get_html_url(self, post: Post) -> str:
        request = self.context.get("request")
        path = post.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, post: Post) -> list[str]:
        return [tag.slug for tag in post.tags.all()]

    @extend_schema_field(ChannelRefSerializer(allow_null=True))
    def get_channel(self, post: Post) -> dict[str, str] | None:
        if post.channel_id is None:
            return None
        return {"handle": post.channel.handle, "name": post.channel.name}

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_author(self, post: Post) -> dict[str, str] | None:
        if post.author_id is None:
            return None
        return {"username": post.author.username, "display_name": post.author.display_name}

    @extend_schema_field(ViewerStateSerializer(allow_null=True))
    def get_viewer(self, post: Post) -> dict[str, bool] | None:
        if not hasattr(post, "viewer_voted"):
            return None
        return {"voted": post.viewer_voted, "saved": post.viewer_saved}


class KeyFactSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=200)


class TimelineEventSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True, required=False, default=None)
    when = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=300)


class QuoteSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="Markdown.")
    html = serializers.CharField(help_text="The text rendered and sanitized like the body.")
    source = serializers.CharField(help_text="Where it was published.")
    url = serializers.CharField(help_text="A link to the original, or empty.")


class PostEntitySerializer(serializers.Serializer):
    """A key entity of a post and its part in the story."""

    name = serializers.CharField(source="entity.name")
    slug = serializers.CharField(source="entity.slug")
    kind = serializers.ChoiceField(source="entity.kind", choices=Entity.Kind.choices)
    role = serializers.CharField()
    html_url = serializers.SerializerMethodField(help_text="The entity's page.")

    def get_html_url(self, row: PostEntity) -> str:
        request = self.context.get("request")
        path = row.entity.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class PostDetailSerializer(PostSerializer):
    """A post with everything its page shows."""

    quote = serializers.SerializerMethodField()
    entities = PostEntitySerializer(many=True, read_only=True, source="entity_rows")
    key_facts = KeyFactSerializer(many=True, read_only=True)
    timeline = TimelineEventSerializer(many=True, read_only=True, source="timeline_events")
    merged_into = serializers.SerializerMethodField(
        help_text="For a post moderators merged into another story (status `merged`): that "
        "story's short id, where its comments and votes now count. Otherwise null."
    )

    class Meta(PostSerializer.Meta):
        fields = [
            *PostSerializer.Meta.fields,
            "status",
            "merged_into",
            "body",
            "body_html",
            "quote",
            "key_facts",
            "entities",
            "timeline",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into(self, post: Post) -> str | None:
        if post.merged_into_id is None:
            return None
        return post_merge_target(post=post).short_id

    @extend_schema_field(QuoteSerializer(allow_null=True))
    def get_quote(self, post: Post) -> dict[str, str] | None:
        if not post.quote:
            return None
        return {
            "text": post.quote,
            "html": post.quote_html,
            "source": post.quote_source,
            "url": post.quote_url,
        }
