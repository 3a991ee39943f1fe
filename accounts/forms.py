"""Forms for the account pages. They parse and check input so that every field shows what is
wrong (text fields refuse control characters: docs/posting.md#text-a-user-writes); the rules
themselves (username rules, password validators, uniqueness) live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.http import HttpRequest

from accounts.models import ApiToken, User
from accounts.services import password_reset_request, user_password_change, username_validate
from core import ratelimit
from core.canonical import text_fold
from core.validators import validate_multiline_text, validate_single_line_text


def _password_field(label: str, *, new: bool = False, rules: bool = False) -> forms.CharField:
    """A password field; `rules` prints the password rules under it (once per form: under the
    first of two new-password fields, not the one that repeats it)."""
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,  # Argon2 hashes anything, but nobody needs more; keeps requests cheap
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password" if new else "current-password"}
        ),
        help_text=password_validation.password_validators_help_text_html() if rules else "",
    )


class PlainLabelsMixin(forms.BaseForm):
    """Labels as written ("Password"), without the colon Django adds ("Password:")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SignupForm(PlainLabelsMixin, forms.Form):
    username = forms.CharField(
        max_length=30,
        help_text="3 to 30 letters, digits or underscores. Shown on your posts and profile.",
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        # Django's address check lets a quoted local part hold control characters.
        validators=[validate_single_line_text],
        help_text="We send a link to confirm it. Never shown to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = _password_field("Password", new=True, rules=True)
    password2 = _password_field("Password again", new=True)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        username_validate(username)
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1:
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class LoginForm(PlainLabelsMixin, auth_forms.AuthenticationForm):
    """Django's log-in form, with failed attempts limited per account name and per client
    address (ACCOUNTS_LOGIN_FAILURE_LIMIT within ACCOUNTS_LOGIN_FAILURE_WINDOW)."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account. "
        "Passwords are case-sensitive.",
        "rate_limited": "Too many failed log-ins. Try again %(wait)s, or reset your password.",
        "suspended": "%(notice)s",
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        # Django sets max_length after building the field, so no length validator exists yet.
        self.fields["username"].validators.append(MaxLengthValidator(254))
        self.fields["password"].validators.append(MaxLengthValidator(4096))

    def clean(self) -> dict[str, Any]:
        # Failures count against the name's canonical form, the one the account look-up keys on
        # too, so no spelling of a name (a dotless i, fullwidth letters) brings a fresh allowance
        # (docs/accounts.md#rate-limits).
        username = text_fold(self.cleaned_data.get("username") or "")
        ip = ratelimit.client_ip(self.request) if self.request else ""
        per_account = ratelimit.login_failures_per_account()
        per_client = ratelimit.login_failures_per_client()
        wait = max(per_account.retry_after(username), per_client.retry_after(ip))
        if wait:
            raise ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"wait": ratelimit.wait_phrase(wait)},
            )
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if exc.code == "invalid_login":
                self._refuse_if_suspended()
                per_account.hit(username)
                per_client.hit(ip)
            raise
        per_account.reset(username)
        return cleaned

    def _refuse_if_suspended(self) -> None:
        """The backend refuses a suspended account like a wrong password; with the right
        password, say why instead (docs/moderation.md#bans)."""
        try:
            user = User.objects.get_by_natural_key(self.cleaned_data.get("username"))
        except User.DoesNotExist:
            return
        if user.is_suspended and user.check_password(self.cleaned_data.get("password") or ""):
            raise ValidationError(
                self.error_messages["suspended"],
                code="suspended",
                params={"notice": user.suspension_notice},
            )


class VerifyResendForm(PlainLabelsMixin, forms.Form):
    email = forms.EmailField(
        max_length=254,
        validators=[validate_single_line_text],
        help_text="The address you signed up with.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordResetForm(PlainLabelsMixin, auth_forms.PasswordResetForm):
    """Django's reset form, but the email goes through the outbox (accounts.services), never
    from inside the request."""

    def save(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        password_reset_request(email=self.cleaned_data["email"])

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Reset emails are queued by save(), through the outbox.")


def _label_new_passwords(form: forms.BaseForm) -> None:
    """Django's new-password pair, labelled as sign-up labels its pair; the rules stay under
    the first field only."""
    form.fields["new_password1"].label = "New password"
    form.fields["new_password2"].label = "New password again"
    form.fields["new_password2"].help_text = ""


class SetPasswordForm(PlainLabelsMixin, auth_forms.SetPasswordForm):
    """The form behind a password reset link; following the link proved the address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _label_new_passwords(self)

    def save(self, commit: bool = True) -> User:
        return user_password_change(
            user=self.user, password=self.cleaned_data["new_password1"], email_proven=True
        )


class ProfileForm(PlainLabelsMixin, forms.Form):
    display_name = forms.CharField(
        max_length=80,
        required=False,
        validators=[validate_single_line_text],
        help_text="Shown instead of your username on your profile.",
    )
    bio = forms.CharField(
        max_length=1000,
        required=False,
        validators=[validate_multiline_text],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    website = forms.URLField(
        max_length=300,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"]), validate_single_line_text],
        help_text="An http:// or https:// address.",
    )


class EmailChangeForm(PlainLabelsMixin, forms.Form):
    new_email = forms.EmailField(
        label="New email address",
        max_length=254,
        validators=[validate_single_line_text],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = _password_field("Your current password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_email(self) -> str:
        new_email = self.cleaned_data["new_email"].strip()
        if new_email.lower() == self.user.email.lower():
            raise ValidationError("That is already your email address.")
        return new_email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That is not your current password.")
        return password


class PasswordChangeForm(PlainLabelsMixin, auth_forms.PasswordChangeForm):
    """Django's form (old password, new twice, validators); saving goes through the service.
    Without Django's autofocus on the old password: the form is one section of the settings
    page, and the focus scrolled the page to it on opening."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        _label_new_passwords(self)

    def save(self, commit: bool = True) -> User:
        return user_password_change(user=self.user, password=self.cleaned_data["new_password1"])


class AccountDeleteForm(PlainLabelsMixin, forms.Form):
    password = _password_field("Your current password")
    confirm = forms.BooleanField(
        label="I understand that my account is deleted for good; my posts stay, shown as "
        "by a deleted user.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        # The settings page shows this form beside the email form, whose field is also
        # `password`: its own ids keep every id on the page unique (and each label on its field).
        kwargs.setdefault("auto_id", "id_delete_%s")
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That is not your current password.")
        return password


class ApiTokenForm(PlainLabelsMixin, forms.Form):
    """Name and scope of a new personal API token."""

    name = forms.CharField(
        max_length=60,
        validators=[validate_single_line_text],
        help_text="What the token is for, e.g. “feed reader” or “CI bot”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read-only tokens can list and read; read-and-write tokens can also submit, "
        "vote, save and hide.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name
