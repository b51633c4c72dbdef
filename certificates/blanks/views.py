"""The administrators' pages of the diploma blank forms: the batches in the safe and a new
delivery, writing a form off, the strict-reporting statement, and printing a diploma onto
its form or a test print to calibrate the layout."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import services as documents_services
from certificates.blanks import report, services
from certificates.blanks.forms import BatchForm, PeriodForm, SpoilForm
from certificates.blanks.layouts import default_positions
from certificates.blanks.printing import render_blank_pdf, render_calibration_pdf
from certificates.models import BlankBatch, BlankLayout, BlankUse, BlankUseState, Document
from courses.rules import DocumentKind
from institute.access import administrator_only
from institute.forms import add_errors
from institute.responses import PDF, XLSX, file_response

IN_USE_ROWS = 20


def _layout(request: HttpRequest) -> BlankLayout:
    """The layout asked for (?layout=), else the active one, else the starting positions
    (A4), so the first test print works before anyone has measured a form."""
    if pk := request.GET.get("layout", ""):
        if not pk.isdigit():
            raise Http404
        return get_object_or_404(BlankLayout, pk=pk)
    active = BlankLayout.objects.filter(active=True).first()
    return active or BlankLayout(name=_("Starting positions"), positions=default_positions())


def _batches_page(
    request: HttpRequest,
    *,
    batch_form: BatchForm | None = None,
    spoil_form: SpoilForm | None = None,
    status: int = 200,
) -> HttpResponse:
    batches = BlankBatch.objects.annotate(taken=Count("uses")).order_by("-received_on", "-pk")
    for batch in batches:
        batch.left = batch.size - batch.taken
    context = {
        "batches": batches,
        "batch_form": batch_form or BatchForm(),
        "spoil_form": spoil_form or SpoilForm(),
        "layouts": BlankLayout.objects.order_by("-active", "name"),
        "in_use": BlankUse.objects.filter(state=BlankUseState.USED)
        .select_related("document")
        .order_by("-at", "-pk")[:IN_USE_ROWS],
    }
    return render(request, "certificates/blanks/batches.html", context, status=status)


@require_http_methods(["GET", "POST"])
@administrator_only
def blank_batches(request: HttpRequest) -> HttpResponse:
    """The batches of forms with what is left of each; a new delivery is recorded here."""
    if request.method != "POST":
        return _batches_page(request)
    form = BatchForm(request.POST)
    if form.is_valid():
        try:
            batch = services.blank_batch_record(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Batch %(batch)s recorded: %(count)s forms.")
                % {"batch": batch, "count": batch.size},
            )
            return redirect("certificates:blank_batches")
    return _batches_page(request, batch_form=form, status=400)


@require_POST
@administrator_only
def blank_spoil(request: HttpRequest) -> HttpResponse:
    """Write a form off with the reason; a misprinted diploma takes the next form."""
    form = SpoilForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reprint = services.blank_spoil(
                series=data["series"], number=data["number"], reason=data["reason"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            spoiled = f"{data['series'].strip()} {data['number']}"
            if reprint is None:
                messages.success(request, _("Form %(form)s written off.") % {"form": spoiled})
            else:
                messages.success(
                    request,
                    _("Form %(form)s written off; diploma %(number)s now takes form %(new)s.")
                    % {
                        "form": spoiled,
                        "number": reprint.document_id,
                        "new": f"{reprint.series} {reprint.number}",
                    },
                )
            return redirect("certificates:blank_batches")
    return _batches_page(request, spoil_form=form, status=400)


@require_GET
@administrator_only
def blank_report(request: HttpRequest) -> HttpResponse:
    """The strict-reporting statement for a period, per batch and in total."""
    form = PeriodForm(request.GET or None)
    date_from, date_to = form.period()
    statement = report.blank_statement(date_from=date_from, date_to=date_to)
    context = {"form": form, "statement": statement}
    return render(request, "certificates/blanks/report.html", context)


@require_GET
@administrator_only
def blank_report_export(request: HttpRequest) -> HttpResponse:
    """The statement of the period shown, as .xlsx for the accounts department."""
    form = PeriodForm(request.GET or None)
    date_from, date_to = form.period()
    statement = report.blank_statement(date_from=date_from, date_to=date_to)
    data = report.blank_statement_xlsx(statement, language=get_language())
    return file_response(data, "blank-forms.xlsx", XLSX, inline=False)


@require_GET
@administrator_only
def blank_test_print(request: HttpRequest) -> HttpResponse:
    """The calibration grid with the layout's field boxes, to print on plain paper."""
    return file_response(
        render_calibration_pdf(_layout(request)), "test-print.pdf", PDF, inline=True
    )


@require_GET
@administrator_only
def blank_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The diploma's variable text for its form; the print is written to the audit trail.
    A document printed on plain paper (not a diploma), or with no form, has none: 404."""
    document = get_object_or_404(Document, pk=pk, kind=DocumentKind.DIPLOMA)
    blank = services.blank_of(document)
    if blank is None:
        raise Http404
    data = render_blank_pdf(document, blank=blank, layout=_layout(request))
    documents_services.document_printed(documents=[document], by=request.user)
    return file_response(data, f"{document.number}-form.pdf", PDF, inline=True)
