"""The listener's account on the site: made when they apply or are admitted, and the e-mailed
invitation to set a password (a listener signs in by IIN or e-mail)."""

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from institute.auth import invitation_url
from institute.mail import language_of, mail_send
from institute.models import Role, User
from listeners.models import Enrollment, Listener


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
        "invitation",
        to=[listener.email],
        language=language or language_of(user),
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
