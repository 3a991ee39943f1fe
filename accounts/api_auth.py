"""DRF authentication by personal bearer token, and the permission every endpoint starts from."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.tokens import api_token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer faun_...`; no CSRF check, as the token is not ambient."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as `Authorization: Bearer <token>`."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = api_token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "faun_<prefix>_<secret>"}


class ReadOnlyOrVerifiedWriter(permissions.BasePermission):
    """Anyone may read. Writing needs a logged-in, verified user and, with a token, write scope."""

    message = "Writing needs a verified account (and a token with write scope)."
    allows_anonymous_reads = True

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.is_verified:
            self.message = "Verify your email address before writing through the API."
            return False
        if isinstance(request.auth, ApiToken) and not request.auth.can_write:
            self.message = "This token is read-only; create one with write scope."
            return False
        return True


class Authenticated(permissions.IsAuthenticated):
    """For the viewer's own resources (me, saved, hidden): any scope may read them."""
