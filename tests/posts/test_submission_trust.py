"""What a new submission starts with and where it may point (issue 15): a brand-new account's
0-point link to a loopback address went straight onto Hot. Now every post starts with its
submitter's own upvote, as on Hacker News and Lobsters, and links to loopback, private or
link-local addresses are refused with a field error, in the form and in the API
(docs/moderation.md#links-to-private-addresses)."""

from __future__ import annotations

import json

import pytest

from accounts.models import User
from accounts.tokens import api_token_create
from posts.models import Post, Vote
from tests.posts.factories import TagFactory
from tests.posts.test_posting_views import errors, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags():
    return [TagFactory(slug=slug) for slug in ("rust", "linux")]


def test_a_new_post_starts_with_its_submitters_upvote_which_earns_no_karma(
    member_client, member, tags
):
    response = member_client.post("/submit/", form_data())
    assert response.status_code == 302

    post = Post.objects.get()
    assert post.score == 1
    assert list(Vote.objects.filter(post=post).values_list("user", flat=True)) == [member.pk]
    assert User.objects.get(pk=member.pk).karma == 0
    assert (
        '<span class="post-row__points">1</span>' in member_client.get("/newest/").content.decode()
    )


def test_the_submitter_cannot_take_their_own_upvote_back(member_client, member, tags):
    member_client.post("/submit/", form_data())
    post = Post.objects.get()
    token = api_token_create(user=member, name="t", scope="write").secret

    response = member_client.delete(
        f"/api/v1/posts/{post.short_id}/vote/", headers={"authorization": f"Bearer {token}"}
    )

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.score == 1


PRIVATE_LINKS = [
    ("http://127.0.0.1/admin", "127.0.0.1 is a loopback address"),
    ("http://127.0.0.1:8000/", "127.0.0.1 is a loopback address"),
    ("http://localhost/", "localhost is a loopback name"),
    ("http://api.localhost/", "api.localhost is a loopback name"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://10.0.0.7/", "10.0.0.7 is a private address"),
    ("http://192.168.1.1/router", "192.168.1.1 is a private address"),
    ("http://172.16.5.4/", "172.16.5.4 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://[::ffff:127.0.0.1]/", "embedding 127.0.0.1, a loopback address"),
    ("http://2130706433/", "2130706433 is a loopback address"),
    ("http://0x7f.1/", "0x7f.1 is a loopback address"),
    ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
]


@pytest.mark.parametrize(("url", "why"), PRIVATE_LINKS)
def test_a_link_to_a_private_address_is_a_field_error_on_the_form(member_client, tags, url, why):
    response = member_client.post("/submit/", form_data(url=url))

    assert response.status_code == 400
    (message,) = errors(response)["url"]
    assert message.startswith("Links to loopback, private or link-local addresses are refused")
    assert why in message
    assert not Post.objects.exists()


@pytest.mark.parametrize(("url", "why"), PRIVATE_LINKS[:3])
def test_a_link_to_a_private_address_is_a_400_naming_the_field_in_the_api(
    client, member, tags, url, why
):
    token = api_token_create(user=member, name="t", scope="write").secret
    payload = {"url": url, "title": "Internal dashboard", "tags": ["rust"]}

    response = client.post(
        "/api/v1/posts/",
        json.dumps(payload),
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert why in response.json()["error"]["fields"]["url"][0]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://lwn.example/articles/1",
        "https://93.184.216.34/",  # a public address is a link like any other
        "https://[2606:4700::6810:84e5]/",
        "https://localhost.example/",  # a name that only starts like one
        "https://10.example/",
    ],
)
def test_public_addresses_and_names_are_accepted(member_client, tags, url):
    response = member_client.post("/submit/", form_data(url=url))

    assert response.status_code == 302, errors(response)
    assert Post.objects.get().url == url
