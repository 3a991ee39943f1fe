"""Social cards: the PNG a post page names as its og:image, and the site-wide default card
(docs/posting.md#social-cards). Served with long cache headers: the card's version is in the
address the post page gives, and in its ETag."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_safe

from posts.models import Post
from posts.selectors.posts import post_get_for_card
from posts.services.cards import Card, default_card, post_card
from posts.services.submission import post_card_request

YEAR = 365 * 24 * 60 * 60
# A card asked for without its current version (an old address, a crawler guessing) may change.
UNVERSIONED_SECONDS = 60 * 60
# The default card stands in for one not drawn yet: ask again soon.
STAND_IN_SECONDS = 5 * 60


def _png(card: Card, *, max_age: int, immutable: bool = False) -> FileResponse:
    response = FileResponse(default_storage.open(card.name, "rb"), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={max_age}" + (", immutable" if immutable else "")
    response["ETag"] = f'"{card.version}"'
    return response


@require_safe
def post_card_image(request: HttpRequest, short_id: str) -> FileResponse:
    """/p/<short_id>/card.png?v=<version>: the post's card, or the site-wide card while its
    own is not drawn yet (its drawing is then queued) and for posts that were removed."""
    post, first_fact = post_get_for_card(short_id=short_id)
    if post.status != Post.Status.PUBLISHED:
        return _png(default_card(), max_age=UNVERSIONED_SECONDS)
    card = post_card(post=post, first_fact=first_fact)
    if not card.exists:
        post_card_request(post=post, version=card.version)
        card = post_card(post=post, first_fact=first_fact)  # drawn already when tasks run eagerly
    if not card.exists:
        return _png(default_card(), max_age=STAND_IN_SECONDS)
    if request.GET.get("v") == card.version:
        return _png(card, max_age=YEAR, immutable=True)
    return _png(card, max_age=UNVERSIONED_SECONDS)


@require_safe
def default_card_image(request: HttpRequest) -> FileResponse:
    """/card.png: the site-wide card (the site's name and tagline)."""
    return _png(default_card(), max_age=UNVERSIONED_SECONDS)
