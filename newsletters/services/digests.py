"""Personal digests: the best posts from what a member follows, queued in batches of due
preferences with the same exactly-once pattern as newsletter issues (accounts/services/issues.py):
one Delivery per (user, period) and its outbox email in one transaction, ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from core.links import absolute_url
from newsletters.models import Delivery, DigestPreference
from newsletters.services.issues import post_items, unsubscribe_headers
from newsletters.services.periods import next_slot, period_key, period_length
from newsletters.services.subscriptions import digest_view_token_make, unsubscribe_url
from outbox.services import EmailDraft, email_queue_many, emails_deliver_on_commit
from posts.models import Post
from posts.selectors.discovery import followed_post_ids_for

# Posts considered per digest batch: the best-scored posts of the window from everything the
# batch's members follow. Each member's digest is the top NEWSLETTER_ISSUE_POSTS among them.
DIGEST_CANDIDATES = 5000


def _due_digests(now: datetime) -> Any:
    return DigestPreference.objects.filter(next_due_at__lte=now).exclude(
        frequency=DigestPreference.Frequency.OFF
    )


def digest_batches(*, now: datetime, batch_size: int | None = None) -> Iterator[tuple[int, int]]:
    """(first id, last id) of each batch of digest preferences due at `now`, keyset by id."""
    size = batch_size or settings.NEWSLETTER_BATCH_SIZE
    last = 0
    while True:
        ids = list(
            _due_digests(now).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size]
        )
        if not ids:
            return
        yield ids[0], ids[-1]
        last = ids[-1]


@transaction.atomic
def digest_batch_queue(*, first_id: int, last_id: int, now: datetime) -> list[int]:
    """Queue the personal digests due at `now` for preferences with ids in [first_id, last_id]:
    one Delivery per (user, period) (without an email when there was nothing to send) and its
    outbox email, in one transaction; each preference then moves to its next slot and its next
    window starts now. Preferences another batch holds are skipped (SKIP LOCKED). Returns the
    outbox ids queued."""
    preferences = list(
        _due_digests(now)
        .select_for_update(skip_locked=True, of=("self",))
        .filter(pk__gte=first_id, pk__lte=last_id)
        .select_related("user")
        .order_by("pk")
    )
    if not preferences:
        return []
    periods: dict[int, str] = {}
    starts: dict[int, datetime] = {}
    for preference in preferences:
        slot = (preference.next_due_at or now).astimezone(ZoneInfo(preference.timezone))
        periods[preference.user_id] = period_key(cadence=preference.frequency, slot=slot)
        starts[preference.user_id] = preference.last_sent_at or now - period_length(
            cadence=preference.frequency
        )
    chosen = followed_post_ids_for(
        user_ids=[preference.user_id for preference in preferences],
        since=starts,
        until=now,
        limit=settings.NEWSLETTER_ISSUE_POSTS,
        candidates=DIGEST_CANDIDATES,
    )
    posts = {
        post.pk: post
        for post in Post.objects.filter(pk__in={pk for ids in chosen.values() for pk in ids})
        .select_related("channel")
        .defer("body", "body_html", "search_vector")
    }
    drafts = []
    for preference in preferences:
        user = preference.user
        picked = [posts[pk] for pk in chosen[user.pk] if pk in posts]
        if not picked or not user.is_active or not user.is_verified or not user.email:
            continue  # an empty digest is skipped; unconfirmed addresses get none
        period = periods[user.pk]
        url = unsubscribe_url(user_id=user.pk)
        token = digest_view_token_make(user_id=user.pk, period=period)
        context = {
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "user": user,
            "frequency": preference.frequency,
            "period": period,
            "posts": post_items(picked),
            "view_url": absolute_url(reverse("newsletters:digest_view", kwargs={"token": token})),
            "settings_url": absolute_url(reverse("accounts:settings")),
            "unsubscribe_url": url,
        }
        label = "weekly" if preference.frequency == DigestPreference.Frequency.WEEKLY else "daily"
        drafts.append(
            EmailDraft(
                to=user.email,
                subject=f"Your {label} {settings.SITE_NAME} digest: {picked[0].title}",
                text_body=render_to_string("emails/digest.txt", context),
                html_body=render_to_string("emails/digest.html", context),
                dedupe_key=f"digest:{user.pk}:{period}",
                headers=unsubscribe_headers(url),
            )
        )
    email_ids = email_queue_many(drafts=drafts) if drafts else {}
    Delivery.objects.bulk_create(
        [
            Delivery(
                user_id=preference.user_id,
                period=periods[preference.user_id],
                outbound_email_id=email_ids.get(
                    f"digest:{preference.user_id}:{periods[preference.user_id]}"
                ),
                post_ids=chosen[preference.user_id],
            )
            for preference in preferences
        ],
        ignore_conflicts=True,
    )
    for preference in preferences:
        preference.next_due_at = next_slot(
            cadence=preference.frequency,
            weekday=preference.weekday,
            hour=preference.hour,
            tz=preference.timezone,
            after=now,
        )
        preference.last_period = periods[preference.user_id]
        preference.last_sent_at = now
    DigestPreference.objects.bulk_update(
        preferences, ["next_due_at", "last_period", "last_sent_at"]
    )
    ids = sorted(email_ids.values())
    if ids:
        emails_deliver_on_commit(email_ids=ids)
    return ids
