"""Newsletter issues: each built once per period, and queued to its subscribers in batches.

A run (`newsletters.tasks.digests_run`, from beat) builds each due newsletter's issue once and walks
the subscribers still without a delivery for the period in keyset batches of ids; each batch task
selects its subscribers with one query, then writes their Delivery rows and outbox emails in one
transaction, with INSERT ... ON CONFLICT DO NOTHING on (subscription, period) and on the
outbox's dedupe key. So a re-run, a second beat, a duplicated task message or a worker killed
mid-batch never queues anyone twice, and anyone a lost batch missed is still without a delivery
row, so the next run picks them up. Sending is the outbox's job (`email_deliver_batch`, with the
outbox's claim protocol and sweep). Personal digests (accounts/services/digests.py) follow the
same pattern per user and reuse the helpers for email contents here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.links import absolute_url
from newsletters.models import Delivery, Newsletter, NewsletterIssue, Subscription
from newsletters.services.periods import latest_slot, period_key, period_length
from newsletters.services.subscriptions import unsubscribe_url
from outbox.services import EmailDraft, email_queue_many, emails_deliver_on_commit
from posts.models import Post

# Stands for the recipient's own unsubscribe link in an issue rendered once for everyone.
UNSUBSCRIBE_PLACEHOLDER = "__FAUN_UNSUBSCRIBE_URL__"


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
            "url": absolute_url(post.get_absolute_url()),
            "source": post.url,
            "domain": post.domain,
            "score": post.score,
            "channel": post.channel.handle if post.channel_id and post.channel else "",
        }
        for post in posts
    ]


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
            "view_url": absolute_url(
                reverse(
                    "newsletters:issue",
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
    emails_deliver_on_commit(email_ids=ids)
    return ids


def _newsletter_key(issue: NewsletterIssue, subscription_id: int) -> str:
    return f"newsletter:{issue.newsletter_id}:{issue.period}:sub:{subscription_id}"


def newsletter_preview(*, newsletter: Newsletter, now: datetime | None = None) -> list[Post]:
    """The posts the next issue would carry if it were built now (for channel members)."""
    now = now or timezone.now()
    start = newsletter_window_start(newsletter=newsletter, before=now)
    return newsletter_posts(newsletter=newsletter, start=start, end=now)
