"""One mailer: every e-mail the site sends goes by name through `mail_send`.

A letter named `invitation` is `templates/email/invitation_subject.txt` and
`templates/email/invitation.txt` (and `invitation.html` when there is one), rendered in the
recipient's language: a person's own (`User.language`, kept from the language they last
used the site in), else Kazakh then Russian in one letter, as for an organisation's address,
whose reader's language nobody knows. Every template also gets `base_url`, the public
address the links in it start with.

Letters leave from the worker, never from a request: a page's workflow enqueues `mail_task`
once its transaction commits (`mail_later`), so a rolled-back change announces nothing and
nobody waits for a mail server; a task already running in the worker calls `mail_send`. A
letter that cannot be sent is logged and reported as not sent; it never undoes the change
it tells about.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

logger = logging.getLogger(__name__)

# When the reader's language is not known: the state language first, then Russian.
BOTH_LANGUAGES = ("kk", "ru")
BOTH_SEPARATOR = "\n\n— — —\n\n"


def language_of(user: object) -> str | None:
    """The language a person reads their letters in, or None when it is not known."""
    language = getattr(user, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else None


def _render_one(name: str, context: dict, language: str) -> tuple[str, str, str | None]:
    with translation.override(language):
        subject = " ".join(render_to_string(f"email/{name}_subject.txt", context).split())
        text = render_to_string(f"email/{name}.txt", context).strip() + "\n"
        try:
            html = render_to_string(f"email/{name}.html", context)
        except TemplateDoesNotExist:
            html = None
    return subject, text, html


def mail_render(name: str, context: dict, language: str | None) -> tuple[str, str, str | None]:
    """The subject, text and HTML (or None) of letter `name` in `language`; with no language,
    the text in Kazakh then Russian and the two subjects side by side."""
    context = {"base_url": getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/"), **context}
    if language:
        return _render_one(name, context, language)
    parts = [_render_one(name, context, code) for code in BOTH_LANGUAGES]
    subject = " / ".join(dict.fromkeys(subject for subject, _text, _html in parts))
    text = BOTH_SEPARATOR.join(text.strip() for _subject, text, _html in parts) + "\n"
    return subject, text, None


def mail_send(name: str, *, to: Iterable[str], context: dict, language: str | None) -> bool:
    """Send letter `name` to the addresses `to` now (from the worker); False when there was
    nobody to send it to or the mail server refused it (logged)."""
    to = [address for address in to if address]
    if not to:
        return False
    subject, text, html = mail_render(name, context, language)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("e-mail %s could not be sent", name)
        return False
    return True


@task()
def mail_task(name: str, to: list[str], context: dict, language: str | None) -> bool:
    """`mail_send` in the worker; the context is plain data (text, numbers), as a task's
    arguments must be."""
    return mail_send(name, to=to, context=context, language=language)


def mail_later(name: str, *, to: Iterable[str], context: dict, language: str | None) -> None:
    """Have the worker send letter `name` once the current transaction commits."""
    to = [address for address in to if address]
    if to:
        transaction.on_commit(lambda: mail_task.enqueue(name, to, context, language))
