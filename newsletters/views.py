"""Newsletter and digest pages: subscribe (the post page's call to action), confirm,
unsubscribe (one-click, RFC 8058), each channel's archive of past issues and the next-issue
preview for its members, a digest's "view in browser" page, and the settings page's newsletter
and digest sections. Each view parses the request and calls one service or selector."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core import ratelimit
from newsletters import forms, selectors
from newsletters.models import Newsletter, Subscription
from newsletters.receivers import settings_section
from newsletters.services import issues
from newsletters.services import subscriptions as services

SUBSCRIBE_SESSION_KEY = "newsletter_subscribe"


def _invalid(request: HttpRequest, exc: services.InvalidToken, purpose: str) -> HttpResponse:
    return render(
        request,
        "newsletters/link_invalid.html",
        {"reason": exc.reason, "message": str(exc), "purpose": purpose},
        status=400,
    )


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@csrf_exempt
@require_POST
def newsletter_subscribe(request: HttpRequest, handle: str) -> HttpResponse:
    """A member with a confirmed address is subscribed at once; a visitor (or a member typing
    another address) gets a confirmation email. The answer to a valid address is the same
    whether it was new, waiting or already subscribed.

    Only the member's one-click subscription is CSRF-checked: it acts on their account. An
    address typed into the form acts on no account and only asks for a confirmation email (the
    double opt-in), which anyone may ask for directly, rate-limited per address and client; its
    form carries no token, so an anonymous page with it sets no cookie and the page cache can
    share it (docs/newsletters.md#subscribing, docs/performance.md)."""
    channel, _ = selectors.newsletter_channel_get(handle=handle)
    newsletter = services.newsletter_for_channel(channel=channel)
    if request.user.is_authenticated and not request.POST.get("email"):
        return _member_subscribe(request, newsletter=newsletter)
    form = forms.NewsletterSubscribeForm(request.POST)
    status = 400
    if form.is_valid():
        email = form.cleaned_data["email"]
        wait = ratelimit.email_request_retry_after(request=request, address=email)
        if wait:
            form.add_error(
                None,
                f"Too many subscription requests from here or for that address. "
                f"Try again {ratelimit.wait_phrase(wait)}.",
            )
            status = 429
        else:
            try:
                services.subscription_request(newsletter=newsletter, email=email)
            except ValidationError as exc:
                form.add_error("email", exc)
            else:
                request.session[SUBSCRIBE_SESSION_KEY] = [email.strip().lower(), newsletter.name]
                return redirect("newsletters:check_inbox")
    return render(
        request,
        "newsletters/subscribe.html",
        {"form": form, "channel": channel, "newsletter": newsletter},
        status=status,
    )


@csrf_protect
def _member_subscribe(request: HttpRequest, *, newsletter: Newsletter) -> HttpResponse:
    user = cast(User, request.user)
    subscription = services.subscription_add_for_user(user=user, newsletter=newsletter)
    if subscription.status == Subscription.Status.ACTIVE:
        messages.success(request, f"You are subscribed to {newsletter.name}.")
        return redirect(_back(request, newsletter.get_absolute_url()))
    request.session[SUBSCRIBE_SESSION_KEY] = [subscription.email, newsletter.name]
    return redirect("newsletters:check_inbox")


def newsletter_check_inbox(request: HttpRequest) -> HttpResponse:
    email, name = request.session.get(SUBSCRIBE_SESSION_KEY) or ["", ""]
    return render(
        request, "newsletters/check_inbox.html", {"email": email, "newsletter_name": name}
    )


def newsletter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = services.subscription_confirm(token=token)
    except services.InvalidToken as exc:
        return _invalid(request, exc, "confirm")
    return render(
        request,
        "newsletters/confirmed.html",
        {"subscription": subscription, "newsletter": subscription.newsletter},
    )


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link stops and a button (mail scanners prefetch links: a GET never
    unsubscribes anyone). POST, from that button or from a mail client's one-click
    List-Unsubscribe-Post (RFC 8058, which sends no CSRF token), unsubscribes at once; a second
    POST changes nothing and says so."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    try:
        if request.method == "POST":
            target = services.unsubscribe(token=token)
            done = True
        else:
            target = services.unsubscribe_describe(token=token)
            done = target.already
    except services.InvalidToken as exc:
        return _invalid(request, exc, "unsubscribe")
    response = render(
        request,
        "newsletters/unsubscribe.html",
        {"target": target, "done": done, "token": token},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def newsletter_archive(request: HttpRequest, handle: str) -> HttpResponse:
    channel, newsletter = selectors.newsletter_channel_get(handle=handle)
    user = request.user if isinstance(request.user, User) else None
    return render(
        request,
        "newsletters/archive.html",
        {
            "channel": channel,
            "newsletter": newsletter,
            "newsletter_name": newsletter.name if newsletter else channel.newsletter_name,
            "issues": selectors.issue_list(newsletter=newsletter) if newsletter else [],
            "is_member": selectors.channel_is_member(user=user, channel=channel),
            "is_subscribed": bool(
                user
                and newsletter
                and selectors.subscription_active_for(user=user, newsletter=newsletter)
            ),
            "form": forms.NewsletterSubscribeForm(),
        },
    )


@require_GET
def newsletter_issue(request: HttpRequest, handle: str, period: str) -> HttpResponse:
    channel, newsletter = selectors.newsletter_channel_get(handle=handle)
    if newsletter is None:
        raise Http404("This channel has no newsletter issues.")
    issue = selectors.issue_get(newsletter=newsletter, period=period)
    return render(
        request,
        "newsletters/issue.html",
        {
            "channel": channel,
            "newsletter": newsletter,
            "issue": issue,
            "posts": selectors.posts_in_order(post_ids=issue.post_ids),
            "preview": False,
        },
    )


@login_required
@require_GET
def newsletter_preview(request: HttpRequest, handle: str) -> HttpResponse:
    """The next issue as it would be built now: for the channel's members only (404 to others,
    like a page that does not exist for them)."""
    channel, newsletter = selectors.newsletter_channel_get(handle=handle)
    if not selectors.channel_is_member(user=cast(User, request.user), channel=channel):
        raise Http404("No such page.")
    newsletter = newsletter or services.newsletter_for_channel(channel=channel)
    return render(
        request,
        "newsletters/issue.html",
        {
            "channel": channel,
            "newsletter": newsletter,
            "issue": None,
            "posts": issues.newsletter_preview(newsletter=newsletter),
            "preview": True,
        },
    )


@require_GET
def digest_view(request: HttpRequest, token: str) -> HttpResponse:
    """A personal digest as it was emailed ("view in browser"); the signed link is the key."""
    try:
        user_id, period = services.digest_view_token_read(token=token)
    except services.InvalidToken as exc:
        return _invalid(request, exc, "digest")
    email = selectors.digest_delivery_get(user_id=user_id, period=period).outbound_email
    if email is None:
        raise Http404("No such digest.")
    response = HttpResponse(email.html_body)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def digest_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = forms.DigestPreferenceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.digest_preference_update(
                user=user,
                frequency=data["frequency"],
                weekday=data["weekday"],
                hour=data["hour"],
                timezone_name=data["timezone"],
                tags=list(data["tags"]),
                channels=list(data["channels"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your digest settings are saved.")
            return redirect("accounts:settings")
    # The settings page belongs to accounts (below this app); a form with errors comes back on
    # a page of its own with the same section.
    section = settings_section(request=request, user=user, bound={"digest_form": form})
    return render(request, "newsletters/digest_settings.html", {"section": section.context})


@login_required
@require_POST
def subscription_cancel(request: HttpRequest, subscription_id: int) -> HttpResponse:
    if services.subscription_cancel(user=cast(User, request.user), subscription_id=subscription_id):
        messages.success(request, "You are unsubscribed.")
    return redirect("accounts:settings")
