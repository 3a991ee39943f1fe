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


# The quoted source.

QUOTE = "But the experiment is done, i.e. **Rust is here to stay**.\n\n<script>alert(1)</script>"


def quote_form(**overrides):
    data = {
        "quote": QUOTE,
        "quote_source": "lore.kernel.org",
        "quote_url": "https://lore.kernel.example/rust/1",
    }
    data.update(overrides)
    return form_data(**data)


def test_the_quote_is_rendered_as_an_attributed_blockquote_and_sanitized(member_client, tags):
    response = member_client.post("/submit/", quote_form())
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.quote_source == "lore.kernel.org"
    page = html(member_client.get(post.get_absolute_url()))
    figure = page.split('<figure class="quote"')[1].split("</figure>")[0]
    assert '<blockquote cite="https://lore.kernel.example/rust/1">' in figure
    assert "<strong>Rust is here to stay</strong>" in figure
    assert "<script>" not in figure
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in figure
    caption = figure.split("<figcaption>")[1].split("</figcaption>")[0]
    assert '<a href="https://lore.kernel.example/rust/1" rel="nofollow noopener">' in caption
    assert "<cite>lore.kernel.org</cite>" in caption
    assert figure.index("</blockquote>") < figure.index("<figcaption>")


def test_a_quote_without_a_link_names_its_source_only(member_client, tags):
    member_client.post("/submit/", quote_form(quote_url=""))
    page = html(member_client.get(Post.objects.get().get_absolute_url()))
    figure = page.split('<figure class="quote"')[1].split("</figure>")[0]
    assert "<blockquote>" in figure
    assert "<cite>lore.kernel.org</cite>" in figure
    assert "<a " not in figure.split("<figcaption>")[1]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quote_source": ""}, "quote_source", "Say where the quote was published"),
        ({"quote": ""}, "quote", "Add the quoted text"),
        ({"quote": "", "quote_source": ""}, "quote", "Add the quoted text"),
        ({"quote_url": "javascript:alert(1)"}, "quote_url", "Only http:// and https://"),
        ({"quote": "x" * 5001}, "quote", "5000 characters"),
        ({"quote_source": "lore\nkernel"}, "quote_source", "Keep this to one line."),
        ({"quote": "a\x00b"}, "quote", "U+0000"),
    ],
)
def test_a_quote_must_be_attributed_and_well_formed(member_client, tags, overrides, field, message):
    response = member_client.post("/submit/", quote_form(**overrides))
    assert response.status_code == 400
    assert any(message in text for text in errors(response)[field]), errors(response)
    assert not Post.objects.exists()


def test_the_preview_shows_the_quote(member_client, tags):
    page = html(member_client.post("/submit/", quote_form(action="preview")))
    assert '<blockquote cite="https://lore.kernel.example/rust/1">' in page
    assert not Post.objects.exists()


def test_the_api_reads_and_writes_the_quote(member_client, tags):
    quote = {"text": "Rust is *here*.", "source": "lore.kernel.org"}
    response = api_submit(member_client, api_payload(quote=quote))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["quote"] == {
        "text": "Rust is *here*.",
        "html": "<p>Rust is <em>here</em>.</p>\n",
        "source": "lore.kernel.org",
        "url": "",
    }
    url = f"/api/v1/posts/{body['id']}/"
    response = member_client.patch(url, {"title": "Renamed"}, content_type="application/json")
    assert response.json()["quote"]["source"] == "lore.kernel.org"  # PATCH keeps what it omits
    response = member_client.patch(url, {"quote": None}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["quote"] is None
    assert Post.objects.get().quote_html == ""
    response = api_submit(member_client, api_payload(url="", quote={"text": "Alone."}))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["quote"] == ["source: This field is required."]


def test_the_database_refuses_a_quote_without_its_source():
    from django.db import IntegrityError, transaction

    post = PostFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(quote="Unattributed.")


def test_feeds_carry_the_quote_after_the_body(client):
    PostFactory(quote="Here **to stay**.", quote_source="lore.kernel.org", quote_url="")
    for url in ("/feeds/newest.rss", "/feeds/newest.atom"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo
        summary = parsed.entries[0].summary
        assert "<blockquote" in summary
        assert "<strong>to stay</strong>" in summary
        assert "— lore.kernel.org" in summary
