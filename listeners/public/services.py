"""Applying online: the service behind the public application form.

An application goes through `listeners.enrollment.services.listener_enroll` (the person
found by IIN or registered, the waitlist when the seats are taken); its confirmation, with
the invitation link when the form asked for one, is e-mailed by the worker in the
applicant's language."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django_tasks import task

from courses.models import Intake
from institute.auth import absolute_url, invitation_url
from institute.mail import mail_send
from institute.models import Organisation
from listeners.accounts import listener_account
from listeners.enrollment.services import listener_enroll
from listeners.models import (
    Enrollment,
    FundingBasis,
    Listener,
)


@task()
def confirm_application(
    enrollment_id: int, invite: bool, base_url: str, language: str | None
) -> bool:
    """E-mail the confirmation of an online application (with the invitation link when the
    form decided to invite): the applicant's page does not wait for the mail server."""

    return application_confirm(
        enrollment_id=enrollment_id,
        invite=invite,
        request_or_base_url=base_url,
        language=language,
    )


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
    confirm_from: str | None = None,
    language: str | None = None,
) -> Application:
    """Apply to an intake from the public form, all or nothing.

    A known IIN keeps its names and workplace; its e-mail and phone are filled only where
    they are empty. An invitation to open an account goes to the e-mail on record and only
    when that e-mail is the person's own: a new person's, or one stored before this form,
    so typing someone else's IIN with one's own address does not open their account.
    With `confirm_from` (the site's address), the worker then e-mails the confirmation in
    `language` (`confirm_application`), once the application is committed.
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
    if confirm_from:
        arguments = (result.enrollment.pk, invite, confirm_from, language)
        transaction.on_commit(lambda: confirm_application.enqueue(*arguments))
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


def application_confirm(
    *,
    enrollment_id: int,
    invite: bool,
    request_or_base_url: HttpRequest | str,
    language: str | None,
) -> bool:
    """E-mail the confirmation of an application to the address on record, with the
    invitation link when the applicant is invited (application_submit decides). The worker
    calls it (`confirm_application`, below); an id that names no enrollment sends none."""
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
    return mail_send(
        "application",
        to=[listener.email],
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
