"""Personal API tokens: created on the settings page and shown once, stored hashed, revoked at
once, and refused by the API after revocation."""

from __future__ import annotations

import re

import pytest

from accounts.models import ApiToken
from accounts.tokens import MAX_ACTIVE_TOKENS, api_token_create, token_hash
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def create(client, **data):
    return client.post("/settings/tokens/", {"name": "feed reader", "scope": "read", **data})


def test_settings_page_links_to_tokens(client):
    client.force_login(UserFactory())
    assert 'href="/settings/tokens/"' in client.get("/settings/").content.decode()


def test_token_is_shown_once_and_stored_only_as_a_hash(client):
    user = UserFactory()
    client.force_login(user)
    response = create(client, scope="write")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'value="(faun_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == token_hash(secret)
    assert secret not in {token.name, token.prefix, token.token_hash}
    assert token.scope == "write"
    listing = client.get("/settings/tokens/").content.decode()
    assert "feed reader" in listing
    assert secret not in listing
    assert f"faun_{token.prefix}_…" in listing
    me = client.get("/api/v1/me/", headers={"authorization": f"Bearer {secret}"})
    assert me.json()["username"] == user.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert (
        "just now</time>" in client.get("/settings/tokens/").content.decode()
    )  # not "0 minutes ago"


def test_revoking_stops_the_token_at_once(client):
    user = UserFactory()
    client.force_login(user)
    issued = api_token_create(user=user, name="ci", scope="read")
    response = client.post(f"/settings/tokens/{issued.token.pk}/revoke/", follow=True)
    assert "Token revoked" in response.content.decode()
    client.logout()
    me = client.get("/api/v1/me/", headers={"authorization": f"Bearer {issued.secret}"})
    assert me.status_code == 401


def test_nobody_revokes_someone_elses_token(client):
    owner = UserFactory()
    issued = api_token_create(user=owner, name="mine", scope="read")
    client.force_login(UserFactory())
    response = client.post(f"/settings/tokens/{issued.token.pk}/revoke/", follow=True)
    assert "does not exist or was already revoked" in response.content.decode()
    issued.token.refresh_from_db()
    assert issued.token.is_active


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 61}, "at most 60"),
        ({"scope": "admin"}, "Select a valid choice"),
    ],
)
def test_bad_token_forms_say_what_is_wrong_and_create_nothing(client, data, message):
    client.force_login(UserFactory())
    response = create(client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_token_limit(client):
    user = UserFactory()
    client.force_login(user)
    for index in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=user, name=f"t{index}", scope="read")
    response = create(client)
    assert response.status_code == 400
    assert "at most" in response.content.decode()


def test_tokens_page_needs_log_in(client):
    response = client.get("/settings/tokens/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.post("/settings/tokens/1/revoke/").status_code == 302


def test_settings_page_links_to_following(client):
    client.force_login(UserFactory())
    html = client.get("/settings/").content.decode()
    assert 'href="/following/"' in html
    assert 'href="/my/"' in html
