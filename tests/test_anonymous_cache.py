"""Anonymous pages are shared from the cache; anything personal never is."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tokens import api_token_create
from core.replicas import PIN_COOKIE
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.ANONYMOUS_CACHE_SECONDS = 30


def test_second_anonymous_request_is_served_from_cache_without_queries(client):
    PostFactory(title="Cached story")
    first = client.get("/")
    assert first["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/")
    assert second["X-Cache"] == "hit"
    assert len(ctx.captured_queries) == 0
    assert "Cached story" in second.content.decode()
    assert "max-age=30" in second["Cache-Control"]


def test_a_visitors_search_is_shared_and_a_members_is_not(client):
    PostFactory(title="Kubernetes autoscaling in practice")
    assert client.get("/search?q=kubernetes")["X-Cache"] == "miss"
    hit = client.get("/search?q=kubernetes")
    assert hit["X-Cache"] == "hit"
    assert "autoscaling" in hit.content.decode()
    assert client.get("/search?q=autoscaling")["X-Cache"] == "miss"  # another query, its own
    client.force_login(UserFactory())
    assert "X-Cache" not in client.get("/search?q=kubernetes")


def test_cached_api_list_still_answers_conditional_requests(client):
    PostFactory()
    etag = client.get("/api/v1/posts/")["ETag"]
    again = client.get("/api/v1/posts/", headers={"if-none-match": etag})
    assert again.status_code == 304


def test_logged_in_readers_and_token_holders_bypass_the_cache(client):
    PostFactory()
    client.get("/")
    user = UserFactory()
    client.force_login(user)
    response = client.get("/")
    assert "X-Cache" not in response
    assert user.username in response.content.decode()
    client.logout()
    token = api_token_create(user=user, name="t", scope="read").secret
    response = client.get("/api/v1/posts/", headers={"authorization": f"Bearer {token}"})
    assert "X-Cache" not in response


def test_a_visitor_who_just_wrote_bypasses_the_cache_until_the_pin_ends(client):
    PostFactory()
    assert client.get("/")["X-Cache"] == "miss"
    client.cookies[PIN_COOKIE] = f"{time.time() + 5:.3f}"  # set by a write when replicas are on
    assert "X-Cache" not in client.get("/")
    del client.cookies[PIN_COOKIE]
    assert client.get("/")["X-Cache"] == "hit"


def test_personal_and_non_get_responses_are_never_cached(client):
    assert "X-Cache" not in client.get("/api/v1/me/")
    assert "X-Cache" not in client.post("/api/v1/posts/", {}, content_type="application/json")
    assert "X-Cache" not in client.get("/no/such/page/")  # 404s are not kept


def test_cache_off_by_setting(client, settings):
    settings.ANONYMOUS_CACHE_SECONDS = 0
    client.get("/")
    assert "X-Cache" not in client.get("/")
