from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

HANDLE_PATTERN = r"^[a-z0-9]{3,30}$"
TAG_SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# What a submitted post may hold. Forms show these limits; the services enforce them.
TITLE_MIN_LENGTH = 3
TITLE_MAX_LENGTH = 200
# The lead: one sentence under the byline, also the page's meta and Open Graph description.
LEAD_MAX_LENGTH = 280
TAGS_MIN = 1
TAGS_MAX = 5
TLDR_MAX_BULLETS = 5
TLDR_BULLET_MAX_LENGTH = 300
KEY_FACTS_MAX = 10
TIMELINE_EVENTS_MAX = 20
BODY_MAX_LENGTH = 40_000
# The quoted source: an excerpt of the original (Markdown) and where it was published.
QUOTE_MAX_LENGTH = 5_000
QUOTE_SOURCE_MAX_LENGTH = 200
REMOVED_REASON_MAX_LENGTH = 300
# Key entities: at most this many per post, each a name and its one-line role in the story.
ENTITIES_MAX = 10
ENTITY_NAME_MAX_LENGTH = 100
ENTITY_ROLE_MAX_LENGTH = 200


class Channel(models.Model):
    """A publisher such as @devopslinks: members post on its behalf, readers subscribe."""

    handle = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    newsletter_name = models.CharField(max_length=100, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ChannelMembership", related_name="channels"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["handle"]
        constraints = [
            models.CheckConstraint(
                condition=Q(handle__regex=HANDLE_PATTERN), name="channel_handle_format"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def get_absolute_url(self) -> str:
        return reverse("posts:channel", kwargs={"handle": self.handle})


class ChannelMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "member"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.channel} ({self.role})"


class Tag(models.Model):
    slug = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=TAG_SLUG_PATTERN), name="tag_slug_format"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("posts:tag", kwargs={"slug": self.slug})


class Post(models.Model):
    class Kind(models.TextChoices):
        LINK = "link", "Link"
        TEXT = "text", "Text"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        REMOVED = "removed", "Removed"
        # A moderator merged it into another story on the same subject: its page redirects
        # there, its comments moved there, its votes count there (docs/moderation.md#merging).
        MERGED = "merged", "Merged"

    # Unique through a constraint in Meta rather than `unique=True`, which on PostgreSQL adds a
    # second, pattern-ops index nothing uses (docs/performance.md#indexes); the same for the
    # columns below that are only ever compared whole.
    short_id = models.CharField(max_length=10, editable=False)
    slug = models.SlugField(max_length=80, allow_unicode=False, db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LINK)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    url = models.URLField(max_length=2000, blank=True)
    normalized_url = models.CharField(max_length=2000, blank=True)
    # Looked up only with published posts, through post_domain_idx.
    domain = models.CharField(max_length=255, blank=True)
    lead = models.CharField(
        max_length=LEAD_MAX_LENGTH, blank=True, help_text="One sentence under the byline."
    )
    tldr = models.JSONField(default=list, blank=True, help_text="TL;DR bullet points.")
    body = models.TextField(max_length=BODY_MAX_LENGTH, blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    quote = models.TextField(
        max_length=QUOTE_MAX_LENGTH, blank=True, help_text="Markdown: an excerpt of the original."
    )
    quote_html = models.TextField(blank=True, editable=False)
    quote_source = models.CharField(
        max_length=QUOTE_SOURCE_MAX_LENGTH,
        blank=True,
        help_text="Where the excerpt was published, e.g. lore.kernel.org.",
    )
    quote_url = models.URLField(max_length=2000, blank=True)
    # Both served by their (column, -published_at, -id) indexes in Meta.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        db_index=False,
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    entities: models.ManyToManyField[Entity, PostEntity] = models.ManyToManyField(
        "Entity", through="PostEntity", related_name="posts", blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    removed_reason = models.CharField(max_length=REMOVED_REASON_MAX_LENGTH, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who removed the post: its author (deleted) or a moderator.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    score = models.IntegerField(default=0)
    hotness = models.FloatField(default=0.0)
    # The discussion (the discussion app's comments), stored for feed rows and ranking, updated
    # in the transaction of each comment change (posts/services/discussion.py): published
    # comments, when the latest was written, and the comments' points that count towards
    # hotness (posts/ranking.py).
    comment_count = models.PositiveIntegerField(default=0)
    last_commented_at = models.DateTimeField(null=True, blank=True)
    comment_points = models.FloatField(default=0.0)
    # Readers' flags that no moderator has dismissed yet, each a point against hotness, and
    # whether the post is held off the hot feed until a moderator decides (reached
    # MODERATION_FLAG_HIDE_THRESHOLD). Written by posts/services/moderation.py in the flag's
    # transaction (docs/moderation.md#flags).
    flag_count = models.PositiveIntegerField(default=0)
    held = models.BooleanField(default=False)
    # Merging (docs/moderation.md#merging): a merged post points at the story it was merged
    # into; that story stores the merged posts' scores, frozen at the merge, so its hotness
    # counts both, and how many were merged into it, so its page asks for them only then.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_posts",
        db_index=False,
    )
    # Database defaults too, so web nodes still on the code before merging keep inserting posts
    # while a deploy rolls (docs/operations.md#migrations-with-several-nodes).
    merged_score = models.PositiveIntegerField(default=0, db_default=0)
    merged_count = models.PositiveIntegerField(default=0, db_default=0)
    # What the linked page says about itself, fetched after submission (posts.tasks). Plain text,
    # never rendered as HTML.
    preview_title = models.CharField(max_length=300, blank=True)
    preview_description = models.CharField(max_length=1000, blank=True)
    preview_site_name = models.CharField(max_length=200, blank=True)
    preview_image_url = models.CharField(max_length=2000, blank=True)
    preview_fetched_at = models.DateTimeField(null=True, blank=True)
    # Full-text search document (PostgreSQL tsvector; title A, TL;DR + tags + key numbers B, body
    # C), written by the post services (posts/services/search.py), never by save(). Stays NULL on
    # SQLite, where search matches the text columns instead (posts/search.py).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Created on PostgreSQL only (migration 0004): SQLite has no GIN.
            GinIndex(fields=["search_vector"], name="post_search_idx"),
            # Feed orderings, each with the id tie-breaker the keyset cursor uses.
            models.Index(
                fields=["-hotness", "-id"],
                condition=Q(status="published"),
                name="post_hot_idx",
            ),
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status="published"),
                name="post_newest_idx",
            ),
            models.Index(
                fields=["-score", "-id"],
                condition=Q(status="published"),
                name="post_top_idx",
            ),
            # The Active feed: latest discussion first.
            models.Index(
                fields=["-last_commented_at", "-id"],
                condition=Q(status="published", last_commented_at__isnull=False),
                name="post_active_idx",
            ),
            # The moderation queue: flagged posts, most flagged first.
            models.Index(
                fields=["-flag_count", "-id"],
                condition=Q(flag_count__gt=0),
                name="post_flagged_idx",
            ),
            models.Index(fields=["channel", "-published_at", "-id"], name="post_channel_idx"),
            models.Index(fields=["author", "-published_at", "-id"], name="post_author_idx"),
            # A domain's page (/d/<domain>/), newest first.
            models.Index(
                fields=["domain", "-published_at", "-id"],
                condition=Q(status="published"),
                name="post_domain_idx",
            ),
            # The duplicate detector: a link's posts.
            models.Index(fields=["normalized_url"], name="post_normalized_url_idx"),
            # Rate limits count an author's recent submissions.
            models.Index(fields=["author", "created_at"], name="post_author_created_idx"),
            # A story's merged posts (its page's "merged from" list); few posts have one.
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="post_merged_into_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["short_id"], name="post_short_id_unique"),
            models.CheckConstraint(condition=Q(kind__in=["link", "text"]), name="post_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "removed", "merged"]),
                name="post_status_valid",
            ),
            # Merged exactly when it points at the story it was merged into, never itself.
            models.CheckConstraint(
                condition=(Q(status="merged") & Q(merged_into__isnull=False))
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="post_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="post_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=(Q(kind="link") & ~Q(url="") & ~Q(normalized_url=""))
                | (Q(kind="text") & Q(url="")),
                name="post_url_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="post_published_has_date",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="post_title_not_empty"),
            # A quote always says where it comes from; a source without a quote means nothing.
            models.CheckConstraint(
                condition=(Q(quote="") & Q(quote_source="") & Q(quote_url=""))
                | (~Q(quote="") & ~Q(quote_source="")),
                name="post_quote_attributed",
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="post_score_not_negative"),
            models.CheckConstraint(
                condition=Q(comment_points__gte=0), name="post_comment_points_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("posts:detail", kwargs={"short_id": self.short_id, "slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_removed(self) -> bool:
        return self.status == self.Status.REMOVED

    @property
    def is_merged(self) -> bool:
        return self.status == self.Status.MERGED

    @property
    def target_url(self) -> str:
        """Where the title links: the source for link posts, the post page for text posts."""
        return self.url or self.get_absolute_url()

    @property
    def was_deleted_by_author(self) -> bool:
        return (
            self.is_removed
            and self.removed_by_id is not None
            and (self.removed_by_id == self.author_id)
        )

    @property
    def edit_window_open(self) -> bool:
        """True while the author may still edit: POST_EDIT_WINDOW_SECONDS after publication."""
        if self.is_removed or self.is_merged:
            return False
        start = self.published_at or self.created_at
        if start is None:
            return True
        window = timedelta(seconds=settings.POST_EDIT_WINDOW_SECONDS)
        return timezone.now() < start + window

    @property
    def new_comment_count(self) -> int:
        """Comments written since the viewer last read the thread (feed rows for a logged-in
        reader annotate `viewer_seen`; 0 when they never opened it)."""
        seen = getattr(self, "viewer_seen", None)
        return max(0, self.comment_count - seen) if seen is not None else 0

    def is_authored_by(self, user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and self.author_id == user.pk

    def is_editable_by(self, user: Any) -> bool:
        return self.is_authored_by(user) and self.edit_window_open

    def is_deletable_by(self, user: Any) -> bool:
        return self.is_authored_by(user) and not self.is_removed and not self.is_merged

    def is_removable_by(self, user: Any) -> bool:
        return bool(getattr(user, "is_staff", False)) and not self.is_removed and not self.is_merged


class KeyFact(models.Model):
    """A "key number": a short value and the one line that says what it measures."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="key_facts")
    value = models.CharField(max_length=40)
    description = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "order"], name="keyfact_order_unique"),
            models.CheckConstraint(
                condition=~Q(value="") & ~Q(description=""), name="keyfact_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} — {self.description}"


class TimelineEvent(models.Model):
    """A dated event in a post's story; `when` holds a free-text date such as "Q1 2027"."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="timeline_events")
    date = models.DateField(null=True, blank=True)
    when = models.CharField(max_length=60, blank=True)
    description = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "order"], name="timeline_order_unique"),
            models.CheckConstraint(
                condition=Q(date__isnull=False) | ~Q(when=""), name="timeline_has_when"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="timeline_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.date or self.when}: {self.description}"


class Entity(models.Model):
    """Someone or something posts involve (a person, a project, a meeting): its page
    (/e/<slug>/) lists those posts and one timeline merged from theirs (docs/pages.md)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"
        PROJECT = "project", "Project"
        TECHNOLOGY = "technology", "Technology"
        EVENT = "event", "Event"
        PLACE = "place", "Place"

    name = models.CharField(max_length=ENTITY_NAME_MAX_LENGTH)
    # One key per spelling of the name (core.canonical.text_fold), written by the entity service:
    # "Rust", "RUST" and a fullwidth "Rust" (U+FF32...) are one entity on SQLite and PostgreSQL
    # alike, whose own LOWER() functions disagree beyond ASCII.
    name_key = models.CharField(max_length=3 * ENTITY_NAME_MAX_LENGTH, unique=True)
    slug = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="entity_name_ci_unique"),
            models.CheckConstraint(
                condition=Q(slug__regex=TAG_SLUG_PATTERN), name="entity_slug_format"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["person", "organization", "project", "technology", "event", "place"]
                ),
                name="entity_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(name_key=""), name="entity_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("posts:entity", kwargs={"slug": self.slug})


class PostEntity(models.Model):
    """A key entity of one post, with the one line that says its part in the story ("author of
    the patch", "where maintainers decided")."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="entity_rows")
    # Indexed by postentity_entity_idx (entity, post) below.
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="post_rows", db_index=False
    )
    role = models.CharField(max_length=ENTITY_ROLE_MAX_LENGTH)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "key entity"
        verbose_name_plural = "key entities"
        constraints = [
            models.UniqueConstraint(fields=["post", "order"], name="postentity_order_unique"),
            models.UniqueConstraint(fields=["post", "entity"], name="postentity_unique"),
            models.CheckConstraint(condition=~Q(role=""), name="postentity_role_not_empty"),
        ]
        indexes = [
            # The entity page and the `entity:` search operator go from the entity to its posts.
            models.Index(fields=["entity", "post"], name="postentity_entity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} — {self.role}"


class Vote(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="vote_unique")]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.post_id}"


class SavedPost(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_posts"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="savedpost_unique")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="savedpost_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} saved {self.post_id}"


class HiddenPost(models.Model):
    """A post a user never wants to see again in their feeds (they can unhide it from /hidden/)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hidden_posts"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="hides")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="hiddenpost_unique")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="hiddenpost_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} hid {self.post_id}"


class Follow(models.Model):
    """A user follows exactly one tag, channel, other user or key entity: their posts make up
    "My feed" and the personal digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    followed_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(tag__isnull=False, channel__isnull=True, followed_user__isnull=True)
                    & Q(entity__isnull=True)
                    | Q(tag__isnull=True, channel__isnull=False, followed_user__isnull=True)
                    & Q(entity__isnull=True)
                    | Q(tag__isnull=True, channel__isnull=True, followed_user__isnull=False)
                    & Q(entity__isnull=True)
                    | Q(tag__isnull=True, channel__isnull=True, followed_user__isnull=True)
                    & Q(entity__isnull=False)
                ),
                name="follow_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(user=models.F("followed_user")), name="follow_not_self"
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=Q(tag__isnull=False), name="follow_tag_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "channel"],
                condition=Q(channel__isnull=False),
                name="follow_channel_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "followed_user"],
                condition=Q(followed_user__isnull=False),
                name="follow_user_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "entity"],
                condition=Q(entity__isnull=False),
                name="follow_entity_unique",
            ),
        ]

    def __str__(self) -> str:
        target = self.tag or self.channel or self.followed_user or self.entity
        return f"{self.user} follows {target}"


class HiddenTag(models.Model):
    """A tag a user never wants to see: posts carrying it leave every list they read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hidden_tags"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="hidden_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="hiddentag_unique")]

    def __str__(self) -> str:
        return f"{self.user} hid #{self.tag_id}"


class FeedToken(models.Model):
    """The secret in a user's private "My feed" RSS/Atom address. Only its SHA-256 hash is
    stored; resetting revokes the active token and issues a new one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="feedtoken_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"feed token of {self.user} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class ReadRibbon(models.Model):
    """How far a member has read a post's discussion (Lobsters' read ribbons): the comment count
    and time of their last visit. Feed rows show `comment_count - seen_count` as new; the thread
    marks comments written after `last_read_at`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_ribbons"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="read_ribbons")
    seen_count = models.PositiveIntegerField(default=0)
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="readribbon_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.post_id} at {self.last_read_at:%Y-%m-%d %H:%M}"
