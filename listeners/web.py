"""What the staff's pages about listeners share: an intake or enrollment or 404, the count of
people a district methodologist does not see, file responses, and the ids typed into forms."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404

from courses.models import Intake
from institute.models import User
from institute.responses import PDF, XLSX, file_response
from listeners.models import (
    Enrollment,
    ExternalUpgrade,
    scan_type,
)


def intake_or_404(pk: int) -> Intake:
    return get_object_or_404(Intake.objects.select_related("programme"), pk=pk)


def enrollment_or_404(intake: Intake, pk: int) -> Enrollment:
    """An enrollment of this intake only: the id of another intake's enrollment is a 404."""
    return get_object_or_404(
        Enrollment.objects.select_related("listener", "intake__programme"), intake=intake, pk=pk
    )


def hidden_count(user: User, intake: Intake, shown: int, **filters: object) -> int:
    """How many of the intake's people (narrowed by `filters`) a district methodologist does
    not see beside the `shown` ones: the page says so rather than pretend they are not there."""
    if not user.sees_one_district:
        return 0
    return intake.enrollments.filter(**filters).count() - shown


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    return file_response(data, filename, PDF, inline=True)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    return file_response(data, filename, XLSX, inline=False)


def scan_response(upgrade: ExternalUpgrade) -> FileResponse:
    if not upgrade.scan:
        raise Http404
    handle = upgrade.scan.open("rb")
    kind = scan_type(handle.read(8))
    handle.seek(0)
    if kind is None:
        raise Http404
    extension, content_type = kind
    return FileResponse(
        handle,
        content_type=content_type,
        filename=f"upgrade-{upgrade.pk}.{extension}",
    )


def id_or_zero(value: str | None) -> int:
    """An id from a form: anything but digits is an id that does not exist (404)."""
    return int(value) if value and value.isdigit() else 0
