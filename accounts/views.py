"""Account pages: sign-up and email verification, log-in, password reset, the settings page
(profile, email, password, deletion) and the public profile. Each view parses the request, calls
one service and renders or redirects; the rules live in accounts/services."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import forms, services
from accounts.models import User
from accounts.services import (
    InvalidLink,
    email_change_request,
    user_delete,
    user_profile_update,
    user_signup,
    user_verify,
    verification_resend,
)
from accounts.signals import settings_sections
from core import ratelimit
from core.sections import sections_from

MODEL_BACKEND = "accounts.backends.AccountBackend"
SIGNUP_EMAIL_SESSION_KEY = "accounts_signup_email"


def _too_many(form: Form, wait: int) -> None:
    form.add_error(
        None,
        ValidationError(
            "Too many emails asked for from here or to that address. "
            f"Try again {ratelimit.wait_phrase(wait)}.",
            code="rate_limited",
        ),
    )


def _status(form: Form) -> int:
    """429 when the form was refused for a rate limit, 200 otherwise (a form with errors)."""
    rate_limited = any(error.code == "rate_limited" for error in form.non_field_errors().as_data())
    return 429 if rate_limited else 200


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        wait = ratelimit.email_request_retry_after(request=request, address=email)
        if wait:
            _too_many(form, wait)
        else:
            try:
                user_signup(
                    username=form.cleaned_data["username"],
                    email=email,
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # Same answer whether the address was new or already had an account.
                request.session[SIGNUP_EMAIL_SESSION_KEY] = email
                return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form}, status=_status(form))


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/signup_done.html",
        {
            "email": request.session.get(SIGNUP_EMAIL_SESSION_KEY, ""),
            "form": forms.VerifyResendForm(
                initial={"email": request.session.get(SIGNUP_EMAIL_SESSION_KEY, "")}
            ),
        },
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = user_verify(token=token)
    except InvalidLink as exc:
        return render(
            request,
            "accounts/link_invalid.html",
            {"reason": exc.reason, "message": str(exc), "purpose": "verify"},
            status=400,
        )
    login(request, user, backend=MODEL_BACKEND)
    request.session.pop(SIGNUP_EMAIL_SESSION_KEY, None)
    messages.success(request, f"Your email address is verified. Welcome to {settings.SITE_NAME}!")
    return redirect(settings.LOGIN_REDIRECT_URL)


def verify_resend(request: HttpRequest) -> HttpResponse:
    """Ask for the verification email again: logged in, for one's own address; logged out, for
    an address typed in (answered the same whether or not an unverified account has it)."""
    user = request.user
    if isinstance(user, User) and user.is_verified:
        messages.info(request, "Your email address is already verified.")
        return redirect("accounts:settings")
    own = user.email if isinstance(user, User) else None
    data = None
    if request.method == "POST":
        data = {"email": own} if own is not None else request.POST
    form = forms.VerifyResendForm(data, initial={"email": own or ""})
    if form.is_valid():
        email = form.cleaned_data["email"]
        wait = ratelimit.email_request_retry_after(request=request, address=email)
        if wait:
            _too_many(form, wait)
        else:
            verification_resend(email=email)
            if own is not None:
                messages.success(request, f"A new link is on its way to {email}.")
                return redirect("accounts:settings")
            request.session[SIGNUP_EMAIL_SESSION_KEY] = email
            return redirect("accounts:signup_done")
    return render(
        request, "accounts/verify_resend.html", {"form": form, "own": own}, status=_status(form)
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=_status(form))


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        wait = ratelimit.email_request_retry_after(
            request=self.request, address=form.cleaned_data["email"]
        )
        if wait:
            _too_many(form, wait)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 400  # a forged, expired or used link
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _render_settings(request: HttpRequest, status: int = 200, **bound: Form) -> HttpResponse:
    """The settings page with one form bound (the one just submitted) and the others empty.
    Apps above accounts add their sections (digest, newsletters) through `settings_sections`."""
    user = cast(User, request.user)  # behind login_required
    context = {
        "profile_form": bound.get("profile_form")
        or forms.ProfileForm(
            initial={"display_name": user.display_name, "bio": user.bio, "website": user.website}
        ),
        "email_form": bound.get("email_form") or forms.EmailChangeForm(user=user),
        "password_form": bound.get("password_form") or forms.PasswordChangeForm(user=user),
        "delete_form": bound.get("delete_form") or forms.AccountDeleteForm(user=user),
        "sections": sections_from(
            settings_sections.send(sender=User, request=request, user=user, bound=bound)
        ),
    }
    return render(request, "accounts/settings.html", context, status=status)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """GET shows the settings page; POST saves the profile section."""
    if request.method != "POST":
        return _render_settings(request)
    form = forms.ProfileForm(request.POST)
    if form.is_valid():
        try:
            user_profile_update(user=cast(User, request.user), **form.cleaned_data)
        except ValidationError as exc:
            request.user.refresh_from_db()
            form.add_error(None, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:settings")
    return _render_settings(request, profile_form=form)


@login_required
def email_change(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("accounts:settings")
    user = cast(User, request.user)
    form = forms.EmailChangeForm(request.POST, user=user)
    if form.is_valid():
        new_email = form.cleaned_data["new_email"]
        wait = ratelimit.email_request_retry_after(request=request, address=new_email)
        if wait:
            _too_many(form, wait)
            return _render_settings(request, status=429, email_form=form)
        try:
            email_change_request(user=user, new_email=new_email)
        except ValidationError as exc:
            form.add_error("new_email", exc)
        else:
            messages.success(
                request,
                f"We sent a link to {new_email}. Your address changes when you follow it; "
                f"until then it stays {user.email}.",
            )
            return redirect("accounts:settings")
    return _render_settings(request, email_form=form)


def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_change_confirm(token=token)
    except InvalidLink as exc:
        return render(
            request,
            "accounts/link_invalid.html",
            {"reason": exc.reason, "message": str(exc), "purpose": "email_change"},
            status=400,
        )
    messages.success(request, f"Your email address is now {user.email}.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("accounts:settings")
    return redirect("accounts:login")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("accounts:settings")
    form = forms.PasswordChangeForm(user=request.user, data=request.POST)
    if form.is_valid():
        user = form.save()
        # Other sessions end with the old password; this one stays logged in.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is changed.")
        return redirect("accounts:settings")
    return _render_settings(request, password_form=form)


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = forms.AccountDeleteForm(request.POST, user=user)
    if not form.is_valid():
        return _render_settings(request, delete_form=form)
    user_delete(user=user)
    logout(request)
    # A page of its own rather than a message on the front page, which anonymous visitors may
    # be served from the shared page cache (faun/middleware.py) without it.
    return redirect("accounts:delete_done")


def delete_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/delete_done.html")
