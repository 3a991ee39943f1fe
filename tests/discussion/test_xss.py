"""Every XSS payload of the shared corpus, written through the real comment form (a comment on a
post, then a reply to it), never comes out as markup wherever comments are shown: the thread on
the post page (members' and visitors'), the reply and edit pages and the form sent back with an
error, /comments/, each member's comments, both members' inboxes, the six comment feeds (read by
a feed reader that does not sanitize) and the notification emails' HTML.

The post's title is the payload too, and both members' usernames are markup (stored before the
sign-up rule, or by an admin): an un-escaped title or name in any of those templates fails here."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.markdown import ALLOWED_TAGS
from discussion.models import COMMENT_BODY_MAX_LENGTH, Comment
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory
from tests.xss_corpus import XSS_PAYLOADS, assert_no_markup_injection, assert_payload_not_injected

pytestmark = pytest.mark.django_db

# Usernames that are markup, within the column's 30 characters and without a "/" (profile URLs).
POSTER_NAME = '"><svg onload=alert(1)>'
COMMENTER_NAME = "<img src=x onerror=alert(1)>"
ATOM = "{http://www.w3.org/2005/Atom}"


def hostile_member(username: str, email: str):
    return UserFactory(
        username=username, email=email, date_joined=timezone.now() - timedelta(days=30)
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def comments_of(username: str) -> str:
    return reverse("discussion:user_comments", kwargs={"username": username})


def assert_clean(html: str, *texts: str) -> None:
    for text in texts:
        for variant in {text, text.strip()}:
            assert_payload_not_injected(html, variant)


def feed_titles(xml: bytes) -> list[str]:
    """Each item's (RSS) or entry's (Atom) title, as the text a feed reader shows."""
    root = ET.fromstring(xml)  # noqa: S314 - our own feed, in a test
    items = list(root.iter("item")) or list(root.iter(f"{ATOM}entry"))
    return [item.findtext("title") or item.findtext(f"{ATOM}title") or "" for item in items]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_in_comments_never_becomes_markup(payload, delivered):
    poster = hostile_member(POSTER_NAME, "poster@example.com")
    commenter = hostile_member(COMMENTER_NAME, "commenter@example.com")
    post = PostFactory(author=poster, title=payload[:200])
    texts = (payload, post.title, POSTER_NAME, COMMENTER_NAME)
    as_poster, as_commenter = logged_in(poster), logged_in(commenter)
    mail.outbox.clear()

    # A comment on the post, through the box under it.
    with delivered():
        response = as_commenter.post(f"/p/{post.short_id}/-/comment/", {"body": payload})
    assert response.status_code == 302, response.content.decode()
    comment = Comment.objects.get(author=commenter)
    assert comment.body == payload

    # The reply page quotes it; a reply too long comes back in the form; then a good reply.
    reply_url = reverse("discussion:reply", kwargs={"short_id": comment.short_id})
    assert_clean(as_poster.get(reply_url).content.decode(), *texts)
    refused = as_poster.post(reply_url, {"body": payload + "x" * COMMENT_BODY_MAX_LENGTH})
    assert refused.status_code == 400
    assert_clean(refused.content.decode(), *texts)
    with delivered():
        response = as_poster.post(reply_url, {"body": payload})
    assert response.status_code == 302, response.content.decode()
    reply = Comment.objects.get(author=poster)
    assert reply.parent == comment

    # The edit page puts the Markdown source back in a textarea.
    edit_url = reverse("discussion:edit", kwargs={"short_id": comment.short_id})
    assert_clean(as_commenter.get(edit_url).content.decode(), *texts)

    # Each page, with the comments it must show (so a page that lost them cannot pass).
    pages = [
        (Client(), post.get_absolute_url(), (comment, reply)),
        (as_commenter, post.get_absolute_url(), (comment, reply)),
        (as_poster, post.get_absolute_url(), (comment, reply)),
        (as_commenter, "/comments/", (comment, reply)),
        (as_poster, comments_of(COMMENTER_NAME), (comment,)),
        (as_commenter, comments_of(POSTER_NAME), (reply,)),
        (as_poster, "/inbox/", ()),  # the comment, a reply to their post
        (as_commenter, "/inbox/", ()),  # the reply to their comment
    ]
    for client, url, shown in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        for each in shown:
            assert f'id="{each.anchor}"' in html, url
        assert_clean(html, *texts)
        if url == "/inbox/":
            assert html.count('class="notification notification--unread"') == 1
            assert 'class="comment__body"' in html

    feeds = [
        (reverse(f"discussion:feed_{name}_{kind}", kwargs=kwargs), author)
        for kind in ("rss", "atom")
        for name, kwargs, author in (
            ("comments", {}, None),
            ("post", {"short_id": post.short_id}, None),
            ("user", {"username": COMMENTER_NAME}, commenter),
            ("user", {"username": POSTER_NAME}, poster),
        )
    ]
    for url, author in feeds:
        response = Client().get(url)
        assert response.status_code == 200, url
        # A reader that renders the HTML as it comes: no sanitizing on feedparser's side.
        parsed = feedparser.parse(response.content, sanitize_html=False)
        assert not parsed.bozo, (url, parsed.bozo_exception)
        entries = parsed.entries
        assert len(entries) == (1 if author else 2), url
        for entry in entries:
            for content in [entry.get("summary", "")] + [c.value for c in entry.get("content", [])]:
                assert_no_markup_injection(content, allowed_tags=ALLOWED_TAGS)
                assert_clean(content, payload)
        # Titles are text: exactly the names and the post title, nothing parsed out of them.
        expected = {
            f"{who.username} on “{post.title}”"
            for who in ((author,) if author else (poster, commenter))
        }
        assert set(feed_titles(response.content)) == expected, url

    # Each member was emailed once about the other's comment; the HTML part carries no markup.
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert len(mail.outbox) == 2
    for recipient in (poster, commenter):
        message = by_recipient[(recipient.email,)]
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert "replied to you" in html
        assert_clean(html, *texts)
