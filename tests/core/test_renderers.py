"""The API in a browser: a GET asked for as HTML is DRF's browsable page, read-only, with the
JSON shown; JSON clients and writes are as before (docs/api.md#in-a-browser)."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tokens import api_token_create
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db

# What Chromium and Firefox send when the address bar opens a URL.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
XSS = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def shown_json(response) -> object:
    """The JSON the browsable page shows in its response panel."""
    body = response.content.decode()
    panel = re.search(r'<div class="response-info"[^>]*>\s*<pre[^>]*>(.*?)</pre>', body, re.S)
    assert panel, body[:2000]
    text = re.sub(r"<[^>]+>", "", panel.group(1))  # urlize's links and the header markup
    return json.loads(html.unescape(text[text.index("\n\n") :]))


def test_a_browser_gets_the_browsable_page_with_the_json_shown(client):
    post = PostFactory(title=XSS)
    for accept in ("text/html", BROWSER):  # text/html alone was a 406
        response = client.get("/api/v1/posts/", headers={"accept": accept})
        assert response.status_code == 200, accept
        assert response["Content-Type"].startswith("text/html"), accept
    as_json = client.get("/api/v1/posts/", headers={"accept": "application/json"}).json()
    assert shown_json(response) == as_json
    assert as_json["results"][0]["id"] == post.short_id
    body = response.content.decode()
    assert "<script>alert" not in body  # the JSON is shown as escaped text
    assert "<img src=x" not in body
    assert "Accept" in response["Vary"]  # caches keep the two apart


def test_the_browsable_page_offers_no_form_and_sets_no_cookie(client):
    PostFactory()
    user = UserFactory()
    for logged_in in (False, True):
        if logged_in:
            client.force_login(user)  # a writer, who could submit with the API
        response = client.get("/api/v1/posts/", headers={"accept": BROWSER})
        body = response.content.decode()
        assert response.status_code == 200
        assert "<form" not in body.replace('<form id="get-form"', "")
        assert "<textarea" not in body
        assert 'name="csrfmiddlewaretoken"' not in body
        assert "csrftoken" not in response.cookies
        assert "csrfToken" not in body


def test_every_read_endpoint_has_its_page_and_errors_keep_their_status(client):
    post = PostFactory()
    for url in (f"/api/v1/posts/{post.short_id}/", "/api/v1/tags/", "/api/v1/search/?q=x"):
        response = client.get(url, headers={"accept": BROWSER})
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
    missing = client.get("/api/v1/posts/nope/", headers={"accept": BROWSER})
    assert missing.status_code == 404
    assert shown_json(missing)["error"]["code"] == "not_found"
    bad = client.get("/api/v1/posts/?cursor=garbage", headers={"accept": BROWSER})
    assert bad.status_code == 400
    assert "cursor" in shown_json(bad)["error"]["fields"]


def test_json_clients_and_writes_are_unchanged(client):
    PostFactory()
    for accept in (None, "application/json", "*/*"):
        headers = {"accept": accept} if accept else {}
        response = client.get("/api/v1/posts/", headers=headers)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
    # A write asked for as HTML only is refused as before: pages are for reading.
    user = UserFactory()
    token = api_token_create(user=user, name="t", scope="write").secret
    refused = client.post(
        "/api/v1/posts/",
        {"title": "x"},
        content_type="application/json",
        headers={"accept": "text/html", "authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 406
    assert refused.json()["error"]["code"] == "not_acceptable"
    # A browser's own Accept still gets JSON back from a write (its */* names it).
    answered = client.post(
        "/api/v1/posts/",
        {},
        content_type="application/json",
        headers={"accept": BROWSER, "authorization": f"Bearer {token}"},
    )
    assert answered.status_code == 400
    assert answered["Content-Type"] == "application/json"
    # Session writes still need the CSRF token.
    client.force_login(user)
    csrf = type(client)(enforce_csrf_checks=True)
    csrf.force_login(user)
    no_token = csrf.post("/api/v1/posts/", {}, content_type="application/json")
    assert no_token.status_code == 403


def test_the_page_cache_keeps_html_and_json_apart(client, settings):
    settings.ANONYMOUS_CACHE_SECONDS = 30
    PostFactory()
    page = client.get("/api/v1/posts/", headers={"accept": BROWSER})
    data = client.get("/api/v1/posts/", headers={"accept": "application/json"})
    assert page["X-Cache"] == data["X-Cache"] == "miss"  # two entries, the page one shared too
    with CaptureQueriesContext(connection) as ctx:
        page_again = client.get("/api/v1/posts/", headers={"accept": BROWSER})
        data_again = client.get("/api/v1/posts/", headers={"accept": "application/json"})
    assert len(ctx.captured_queries) == 0
    assert page_again["Content-Type"].startswith("text/html")
    assert data_again["Content-Type"] == "application/json"
    assert page_again.content == page.content
    assert data_again.content == data.content
