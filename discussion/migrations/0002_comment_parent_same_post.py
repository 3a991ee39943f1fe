"""A reply's parent is a comment of the same post, enforced by the database: on PostgreSQL a
foreign key on (post, parent) to the (post, id) pair of the comments (unique since 0001); on
SQLite, which cannot add a foreign key to an existing table, triggers that refuse the row."""

from django.db import migrations

PG_ADD = """
ALTER TABLE discussion_comment ADD CONSTRAINT comment_parent_same_post
    FOREIGN KEY (post_id, parent_id) REFERENCES discussion_comment (post_id, id)
    DEFERRABLE INITIALLY DEFERRED
"""
PG_DROP = "ALTER TABLE discussion_comment DROP CONSTRAINT comment_parent_same_post"

SQLITE_CHECK = """
SELECT RAISE(ABORT, 'comment_parent_same_post')
WHERE NEW.parent_id IS NOT NULL
  AND (SELECT post_id FROM discussion_comment WHERE id = NEW.parent_id) IS NOT NEW.post_id;
"""
SQLITE_ADD = [
    f"CREATE TRIGGER comment_parent_same_post_insert BEFORE INSERT ON discussion_comment "
    f"BEGIN {SQLITE_CHECK} END",
    f"CREATE TRIGGER comment_parent_same_post_update BEFORE UPDATE OF post_id, parent_id "
    f"ON discussion_comment BEGIN {SQLITE_CHECK} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS comment_parent_same_post_insert",
    "DROP TRIGGER IF EXISTS comment_parent_same_post_update",
]


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_ADD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_ADD:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("discussion", "0001_initial")]

    operations = [migrations.RunPython(add, drop)]
