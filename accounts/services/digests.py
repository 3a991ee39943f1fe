"""Building newsletter issues and personal digests, and queueing them in batches.

A run (`accounts.tasks.digests_run`, from beat) builds each due newsletter's issue once and walks
the subscribers still without a delivery for the period in keyset batches of ids; each batch task
selects its subscribers with one query, then writes their Delivery rows and outbox emails in one
transaction, with INSERT ... ON CONFLICT DO NOTHING on (subscription, period) / (user, period)
and on the outbox's dedupe key. So a re-run, a second beat, a duplicated task message or a
worker killed mid-batch never queues anyone twice, and anyone a lost batch missed is still
without a delivery row, so the next run picks them up. Sending is the outbox's job
(`email_deliver_batch`, with the outbox's claim protocol and sweep).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    Delivery,
    DigestPreference,
    Newsletter,
    NewsletterIssue,
    Subscription,
)
from accounts.services.newsletters import (
    digest_view_token_make,
    unsubscribe_url,
)
from accounts.services.outbox import EmailDraft, email_enqueue_many, email_queue_many
from accounts.services.periods import latest_slot, next_slot, period_key, period_length
from posts.models import Follow, HiddenPost, HiddenTag, Post

# Stands for the recipient's own unsubscribe link in an issue rendered once for everyone.
UNSUBSCRIBE_PLACEHOLDER = "__FAUN_UNSUBSCRIBE_URL__"
# Posts considered per digest batch: the best-scored posts of the window from everything the
# batch's members follow. Each member's digest is the top NEWSLETTER_ISSUE_POSTS among them.
DIGEST_CANDIDATES = 5000


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 one-click unsubscribe headers."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def post_items(posts: Sequence[Post]) -> list[dict[str, Any]]:
    """What an email or issue page shows of each post: title, TL;DR, post page and source."""
    return [
        {
            "title": post.title,
            "tldr": [str(line) for line in (post.tldr or []) if str(line).strip()],
            "url": _absolute(post.get_absolute_url()),
            "source": post.url,
            "domain": post.domain,
            "score": post.score,
            "channel": post.channel.handle if post.channel_id and post.channel else "",
        }
        for post in posts
    ]


# --- Newsletter issues -------------------------------------------------------------------------


def newsletter_slot(*, newsletter: Newsletter, now: datetime) -> datetime:
    return latest_slot(
        cadence=newsletter.cadence,
        weekday=newsletter.weekday,
        hour=newsletter.hour,
        tz="UTC",
        now=now,
    )


def newsletter_window_start(*, newsletter: Newsletter, before: datetime) -> datetime:
    """Where the next issue's window starts: the end of the last issue before `before`, or one
    period back for a first issue."""
    previous = (
        NewsletterIssue.objects.filter(newsletter=newsletter, window_end__lt=before)
        .order_by("-window_end")
        .values_list("window_end", flat=True)
        .first()
    )
    return previous or before - period_length(cadence=newsletter.cadence)


def newsletter_posts(*, newsletter: Newsletter, start: datetime, end: datetime) -> list[Post]:
    """The channel's best posts published in [start, end), by score."""
    return list(
        Post.objects.filter(
            channel_id=newsletter.channel_id,
            status=Post.Status.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
        )
        .select_related("channel")
        .order_by("-score", "-published_at", "-id")[: settings.NEWSLETTER_ISSUE_POSTS]
    )


def _issue_subject(newsletter: Newsletter, posts: Sequence[Post]) -> str:
    return f"{newsletter.name}: {posts[0].title}" if posts else newsletter.name


@transaction.atomic
def issue_build(*, newsletter: Newsletter, now: datetime | None = None) -> NewsletterIssue | None:
    """The issue for the newsletter's current period, built once: the channel's top posts since
    its last issue, rendered as the newsletter email with a placeholder for each recipient's
    unsubscribe link. Returns the existing issue when there is one (a concurrent build loses
    to the first), or None before the newsletter's first slot. An issue without posts is stored
    empty and sent to nobody."""
    now = now or timezone.now()
    slot = newsletter_slot(newsletter=newsletter, now=now)
    if slot < newsletter.created_at:
        return None
    period = period_key(cadence=newsletter.cadence, slot=slot)
    existing = NewsletterIssue.objects.filter(newsletter=newsletter, period=period).first()
    if existing is not None:
        return existing
    start = newsletter_window_start(newsletter=newsletter, before=slot)
    posts = newsletter_posts(newsletter=newsletter, start=start, end=slot)
    issue = NewsletterIssue(
        newsletter=newsletter,
        period=period,
        subject=_issue_subject(newsletter, posts),
        post_ids=[post.pk for post in posts],
        window_start=start,
        window_end=slot,
    )
    if posts:
        context = {
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "newsletter": newsletter,
            "channel": newsletter.channel,
            "period": period,
            "posts": post_items(posts),
            "view_url": _absolute(
                reverse(
                    "accounts:newsletter_issue",
                    kwargs={"handle": newsletter.channel.handle, "period": period},
                )
            ),
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        }
        issue.text = render_to_string("emails/newsletter.txt", context)
        issue.html = render_to_string("emails/newsletter.html", context)
    try:
        with transaction.atomic():
            issue.save()
    except IntegrityError:
        return NewsletterIssue.objects.get(newsletter=newsletter, period=period)
    return issue


def _due_subscriptions(issue: NewsletterIssue) -> Any:
    """Active subscriptions confirmed by the issue's slot that have no delivery of its period."""
    return Subscription.objects.filter(
        newsletter_id=issue.newsletter_id,
        status=Subscription.Status.ACTIVE,
        confirmed_at__lte=issue.window_end,
    ).exclude(Exists(Delivery.objects.filter(subscription_id=OuterRef("pk"), period=issue.period)))


def newsletter_batches(
    *, issue: NewsletterIssue, batch_size: int | None = None
) -> Iterator[tuple[int, int]]:
    """(first id, last id) of each batch of subscribers still due for the issue: keyset pages
    of ids, one query per batch, never the whole list in memory."""
    size = batch_size or settings.NEWSLETTER_BATCH_SIZE
    last = 0
    while True:
        ids = list(
            _due_subscriptions(issue)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return
        yield ids[0], ids[-1]
        last = ids[-1]


@transaction.atomic
def newsletter_batch_queue(*, issue_id: int, first_id: int, last_id: int) -> list[int]:
    """Queue the issue to the due subscribers with ids in [first_id, last_id]: their Delivery
    rows and outbox emails in this one transaction, each at most once per period however often
    this runs. Delivery is published on commit. Returns the outbox ids of the batch."""
    issue = (
        NewsletterIssue.objects.select_related("newsletter__channel").filter(pk=issue_id).first()
    )
    if issue is None or issue.is_empty:
        return []
    subscriptions = list(
        _due_subscriptions(issue)
        .select_for_update(skip_locked=True)
        .filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .only("pk", "email")
    )
    if not subscriptions:
        return []
    drafts = []
    for subscription in subscriptions:
        url = unsubscribe_url(subscription_id=subscription.pk)
        drafts.append(
            EmailDraft(
                to=subscription.email,
                subject=issue.subject,
                text_body=issue.text.replace(UNSUBSCRIBE_PLACEHOLDER, url),
                html_body=issue.html.replace(UNSUBSCRIBE_PLACEHOLDER, url),
                dedupe_key=_newsletter_key(issue, subscription.pk),
                headers=unsubscribe_headers(url),
            )
        )
    email_ids = email_queue_many(drafts=drafts)
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=subscription.pk,
                issue_id=issue.pk,
                period=issue.period,
                outbound_email_id=email_ids[_newsletter_key(issue, subscription.pk)],
            )
            for subscription in subscriptions
        ],
        ignore_conflicts=True,
    )
    ids = sorted(email_ids.values())
    transaction.on_commit(partial(email_enqueue_many, email_ids=ids))
    return ids


def _newsletter_key(issue: NewsletterIssue, subscription_id: int) -> str:
    return f"newsletter:{issue.newsletter_id}:{issue.period}:sub:{subscription_id}"


def newsletter_preview(*, newsletter: Newsletter, now: datetime | None = None) -> list[Post]:
    """The posts the next issue would carry if it were built now (for channel members)."""
    now = now or timezone.now()
    start = newsletter_window_start(newsletter=newsletter, before=now)
    return newsletter_posts(newsletter=newsletter, start=start, end=now)


# --- Personal digests --------------------------------------------------------------------------


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


def digest_posts_for(
    *, preferences: Sequence[DigestPreference], starts: dict[int, datetime], end: datetime
) -> dict[int, list[int]]:
    """For each user of `preferences`, the ids of the best posts (by score) published since
    their window start from the tags, channels and people they follow, leaving out the posts and
    tags they hid. A fixed handful of queries for the whole batch, none per member."""
    user_ids = [preference.user_id for preference in preferences]
    tags: dict[int, set[int]] = defaultdict(set)
    channels: dict[int, set[int]] = defaultdict(set)
    people: dict[int, set[int]] = defaultdict(set)
    for user_id, tag_id, channel_id, followed_id in Follow.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "tag_id", "channel_id", "followed_user_id"):
        if tag_id:
            tags[user_id].add(tag_id)
        elif channel_id:
            channels[user_id].add(channel_id)
        elif followed_id:
            people[user_id].add(followed_id)
    all_tags = set().union(*tags.values()) if tags else set()
    all_channels = set().union(*channels.values()) if channels else set()
    all_people = set().union(*people.values()) if people else set()
    if not (all_tags or all_channels or all_people):
        return {user_id: [] for user_id in user_ids}
    post_tags = Post.tags.through.objects
    candidates = list(
        Post.objects.filter(
            status=Post.Status.PUBLISHED,
            published_at__gte=min(starts.values()),
            published_at__lt=end,
        )
        .filter(
            Q(Exists(post_tags.filter(post_id=OuterRef("pk"), tag_id__in=all_tags)))
            | Q(channel_id__in=all_channels)
            | Q(author_id__in=all_people)
        )
        .order_by("-score", "-published_at", "-id")
        .values_list("pk", "channel_id", "author_id", "published_at")[:DIGEST_CANDIDATES]
    )
    tags_of: dict[int, set[int]] = defaultdict(set)
    for post_id, tag_id in post_tags.filter(post_id__in=[row[0] for row in candidates]).values_list(
        "post_id", "tag_id"
    ):
        tags_of[post_id].add(tag_id)
    hidden_posts: dict[int, set[int]] = defaultdict(set)
    for user_id, post_id in HiddenPost.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "post_id"
    ):
        hidden_posts[user_id].add(post_id)
    hidden_tags: dict[int, set[int]] = defaultdict(set)
    for user_id, tag_id in HiddenTag.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "tag_id"
    ):
        hidden_tags[user_id].add(tag_id)
    limit = settings.NEWSLETTER_ISSUE_POSTS
    chosen: dict[int, list[int]] = {}
    for user_id in user_ids:
        picked: list[int] = []
        for post_id, channel_id, author_id, published_at in candidates:
            if len(picked) >= limit:
                break
            if published_at is None or published_at < starts[user_id]:
                continue
            if post_id in hidden_posts[user_id]:
                continue
            if tags_of[post_id] & hidden_tags[user_id]:
                continue
            if (
                tags_of[post_id] & tags[user_id]
                or channel_id in channels[user_id]
                or author_id in people[user_id]
            ):
                picked.append(post_id)
        chosen[user_id] = picked
    return chosen


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
    chosen = digest_posts_for(preferences=preferences, starts=starts, end=now)
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
            "view_url": _absolute(reverse("accounts:digest_view", kwargs={"token": token})),
            "settings_url": _absolute(reverse("accounts:settings")),
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
        transaction.on_commit(partial(email_enqueue_many, email_ids=ids))
    return ids
