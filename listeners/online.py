"""Applying online and the listener's account: the services behind the public pages.

An application from the public form goes through listeners.services.listener_enroll (the
person found by IIN or registered, the waitlist when the seats are taken). A listener's
account is a User of role "listener" with an unusable password until they set one from an
invitation link. E-mails are plain-text templates in templates/listeners/email/, written in
the language of the person they go to (Kazakh unless known otherwise).
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from courses.models import Intake
from institute.auth import absolute_url, invitation_url
from institute.models import Organisation, Role, User
from listeners.models import Enrollment, FundingBasis, Listener
from listeners.services import listener_enroll

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Application:
    """What application_submit did: the enrollment and whether to send an invitation."""

    enrollment: Enrollment
    listener_created: bool
    invite: bool


@transaction.atomic
def application_submit(
    *,
    intake: Intake,
    iin: str,
    last_name: str,
    first_name: str,
    patronymic: str,
    email: str,
    phone: str,
    organisation: Organisation | None,
    position: str,
    subject: str,
    basis: str = FundingBasis.STATE_ORDER,
    from_other_town: bool = False,
) -> Application:
    """Apply to an intake from the public form, all or nothing (SPEC §4).

    A known IIN keeps its names and workplace; its e-mail and phone are filled only where
    they are empty. An invitation to open an account goes to the e-mail on record and only
    when that e-mail is the person's own: a new person's, or one stored before this form,
    so typing someone else's IIN with one's own address does not open their account.
    """
    known = Listener.objects.filter(iin=iin).first()
    email_on_record = bool(known and known.email)
    result = listener_enroll(
        intake=intake,
        iin=iin,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        organisation=organisation,
        position=position,
        subject=subject,
        email=email,
        phone=phone,
        basis=basis,
        state_order_reference=intake.state_order_reference
        if basis == FundingBasis.STATE_ORDER
        else "",
        with_work_interruption=intake.with_work_interruption,
        from_other_town=from_other_town,
        by=None,
    )
    listener = result.enrollment.listener
    if not result.listener_created:
        _fill_empty_contacts(listener, email=email, phone=phone)
    invite = bool(listener.email) and (result.listener_created or email_on_record)
    if invite:
        user = listener_account(listener=listener)
        invite = not user.has_usable_password()
    return Application(
        enrollment=result.enrollment, listener_created=result.listener_created, invite=invite
    )


def _fill_empty_contacts(listener: Listener, *, email: str, phone: str) -> None:
    changed = []
    if email.strip() and not listener.email:
        listener.email = email.strip()
        changed.append("email")
    if phone.strip() and not listener.phone:
        listener.phone = phone.strip()
        changed.append("phone")
    if changed:
        listener.save(update_fields=[*changed, "updated_at"])


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


def _send(*, template: str, to: str, language: str | None, context: dict[str, object]) -> bool:
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
    return _send(
        template="invitation",
        to=listener.email,
        language=language,
        context={
            "listener": listener,
            "link": invitation_url(user, request_or_base_url),
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
        },
    )


def application_confirm(
    *,
    enrollment_id: int,
    invite: bool,
    request_or_base_url: HttpRequest | str,
    language: str | None,
) -> bool:
    """E-mail the confirmation of an application to the address on record, with the
    invitation link when the applicant is invited (application_submit decides). The worker
    calls it (listeners.tasks.confirm_application); an id that names no enrollment sends none."""
    enrollment = (
        Enrollment.objects.select_related("listener__user", "intake__programme")
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None or not enrollment.listener.email:
        return False
    listener = enrollment.listener
    link = ""
    if invite and listener.user is not None:
        link = invitation_url(listener.user, request_or_base_url)
    return _send(
        template="application",
        to=listener.email,
        language=language,
        context={
            "listener": listener,
            "enrollment": enrollment,
            "intake": enrollment.intake,
            "programme": enrollment.intake.programme,
            "link": link,
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
            "login_url": absolute_url(reverse("login"), request_or_base_url),
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
