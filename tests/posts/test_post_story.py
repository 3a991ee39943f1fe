"""The parts of a post page the seed page has beyond the TL;DR: the lead, the quoted source and
the key entities, through the submit form, the post page, the API and the feeds."""

from __future__ import annotations

import json

import feedparser
import pytest

from posts.models import Post
from tests.posts.factories import PostFactory, TagFactory
from tests.posts.test_posting_views import errors, form_data, html

pytestmark = pytest.mark.django_db

LEAD = "Rust is no longer an experiment in the kernel: it is here to stay."


@pytest.fixture
def tags():
    return [TagFactory(slug=slug) for slug in ("rust", "linux")]


def api_submit(client, payload):
    return client.post("/api/v1/posts/", json.dumps(payload), content_type="application/json")


def api_payload(**overrides):
    payload = {
        "url": "https://lwn.example/articles/1",
        "title": "Rust is no longer an experiment",
        "tags": ["rust"],
        "body": "Merged in **6.1**.",
    }
    payload.update(overrides)
    return payload


# The lead.


def test_the_lead_shows_under_the_byline_and_describes_the_page(member_client, tags):
    response = member_client.post("/submit/", form_data(lead=f"  {LEAD}  "))
    post = Post.objects.get()
    assert response.status_code == 302
    assert post.lead == LEAD
    page = html(member_client.get(post.get_absolute_url()))
    header = page.split('<header class="post-page__header">')[1].split("</header>")[0]
    assert f'<p class="post-page__lead">{LEAD}</p>' in header
    assert f'<meta name="description" content="{LEAD}">' in page
    assert f'<meta property="og:description" content="{LEAD}">' in page


def test_without_a_lead_the_description_is_the_first_tldr_line(client):
    post = PostFactory(tldr=["First point.", "Second point."])
    page = html(client.get(post.get_absolute_url()))
    assert 'class="post-page__lead"' not in page
    assert '<meta property="og:description" content="First point.">' in page


@pytest.mark.parametrize(
    ("lead", "message"),
    [
        ("x" * 281, "280 characters"),
        ("Two\nlines.", "Keep this to one line."),
        ("A bell\x07.", "U+0007"),
    ],
)
def test_a_lead_too_long_or_with_control_characters_is_refused(member_client, tags, lead, message):
    response = member_client.post("/submit/", form_data(lead=lead))
    assert response.status_code == 400
    assert any(message in text for text in errors(response)["lead"])
    assert not Post.objects.exists()
    response = api_submit(member_client, api_payload(lead=lead))
    assert response.status_code == 400
    assert any(message in text for text in response.json()["error"]["fields"]["lead"])


def test_the_preview_and_the_edit_form_carry_the_lead(member_client, tags):
    page = html(member_client.post("/submit/", form_data("preview", lead=LEAD)))
    assert f'<p class="post-page__lead">{LEAD}</p>' in page
    member_client.post("/submit/", form_data(lead=LEAD))
    post = Post.objects.get()
    page = html(member_client.get(f"/p/{post.short_id}/-/edit/"))
    assert f'value="{LEAD}"' in page
    member_client.post(f"/p/{post.short_id}/-/edit/", form_data(lead="A new lead."))
    post.refresh_from_db()
    assert post.lead == "A new lead."


def test_the_api_reads_and_writes_the_lead(member_client, tags):
    response = api_submit(member_client, api_payload(lead=LEAD))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lead"] == LEAD
    listed = member_client.get("/api/v1/posts/").json()["results"]
    assert listed[0]["lead"] == LEAD
    response = member_client.patch(
        f"/api/v1/posts/{body['id']}/", {"lead": ""}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["lead"] == ""
    assert Post.objects.get().lead == ""


def test_feeds_open_the_item_with_the_lead(client):
    PostFactory(lead="Fish & <chips> for everyone.", tldr=["One."])
    for url in ("/feeds/newest.rss", "/feeds/newest.atom"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo
        summary = parsed.entries[0].summary
        assert summary.startswith("<p><em>Fish &amp; &lt;chips&gt; for everyone.</em></p>")


def test_search_finds_a_post_by_its_lead(client):
    PostFactory(title="Kernel news", lead="The scheduler got a zebra mode.")
    PostFactory(title="Other news")
    page = client.get("/search?q=zebra")
    assert [post.title for post in page.context["page"].items] == ["Kernel news"]
