"""Settings for the test suite: the project's settings (driven by the environment as always) with
a fast password hasher, as cookiecutter-django's test settings do. Argon2 costs ~0.1 s per hash,
which made up most of the suite's time; the one test that checks Argon2 opts back in with the
`argon2_hasher` fixture (tests/conftest.py)."""

from faun.settings import *  # noqa: F403
from faun.settings import PASSWORD_HASHERS as PRODUCTION_PASSWORD_HASHERS

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *PRODUCTION_PASSWORD_HASHERS,
]
