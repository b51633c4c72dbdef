"""The listener's account on the site: made when they apply or are admitted, and the e-mailed
invitation to set a password (a listener signs in by IIN or e-mail)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from institute.auth import invitation_url
from institute.models import Role, User
from listeners.models import Enrollment, Listener

logger = logging.getLogger(__name__)


def _free_username(listener: Listener) -> str:
    wanted = listener.iin or f"listener-{listener.pk}"
    if User.objects.filter(username=wanted).exists():
        return f"listener-{listener.pk}"
    return wanted


@transaction.atomic
def listener_account(*, listener: Listener) -> User:
    """The listener's account, opened now if they have none: role "listener", their names
    and e-mail, and no usable password until they set one from the invitation link."""
    if listener.user_id:
        user = listener.user
        if not user.email and listener.email:
            user.email = listener.email
            user.save(update_fields=["email"])
        return user
    user = User(
        username=_free_username(listener),
        role=Role.LISTENER,
        first_name=listener.first_name,
        last_name=listener.last_name,
        email=listener.email,
    )
    user.set_unusable_password()
    user.save()
    listener.user = user
    listener.save(update_fields=["user", "updated_at"])
    return user


def mail_send(*, template: str, to: str, language: str | None, context: dict[str, object]) -> bool:
    """Send one plain-text e-mail in `language`; a failure is logged, not raised, so an
    admission or an application never fails for a mail server."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"listeners/email/{template}_subject.txt", context)
        body = render_to_string(f"listeners/email/{template}.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [to])
    except Exception:
        logger.exception("e-mail %s to listener could not be sent", template)
        return False
    return True


def listener_invite(
    *,
    listener: Listener,
    request_or_base_url: HttpRequest | str,
    language: str | None = None,
) -> bool:
    """E-mail the listener a link to set their password, opening their account if needed
    (when they are admitted, or on demand). Nothing is sent to a listener without an e-mail
    or one whose account already has a password. Returns whether an e-mail went out."""
    listener = Listener.objects.select_related("user").get(pk=listener.pk)
    if not listener.email:
        return False
    user = listener_account(listener=listener)
    if user.has_usable_password():
        return False
    return mail_send(
        template="invitation",
        to=listener.email,
        language=language,
        context={
            "listener": listener,
            "link": invitation_url(user, request_or_base_url),
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
        },
    )


def admitted_invite(
    *, enrollments: list[Enrollment], request_or_base_url: HttpRequest | str
) -> int:
    """Invite the listeners just admitted who have no password yet (listener_invite for
    each); the workspace's admission calls it once the order is committed."""
    return sum(
        listener_invite(listener=enrollment.listener, request_or_base_url=request_or_base_url)
        for enrollment in enrollments
    )
