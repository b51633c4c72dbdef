"""A listener's history for the /me/ tests: enrollments in every state with their history,
sessions, attendance, orders and issued documents (written straight to the database)."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from certificates.models import Document, DocumentStatus
from courses.models import Session
from institute.models import Institute
from listeners.models import Attendance, Enrollment, EnrollmentTransition, Listener, Mark
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from tests.conftest import make_bin, make_enrollment, make_intake, make_order

# The smallest file a PDF reader accepts as a PDF, enough to check it comes back unchanged.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_document(enrollment: Enrollment, *, status: str = DocumentStatus.VALID) -> Document:
    serial = Document.objects.count() + 1
    document = Document(
        enrollment=enrollment,
        kind="certificate",
        year=2026,
        serial=serial,
        number=f"СТ-2026-{serial:05d}",
        snapshot={"full_name": enrollment.listener.full_name},
        status=status,
        issued_at=timezone.now(),
    )
    if status == DocumentStatus.REVOKED:
        document.revoked_at = timezone.now()
        document.revocation_reason = "A typo in the name"
    document.pdf.save(f"{document.number}.pdf", ContentFile(PDF_BYTES), save=False)
    document.save()
    return document


def _history(enrollment: Enrollment, *states: str) -> None:
    previous = ""
    for state in states:
        order = None
        if state == S.ADMITTED:
            order = enrollment.admission_order
        elif state == S.EXPELLED:
            order = enrollment.expulsion_order
        EnrollmentTransition.objects.create(
            enrollment=enrollment,
            from_state=previous,
            to_state=state,
            order=order,
            reason=enrollment.expulsion_reason if state == S.EXPELLED else "",
        )
        previous = state


def completed_course(listener: Listener, **intake_fields) -> Enrollment:
    """A course the listener completed, with its history, sessions, attendance, the
    commission's order and an issued document."""
    intake = make_intake(**intake_fields)
    enrollment = make_enrollment(listener, intake, state=S.COMPLETED, grade=5)
    _history(enrollment, S.APPLIED, S.ADMITTED, S.COMPLETED)
    make_order(OrderKind.COMMISSION, intake=intake)
    for day in range(2):
        session = Session.objects.create(
            intake=intake, date=intake.start_date + datetime.timedelta(days=day), topic="T", hours=4
        )
        Attendance.objects.create(enrollment=enrollment, session=session, mark=Mark.PRESENT)
    make_document(enrollment)
    return enrollment


def build_history(listener: Listener, count: int) -> None:
    """`count` enrollments of every kind: completed with documents, admitted with sessions to
    come, expelled with the reason, and plain applications."""
    today = timezone.localdate()
    for index in range(count):
        kind = index % 4
        if kind == 0:
            completed_course(listener)
        elif kind == 1:
            intake = make_intake(
                start_date=today - datetime.timedelta(days=3),
                end_date=today + datetime.timedelta(days=10),
            )
            enrollment = make_enrollment(listener, intake, state=S.ADMITTED)
            _history(enrollment, S.APPLIED, S.ADMITTED)
            for day in (-2, 1, 2):
                session = Session.objects.create(
                    intake=intake, date=today + datetime.timedelta(days=day), topic="T", hours=2
                )
                if day < 0:
                    Attendance.objects.create(
                        enrollment=enrollment, session=session, mark=Mark.ABSENT
                    )
        elif kind == 2:
            intake = make_intake()
            enrollment = make_enrollment(
                listener,
                intake,
                state=S.EXPELLED,
                expulsion_order=make_order(
                    OrderKind.EXPULSION, intake=intake, reason="Missed the course"
                ),
                expulsion_reason="Missed the course",
            )
            _history(enrollment, S.APPLIED, S.ADMITTED, S.EXPELLED)
        else:
            enrollment = make_enrollment(listener, make_intake())
            _history(enrollment, S.APPLIED)


def make_institute() -> Institute:
    """The institute's details every issued document prints."""
    return Institute.objects.create(
        name_kk="Павлодар облыстық біліктілікті арттыру институты",
        name_ru="Павлодарский областной институт повышения квалификации",
        bin=make_bin(),
        head_name="Қ. Жұмабеков",
        head_title_kk="Директор",
        head_title_ru="Директор",
        city_kk="Павлодар қ.",
        city_ru="г. Павлодар",
    )
