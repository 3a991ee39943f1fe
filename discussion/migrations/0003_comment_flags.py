"""Comments count their open flags (docs/moderation.md#flags).

Adding a NOT NULL column makes SQLite rebuild the table, which drops the triggers 0002 put on it
(a reply's parent on the same post); they are put back. PostgreSQL keeps its foreign key."""

import importlib

from django.db import migrations, models

same_post = importlib.import_module("discussion.migrations.0002_comment_parent_same_post")


def triggers_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in same_post.SQLITE_DROP + same_post.SQLITE_ADD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("discussion", "0002_comment_parent_same_post"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="flag_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("flag_count__gt", 0)),
                fields=["-flag_count", "-id"],
                name="comment_flagged_idx",
            ),
        ),
        migrations.RunPython(triggers_restore, migrations.RunPython.noop),
    ]
