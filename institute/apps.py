import functools
import re

from django import forms
from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from institute.languages import keep_language
from institute.text import validate_no_control


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts, chars = [], iter(pattern)
    for char in chars:
        if escape and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def unicode_like(pattern: str | None, value: object, escape: str | None = None) -> bool | None:
    """SQL LIKE without regard to letter case for every alphabet, not only ASCII."""
    if pattern is None or value is None:
        return None
    return _like_regex(pattern, escape).fullmatch(str(value)) is not None


def _sqlite_unicode_like(sender, connection, **kwargs) -> None:
    # Housekeeping only: SQLite's own LIKE ignores case for ASCII letters alone, so a search
    # for «дефектология» would miss «Дефектология» on a laptop (PostgreSQL's ILIKE does not).
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, unicode_like, deterministic=True)
        connection.connection.create_function("like", 3, unicode_like, deterministic=True)


def _keep_language(sender: type, request: object, user: object, **kwargs: object) -> None:
    """Housekeeping: a person's letters go in the language they last signed in with."""
    keep_language(user, getattr(request, "LANGUAGE_CODE", ""))


class InstituteConfig(AppConfig):
    name = "institute"
    verbose_name = _("Institute")

    def ready(self) -> None:
        connection_created.connect(_sqlite_unicode_like, dispatch_uid="sqlite_unicode_like")
        user_logged_in.connect(_keep_language, dispatch_uid="keep_language")
        # Issue 18: every text field of every form (ours, the back-office's, Django's own)
        # refuses control characters beside the field, as Django's CharField already refuses
        # NUL. Set once, here, before any form class is built: `institute` is the first of
        # INSTALLED_APPS, so this runs before the admin collects the admin modules and their
        # forms. The subclasses with validators of their own (e-mail, URL, slug) refuse
        # control characters through those.
        forms.CharField.default_validators = [validate_no_control]
        # A server that must sign refuses to start without a usable key (README, Signed
        # documents); otherwise pyHanko is loaded only when a document is issued.
        if settings.SIGNING_REQUIRED:
            from institute.signing.pades import signing_check_startup

            signing_check_startup()
