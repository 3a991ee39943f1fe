"""Social cards of posts: which card a post's current version has, drawing it once, keeping it
in Django's storage (MEDIA_ROOT by default), and the site-wide default card
(docs/posting.md#social-cards).

A card's name holds its version, a hash of what it shows (title, channel or author, first key
number) and of the design: an edit that changes none of them keeps the card, any other gets a
new one, and an address with a version can be cached for good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from posts import cards
from posts.models import KeyFact, Post

logger = logging.getLogger(__name__)

CARD_DIR = "cards"
DEFAULT_TAGLINE = (
    "Developer news: links and articles on DevOps, Kubernetes, Linux, languages and the cloud, "
    "picked and summarized by developers."
)


@dataclass(frozen=True)
class Card:
    """A card's storage name and version; `exists` says whether it has been drawn yet."""

    name: str
    version: str
    exists: bool


def post_card_text(*, post: Post, first_fact: KeyFact | None) -> cards.CardText:
    """What `post`'s card shows: its title, its channel (else its author) and `first_fact`."""
    if post.channel is not None:
        byline = f"@{post.channel.handle}"
    elif post.author is not None:
        byline = f"by {post.author.username}"
    else:
        byline = ""
    return cards.CardText(
        site=settings.SITE_NAME,
        title=post.title,
        byline=byline,
        figure=first_fact.value if first_fact else "",
        figure_label=first_fact.description if first_fact else "",
    )


def post_card_version(*, post: Post, first_fact: KeyFact | None) -> str:
    """The version of `post`'s card as it stands (channel and author loaded); no query, no
    storage access: the post page puts it in the og:image address."""
    return post_card_text(post=post, first_fact=first_fact).version()


def post_card_name(*, short_id: str, version: str) -> str:
    return f"{CARD_DIR}/{short_id}/{version}.png"


def post_card(*, post: Post, first_fact: KeyFact | None) -> Card:
    """The card of `post`'s current version (channel and author loaded), drawn or not yet."""
    version = post_card_version(post=post, first_fact=first_fact)
    name = post_card_name(short_id=post.short_id, version=version)
    return Card(name=name, version=version, exists=default_storage.exists(name))


def post_card_generate(*, post_id: int) -> str:
    """Draw and store the card of post `post_id`'s current version, and delete the cards of
    its earlier versions. Returns "stored", "exists" (already drawn: nothing written) or
    "skipped" (no such post, or not published). Running it twice is harmless."""
    post = (
        Post.objects.select_related("channel", "author")
        .only("id", "short_id", "title", "status", "channel__handle", "author__username")
        .filter(pk=post_id)
        .first()
    )
    if post is None or post.status != Post.Status.PUBLISHED:
        return "skipped"
    first_fact = KeyFact.objects.filter(post_id=post_id).order_by("order", "id").first()
    text = post_card_text(post=post, first_fact=first_fact)
    name = post_card_name(short_id=post.short_id, version=text.version())
    if default_storage.exists(name):
        return "exists"
    default_storage.save(name, ContentFile(cards.card_render(text)))
    _delete_other_versions(short_id=post.short_id, keep=name)
    return "stored"


def _delete_other_versions(*, short_id: str, keep: str) -> None:
    folder = f"{CARD_DIR}/{short_id}"
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for filename in files:
        name = f"{folder}/{filename}"
        if name != keep:
            default_storage.delete(name)


def default_card() -> Card:
    """The site-wide card (the site's name and tagline), drawn and stored on first use."""
    text = cards.CardText(site=settings.SITE_NAME, title=DEFAULT_TAGLINE)
    version = text.version()
    name = f"{CARD_DIR}/default-{version}.png"
    if not default_storage.exists(name):
        png = cards.default_card_render(site=settings.SITE_NAME, tagline=DEFAULT_TAGLINE)
        name = default_storage.save(name, ContentFile(png))
    return Card(name=name, version=version, exists=True)
