"""Social cards: every post page names a 1200x630 PNG as its og:image, drawn once per version of
the post by a task queued on commit, served with long cache headers, the site-wide card standing
in until it exists."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from posts import cards
from posts.models import Post
from posts.services.cards import post_card_generate
from posts.tasks import post_render_card
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory
from tests.posts.test_posting_views import form_data

pytestmark = pytest.mark.django_db


def meta(page: str, attribute: str, name: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    assert found, name
    return found.group(1)


def png_size(response) -> tuple[int, int]:
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "PNG"
    return image.size


def card_path(page: str) -> str:
    url = meta(page, "property", "og:image")
    return url.removeprefix("https://faun.example")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://faun.example"


def test_the_post_page_names_an_absolute_versioned_card_and_a_large_twitter_card(client):
    post = PostFactory(title="Rust is here to stay", key_facts=[("6.1", "Kernel version.")])
    page = client.get(post.get_absolute_url(), HTTP_HOST="127.0.0.1").content.decode()
    image = meta(page, "property", "og:image")
    pattern = rf"https://faun\.example/p/{post.short_id}/card\.png\?v=[0-9a-f]{{16}}"
    assert re.fullmatch(pattern, image)
    assert meta(page, "name", "twitter:card") == "summary_large_image"
    assert meta(page, "name", "twitter:image") == image
    assert meta(page, "property", "og:image:width") == "1200"
    assert meta(page, "property", "og:image:height") == "630"
    # Absolute from SITE_URL, whatever Host the request came with.
    absolute = f"https://faun.example{post.get_absolute_url()}"
    assert meta(page, "property", "og:url") == absolute
    assert f'<link rel="canonical" href="{absolute}">' in page


def test_a_submitted_post_gets_its_card_drawn_on_commit_and_served_for_good(
    member_client, django_capture_on_commit_callbacks
):
    TagFactory(slug="rust")
    TagFactory(slug="linux")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post("/submit/", form_data())
    assert response.status_code == 302
    post = Post.objects.get()
    page = member_client.get(post.get_absolute_url()).content.decode()
    url = card_path(page)
    version = url.rsplit("=", 1)[1]
    assert default_storage.exists(f"cards/{post.short_id}/{version}.png")
    response = member_client.get(url)
    assert response.status_code == 200
    assert png_size(response) == (1200, 630)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{version}"'
    again = member_client.get(url, HTTP_IF_NONE_MATCH=f'"{version}"')
    assert again.status_code == 304


def test_an_edit_draws_a_new_card_and_drops_the_old_one(
    member_client, django_capture_on_commit_callbacks
):
    TagFactory(slug="rust")
    TagFactory(slug="linux")
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/submit/", form_data())
    post = Post.objects.get()
    old = card_path(member_client.get(post.get_absolute_url()).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(f"/p/{post.short_id}/-/edit/", form_data(title="Rust, renamed"))
    post.refresh_from_db()
    new = card_path(member_client.get(post.get_absolute_url()).content.decode())
    assert new != old
    assert default_storage.listdir(f"cards/{post.short_id}")[1] == [f"{new.rsplit('=', 1)[1]}.png"]
    # The old address still answers, with the current card and a short cache.
    response = member_client.get(old)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"


def test_until_a_card_is_drawn_the_site_wide_card_stands_in_and_drawing_is_queued(
    client, django_capture_on_commit_callbacks
):
    post = PostFactory()
    url = card_path(client.get(post.get_absolute_url()).content.decode())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(url)
    assert png_size(response) == (1200, 630)
    assert response["Cache-Control"] == "public, max-age=300"
    assert len(queued) == 1
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.get(url)
    assert queued == []  # queued once per version, not once per request
    assert post_render_card(post.pk) == "stored"
    response = client.get(url)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_removed_posts_show_the_site_wide_card_and_unknown_ones_are_404(client):
    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
    page = client.get(post.get_absolute_url()).content.decode()
    assert meta(page, "property", "og:image") == "https://faun.example/card.png"
    response = client.get(f"/p/{post.short_id}/card.png")
    assert png_size(response) == (1200, 630)
    assert client.get("/card.png").status_code == 200
    assert client.get("/p/nope/card.png").status_code == 404
    assert client.post(f"/p/{post.short_id}/card.png").status_code == 405


def test_the_task_draws_once_per_version():
    channel = ChannelFactory(handle="devopslinks")
    post = PostFactory(
        channel=channel,
        author=ChannelMembershipFactory(channel=channel).user,
        key_facts=[("173", "Names in the original pull request's credits.")],
    )
    assert post_render_card(post.pk) == "stored"
    assert post_render_card(post.pk) == "exists"
    assert post_card_generate(post_id=0) == "skipped"


def test_cards_fit_long_titles_and_fall_back_to_pillows_font(monkeypatch):
    text = cards.CardText(
        site="faun",
        title="An extraordinarily long title " * 8 + "Supercalifragilistic" * 5,
        byline="@devopslinks",
        figure="12345678901234567890",
        figure_label="A long description of what the number measures, " * 4,
    )
    assert Image.open(io.BytesIO(cards.card_render(text))).size == (1200, 630)
    monkeypatch.setattr(cards, "FONT_DIR", cards.Path("/nonexistent"))
    cards.font.cache_clear()
    try:
        image = Image.open(io.BytesIO(cards.card_render(text)))
    finally:
        cards.font.cache_clear()
    assert image.size == (1200, 630)
    assert text.version() != cards.CardText(site="faun", title=text.title).version()
