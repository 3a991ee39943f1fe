"""Karma for the votes cast before it was stored: upvotes by others on each member's posts and
comments (docs/moderation.md#karma)."""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def _count(model, author_path):
    return Coalesce(
        Subquery(
            model.objects.filter(**{author_path: OuterRef("pk")})
            .exclude(user=OuterRef("pk"))
            .values(author_path)
            .annotate(n=Count("*"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def karma_backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Vote = apps.get_model("posts", "Vote")
    CommentVote = apps.get_model("discussion", "CommentVote")
    User.objects.update(
        karma=_count(Vote, "post__author") + _count(CommentVote, "comment__author")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_user_karma"),
        ("posts", "0005_discussion"),
        ("discussion", "0002_comment_parent_same_post"),
    ]

    operations = [migrations.RunPython(karma_backfill, migrations.RunPython.noop)]
