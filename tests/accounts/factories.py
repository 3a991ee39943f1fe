"""Factories for the accounts app's models."""

from __future__ import annotations

import hashlib
import secrets

import factory
from django.utils import timezone

from accounts.models import ApiToken, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password("correct-horse-battery-9")


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row; its secret is not kept (use accounts.services' token creation to get one)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    prefix = factory.LazyFunction(lambda: secrets.token_hex(4))
    token_hash = factory.LazyFunction(lambda: hashlib.sha256(secrets.token_bytes(32)).hexdigest())
    scope = ApiToken.Scope.READ
