"""Read replicas (docs/operations.md#read-replicas), against a real streaming replica of the test
PostgreSQL (`.ci/replica` makes one on 127.0.0.1:5433; DATABASE_REPLICA_URLS points at it).

The replica alias is Django's test mirror of the primary: it connects to the replica's own
server, with the primary's test database name, and the test runner never creates or flushes it.
The tests commit their rows (transaction=True) and wait until the replica has replayed them.
Which server answered is recorded per query (an execute wrapper on every alias) and asked of the
server itself (`pg_is_in_recovery()`). To show that a read really came from the replica, or
really did not, some tests pause the replica's replay (`pg_wal_replay_pause()`): what is written
meanwhile exists only on the primary."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.utils import timezone

from core.replicas import (
    LAG_SQL,
    PIN_COOKIE,
    ReplicaRouter,
    primary_reads,
    replica_reads,
    replica_states,
)
from newsletters.models import Newsletter, Subscription
from newsletters.services import subscriptions
from outbox.tasks import outbox_sweep
from posts.models import Post
from tests.posts.factories import ChannelFactory, PostFactory
from tests.service_fixtures import free_port, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

REPLICA = "replica1"


@pytest.fixture(autouse=True)
def _plain_pages(settings):
    """Every request reaches the view (no page cache), and the only replica is replica1. The lag
    limit is a minute: the tests wait for the replica to catch up (caught_up) before they read,
    and other work on a shared PostgreSQL can put it a few seconds behind for a moment; the
    tests of the limit set their own."""
    settings.ANONYMOUS_CACHE_SECONDS = 0
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60


def ask(alias: str, sql: str, params: list[Any] | None = None) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def in_recovery(alias: str) -> bool:
    return bool(ask(alias, "SELECT pg_is_in_recovery()"))


def caught_up(alias: str = REPLICA) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    lsn = ask("default", "SELECT pg_current_wal_lsn()::text")
    wait_until(
        lambda: ask(alias, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]),
        timeout=20,
        interval=0.05,
        what=f"{alias} to replay the primary's WAL up to {lsn}",
    )


@contextmanager
def replay_paused(settings: Any, alias: str = REPLICA) -> Iterator[None]:
    """The replica stops replaying (still answering, with what it had): what the primary writes
    meanwhile is not on the replica. The lag limit is lifted meanwhile, or the replica would be
    skipped as lagging, which is another test."""
    caught_up(alias)
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600
    ask(alias, "SELECT pg_wal_replay_pause()::text")
    wait_until(
        lambda: ask(alias, "SELECT pg_get_wal_replay_pause_state()") == "paused",
        timeout=10,
        what=f"{alias} to pause its replay",
    )
    try:
        yield
    finally:
        ask(alias, "SELECT pg_wal_replay_resume()::text")
    caught_up(alias)


@contextmanager
def queries_by_alias() -> Iterator[list[tuple[str, str]]]:
    """(alias, SQL) of every statement run meanwhile, on any connection."""
    seen: list[tuple[str, str]] = []

    def recorder(alias: str) -> Callable[..., Any]:
        def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any):
            seen.append((alias, sql))
            return execute(sql, params, many, ctx)

        return record

    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen


# Aliases besides replica1, for the length of this module: a second connection to the real
# replica (round robin), one whose port a test points elsewhere, and one nothing listens on. They
# must exist before each test's database set-up, which allows queries to the aliases it knows.
TWO, FLAKY, DOWN = "replica_two", "replica_flaky", "replica_down"


@pytest.fixture(scope="module", autouse=True)
def _extra_aliases(django_db_setup: None) -> Iterator[None]:
    replica = connections.settings[REPLICA]  # by now, named after the primary's test database
    connections.settings[TWO] = copy.deepcopy(replica)
    connections.settings[FLAKY] = copy.deepcopy(replica)
    connections.settings[DOWN] = {**copy.deepcopy(replica), "PORT": str(free_port())}
    try:
        yield
    finally:
        for alias in (TWO, FLAKY, DOWN):
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def reads(seen: list[tuple[str, str]]) -> set[str]:
    """The aliases that served reads and writes, leaving out replica checks."""
    return {alias for alias, sql in seen if sql != LAG_SQL}


def points(page: str) -> int:
    match = re.search(r'class="post-row__points">(\d+)<', page)
    assert match, "no score on the page"
    return int(match.group(1))


# --- Which server answers ------------------------------------------------------------------------


def test_anonymous_get_reads_on_the_replica(client):
    post = PostFactory(title="Replicated story about streaming WAL")
    caught_up()

    with queries_by_alias() as seen:
        home = client.get("/")
        page = client.get(post.get_absolute_url())
        api = client.get("/api/v1/posts/")

    assert [home.status_code, page.status_code, api.status_code] == [200, 200, 200]
    assert "Replicated story about streaming WAL" in home.content.decode()
    assert api.json()["results"][0]["title"] == "Replicated story about streaming WAL"
    assert reads(seen) == {REPLICA}, seen
    assert in_recovery(REPLICA)
    assert not in_recovery("default")
    # Reading set no pin: these pages stay shareable by the anonymous page cache.
    assert PIN_COOKIE not in home.cookies
    assert PIN_COOKIE not in page.cookies
    print(
        f"\nanonymous GET /, the post page and /api/v1/posts/ read on {REPLICA} "
        f"(pg_is_in_recovery=true): {len(seen)} queries, none on the primary"
    )


def test_writes_and_readers_with_a_session_or_token_use_the_primary(client, member_client, member):
    from accounts.tokens import api_token_create

    post = PostFactory()
    token = api_token_create(user=member, name="replicas", scope="write").secret
    caught_up()

    with queries_by_alias() as vote:
        voted = member_client.post(f"/p/{post.short_id}/-/vote/", {"action": "up"})
    with queries_by_alias() as member_read:
        member_client.get(post.get_absolute_url())
    with queries_by_alias() as token_read:
        anonymous = Client()
        listed = anonymous.get("/api/v1/posts/", headers={"authorization": f"Bearer {token}"})

    assert voted.status_code == 302
    assert listed.status_code == 200
    assert reads(vote) == {"default"}
    assert not in_recovery("default")
    assert reads(member_read) == {"default"}
    assert reads(token_read) == {"default"}
    print(
        f"\nvote POST: {len(vote)} queries on the primary (pg_is_in_recovery=false); a member's "
        "GET and a token's GET read the primary too"
    )


# --- Read-your-writes ----------------------------------------------------------------------------


def test_member_sees_their_vote_at_once_while_the_replica_is_behind(member_client, settings):
    post = PostFactory()
    url = post.get_absolute_url()

    with replay_paused(settings):
        voted = member_client.post(f"/p/{post.short_id}/-/vote/", {"action": "up", "next": url})
        with queries_by_alias() as seen:
            own = member_client.get(url).content.decode()
        visitor = Client().get(url).content.decode()

        assert voted.status_code == 302
        assert 'aria-pressed="true"' in own
        assert points(own) == 1
        assert reads(seen) == {"default"}
        assert points(visitor) == 0  # the replica has not replayed the vote yet
        print(
            f"\nread-your-writes: the member sees their vote (score 1, from the primary) while "
            f"{REPLICA} (pg_is_in_recovery=true, replay paused) still shows score 0 to a visitor"
        )

    assert points(Client().get(url).content.decode()) == 1  # replayed: everyone sees it


def test_anonymous_visitor_who_wrote_reads_the_primary_until_the_pin_ends(settings):
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Weekly")
    newsletter = Newsletter.objects.create(channel=channel, name="DevOpsLinks Weekly")
    subscription = Subscription.objects.create(
        newsletter=newsletter,
        email="ada@example.com",
        status=Subscription.Status.ACTIVE,
        confirmed_at=timezone.now(),
    )
    url = f"/unsubscribe/{subscriptions.unsubscribe_token_make(subscription_id=subscription.pk)}/"
    visitor = Client()

    with replay_paused(settings):
        done = visitor.post(url)
        pin = done.cookies[PIN_COOKIE]
        with queries_by_alias() as pinned_read:
            again = visitor.get(url).content.decode()
        elsewhere = Client().get(url).content.decode()  # the same link in another browser
        visitor.cookies[PIN_COOKIE] = "1"  # a pin from long ago (its time has passed)
        with queries_by_alias() as unpinned_read:
            later = visitor.get(url).content.decode()

        assert "You will not receive DevOpsLinks Weekly" in done.content.decode()
        assert pin["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS
        assert pin["httponly"]
        assert pin["samesite"] == "Lax"
        assert "already unsubscribed" in again
        assert reads(pinned_read) == {"default"}
        assert "Unsubscribe from DevOpsLinks Weekly?" in elsewhere  # the replica is behind
        assert "Unsubscribe from DevOpsLinks Weekly?" in later
        assert reads(unpinned_read) == {REPLICA}
        print(
            f"\nread-your-writes: an anonymous visitor who unsubscribed got the pin "
            f"({PIN_COOKIE}, {pin['max-age']} s) and reads the primary: 'already unsubscribed'; "
            f"without it the same link reads {REPLICA} (pg_is_in_recovery=true, replay paused): "
            "'Unsubscribe?'"
        )

    assert "already unsubscribed" in Client().get(url).content.decode()


def test_a_get_that_writes_reads_the_primary_from_then_on_and_pins(settings):
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Weekly")
    newsletter = Newsletter.objects.create(channel=channel, name="DevOpsLinks Weekly")
    subscription = Subscription.objects.create(newsletter=newsletter, email="ada@example.com")
    token = subscriptions.confirm_token_make(subscription=subscription)
    caught_up()

    with queries_by_alias() as seen:
        response = Client().get(f"/newsletters/confirm/{token}/")

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert response.status_code in (200, 302)
    assert PIN_COOKIE in response.cookies
    first_write = next(i for i, (_, sql) in enumerate(seen) if sql.startswith("UPDATE"))
    assert {alias for alias, _ in seen[first_write:]} == {"default"}


# --- A replica that is down or behind ------------------------------------------------------------


def test_a_replica_that_does_not_answer_is_skipped_with_a_warning(client, settings, caplog):
    PostFactory(title="Served by the primary")
    settings.DATABASE_REPLICAS = [DOWN]

    with caplog.at_level(logging.WARNING):
        with queries_by_alias() as seen:
            first = client.get("/")
            second = client.get("/newest/")
        ready = client.get("/readyz")

    assert first.status_code == second.status_code == 200
    assert "Served by the primary" in first.content.decode()
    assert reads(seen) == {"default"}
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.replicas"]
    assert len(warnings) == 1, warnings  # once per period, not per request
    assert warnings[0].startswith(f"replica {DOWN} skipped, reading from the primary")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"][DOWN]["status"] == "unavailable: OperationalError"
    print(f"\nreplica down: 200 from the primary, warning: {warnings[0]}")


def test_a_replica_that_goes_away_between_checks_is_skipped_at_connection(client, settings):
    PostFactory(title="Still served")
    settings.DATABASE_REPLICAS = [FLAKY]
    caught_up()
    flaky = connections[FLAKY]
    port = flaky.settings_dict["PORT"]

    with queries_by_alias() as healthy:
        assert client.get("/").status_code == 200  # checked, usable, read
    flaky.close()
    # It stops answering: its good check is still fresh, so the next request finds out only
    # when it connects.
    flaky.settings_dict["PORT"] = str(free_port())
    try:
        with queries_by_alias() as fallen_back:
            response = client.get("/")
    finally:
        flaky.settings_dict["PORT"] = port

    assert reads(healthy) == {FLAKY}
    assert response.status_code == 200
    assert "Still served" in response.content.decode()
    assert reads(fallen_back) == {"default"}


def test_a_replica_that_fails_in_the_middle_of_a_request_is_answered_from_the_primary(
    client, caplog
):
    PostFactory(title="Answered after all")
    caught_up()

    def dies_after_its_check(execute, sql, params, many, context):
        if sql == LAG_SQL:
            return execute(sql, params, many, context)  # its check passes, then it goes away
        raise OperationalError("server closed the connection unexpectedly")

    with (
        caplog.at_level(logging.WARNING),
        queries_by_alias() as seen,  # outside the failure, so it sees the failed read too
        connections[REPLICA].execute_wrapper(dies_after_its_check),
    ):
        response = client.get("/")

    assert response.status_code == 200
    assert "Answered after all" in response.content.decode()
    assert reads(seen) == {REPLICA, "default"}  # tried on the replica, answered by the primary
    assert [r.levelname for r in caplog.records if r.name == "django.request"] == []  # no 500
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.replicas"]
    assert warnings
    assert "unavailable: OperationalError" in warnings[0]
    # Skipped until its next check, which finds it back.
    assert replica_states()[REPLICA].status == "unavailable: OperationalError"
    print(f"\nreplica failing mid-request: 200 from the primary, warning: {warnings[0]}")


def test_a_replica_behind_the_lag_limit_is_skipped(client, settings, caplog):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = -1  # even a replica 0 s behind is too far

    with caplog.at_level(logging.WARNING), queries_by_alias() as seen:
        response = client.get("/")
    ready = client.get("/readyz").json()

    assert response.status_code == 200
    assert reads(seen) == {"default"}
    assert "lagging" in caplog.text
    assert ready["status"] == "degraded"
    assert ready["checks"][REPLICA]["status"] == "lagging"
    assert ready["checks"][REPLICA]["lag_seconds"] >= 0


# --- Outside requests, and the router's rules ----------------------------------------------------


def test_tasks_and_code_outside_requests_read_the_primary():
    PostFactory()
    caught_up()

    with queries_by_alias() as outside:
        assert Post.objects.count() == 1  # a management command, the shell, a worker
    with replica_reads(eligible=True), queries_by_alias() as eager_task:
        outbox_sweep.apply()  # a task run eagerly inside an anonymous GET
    with replica_reads(eligible=True), queries_by_alias() as in_request:
        Post.objects.count()

    assert reads(outside) == {"default"}
    assert eager_task
    assert reads(eager_task) == {"default"}
    assert reads(in_request) == {REPLICA}


def test_router_rules_round_robin_over_two_replicas(client, settings):
    settings.DATABASE_REPLICAS = [REPLICA, TWO]
    PostFactory()
    caught_up()
    router = ReplicaRouter()

    picked = []
    for _ in range(4):
        with queries_by_alias() as seen:
            client.get("/")
        assert len(reads(seen)) == 1  # one replica for all of a request's reads
        picked.extend(reads(seen))
    assert in_recovery(TWO)

    assert picked[0] != picked[1]
    assert picked[:2] == picked[2:]
    assert set(picked) == {REPLICA, TWO}
    assert router.allow_migrate("default", "posts") is True
    assert router.allow_migrate(REPLICA, "posts") is False
    assert router.db_for_write(Post) == "default"
    with replica_reads(eligible=False):
        assert router.db_for_read(Post) == "default"
    with replica_reads(eligible=True), primary_reads():
        assert router.db_for_read(Post) == "default"
    from_replica = Post.objects.using(REPLICA).get()
    from_primary = Post.objects.using("default").get()
    assert router.allow_relation(from_replica, from_primary.author) is True


# --- Readiness and metrics -----------------------------------------------------------------------


def test_readyz_and_metrics_report_each_replica_and_its_lag(client):
    caught_up()

    ready = client.get("/readyz")
    metrics = client.get("/metrics").content.decode()

    assert ready.status_code == 200
    body = ready.json()
    assert body["checks"][REPLICA]["status"] == "ok"
    assert 0 <= body["checks"][REPLICA]["lag_seconds"] < 60
    assert re.search(rf'faun_database_replica_lag_seconds{{replica="{REPLICA}"}} \d', metrics)
    assert f'faun_database_replica_usable{{replica="{REPLICA}"}} 1.0' in metrics
    print(f"\n/readyz {REPLICA}: {body['checks'][REPLICA]}")
