"""Settings → API tokens: create a personal token (its secret shown once) and revoke tokens."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import tokens
from accounts.forms import ApiTokenForm
from accounts.models import User


def _render(
    request: HttpRequest, *, form: ApiTokenForm, secret: str = "", status: int = 200
) -> HttpResponse:
    user = cast(User, request.user)
    context = {"form": form, "tokens": tokens.api_tokens_for(user=user), "secret": secret}
    response = render(request, "accounts/tokens.html", context, status=status)
    if secret:
        # The secret is on this page only: keep it out of caches and the back-button history.
        response["Cache-Control"] = "no-store"
    return response


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, form=ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    try:
        issued = tokens.api_token_create(
            user=cast(User, request.user),
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
        )
    except tokens.TokenLimitReached as exc:
        form.add_error(None, str(exc))
        return _render(request, form=form, status=400)
    return _render(request, form=ApiTokenForm(), secret=issued.secret, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if tokens.api_token_revoke(user=cast(User, request.user), token_id=token_id):
        messages.success(request, "Token revoked: it stops working at once.")
    else:
        messages.error(request, "That token does not exist or was already revoked.")
    return redirect("accounts:tokens")
