"""Uploading a list of listeners into an intake: the upload, the checked rows with their errors,
the confirmation that imports them."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import Intake
from institute.access import institute_staff, workspace_change
from listeners.imports.forms import ImportUploadForm
from listeners.imports.services import import_job_create, import_job_run
from listeners.models import ImportJob
from listeners.web import intake_or_404

# --- importing a list (§14–§15) --------------------------------------------------------------


def _import_job(intake: Intake, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("intake"), intake=intake, pk=pk)


@workspace_change
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a list: it is checked in the background and nothing is imported until
    confirmed."""
    intake = intake_or_404(pk)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "with_work_interruption": intake.with_work_interruption,
            "state_order_reference": intake.state_order_reference,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = import_job_create(
            intake=intake,
            upload=data["file"],
            basis=data["basis"],
            state_order_reference=data["state_order_reference"],
            with_work_interruption=data["with_work_interruption"],
            by=request.user,
        )
        return redirect("listeners:import_detail", pk=intake.pk, job_pk=job.pk)
    return render(request, "listeners/import_upload.html", {"intake": intake, "form": form})


PREVIEW_ROWS = 50


@institute_staff
def import_detail(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """How far the check or the import has got; the bad rows and why; the confirm button.
    htmx asks again every second while the worker is busy."""
    intake = intake_or_404(pk)
    job = _import_job(intake, job_pk)
    context = {
        "intake": intake,
        "job": job,
        "busy": job.busy,
        "bad_rows": job.bad_rows,
        "preview": job.rows[:PREVIEW_ROWS],
        "found": sum(1 for row in job.rows if row.get("listener_id")),
    }
    template = (
        "listeners/_import_status.html"
        if request.headers.get("HX-Request")
        else ("listeners/import_detail.html")
    )
    return render(request, template, context)


@require_POST
@workspace_change
def import_confirm(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """Import a checked list, or run again a check or an import that stopped when the worker
    died. A second click (or a second tab) starts nothing."""
    intake = intake_or_404(pk)
    job = _import_job(intake, job_pk)
    if not import_job_run(job=job, by=request.user):
        messages.warning(request, _("This list is not waiting to be imported."))
    return redirect("listeners:import_detail", pk=intake.pk, job_pk=job.pk)
