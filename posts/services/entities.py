"""Key entities: finding the entity a typed name means, or creating it.

An entity is matched on `name_key`, the folded form of its name (core.canonical.text_fold), so
"Rust", "rust" and "RUST" are one entity; a name the site has not seen yet becomes a new entity
with the kind the author chose and a slug of its own (docs/posting.md#key-entities).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils.text import slugify

from core.canonical import text_fold
from posts.models import Entity, Post, PostEntity
from posts.services.content import EntityData

SLUG_MAX_LENGTH = 100


def entity_name_key(name: str) -> str:
    """The key an entity's name is matched and kept unique on."""
    return text_fold(name)


def entity_slug_base(name: str) -> str:
    """The slug a new entity named `name` starts from: its ASCII letters and digits in runs
    joined by single hyphens (the format the database checks; Django's slugify keeps "_"), or
    "entity" for a name with none."""
    slug = re.sub(r"[^a-z0-9]+", "-", slugify(name))[:SLUG_MAX_LENGTH].strip("-")
    return slug or "entity"


def _free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no entity has yet (one query)."""
    numbered = Q(slug__regex=rf"^{re.escape(base)}-[0-9]+$")
    taken = set(Entity.objects.filter(Q(slug=base) | numbered).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def entities_existing(*, names: Sequence[str]) -> dict[str, Entity]:
    """The entities already on the site among `names`, by name key (one query)."""
    keys = {entity_name_key(name) for name in names}
    return {entity.name_key: entity for entity in Entity.objects.filter(name_key__in=keys)}


@transaction.atomic
def entity_get_or_create(*, name: str, kind: str) -> Entity:
    """The entity named `name` in any letter case, or a new one of `kind` with a free slug.

    Safe against a concurrent creation of the same name or slug: the unique constraints decide
    and the loser reads the winner's row (or takes the next slug)."""
    key = entity_name_key(name)
    # The database's own LOWER() (entity_name_ci_unique) may equate two names the folded key
    # keeps apart: such a name is that entity too, rather than a constraint error.
    same = Q(name_key=key) | Q(lower_name=Lower(Value(name)))
    for _ in range(5):
        existing = Entity.objects.alias(lower_name=Lower("name")).filter(same).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return Entity.objects.create(
                    name=name, name_key=key, kind=kind, slug=_free_slug(entity_slug_base(name))
                )
        except IntegrityError:
            continue  # someone took the name or the slug meanwhile: look again
    raise IntegrityError(f"Could not create the entity {name!r}.")


def post_entities_replace(*, post: Post, entities: Sequence[EntityData]) -> None:
    """Make `entities`, in this order, the key entities of `post`: existing entities are matched
    by name key, new ones created. Runs inside the caller's transaction (post_create,
    post_update); the caller has validated the content (posts/services/rules.py)."""
    PostEntity.objects.filter(post=post).delete()
    if not entities:
        return
    found = entities_existing(names=[item.name for item in entities])
    rows = []
    for index, item in enumerate(entities):
        entity = found.get(entity_name_key(item.name))
        if entity is None:
            entity = entity_get_or_create(name=item.name, kind=item.kind)
        rows.append(PostEntity(post=post, entity=entity, role=item.role, order=index))
    PostEntity.objects.bulk_create(rows)
