"""Notifications: a reply to your post or comment, or your @username in a comment, lands in your
inbox and, unless you turned that kind off or muted the thread, in an email through the outbox,
queued in the comment's transaction (exactly once, like sign-up emails: docs/accounts.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.links import absolute_url
from core.signing import InvalidLink
from discussion.models import Comment, Notification, NotificationPreference, ThreadMute
from discussion.selectors import unread_count_forget
from outbox.services import email_queue
from posts.models import Post

# @name, not inside a word or an email address; the name rules are the sign-up's.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_]{3,30})\b")
MAX_MENTIONS = 10
UNSUBSCRIBE_SALT = "discussion.notification-unsubscribe"


def mentioned_usernames(body: str) -> list[str]:
    """The distinct names mentioned in `body`, lower-cased, in order, at most MAX_MENTIONS."""
    names = dict.fromkeys(name.lower() for name in MENTION.findall(body))
    return list(names)[:MAX_MENTIONS]


def unsubscribe_token_make(*, user_id: int, kind: str) -> str:
    """A signed, non-expiring token that turns off one kind of notification email for one
    member (an old email's link must still work)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{user_id}.{kind}")


def unsubscribe_token_read(*, token: str) -> tuple[int, str]:
    """(user id, kind) from an unsubscribe link. Raises InvalidLink("invalid")."""
    try:
        user_id, kind = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token[:300]).split(".", 1)
        if kind not in Notification.Kind.values:
            raise ValueError(kind)
        return int(user_id), kind
    except (signing.BadSignature, ValueError) as exc:
        raise InvalidLink("invalid") from exc


def _recipients(*, comment: Comment, post: Post, parent: Comment | None) -> dict[int, str]:
    """{user id: kind} for a new comment: the author of what it answers (reply), then the
    members it mentions (mention); never its own author, nobody who muted the thread."""
    found: dict[int, str] = {}
    answered = parent.author_id if parent is not None else post.author_id
    if answered is not None:
        found[answered] = Notification.Kind.REPLY
    names = mentioned_usernames(comment.body)
    if names:
        for user_id in (
            User.objects.annotate(name=Lower("username"))
            .filter(name__in=names, is_active=True)
            .values_list("pk", flat=True)
        ):
            found.setdefault(user_id, Notification.Kind.MENTION)
    found.pop(comment.author_id, None)  # type: ignore[arg-type]
    if found:
        muted = set(
            ThreadMute.objects.filter(post=post, user_id__in=list(found)).values_list(
                "user_id", flat=True
            )
        )
        found = {user_id: kind for user_id, kind in found.items() if user_id not in muted}
    return found


def notifications_for_new_comment(
    *, comment: Comment, post: Post, parent: Comment | None
) -> list[Notification]:
    """Write the new comment's notifications and queue their emails, in the caller's
    transaction: a rolled-back comment notifies nobody, a committed one emails each recipient
    once (the outbox row's dedupe key is the notification)."""
    recipients = _recipients(comment=comment, post=post, parent=parent)
    if not recipients:
        return []
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=user_id, kind=kind, comment=comment)
            for user_id, kind in recipients.items()
        ],
        ignore_conflicts=True,
    )
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=list(recipients)).select_related(
            "notification_preference"
        )
    }
    created = list(Notification.objects.filter(comment=comment, recipient_id__in=list(recipients)))
    transaction.on_commit(partial(unread_count_forget, user_ids=list(recipients)))
    for notification in created:
        user = users.get(notification.recipient_id)
        if user is None or not user.is_verified or not user.email:
            continue
        preference = getattr(user, "notification_preference", None)
        if preference is not None and not preference.emails(notification.kind):
            continue
        _email(notification=notification, user=user, comment=comment, post=post)
    return created


def _email(*, notification: Notification, user: User, comment: Comment, post: Post) -> None:
    token = unsubscribe_token_make(user_id=user.pk, kind=notification.kind)
    unsubscribe = absolute_url(
        reverse("discussion:notifications_unsubscribe", kwargs={"token": token})
    )
    who = comment.author.username if comment.author else "Someone"
    subject = (
        f"{who} replied to you on “{post.title}”"
        if notification.kind == Notification.Kind.REPLY
        else f"{who} mentioned you on “{post.title}”"
    )
    email_queue(
        to=user.email,
        subject=subject,
        template="comment_notification",
        context={
            "user": user,
            "notification": notification,
            "comment": comment,
            "post": post,
            "who": who,
            "comment_url": absolute_url(comment.get_absolute_url()),
            "unsubscribe_url": unsubscribe,
            "settings_url": absolute_url(reverse("accounts:settings")),
        },
        dedupe_key=f"notification:{notification.pk}",
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the member's unread notifications read (all of them, or those among `ids`).
    Returns how many changed."""
    qs: QuerySet[Notification] = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    changed = qs.update(read_at=timezone.now())
    if changed:
        unread_count_forget(user_ids=[user.pk])
    return changed


@transaction.atomic
def notification_preference_update(
    *, user: User, email_replies: bool, email_mentions: bool
) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "email_replies": email_replies,
            "email_mentions": email_mentions,
            "updated_at": timezone.now(),
        },
    )
    return preference


@transaction.atomic
def notification_unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn off the kind of email the link names, for its member (one-click unsubscribe,
    RFC 8058; twice is harmless). Raises InvalidLink."""
    user_id, kind = unsubscribe_token_read(token=token)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidLink("invalid")
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    field = "email_replies" if kind == Notification.Kind.REPLY else "email_mentions"
    setattr(preference, field, False)
    preference.updated_at = timezone.now()
    preference.save(update_fields=[field, "updated_at"])
    return user, kind


@transaction.atomic
def thread_mute_set(*, user: User, post: Post, muted: bool) -> bool:
    """Mute (or unmute) a post's discussion for `user`: no notifications from it. Returns
    whether anything changed."""
    if muted:
        _, created = ThreadMute.objects.get_or_create(user=user, post=post)
        return created
    deleted, _ = ThreadMute.objects.filter(user=user, post=post).delete()
    return bool(deleted)
