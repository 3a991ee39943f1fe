"""Newsletters and personal digests: subscribing (double opt-in), confirming, unsubscribing with
one click, issues built once per period, digests from what a member follows, emails parsed with
the standard library, archive pages, bad input, and exactly-once under re-runs."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsletters.models import Delivery, DigestPreference, Newsletter, NewsletterIssue, Subscription
from newsletters.services import digests, issues
from newsletters.services import subscriptions as services
from newsletters.services.periods import latest_slot, next_slot, period_key
from newsletters.tasks import digests_run
from outbox.models import OutboundEmail
from posts.models import Follow, HiddenPost, HiddenTag
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday, ISO week 48


def make_newsletter(handle: str = "devopslinks", **fields) -> Newsletter:
    channel = ChannelFactory(handle=handle, newsletter_name="DevOpsLinks Weekly")
    defaults = {"name": "DevOpsLinks Weekly", "created_at": NOW - timedelta(days=60)}
    return Newsletter.objects.create(channel=channel, **{**defaults, **fields})


def subscribe(newsletter: Newsletter, count: int, start: int = 0) -> list[Subscription]:
    return Subscription.objects.bulk_create(
        [
            Subscription(
                newsletter=newsletter,
                email=f"reader{i}@example.com",
                status=Subscription.Status.ACTIVE,
                confirmed_at=NOW - timedelta(days=30),
            )
            for i in range(start, start + count)
        ]
    )


def parse(message) -> EmailMessage:
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def parts(parsed: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in parsed.walk()
        if not part.is_multipart()
    }


def run(captured, now: datetime = NOW) -> None:
    """A digests run at `now`, with after-commit work (delivery publishing) executed."""
    with captured(execute=True):
        newsletters = Newsletter.objects.filter(is_active=True)
        for newsletter in newsletters:
            issue = issues.issue_build(newsletter=newsletter, now=now)
            if issue is None or issue.is_empty:
                continue
            for first, last in issues.newsletter_batches(issue=issue):
                issues.newsletter_batch_queue(issue_id=issue.pk, first_id=first, last_id=last)
        for first, last in digests.digest_batches(now=now):
            digests.digest_batch_queue(first_id=first, last_id=last, now=now)


# --- Periods -----------------------------------------------------------------------------------


def test_periods_weekly_and_daily_in_utc_and_in_a_members_zone():
    slot = latest_slot(cadence="weekly", weekday=0, hour=8, tz="UTC", now=NOW)
    assert slot == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert period_key(cadence="weekly", slot=slot) == "2026-W48"
    # Before Monday 08:00 the latest slot is the previous week's.
    early = datetime(2026, 11, 23, 7, 59, tzinfo=UTC)
    assert (
        period_key(
            cadence="weekly",
            slot=latest_slot(cadence="weekly", weekday=0, hour=8, tz="UTC", now=early),
        )
        == "2026-W47"
    )
    daily = latest_slot(cadence="daily", weekday=0, hour=13, tz="UTC", now=NOW)
    assert period_key(cadence="daily", slot=daily) == "2026-11-24"
    # 07:00 in Tokyo is 22:00 UTC the day before.
    nxt = next_slot(cadence="daily", weekday=0, hour=7, tz="Asia/Tokyo", after=NOW)
    assert nxt == datetime(2026, 11, 25, 22, tzinfo=UTC)


# --- Subscribing -------------------------------------------------------------------------------


def subscribe_url(handle: str = "devopslinks") -> str:
    return reverse("newsletters:subscribe", kwargs={"handle": handle})


def confirm_link(email: OutboundEmail) -> str:
    return re.search(r"https?://\S+/newsletters/confirm/\S+/", email.text_body).group(0)


def test_visitor_subscribes_then_confirms_from_the_emailed_link(client):
    newsletter = make_newsletter()

    response = client.post(subscribe_url(), {"email": "  Ada@Example.com "})

    assert response.status_code == 302
    assert response.url == reverse("newsletters:check_inbox")
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.status) == ("ada@example.com", "pending")
    email = OutboundEmail.objects.get()
    assert email.to == "ada@example.com"
    assert email.subject == "Confirm your subscription to DevOpsLinks Weekly"
    page = client.get(response.url)
    assert "ada@example.com" in page.content.decode()

    response = client.get(urlparse(confirm_link(email)).path)

    assert response.status_code == 200
    assert "You are subscribed to DevOpsLinks Weekly" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.confirmed_at is not None
    assert newsletter.subscriptions.filter(status="active").count() == 1
    # A second click says the same and changes nothing.
    assert client.get(urlparse(confirm_link(email)).path).status_code == 200


def test_same_answer_for_new_pending_and_active_addresses(client):
    newsletter = make_newsletter()
    subscribe(newsletter, 1)  # reader0 is active
    Subscription.objects.create(newsletter=newsletter, email="waiting@example.com")
    answers = [
        client.post(subscribe_url(), {"email": address})
        for address in ("new@example.com", "waiting@example.com", "READER0@example.com")
    ]
    assert {(r.status_code, r.url) for r in answers} == {(302, reverse("newsletters:check_inbox"))}
    # The active reader got no email and stays active; the others got a confirmation link.
    assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == [
        "new@example.com",
        "waiting@example.com",
    ]
    assert Subscription.objects.get(email="reader0@example.com").status == "active"
    assert Subscription.objects.count() == 3


@pytest.mark.parametrize("address", ["not-an-email", "a@b", "x" * 250 + "@example.com", ""])
def test_invalid_address_is_refused_and_nothing_is_stored(client, address):
    make_newsletter()
    response = client.post(subscribe_url(), {"email": address})
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert Subscription.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_subscribe_is_rate_limited_per_client(client, settings):
    settings.ACCOUNTS_EMAIL_LIMIT = 1
    make_newsletter()
    assert client.post(subscribe_url(), {"email": "a@example.com"}).status_code == 302
    assert client.post(subscribe_url(), {"email": "b@example.com"}).status_code == 302
    response = client.post(subscribe_url(), {"email": "c@example.com"})
    assert response.status_code == 429
    assert not Subscription.objects.filter(email="c@example.com").exists()


def test_subscribe_limit_counts_every_spelling_of_a_mailbox(client, settings):
    settings.ACCOUNTS_EMAIL_LIMIT = 2
    make_newsletter()
    spellings = ["victim@example.com", "victim+1@example.com", '"victim"@example.com']
    codes = [
        client.post(subscribe_url(), {"email": address}, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n, address in enumerate(spellings)
    ]
    assert codes == [302, 302, 429]
    assert OutboundEmail.objects.count() == 2


def test_unknown_channel_is_404(client):
    assert client.post(subscribe_url("nosuchchan"), {"email": "a@example.com"}).status_code == 404


def test_member_subscribes_with_one_click_and_cancels_from_settings(client):
    channel = ChannelFactory(handle="golinks", newsletter_name="Golang Weekly")
    user = UserFactory(email="Grace@Example.com")
    client.force_login(user)
    response = client.post(subscribe_url("golinks"), {"next": "/p/abc/x/"})
    assert response.status_code == 302
    assert response.url == "/p/abc/x/"
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.status, subscription.user) == (
        "grace@example.com",
        "active",
        user,
    )
    assert subscription.newsletter.channel == channel
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Golang Weekly" in page
    client.post(reverse("newsletters:subscription_cancel", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


def test_unverified_member_gets_a_confirmation_email(client):
    make_newsletter()
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    response = client.post(subscribe_url())
    assert response.url == reverse("newsletters:check_inbox")
    assert Subscription.objects.get().status == "pending"
    assert OutboundEmail.objects.get().to == user.email


# --- Links: confirm and unsubscribe ------------------------------------------------------------


def test_forged_truncated_and_expired_confirmation_links(client, settings):
    newsletter = make_newsletter()
    subscription = services.subscription_request(newsletter=newsletter, email="a@example.com")
    token = services.confirm_token_make(subscription=subscription)
    for bad in ("nonsense", token[:-3], token + "x", "a" * 400):
        response = client.get(reverse("newsletters:confirm", args=[bad]))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    settings.NEWSLETTER_CONFIRM_LINK_MAX_AGE = -1
    response = client.get(reverse("newsletters:confirm", args=[token]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "pending"


def test_confirmation_link_from_before_an_unsubscribe_does_not_resubscribe(client):
    newsletter = make_newsletter()
    subscription = services.subscription_request(newsletter=newsletter, email="a@example.com")
    token = services.confirm_token_make(subscription=subscription)
    services.subscription_confirm(token=token)
    services.unsubscribe(token=services.unsubscribe_token_make(subscription_id=subscription.pk))
    response = client.get(reverse("newsletters:confirm", args=[token]))
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


def test_unsubscribe_get_asks_post_unsubscribes_at_once_and_twice_is_harmless():
    newsletter = make_newsletter()
    [subscription] = subscribe(newsletter, 1)
    url = reverse(
        "newsletters:unsubscribe",
        args=[services.unsubscribe_token_make(subscription_id=subscription.pk)],
    )
    client = Client(enforce_csrf_checks=True)  # one-click POSTs from mail clients carry no token

    page = client.get(url)
    assert page.status_code == 200
    assert "Unsubscribe from DevOpsLinks Weekly?" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "active"  # a prefetching scanner changes nothing

    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You will not receive DevOpsLinks Weekly" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"
    first_at = subscription.unsubscribed_at

    again = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert "already unsubscribed" in again.content.decode()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at == first_at


@pytest.mark.parametrize("token", ["s.1", "s.1:forged", "d.1:AAAA", "x" * 400])
def test_forged_unsubscribe_links_change_nothing(client, token):
    newsletter = make_newsletter()
    subscribe(newsletter, 1)
    for method in (client.get, client.post):
        response = method(reverse("newsletters:unsubscribe", args=[token]))
        assert response.status_code == 400
    assert Subscription.objects.get().status == "active"


def test_unsubscribe_link_turns_a_digest_off():
    user = UserFactory()
    services.digest_preference_update(
        user=user, frequency="daily", weekday=0, hour=8, timezone_name="UTC"
    )
    url = reverse(
        "newsletters:unsubscribe", args=[services.unsubscribe_token_make(user_id=user.pk)]
    )
    assert Client(enforce_csrf_checks=True).post(url).status_code == 200
    preference = DigestPreference.objects.get(user=user)
    assert (preference.frequency, preference.next_due_at) == ("off", None)


# --- Issues and deliveries ---------------------------------------------------------------------


def channel_post(newsletter: Newsletter, score: int, published_at: datetime, **kwargs):
    post = PostFactory(channel=newsletter.channel, published_at=published_at, **kwargs)
    type(post).objects.filter(pk=post.pk).update(score=score)
    return post


def test_issue_holds_the_channels_top_posts_since_its_last_issue_and_is_built_once(settings):
    settings.NEWSLETTER_ISSUE_POSTS = 2
    newsletter = make_newsletter()
    slot = datetime(2026, 11, 23, 8, tzinfo=UTC)
    low = channel_post(newsletter, 1, slot - timedelta(days=1))
    high = channel_post(newsletter, 9, slot - timedelta(days=2))
    mid = channel_post(newsletter, 5, slot - timedelta(days=3))
    channel_post(newsletter, 50, slot - timedelta(days=8))  # before the window
    channel_post(newsletter, 50, slot + timedelta(hours=1))  # after the slot: next issue
    PostFactory(published_at=slot - timedelta(days=1))  # another channel's
    del low

    issue = issues.issue_build(newsletter=newsletter, now=NOW)

    assert issue.period == "2026-W48"
    assert issue.post_ids == [high.pk, mid.pk]
    assert issue.subject == f"DevOpsLinks Weekly: {high.title}"
    assert issues.issue_build(newsletter=newsletter, now=NOW + timedelta(days=2)).pk == issue.pk
    assert NewsletterIssue.objects.count() == 1
    # The next week's issue starts where this one ended.
    later = issues.issue_build(newsletter=newsletter, now=NOW + timedelta(days=7))
    assert later.period == "2026-W49"
    assert later.window_start == issue.window_end
    assert len(later.post_ids) == 1


def test_run_sends_each_subscriber_one_email_with_parts_and_unsubscribe_headers(
    django_capture_on_commit_callbacks, settings
):
    settings.NEWSLETTER_BATCH_SIZE = 3
    newsletter = make_newsletter()
    post = channel_post(
        newsletter,
        7,
        NOW - timedelta(days=3),
        title="eBPF in production",
        tldr=["Fast.", "Safe <b>enough</b>."],
    )
    subscribe(newsletter, 7)
    Subscription.objects.create(newsletter=newsletter, email="pending@example.com")
    late = Subscription.objects.create(
        newsletter=newsletter, email="late@example.com", status="active", confirmed_at=NOW
    )

    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)  # a second beat: nothing new
    digests_run.apply()  # and the real task, eagerly

    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{i}@example.com" for i in range(7)]
    assert Delivery.objects.filter(period="2026-W48").count() == 7
    assert not Delivery.objects.filter(subscription=late).exists()  # confirmed after the slot
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    parsed = parse(mail.outbox[0])
    subscription = Subscription.objects.get(email=mail.outbox[0].to[0])
    assert parsed["Subject"] == "DevOpsLinks Weekly: eBPF in production"
    unsubscribe = services.unsubscribe_url(subscription_id=subscription.pk)
    # A long value is folded onto its own line; unfolding leaves the leading space.
    assert parsed["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = parts(parsed)
    assert set(body) == {"text/plain", "text/html"}
    issue_url = "http://127.0.0.1:8000/@devopslinks/newsletter/2026-W48/"
    post_url = f"http://127.0.0.1:8000{post.get_absolute_url()}"
    for content in body.values():
        assert issue_url in content  # view in browser
        assert post_url in content
        assert post.url in content
        assert unsubscribe in content
    assert "Safe <b>enough</b>." in body["text/plain"]
    assert "Safe &lt;b&gt;enough&lt;/b&gt;." in body["text/html"]

    # The link in the email works without logging in.
    path = urlparse(unsubscribe).path
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


def test_empty_issue_is_skipped(django_capture_on_commit_callbacks):
    newsletter = make_newsletter()
    subscribe(newsletter, 3)
    run(django_capture_on_commit_callbacks)
    issue = NewsletterIssue.objects.get()
    assert issue.is_empty
    assert mail.outbox == []
    assert Delivery.objects.count() == 0


def test_batch_selection_costs_the_same_queries_for_5_and_50_subscribers():
    counts = []
    for size, handle in ((5, "small"), (50, "large")):
        newsletter = make_newsletter(handle=handle)
        channel_post(newsletter, 3, NOW - timedelta(days=4))
        subscribe(newsletter, size, start=1000 * len(handle))
        issue = issues.issue_build(newsletter=newsletter, now=NOW)
        [(first, last)] = list(issues.newsletter_batches(issue=issue, batch_size=500))
        with CaptureQueriesContext(connection) as queries:
            ids = issues.newsletter_batch_queue(issue_id=issue.pk, first_id=first, last_id=last)
        assert len(ids) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_on_postgresql_queue_each_subscriber_once():
    newsletter = make_newsletter()
    channel_post(newsletter, 3, NOW - timedelta(days=4))
    subscribe(newsletter, 120)
    issue = issues.issue_build(newsletter=newsletter, now=NOW)
    first = Subscription.objects.order_by("pk").first().pk
    last = Subscription.objects.order_by("pk").last().pk
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            issues.newsletter_batch_queue(issue_id=issue.pk, first_id=first, last_id=last)
            # and a run that overlaps, from a second beat
            for lo, hi in issues.newsletter_batches(issue=issue, batch_size=50):
                issues.newsletter_batch_queue(issue_id=issue.pk, first_id=lo, last_id=hi)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Delivery.objects.count() == 120
    assert OutboundEmail.objects.count() == 120
    assert OutboundEmail.objects.values("to").distinct().count() == 120


# --- Personal digests --------------------------------------------------------------------------


def test_digest_has_top_followed_posts_without_hidden_ones_once_per_period(
    client, django_capture_on_commit_callbacks, settings
):
    settings.NEWSLETTER_ISSUE_POSTS = 3
    python, rust, spam = TagFactory(slug="python"), TagFactory(slug="rust"), TagFactory(slug="spam")
    channel = ChannelFactory(handle="kubeweekly")
    user = UserFactory(username="ada", email="ada@example.com")
    client.force_login(user)
    response = client.post(
        reverse("newsletters:digest_settings"),
        {
            "frequency": "daily",
            "weekday": "0",
            "hour": "9",
            "timezone": "Europe/Paris",
            "tags": [python.pk],
            "channels": [channel.pk],
        },
    )
    assert response.status_code == 302
    preference = DigestPreference.objects.get(user=user)
    assert Follow.objects.filter(user=user).count() == 2
    due = preference.next_due_at
    recent = due - timedelta(hours=3)

    def post(score, **kwargs):
        made = PostFactory(published_at=recent, **kwargs)
        type(made).objects.filter(pk=made.pk).update(score=score)
        return made

    best = post(9, tags=[python])
    from_channel = post(5, channel=channel)
    hidden = post(8, tags=[python])
    with_hidden_tag = post(7, tags=[python, spam])
    post(20, tags=[rust])  # not followed
    old = PostFactory(published_at=due - timedelta(days=3), tags=[python])
    del old
    HiddenPost.objects.create(user=user, post=hidden)
    HiddenTag.objects.create(user=user, tag=spam)

    run(django_capture_on_commit_callbacks, now=due - timedelta(minutes=1))
    assert mail.outbox == []  # not yet due
    run(django_capture_on_commit_callbacks, now=due + timedelta(minutes=1))
    run(django_capture_on_commit_callbacks, now=due + timedelta(minutes=2))

    [message] = mail.outbox
    parsed = parse(message)
    delivery = Delivery.objects.get(user=user)
    assert delivery.post_ids == [best.pk, from_channel.pk]
    # The period is the date of the slot in the member's own zone.
    assert delivery.period == due.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = parts(parsed)["text/plain"]
    assert best.title in text
    assert from_channel.title in text
    assert hidden.title not in text
    assert with_hidden_tag.title not in text
    preference.refresh_from_db()
    assert preference.next_due_at == due + timedelta(days=1)
    assert preference.last_period == delivery.period

    # "View in browser" shows the digest as sent, without logging in.
    view = re.search(r"https?://\S+/digest/\S+/", text).group(0)
    page = Client().get(urlparse(view).path)
    assert page.status_code == 200
    assert best.title in page.content.decode()
    assert Client().get("/digest/forged/").status_code == 400


def test_empty_digest_is_skipped_but_recorded(django_capture_on_commit_callbacks):
    user = UserFactory()
    preference = services.digest_preference_update(
        user=user, frequency="weekly", weekday=2, hour=10, timezone_name="UTC"
    )
    run(django_capture_on_commit_callbacks, now=preference.next_due_at + timedelta(minutes=1))
    assert mail.outbox == []
    delivery = Delivery.objects.get(user=user)
    assert delivery.outbound_email is None
    preference.refresh_from_db()
    assert preference.next_due_at > timezone.now()


def test_digest_settings_refuse_an_unknown_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("newsletters:digest_settings"),
        {"frequency": "daily", "weekday": "0", "hour": "9", "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "Mars/Olympus" in response.content.decode()
    assert not DigestPreference.objects.filter(user=user).exists()


# --- Archive pages -----------------------------------------------------------------------------


def test_archive_lists_sent_issues_and_each_issue_has_a_page(client):
    newsletter = make_newsletter()
    post = channel_post(newsletter, 4, NOW - timedelta(days=4), title="Kubernetes 1.40 ships")
    issue = issues.issue_build(newsletter=newsletter, now=NOW)
    issues.issue_build(newsletter=newsletter, now=NOW + timedelta(days=7))  # empty, not listed

    page = client.get("/@devopslinks/newsletter/")
    assert page.status_code == 200
    html = page.content.decode()
    assert issue.subject in html
    assert "/@devopslinks/newsletter/2026-W48/" in html
    assert "2026-W49" not in html

    page = client.get("/@devopslinks/newsletter/2026-W48/")
    assert page.status_code == 200
    assert post.title in page.content.decode()
    assert client.get("/@devopslinks/newsletter/2026-W49/").status_code == 404
    assert client.get("/@devopslinks/newsletter/2026-W01/").status_code == 404
    assert client.get("/@nosuchchannel/newsletter/").status_code == 404
    # The channel page itself still belongs to posts.
    assert client.get("/@devopslinks/").status_code == 200


def test_next_issue_preview_is_for_channel_members_only(client):
    newsletter = make_newsletter()
    post = channel_post(newsletter, 4, timezone.now() - timedelta(hours=1), title="Fresh post")
    url = reverse("newsletters:preview", args=["devopslinks"])
    assert client.get(url).status_code == 302  # log in first
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    member = ChannelMembershipFactory(channel=newsletter.channel).user
    client.force_login(member)
    page = client.get(url)
    assert page.status_code == 200
    assert post.title in page.content.decode()
    assert "Preview the next issue" in client.get("/@devopslinks/newsletter/").content.decode()


def test_post_page_call_to_action_posts_to_the_subscribe_url(client):
    newsletter = make_newsletter()
    post = PostFactory(channel=newsletter.channel)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Subscribe to our weekly newsletter DevOpsLinks Weekly" in html
    assert 'action="/@devopslinks/newsletter/subscribe/"' in html


def test_after_subscribing_from_a_post_its_box_says_subscribed_instead_of_offering_again(client):
    newsletter = make_newsletter()
    post = PostFactory(channel=newsletter.channel)
    member = UserFactory(email="grace@example.com")
    client.force_login(member)
    before = client.get(post.get_absolute_url()).content.decode()
    assert 'action="/@devopslinks/newsletter/subscribe/"' in before
    response = client.post(subscribe_url(), {"next": post.get_absolute_url()}, follow=True)
    html = response.content.decode()
    assert "You are subscribed to DevOpsLinks Weekly." in html  # the flash
    assert "Subscribe with grace@example.com" not in html
    assert 'action="/@devopslinks/newsletter/subscribe/"' not in html
    assert "You are subscribed to DevOpsLinks Weekly</h2>" in html
    assert f'href="{reverse("accounts:settings")}"' in html


def test_another_members_box_still_offers_to_subscribe(client):
    newsletter = make_newsletter()
    subscribe(newsletter, 3)
    post = PostFactory(channel=newsletter.channel)
    client.force_login(UserFactory(email="lin@example.com"))
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Subscribe with lin@example.com" in html


def test_channel_page_links_to_its_newsletter(client):
    make_newsletter()
    html = client.get("/@devopslinks/").content.decode()
    assert 'href="/@devopslinks/newsletter/"' in html


def test_a_visitor_subscribes_without_a_csrf_token_but_a_members_one_click_needs_one(settings):
    """A typed address acts on no account (docs/newsletters.md#channel-newsletters): the form
    has no token. A member's one-click subscription acts on their account: it is checked."""
    make_newsletter()
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post(subscribe_url(), {"email": "ada@example.com"})
    assert response.status_code == 302
    assert Subscription.objects.get().status == "pending"

    member = Client(enforce_csrf_checks=True)
    member.force_login(UserFactory(email="grace@example.com"))
    assert member.post(subscribe_url(), {"next": "/"}).status_code == 403
    assert not Subscription.objects.filter(email="grace@example.com").exists()


def test_a_channels_post_page_and_archive_set_no_cookie_for_visitors_and_are_shared(settings):
    """The newsletter box's token set a CSRF cookie, and the page cache never shares a response
    that sets one: every visitor's post page in a channel was rendered anew (issue 17)."""
    settings.ANONYMOUS_CACHE_SECONDS = 30
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Weekly")
    post = PostFactory(channel=channel, author=ChannelMembershipFactory(channel=channel).user)
    visitor = Client()
    for path in (post.get_absolute_url(), reverse("newsletters:archive", args=["devopslinks"])):
        first = visitor.get(path)
        assert first.status_code == 200, path
        assert "Subscribe" in first.content.decode(), path
        assert not first.cookies, path
        assert first["X-Cache"] == "miss", path
        assert visitor.get(path)["X-Cache"] == "hit", path
