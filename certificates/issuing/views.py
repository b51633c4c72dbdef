"""An intake's documents (§12): who completed it and what each holds, issuing one
document or, in the background, every missing one, and printing them all."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates import services
from certificates.documents import render_documents_print_pdf
from certificates.issuing.services import issue_job_start
from certificates.models import Document, DocumentStatus, IssueJob
from certificates.pages import PER_PAGE, documents_listed
from courses.models import Intake
from institute.access import administrator_only, institute_staff, is_administrator
from institute.responses import PDF, file_response
from institute.signing.pades import signing_state
from listeners.models import Enrollment
from listeners.rules import EnrollmentState


def _intake(pk: int) -> Intake:
    return get_object_or_404(Intake.objects.select_related("programme"), pk=pk)


def _job_context(intake: Intake, job: IssueJob | None) -> dict:
    """A job the worker is on is followed (the page polls it, the button waits); one the
    worker abandoned (killed, machine restarted) is shown stopped, and the button starts a
    new job that issues what is missing (issue_job_start closes the old one)."""
    return {"intake": intake, "job": job, "busy": job is not None and job.busy}


@require_GET
@institute_staff
def intake_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The completed listeners of an intake, each with the document they hold (or none), and
    the progress of the last issuing job."""
    intake = _intake(pk)
    completed = intake.enrollments.filter(state=EnrollmentState.COMPLETED)
    counts = completed.aggregate(
        total=Count("pk"),
        missing=Count(
            "pk",
            filter=~Exists(
                Document.objects.filter(enrollment=OuterRef("pk"), status=DocumentStatus.VALID)
            ),
        ),
    )
    page = Paginator(
        completed.select_related("listener")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.order_by("-issued_at", "-pk"),
                to_attr="issued",
            )
        )
        .order_by("listener__last_name", "listener__first_name", "pk"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    for enrollment in page:
        valid = [d for d in enrollment.issued if d.status == DocumentStatus.VALID]
        enrollment.document = valid[0] if valid else None
    context = {
        **_job_context(intake, intake.issue_jobs.order_by("-created_at", "-pk").first()),
        "page": page,
        "completed": counts["total"],
        "missing": counts["missing"],
        "valid": counts["total"] - counts["missing"],
        "can_issue": is_administrator(request.user),
        "signing": signing_state(),
    }
    return render(request, "certificates/intake_documents.html", context)


def _back(intake: Intake) -> HttpResponse:
    return redirect("certificates:intake_documents", pk=intake.pk)


@require_POST
@administrator_only
def enrollment_issue(request: HttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    """Issue the document of one completed listener."""
    intake = _intake(pk)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("listener", "intake__programme"),
        intake=intake,
        pk=enrollment_pk,
    )
    try:
        document = services.document_issue(enrollment=enrollment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(number)s issued to %(name)s.")
            % {"number": document.number, "name": enrollment.listener.full_name},
        )
    return _back(intake)


@require_POST
@administrator_only
def intake_issue_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue, in the background, every document still missing in the intake; running it
    again issues only what is still missing."""
    intake = _intake(pk)
    try:
        issue_job_start(intake=intake, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(intake)


@require_GET
@institute_staff
def issue_job_status(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """How far the issuing job has got; htmx asks every second while it runs. When it ends,
    the page reloads once so the table shows the new documents."""
    intake = _intake(pk)
    job = get_object_or_404(IssueJob, intake=intake, pk=job_pk)
    context = _job_context(intake, job)
    response = render(request, "certificates/_issue_job.html", context)
    if request.headers.get("HX-Request") and not context["busy"]:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@institute_staff
def intake_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Every valid document of the intake in one PDF, for printing; written to the trail."""
    intake = _intake(pk)
    documents = list(
        documents_listed()
        .filter(enrollment__intake=intake, status=DocumentStatus.VALID)
        .order_by("enrollment__listener__last_name", "enrollment__listener__first_name", "pk")
    )
    if not documents:
        messages.warning(request, _("This intake has no valid document to print."))
        return _back(intake)
    data = render_documents_print_pdf(documents)
    services.document_printed(documents=documents, by=request.user)
    return file_response(data, f"{intake.code}-documents.pdf", PDF, inline=True)
