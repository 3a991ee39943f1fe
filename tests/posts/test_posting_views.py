"""The submit, edit, delete and remove pages, and the URL check, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import posts.selectors.posts
import posts.services.content
import posts.services.core
from posts.models import KeyFact, Post, TimelineEvent
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(member_client, member):
    """The member who posts, logged in on `client`."""
    return member


@pytest.fixture
def tags():
    return [TagFactory(slug=slug) for slug in ("rust", "go", "linux", "k8s", "ops", "web")]


def form_data(action="publish", **overrides):
    data = {
        "url": "https://lwn.example/articles/1",
        "title": "Rust in the kernel",
        "tags": ["rust", "linux"],
        "channel": "",
        "tldr": "It is here to stay.\n\n  Distributions ship it.  ",
        "body": "Merged in **6.1**.",
        "key_facts-TOTAL_FORMS": "3",
        "key_facts-INITIAL_FORMS": "0",
        "key_facts-0-value": "6.1",
        "key_facts-0-description": "Kernel version.",
        "timeline-TOTAL_FORMS": "3",
        "timeline-INITIAL_FORMS": "0",
        "timeline-0-when": "2022-12-11",
        "timeline-0-description": "Merged.",
        "timeline-1-when": "Q1 2027",
        "timeline-1-description": "Next step.",
        "action": action,
    }
    data.update(overrides)
    return data


def html(response) -> str:
    return response.content.decode()


def errors(response) -> dict[str, list[str]]:
    editor = response.context["editor"]
    found = {name: list(errs) for name, errs in editor.form.errors.items()}
    for prefix, formset in (("key_facts", editor.key_facts), ("timeline", editor.timeline)):
        messages = list(formset.non_form_errors())
        for form in formset.forms:
            messages += [m for errs in form.errors.values() for m in errs]
        if messages:
            found[prefix] = messages
    return found


# The submit page.


def test_submit_needs_a_logged_in_verified_user(client, tags):
    response = client.get("/submit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/submit/")
    client.force_login(UserFactory(email_verified_at=None))
    for response in (client.get("/submit/"), client.post("/submit/", form_data())):
        assert response.status_code == 403
        assert "Verify your email address before posting" in html(response)
    assert Post.objects.count() == 0


def test_submit_link_appears_in_the_nav_and_the_form_offers_only_my_channels(client, author, tags):
    ChannelMembershipFactory(user=author, channel=ChannelFactory(handle="mine"))
    ChannelFactory(handle="theirs")
    page = html(client.get("/"))
    assert '<a href="/submit/">Submit</a>' in page
    page = html(client.get("/submit/"))
    assert 'value="mine"' in page
    assert 'value="theirs"' not in page
    assert 'name="key_facts-TOTAL_FORMS" value="3"' in page
    assert "<template data-empty-row>" in page
    assert "key_facts-__prefix__-value" in page


def test_preview_renders_the_sanitized_post_and_saves_nothing(client, author, tags):
    response = client.post(
        "/submit/", form_data("preview", body="Hi <script>alert(1)</script> **there**")
    )
    assert response.status_code == 200
    page = html(response)
    assert "Preview: nothing is published yet" in page
    assert "<strong>there</strong>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Kernel version." in page
    assert "Next step." in page
    assert "Dec 11, 2022" in page
    assert "(lwn.example)" in page
    assert Post.objects.count() == 0


@pytest.mark.parametrize("action", ["surprise", ""])
def test_an_unknown_action_previews_and_a_missing_one_publishes(client, author, tags, action):
    data = form_data(action)
    if not action:
        del data["action"]
    response = client.post("/submit/", data)
    assert Post.objects.count() == (0 if action else 1)
    assert response.status_code == (200 if action else 302)


@pytest.mark.parametrize("action", ["add_key_fact", "add_timeline_event"])
def test_add_a_row_with_a_tampered_management_form_is_not_a_500(client, author, tags, action):
    data = form_data(action, **{"key_facts-TOTAL_FORMS": "lots", "timeline-TOTAL_FORMS": "-1"})
    assert client.post("/submit/", data).status_code == 200
    assert Post.objects.count() == 0


def test_add_a_row_without_javascript_keeps_what_was_typed_and_shows_no_errors(
    client, author, tags
):
    data = form_data("add_key_fact", title="", **{"key_facts-TOTAL_FORMS": "3"})
    response = client.post("/submit/", data)
    assert response.status_code == 200
    page = html(response)
    assert 'name="key_facts-TOTAL_FORMS" value="4"' in page
    assert 'name="key_facts-3-value"' in page
    assert 'value="Kernel version."' in page
    assert 'value="Q1 2027"' in page
    assert 'value="rust" id="id_tags_' in page
    assert "checked" in page
    assert "errorlist" not in page
    response = client.post("/submit/", form_data("add_timeline_event"))
    assert 'name="timeline-TOTAL_FORMS" value="4"' in html(response)
    assert Post.objects.count() == 0


def test_publish_creates_the_post_and_redirects_to_it(client, author, tags):
    response = client.post("/submit/", form_data())
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert post.tldr == ["It is here to stay.", "Distributions ship it."]
    assert [(e.date.isoformat() if e.date else e.when) for e in post.timeline_events.all()] == [
        "2022-12-11",
        "Q1 2027",
    ]
    assert KeyFact.objects.get().value == "6.1"
    page = html(client.get(post.get_absolute_url()))
    assert "Your post is live." in page
    assert f'href="/p/{post.short_id}/-/edit/"' in page


def test_publish_on_behalf_of_my_channel(client, author, tags):
    channel = ChannelMembershipFactory(user=author).channel
    client.post("/submit/", form_data(channel=channel.handle))
    assert Post.objects.get().channel == channel


def test_a_text_post(client, author, tags):
    response = client.post("/submit/", form_data(url="", body="Just **text**."))
    post = Post.objects.get()
    assert response.status_code == 302
    assert post.kind == "text"
    assert post.url == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url", "Only http:// and https:// links are allowed."),
        ({"url": "data:text/html,<b>x</b>"}, "url", "Only http:// and https:// links"),
        ({"url": "vbscript:msgbox(1)"}, "url", "Only http:// and https://"),
        ({"url": "lwn.example/x"}, "url", "Enter a full URL starting with http://"),
        ({"url": "http://exa mple.com"}, "url", "spaces or control characters"),
        ({"url": "https://" + "a" * 2001}, "url", "at most 2000 characters"),
        ({"url": "", "body": ""}, "body", "Add a link, or write the text"),
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"tags": []}, "tags", "Choose 1 to 5 tags."),
        ({"tags": ["rust", "go", "linux", "k8s", "ops", "web"]}, "tags", "Choose 1 to 5 tags."),
        ({"tags": ["rust", "nosuchtag"]}, "tags", "There is no tag “nosuchtag”."),
        ({"tldr": "\n".join(f"b{i}" for i in range(6))}, "tldr", "at most 5 bullets"),
        ({"tldr": "x" * 301}, "tldr", "300 characters"),
        ({"body": "x" * 40_001}, "body", "at most 40000 characters"),
        ({"key_facts-0-description": ""}, "key_facts", "Say what the number measures."),
        ({"key_facts-0-value": "9" * 41}, "key_facts", "at most 40 characters"),
        ({"timeline-0-when": "2023-02-30"}, "timeline", "That date does not exist."),
        ({"timeline-1-when": ""}, "timeline", "Enter a date or a period."),
        ({"key_facts-TOTAL_FORMS": "11"}, "key_facts", "Add at most 10 rows."),
        ({"key_facts-TOTAL_FORMS": "lots"}, "key_facts", "ManagementForm data is missing"),
        # Control characters would make every feed listing the post answer 500.
        ({"title": "Rust\x01 in the kernel"}, "title", "U+0001"),
        ({"title": "Rust\tin the kernel"}, "title", "U+0009"),
        ({"url": "https://lwn.example/\x1b"}, "url", "U+001B"),
        ({"tldr": "One.\nTwo\x08."}, "tldr", "U+0008"),
        ({"tldr": "One.\nTwo\there."}, "tldr", "U+0009"),
        ({"tldr": "One.\x1cTwo."}, "tldr", "U+001C"),
        ({"body": "Merged\x0c in 6.1."}, "body", "U+000C"),
        ({"body": "Merged \ufffe in 6.1."}, "body", "U+FFFE"),
        ({"body": "Merged \ufdd0 in 6.1."}, "body", "U+FDD0"),
        ({"title": "Rust \U0001ffff in the kernel"}, "title", "U+1FFFF"),
        ({"body": "Merged \x7f in 6.1."}, "body", "U+007F"),
        ({"key_facts-0-value": "6\x021"}, "key_facts", "U+0002"),
        ({"key_facts-0-description": "Kernel\x85version"}, "key_facts", "U+0085"),
        ({"timeline-1-when": "Q1\x0e2027"}, "timeline", "U+000E"),
        ({"timeline-0-description": "Merged\n."}, "timeline", "Keep this to one line."),
    ],
)
def test_bad_input_is_a_400_with_the_error_on_its_field_and_saves_nothing(
    client, author, tags, overrides, field, message
):
    response = client.post("/submit/", form_data(**overrides))
    assert response.status_code == 400
    found = errors(response)
    assert any(message in text for text in found.get(field, [])), found
    assert message.split("“")[0] in html(response) or "“" in message
    assert Post.objects.count() == KeyFact.objects.count() == TimelineEvent.objects.count() == 0


def test_another_users_channel_is_refused(client, author, tags):
    stranger = ChannelMembershipFactory(channel=ChannelFactory(handle="notmine")).channel
    response = client.post("/submit/", form_data(channel=stranger.handle))
    assert response.status_code == 400
    assert errors(response)["channel"] == ["You can only post on behalf of channels you belong to."]
    assert Post.objects.count() == 0


def test_a_recent_duplicate_is_refused_with_a_link_to_the_existing_post(client, author, tags):
    existing = PostFactory(url="https://lwn.example/articles/1", title="The first one")
    response = client.post("/submit/", form_data(url="http://www.lwn.example/articles/1/"))
    assert response.status_code == 400
    page = html(response)
    assert "This link was already posted" in page
    assert f'Already posted: <a href="{existing.get_absolute_url()}">The first one</a>' in page
    assert Post.objects.count() == 1


def test_an_old_link_is_accepted_and_the_page_says_previously_posted(client, author, tags):
    old = PostFactory(
        url="https://lwn.example/articles/1",
        title="The first one",
        published_at=timezone.now() - timedelta(days=45),
    )
    response = client.post("/submit/", form_data())
    new = Post.objects.exclude(pk=old.pk).get()
    page = html(client.get(response["Location"]))
    assert "Previously posted 1" in page
    assert f'<a href="{old.get_absolute_url()}">The first one</a>' in page
    assert "Previously posted" not in html(client.get(old.get_absolute_url()))
    assert new.normalized_url == old.normalized_url


def test_rate_limits_answer_429_with_a_clear_message(client, tags, settings):
    client.force_login(UserFactory())  # a new account
    assert client.post("/submit/", form_data()).status_code == 302
    response = client.post("/submit/", form_data(url="https://other.example/"))
    assert response.status_code == 429
    assert "New accounts can post once every 5 minutes" in html(response)
    assert Post.objects.count() == 1


# The URL check used while typing.


def test_url_check_answers_json(client, author):
    assert client.get("/submit/check/?url=x").status_code == 200
    anonymous = client.__class__()
    assert anonymous.get("/submit/check/?url=https://a.example").status_code == 401
    assert client.get("/submit/check/?url=").json() == {"ok": True, "message": ""}
    assert client.get("/submit/check/", {"url": "javascript:alert(1)"}).json() == {
        "ok": False,
        "message": "Only http:// and https:// links are allowed.",
    }
    assert client.get("/submit/check/", {"url": "https://fresh.example/"}).json()["ok"] is True
    recent = PostFactory(url="https://lwn.example/a", title="Recent")
    answer = client.get("/submit/check/", {"url": "http://www.lwn.example/a/?utm_medium=x"}).json()
    assert answer["ok"] is False
    assert answer["message"].startswith("This link was already posted")
    assert answer["duplicate"] == {
        "title": "Recent",
        "url": recent.get_absolute_url(),
        "recent": True,
    }
    excluded = client.get(
        "/submit/check/", {"url": "https://lwn.example/a", "exclude": recent.short_id}
    ).json()
    assert excluded == {"ok": True, "message": ""}
    PostFactory(url="https://old.example/", published_at=timezone.now() - timedelta(days=60))
    answer = client.get("/submit/check/", {"url": "https://old.example"}).json()
    assert answer["ok"] is True
    assert answer["message"].startswith("Previously posted 1")
    assert answer["duplicate"]["recent"] is False


# Editing, deleting, removing.


def test_author_edits_through_the_prefilled_form(client, author, tags):
    client.post("/submit/", form_data())
    post = Post.objects.get()
    page = html(client.get(f"/p/{post.short_id}/-/edit/"))
    assert 'value="Rust in the kernel"' in page
    assert 'value="Kernel version."' in page
    assert 'value="2022-12-11"' in page
    assert 'value="Q1 2027"' in page
    assert f'data-exclude="{post.short_id}"' in page
    data = form_data(title="Rust is here", **{"key_facts-0-value": "6.2"})
    response = client.post(f"/p/{post.short_id}/-/edit/", data)
    post.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert post.title == "Rust is here"
    assert post.key_facts.get().value == "6.2"


def test_editing_is_refused_to_others_after_the_window_and_for_unknown_posts(client, author, tags):
    mine = PostFactory(author=author)
    theirs = PostFactory()
    assert client.get(f"/p/{theirs.short_id}/-/edit/").status_code == 403
    response = client.post(f"/p/{theirs.short_id}/-/edit/", form_data(title="Hacked"))
    assert response.status_code == 403
    assert "You can only edit your own posts." in html(response)
    assert client.get("/p/zzzzzz/-/edit/").status_code == 404
    Post.objects.filter(pk=mine.pk).update(published_at=timezone.now() - timedelta(hours=7))
    response = client.get(f"/p/{mine.short_id}/-/edit/")
    assert response.status_code == 403
    assert "6 hours" in html(response)
    assert f'href="/p/{mine.short_id}/-/edit/"' not in html(client.get(mine.get_absolute_url()))
    theirs.refresh_from_db()
    assert theirs.title != "Hacked"
    anonymous = client.__class__()
    response = anonymous.get(f"/p/{mine.short_id}/-/edit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_author_deletes_after_confirming(client, author):
    post = PostFactory(author=author, title="Going away")
    page = html(client.get(f"/p/{post.short_id}/-/delete/"))
    assert "Delete your post?" in page
    response = client.post(f"/p/{post.short_id}/-/delete/")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_removed
    page = html(client.get(post.get_absolute_url()))
    assert "This post was deleted by its author." in page
    assert "Going away" not in html(client.get("/newest/"))
    assert client.post(f"/p/{post.short_id}/-/delete/").status_code == 403


def test_others_cannot_delete_and_anonymous_users_are_sent_to_log_in(client, author):
    post = PostFactory()
    assert client.post(f"/p/{post.short_id}/-/delete/").status_code == 403
    assert client.__class__().post(f"/p/{post.short_id}/-/delete/").status_code == 302
    post.refresh_from_db()
    assert post.is_published


def test_staff_remove_a_post_with_a_reason(client):
    post = PostFactory(title="Spammy")
    client.force_login(UserFactory(is_staff=True))
    assert f'href="/p/{post.short_id}/-/remove/"' in html(client.get(post.get_absolute_url()))
    response = client.post(f"/p/{post.short_id}/-/remove/", {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in html(response)
    response = client.post(f"/p/{post.short_id}/-/remove/", {"reason": "Spam, again."})
    assert response.status_code == 302
    assert "This post was removed: Spam, again." in html(client.get(post.get_absolute_url()))
    assert client.get(f"/p/{post.short_id}/-/remove/").status_code == 403


def test_a_removal_reason_with_a_control_character_is_refused_on_its_field(client):
    post = PostFactory()
    client.force_login(UserFactory(is_staff=True))
    response = client.post(f"/p/{post.short_id}/-/remove/", {"reason": "Spam\x1b[31m"})
    assert response.status_code == 400
    assert "U+001B" in html(response)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_non_staff_cannot_remove(client, author):
    post = PostFactory()
    assert client.get(f"/p/{post.short_id}/-/remove/").status_code == 403
    assert client.post(f"/p/{post.short_id}/-/remove/", {"reason": "x"}).status_code == 403


# Link previews on the post page.


def test_post_page_shows_the_link_preview_as_text_when_there_is_no_body(client):
    bare = PostFactory(body="", tldr=[])
    Post.objects.filter(pk=bare.pk).update(
        preview_site_name="LWN <b>net</b>",
        preview_description='A description with <script>alert("x")</script>',
        preview_fetched_at=timezone.now(),
    )
    page = html(client.get(bare.get_absolute_url()))
    assert "LWN &lt;b&gt;net&lt;/b&gt;" in page
    assert "A description with &lt;script&gt;" in page
    assert "<script>alert" not in page
    assert '<meta name="description" content="A description with &lt;script&gt;' in page
    with_body = PostFactory(body="Our own summary.")
    Post.objects.filter(pk=with_body.pk).update(preview_description="Theirs.")
    assert "Theirs." not in html(client.get(with_body.get_absolute_url()))


def test_publishing_normalizes_the_link_once(client, author, tags, monkeypatch):
    """The URL is normalized when PostContent is built; the rules, the duplicate check and the
    stored row reuse that result."""
    calls = []
    real = posts.services.content.normalize_url

    def counting(url):
        calls.append(url)
        return real(url)

    def forbidden(url):
        raise AssertionError(f"normalized again: {url}")

    monkeypatch.setattr(posts.services.content, "normalize_url", counting)
    monkeypatch.setattr(posts.services.core, "normalize_url", forbidden)
    monkeypatch.setattr(posts.selectors.posts, "normalize_url", forbidden)

    response = client.post("/submit/", form_data())

    assert response.status_code == 302
    assert calls == ["https://lwn.example/articles/1"]
    assert Post.objects.get().normalized_url == "https://lwn.example/articles/1"
