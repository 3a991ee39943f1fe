"""The account forms refuse control characters (docs/posting.md#text-a-user-writes) on the field
that holds one, through the pages, and save nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiToken, User
from outbox.models import OutboundEmail
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

# Django's email validator accepts a quoted local part holding control characters.
QUOTED_CONTROL_EMAIL = '"ada\x01"@example.com'


def field_errors(response, form: str = "form") -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context[form].errors.items()}


@pytest.mark.parametrize(
    ("field", "value", "code_point"),
    [
        ("display_name", "Ada\x01", "U+0001"),
        ("display_name", "Ada\tLovelace", "U+0009"),
        ("bio", "Notes on the\nAnalytical\x0bEngine.", "U+000B"),
        ("bio", "Engines \ufffe", "U+FFFE"),
        ("website", "https://ada.example/\x7f", "U+007F"),
    ],
)
def test_profile_refuses_control_characters_on_the_field(client, field, value, code_point):
    user = UserFactory(display_name="Ada", bio="Engines.")
    client.force_login(user)
    data = {"display_name": "Changed", "bio": "Changed.", "website": ""} | {field: value}
    response = client.post(reverse("accounts:settings"), data)
    assert response.status_code == 200
    assert code_point in " ".join(field_errors(response, "profile_form")[field])
    assert code_point in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Ada", "Engines.")


def test_a_multi_line_bio_with_tabs_is_saved(client):
    user = UserFactory()
    client.force_login(user)
    bio = "Notes on the\r\nAnalytical\tEngine."
    response = client.post(
        reverse("accounts:settings"), {"display_name": "Ada", "bio": bio, "website": ""}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.bio == bio


def test_an_api_token_name_with_a_control_character_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:tokens"), {"name": "CI\x1b[31m bot", "scope": "read"})
    assert response.status_code == 400
    assert "U+001B" in " ".join(field_errors(response)["name"])
    assert not ApiToken.objects.filter(user=user).exists()


def test_sign_up_refuses_an_email_address_with_a_control_character(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "ada",
            "email": QUOTED_CONTROL_EMAIL,
            "password1": "correct horse battery",
            "password2": "correct horse battery",
        },
    )
    assert response.status_code == 200
    assert "U+0001" in " ".join(field_errors(response)["email"])
    assert not User.objects.filter(username="ada").exists()
    assert not OutboundEmail.objects.exists()


def test_email_change_and_verification_resend_refuse_control_characters(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:email_change"),
        {"new_email": QUOTED_CONTROL_EMAIL, "password": "correct-horse-battery-9"},
    )
    assert response.status_code == 200
    assert "U+0001" in " ".join(field_errors(response, "email_form")["new_email"])
    client.logout()
    response = client.post(reverse("accounts:verify_resend"), {"email": QUOTED_CONTROL_EMAIL})
    assert response.status_code == 200
    assert "U+0001" in " ".join(field_errors(response)["email"])
    assert not OutboundEmail.objects.exists()
