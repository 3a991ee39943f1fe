"""Every response carries the Content-Security-Policy (django-csp, faun/settings.py) and the
Permissions-Policy (faun/middleware.py); no template needs inline script or style, and the API docs
widen only what their bundles need (docs/operations.md#security-headers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import include, path

from tests.newsletters.factories import NewsletterFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"

ANONYMOUS_PAGES = [
    "/",
    "/newest/",
    "/top/",
    "/t/",
    "/t/kernel/",
    "/channels/",
    "/@devopslinks/",
    "/@devopslinks/newsletter/",
    "/u/ada/",
    "/search?q=scheduler",
    "/signup/",
    "/login/",
    "/password/reset/",
    "/admin/login/",
    "/feeds/home.rss",
    "/api/v1/posts/",
    "/api/schema/",
    "/healthz",
    "/manifest.webmanifest",
    "/no-such-page/",
]
MEMBER_PAGES = ["/", "/submit/", "/settings/", "/settings/tokens/", "/my/", "/saved/"]


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_site_policy(response) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def assert_permissions_policy(response) -> None:
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"):
        assert features[feature] == "()", feature


@pytest.fixture
def site():
    channel = ChannelFactory(handle="devopslinks")
    NewsletterFactory(channel=channel)
    post = PostFactory(
        title="A new CPU scheduler lands",
        author__username="ada",
        channel=channel,
        tags=[TagFactory(slug="kernel")],
    )
    return post


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_every_anonymous_page_carries_both_policies(client, site, url):
    response = client.get(url)
    assert response.status_code in (200, 404), url
    assert_site_policy(response)
    assert_permissions_policy(response)


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_every_member_page_carries_both_policies(member_client, site, url):
    response = member_client.get(url)
    assert response.status_code == 200, url
    assert_site_policy(response)
    assert_permissions_policy(response)


def test_post_page_and_form_errors_carry_both_policies(member_client, site):
    for response in (
        member_client.get(site.get_absolute_url()),
        member_client.post("/submit/", {"title": ""}),  # the form again, with its errors
    ):
        assert response.status_code in (200, 400)
        assert_site_policy(response)
        assert_permissions_policy(response)


def test_pages_from_the_anonymous_cache_carry_both_policies(client, site, settings):
    settings.ANONYMOUS_CACHE_SECONDS = 30
    client.get("/")
    cached = client.get("/")
    assert cached["X-Cache"] == "hit"
    assert_site_policy(cached)
    assert_permissions_policy(cached)


def test_swagger_ui_runs_its_start_up_script_from_this_origin(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    csp = policy(page)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]  # Swagger UI's icons
    assert_permissions_policy(page)
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert "<style" not in html
    script = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', html)
    assert script, html
    start_up = client.get(script.group(1).replace("&amp;", "&"))
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    script_text = start_up.content.decode()
    assert "SwaggerUIBundle(" in script_text
    # No validator badge: it would load an image from validator.swagger.io.
    assert '"validatorUrl": null' in script_text


def test_redoc_widens_styles_and_workers_but_never_scripts(client):
    page = client.get("/api/redoc/")
    assert page.status_code == 200
    csp = policy(page)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # styled-components
    assert csp["worker-src"] == ["blob:"]  # the search index's worker
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert "<style" not in html
    assert "fonts.googleapis.com" not in html  # nothing from another origin


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash), path("", include("faun.urls"))]


@pytest.mark.urls(__name__)
def test_server_error_page_is_styled_without_inline_style(client):
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    assert_site_policy(response)
    assert_permissions_policy(response)
    html = response.content.decode()
    assert "<style" not in html
    assert 'href="/static/css/error.css"' in html
    assert finders.find("css/error.css")


# A template with one of these would be refused by the policy in every browser.
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE),
    "event handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_page_template_has_inline_script_or_style():
    # Emails are not pages: mail clients need inline styles and apply no CSP.
    found = [
        f"{template.relative_to(TEMPLATES)}: {what}"
        for template in TEMPLATES.rglob("*.html")
        if "emails" not in template.relative_to(TEMPLATES).parts
        for what, pattern in INLINE.items()
        if pattern.search(template.read_text())
    ]
    assert found == []
