"""The language a person reads the site and their letters in."""

from django.conf import settings


def keep_language(user: object, language: str) -> None:
    """Remember `language` as the person's own (User.language) when it is one of the site's
    and not already theirs; the letters they get are written in it (institute.mail)."""
    if not getattr(user, "pk", None) or language not in dict(settings.LANGUAGES):
        return
    if getattr(user, "language", None) == language:
        return
    user._meta.model._default_manager.filter(pk=user.pk).update(language=language)
    user.language = language
