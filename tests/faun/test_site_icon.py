"""The site icon: /favicon.ico answers, every page names its icons and a web app manifest, and
in production both point at the hashed static files (docs/pages.md#site)."""

from __future__ import annotations

import json

import html5lib
import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def static_path(url: str) -> str:
    assert url.startswith("/static/"), url
    return url.removeprefix("/static/")


def test_favicon_ico_answers_with_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert finders.find(static_path(response["Location"]))
    assert response["Location"].endswith(".ico")
    assert client.head("/favicon.ico").status_code == 302
    assert client.post("/favicon.ico").status_code == 405


def test_pages_name_an_svg_icon_and_a_manifest_with_name_icons_and_colors(client):
    document = html5lib.parse(client.get("/").content.decode(), namespaceHTMLElements=False)
    links = {
        (link.get("rel"), link.get("type")): link.get("href")
        for link in document.iter("link")
        if link.get("rel") in {"icon", "manifest", "apple-touch-icon"}
    }
    svg = links[("icon", "image/svg+xml")]
    assert finders.find(static_path(svg))
    assert finders.find(static_path(links[("apple-touch-icon", None)]))
    manifest_response = client.get(links[("manifest", None)])
    assert manifest_response.status_code == 200
    assert manifest_response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(manifest_response.content)
    assert manifest["name"].startswith("faun")
    assert manifest["short_name"] == "faun"
    assert manifest["start_url"] == "/"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"any", "192x192", "512x512"}
    assert svg in [icon["src"] for icon in manifest["icons"]]
    for icon in manifest["icons"]:
        assert finders.find(static_path(icon["src"])), icon
    assert "manifest-src 'self'" in manifest_response["Content-Security-Policy"]


PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def test_in_production_the_icons_are_the_hashed_static_files(client, settings, tmp_path):
    paths = {
        name: name.replace(".", ".0123456789ab.")
        for name in ("icons/favicon.ico", "icons/faun.svg", "icons/faun-192.png")
    }
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1"}))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = PRODUCTION_STORAGES
    assert client.get("/favicon.ico")["Location"] == "/static/icons/favicon.0123456789ab.ico"
    icons = [icon["src"] for icon in client.get("/manifest.webmanifest").json()["icons"]]
    assert "/static/icons/faun.0123456789ab.svg" in icons
    # A file the manifest lacks falls back to its plain name (collectstatic keeps it too): no 500.
    assert "/static/icons/faun-512.png" in icons
