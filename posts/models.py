from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

HANDLE_PATTERN = r"^[a-z0-9]{3,30}$"
TAG_SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


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

    short_id = models.CharField(max_length=10, unique=True, editable=False)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LINK)
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=2000, blank=True)
    normalized_url = models.CharField(max_length=2000, blank=True, db_index=True)
    domain = models.CharField(max_length=255, blank=True, db_index=True)
    tldr = models.JSONField(default=list, blank=True, help_text="TL;DR bullet points.")
    body = models.TextField(max_length=40_000, blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    removed_reason = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    score = models.IntegerField(default=0)
    hotness = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
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
            models.Index(fields=["channel", "-published_at", "-id"], name="post_channel_idx"),
            models.Index(fields=["author", "-published_at", "-id"], name="post_author_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["link", "text"]), name="post_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "removed"]),
                name="post_status_valid",
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
            models.CheckConstraint(condition=Q(score__gte=0), name="post_score_not_negative"),
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
    def target_url(self) -> str:
        """Where the title links: the source for link posts, the post page for text posts."""
        return self.url or self.get_absolute_url()


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
