"""The parts of a post page the seed page has beyond the TL;DR: the lead, the quoted source and
the key entities, through the submit form, the post page, the API and the feeds."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from posts.models import Entity, Post
from posts.services.entities import entity_get_or_create
from tests.posts.factories import EntityFactory, PostFactory, TagFactory
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


# Key entities.


def entity_errors(response) -> list[str]:
    """The messages on the key entity rows, from the form and from the service."""
    editor = response.context["editor"]
    messages = list(editor.entities.non_form_errors()) + editor.extra_errors.get("entities", [])
    for form in editor.entities.forms:
        messages += [m for errs in form.errors.values() for m in errs]
    return messages


def entity_rows(*rows):
    """Form fields for the key entity rows: (name, kind, role) each."""
    data = {"entities-TOTAL_FORMS": str(max(3, len(rows))), "entities-INITIAL_FORMS": "0"}
    for index, (name, kind, role) in enumerate(rows):
        data |= {
            f"entities-{index}-name": name,
            f"entities-{index}-kind": kind,
            f"entities-{index}-role": role,
        }
    return data


def test_entities_match_existing_ones_in_any_case_and_create_new_ones(member_client, tags):
    rust = EntityFactory(name="Rust", kind=Entity.Kind.TECHNOLOGY)
    data = form_data(
        **entity_rows(
            ("Miguel Ojeda", "person", "Author of the patch."),
            ("RUST", "", "The language, now permanent."),
            ("Maintainers Summit 2025", "event", "Where the experiment was concluded."),
        )
    )
    response = member_client.post("/submit/", data)
    assert response.status_code == 302, errors(response)
    post = Post.objects.get()
    rows = list(post.entity_rows.select_related("entity"))
    assert [(r.entity.name, r.entity.kind, r.role) for r in rows] == [
        ("Miguel Ojeda", "person", "Author of the patch."),
        ("Rust", "technology", "The language, now permanent."),
        ("Maintainers Summit 2025", "event", "Where the experiment was concluded."),
    ]
    assert rows[1].entity == rust
    assert Entity.objects.count() == 3
    assert rows[0].entity.slug == "miguel-ojeda"
    page = html(member_client.get(post.get_absolute_url()))
    section = page.split('<section class="key-entities"')[1].split("</section>")[0]
    assert '<a href="/e/rust/">Rust</a> <span class="key-entity__kind">Technology</span>' in section
    assert "<dd>Author of the patch.</dd>" in section
    assert section.index("Miguel Ojeda") < section.index("Rust") < section.index("Summit")


def test_the_preview_and_the_edit_form_carry_the_entities(member_client, tags):
    data = form_data(**entity_rows(("Kubeforge", "project", "The scheduler that changed.")))
    page = html(member_client.post("/submit/", {**data, "action": "preview"}))
    assert 'Kubeforge <span class="key-entity__kind">Project</span>' in page
    assert not Entity.objects.exists()  # the preview creates nothing
    member_client.post("/submit/", data)
    post = Post.objects.get()
    page = html(member_client.get(f"/p/{post.short_id}/-/edit/"))
    assert 'name="entities-0-name" value="Kubeforge"' in page
    assert '<option value="project" selected>' in page
    edited = form_data(**entity_rows(("Emberdb", "project", "Its database.")))
    member_client.post(f"/p/{post.short_id}/-/edit/", edited)
    assert [row.entity.name for row in post.entity_rows.all()] == ["Emberdb"]
    assert Entity.objects.count() == 2  # Kubeforge stays for its page


def test_add_a_key_entity_row_without_javascript(member_client, tags):
    data = form_data("add_entity", **entity_rows(("Rust", "technology", "The language.")))
    response = member_client.post("/submit/", data)
    assert response.status_code == 200
    page = html(response)
    assert 'name="entities-TOTAL_FORMS" value="4"' in page
    assert 'name="entities-0-name" value="Rust"' in page
    assert "errorlist" not in page
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Brandnew", "", "A role.")], "“Brandnew” is new here: say what it is"),
        ([("Rust", "technology", "")], "Say what part it plays in the story."),
        ([("", "technology", "A role.")], "Enter the name."),
        ([("Rust", "technology", "One."), ("rust", "", "Two.")], "List each key entity once."),
        ([("Rust", "language", "A role.")], "Choose a kind from the list."),
        ([("Ru\x1bst", "technology", "A role.")], "U+001B"),
        ([("x" * 101, "technology", "A role.")], "100 characters"),
    ],
)
def test_bad_entity_rows_are_refused(member_client, tags, rows, message):
    response = member_client.post("/submit/", form_data(**entity_rows(*rows)))
    assert response.status_code == 400
    found = entity_errors(response)
    assert any(message in text for text in found), found
    assert not Post.objects.exists()
    assert not Entity.objects.exists()


def test_more_than_ten_entities_are_refused(member_client, tags):
    rows = [(f"Thing {i}", "project", "A role.") for i in range(11)]
    response = member_client.post("/submit/", form_data(**entity_rows(*rows)))
    assert response.status_code == 400
    response = api_submit(
        member_client,
        api_payload(entities=[{"name": n, "kind": k, "role": r} for n, k, r in rows]),
    )
    assert response.status_code == 400
    assert "entities" in response.json()["error"]["fields"]
    assert not Post.objects.exists()


def test_the_api_reads_and_writes_entities(member_client, tags):
    EntityFactory(name="Rust", kind=Entity.Kind.TECHNOLOGY)
    entities = [
        {"name": "rust", "role": "The language."},
        {"name": "Lantern", "kind": "project", "role": "Its collector."},
    ]
    response = api_submit(member_client, api_payload(entities=entities))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["entities"] == [
        {
            "name": "Rust",
            "slug": "rust",
            "kind": "technology",
            "role": "The language.",
            "html_url": "http://testserver/e/rust/",
        },
        {
            "name": "Lantern",
            "slug": "lantern",
            "kind": "project",
            "role": "Its collector.",
            "html_url": "http://testserver/e/lantern/",
        },
    ]
    url = f"/api/v1/posts/{body['id']}/"
    response = member_client.patch(url, {"title": "Renamed"}, content_type="application/json")
    assert [e["name"] for e in response.json()["entities"]] == ["Rust", "Lantern"]
    response = member_client.patch(
        url, {"entities": [{"name": "Nope", "role": "?"}]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "is new here" in response.json()["error"]["fields"]["entities"][0]
    response = member_client.patch(url, {"entities": []}, content_type="application/json")
    assert response.json()["entities"] == []


def test_similar_names_get_their_own_slugs():
    first = entity_get_or_create(name="C++", kind="technology")
    second = entity_get_or_create(name="C#", kind="technology")
    # Fullwidth letters are the same name (NFKC).
    third = entity_get_or_create(name="\uff23\uff03", kind="technology")
    fourth = entity_get_or_create(name="数据库", kind="technology")
    fifth = entity_get_or_create(name="io_uring", kind="technology")  # slugify keeps "_"
    sixth = entity_get_or_create(name="--Node.js--", kind="technology")
    assert (first.slug, second.slug) == ("c", "c-2")
    assert third == second
    assert fourth.slug == "entity"
    assert (fifth.slug, sixth.slug) == ("io-uring", "nodejs")


def test_search_finds_posts_by_entity(client):
    PostFactory(title="Harbor news", entities=[("Harborlane CI", "The CI service.", "project")])
    PostFactory(title="Other news", body="Harborlane is mentioned here only.")
    found = client.get('/search?q=entity:"harborlane ci"').context["page"].items
    assert [post.title for post in found] == ["Harbor news"]
    found = client.get("/search?q=entity:harborlane-ci").context["page"].items
    assert [post.title for post in found] == ["Harbor news"]
    found = client.get("/search?q=-entity:harborlane-ci").context["page"].items
    assert [post.title for post in found] == ["Other news"]
    found = client.get("/search?q=harborlane").context["page"].items
    assert {post.title for post in found} == {"Harbor news", "Other news"}


def test_the_admin_edits_a_posts_entities_inline(client, member):
    member.is_staff = member.is_superuser = True
    member.save()
    client.force_login(member)
    post = PostFactory(entities=[("Lantern", "Its collector.", "project")])
    page = html(client.get(f"/admin/posts/post/{post.pk}/change/"))
    assert "Key entities" in page
    assert "Its collector." in page
    fullwidth = "\uff2c\uff21\uff2e\uff34\uff25\uff32\uff2e"  # LANTERN
    response = client.post(
        "/admin/posts/entity/add/", {"name": fullwidth, "kind": "project", "slug": "x"}
    )
    assert response.status_code == 200
    assert "already has that name" in html(response)
    response = client.post(
        "/admin/posts/entity/add/", {"name": "Kubeforge", "kind": "project", "slug": "kubeforge"}
    )
    assert response.status_code == 302
    assert Entity.objects.get(slug="kubeforge").name_key == "kubeforge"


ENTITY_CHARS = st.one_of(
    st.characters(exclude_categories=("Cc", "Cs")),
    st.sampled_from(["_", "-", ".", "+", "#", " ", "\u0130", "\u0131", "\u00df", "\uff23"]),
)


@examples(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=st.lists(st.text(ENTITY_CHARS, min_size=1, max_size=40), min_size=1, max_size=3))
def test_any_entity_name_is_a_field_error_or_an_entity_with_a_valid_slug(
    member_client, settings, names
):
    """Whatever the names, the API answers 201 or 400 (never 500), and every entity created has
    a slug its page can be reached by."""
    settings.POST_DAILY_LIMIT = 1_000
    cache.clear()  # the API's write throttle
    TagFactory(slug="rust")
    entities = [{"name": name, "kind": "project", "role": "A role."} for name in names]
    response = api_submit(member_client, api_payload(url="", entities=entities))
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        for entity in response.json()["entities"]:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entity["slug"])
            assert member_client.get(f"/e/{entity['slug']}/").status_code == 200
    Post.objects.all().delete()


def test_a_name_the_database_equates_is_the_same_entity_even_with_a_stale_key():
    # A row written around the service (a script, an older folding rule) with another key:
    # its name still matches in any case instead of failing the database's unique LOWER(name).
    stale = EntityFactory(name="Kubeforge", name_key="kubeforge-old")
    assert entity_get_or_create(name="KUBEFORGE", kind="project") == stale


def test_lead_quote_source_and_entities_are_text_everywhere(client):
    payload = '<img src=x onerror="alert(1)">'
    post = PostFactory(
        lead=f"Lead {payload}",
        quote=f"Quote {payload}",
        quote_source=f"Source {payload}",
        quote_url="https://lwn.example/q?a=1&b=<2>",
        entities=[(f"Name {payload}", f"Role {payload}", "project")],
    )
    slug = Entity.objects.get().slug
    for url in (post.get_absolute_url(), f"/e/{slug}/", "/feeds/newest.rss"):
        assert "<img" not in client.get(url).content.decode(), url
    (item,) = client.get("/feeds/newest.json").json()["items"]
    assert "<img" not in item["content_html"]
    assert item["summary"] == f"Lead {payload}"  # JSON Feed's summary is plain text
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Name &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert 'cite="https://lwn.example/q?a=1&amp;b=&lt;2&gt;"' in page
