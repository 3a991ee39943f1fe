"""The move of the outbox and the newsletter models out of accounts (accounts 0006, outbox 0001,
newsletters 0001) changes only Django's state: a database filled at the old layout's last
migration comes out with every row in place, the same ids, tables and links between them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD_LAYOUT = [("accounts", "0005_newsletters_for_channels"), ("posts", "0004_discovery")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_at_the_old_layout_are_all_there_after_the_move():
    old = _migrate(OLD_LAYOUT)
    now = timezone.now()
    User = old.get_model("accounts", "User")
    Channel = old.get_model("posts", "Channel")
    user = User.objects.create(username="ada", email="ada@example.com", password="!")
    channel = Channel.objects.create(handle="devopslinks", name="DevOps Links")
    email = old.get_model("accounts", "OutboundEmail").objects.create(
        to="reader@example.com",
        subject="Issue 1",
        text_body="text",
        message_id="<old-layout@faun.localhost>",
        dedupe_key="newsletter:1",
    )
    newsletter = old.get_model("accounts", "Newsletter").objects.create(
        channel=channel, name="DevOps Weekly"
    )
    subscription = old.get_model("accounts", "Subscription").objects.create(
        newsletter=newsletter,
        email="reader@example.com",
        status="active",
        confirmed_at=now,
    )
    issue = old.get_model("accounts", "NewsletterIssue").objects.create(
        newsletter=newsletter,
        period="2026-W48",
        subject="DevOps Weekly 48",
        window_start=now - timedelta(days=7),
        window_end=now,
    )
    delivery = old.get_model("accounts", "Delivery").objects.create(
        subscription=subscription, issue=issue, period="2026-W48", outbound_email=email
    )
    preference = old.get_model("accounts", "DigestPreference").objects.create(
        user=user, frequency="weekly", timezone="Europe/Paris", next_due_at=now
    )

    new = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    Delivery = new.get_model("newsletters", "Delivery")
    moved = Delivery.objects.select_related(
        "subscription__newsletter__channel", "issue", "outbound_email"
    ).get(pk=delivery.pk)
    assert moved.period == "2026-W48"
    assert moved.subscription.pk == subscription.pk
    assert moved.subscription.email == "reader@example.com"
    assert moved.subscription.newsletter.pk == newsletter.pk
    assert moved.subscription.newsletter.channel.handle == "devopslinks"
    assert moved.issue.pk == issue.pk
    assert moved.outbound_email.pk == email.pk
    assert moved.outbound_email.dedupe_key == "newsletter:1"
    assert new.get_model("outbox", "OutboundEmail").objects.count() == 1
    moved_preference = new.get_model("newsletters", "DigestPreference").objects.get()
    assert (moved_preference.pk, moved_preference.user_id) == (preference.pk, user.pk)
    assert moved_preference.timezone == "Europe/Paris"
    # Same tables: nothing was copied, so nothing is left behind in another one.
    tables = set(connection.introspection.table_names())
    assert {"accounts_outboundemail", "accounts_newsletter", "accounts_delivery"} <= tables
    assert not any(name.startswith(("outbox_", "newsletters_")) for name in tables)


@pytest.mark.django_db(transaction=True)
def test_new_rows_after_the_move_take_the_next_ids():
    """The primary key sequences stay with their tables (PostgreSQL identity columns)."""
    old = _migrate(OLD_LAYOUT)
    first = old.get_model("accounts", "OutboundEmail").objects.create(
        to="a@example.com", subject="s", text_body="t", message_id="<a@faun.localhost>"
    )
    new = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    second = new.get_model("outbox", "OutboundEmail").objects.create(
        to="b@example.com", subject="s", text_body="t", message_id="<b@faun.localhost>"
    )
    assert second.pk > first.pk


@pytest.mark.django_db
def test_code_from_before_merging_still_inserts_posts_while_a_deploy_rolls():
    """A web node still on the code before posts 0012 inserts posts without the merge columns
    (docs/operations.md#migrations-with-several-nodes): their database defaults fill them."""
    from posts.models import Post
    from tests.posts.factories import PostFactory

    existing = PostFactory()
    columns = [
        field.column
        for field in Post._meta.concrete_fields
        if field.column not in ("id", "short_id", "merged_score", "merged_count")
    ]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO posts_post (short_id, {names}) "  # noqa: S608 (column names only)
            f"SELECT %s, {names} FROM posts_post WHERE id = %s",
            ["oldcode1", existing.pk],
        )

    copy = Post.objects.get(short_id="oldcode1")
    assert (copy.merged_score, copy.merged_count, copy.merged_into_id) == (0, 0, None)
