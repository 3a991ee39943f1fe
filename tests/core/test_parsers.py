"""JSON nested too deeply for Python's parser is a 400 with the API's error body, not a 500."""

from __future__ import annotations

import pytest

from accounts.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(member):
    token = api_token_create(user=member, name="parser", scope="write").secret
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000, '{"tags": ' + "[" * 50_000])
def test_deeply_nested_json_is_a_parse_error(client, bearer, body):
    response = client.post("/api/v1/posts/", body, content_type="application/json", headers=bearer)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "parse_error",
            "message": "JSON parse error - the JSON is nested too deeply.",
        }
    }


def test_nesting_json_allows_is_still_parsed(client, bearer):
    body = '{"title": "x", "tags": ' + "[" * 50 + "]" * 50 + "}"
    response = client.post("/api/v1/posts/", body, content_type="application/json", headers=bearer)
    assert response.status_code == 400
    assert "tags" in response.json()["error"]["fields"]  # a field error: the body was read
