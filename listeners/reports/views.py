"""The reports' pages: the five-year rule (§10.1) by place, its forecast, staffing, the period
report, accounting (§20), and the exports the worker prepares."""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates.queries import documents_issued
from institute.access import workspace_view
from institute.models import District, Organisation, Region, Role, User
from listeners import rules
from listeners.models import (
    ExportJob,
    ExportKind,
    ExportStatus,
)
from listeners.reports import queries
from listeners.reports.exports import forecast_xlsx, period_xlsx, staffing_xlsx
from listeners.reports.forms import ComplianceForm, PeriodForm
from listeners.reports.queries import (
    FORECAST_GROUPS,
    Scope,
    compliance_rows,
    expulsions,
    fill_percent,
    forecast_chart,
    people,
    period_counts,
    period_intakes,
    ratings,
    seats_planned,
    staffing_rows,
)
from listeners.reports.services import export_job_start
from listeners.web import xlsx_response


@workspace_view
def accounting_export(request: HttpRequest) -> HttpResponse:
    """For accounting (§20): who came from another town and who studies with interruption
    from work, in the intakes running within a period. A period can hold thousands of
    people, so the worker prepares the file and the page follows its progress."""
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        job = export_job_start(
            kind=ExportKind.ACCOUNTING,
            params={"start": start.isoformat(), "end": end.isoformat()},
            language=get_language(),
            by=request.user,
        )
        return redirect("listeners:export_detail", job.pk)
    recent = ExportJob.objects.filter(created_by=request.user)[:5]
    return render(request, "listeners/accounting.html", {"form": form, "recent": recent})


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    """An export is served only to whoever asked for it; anyone else gets 404."""
    return get_object_or_404(ExportJob, pk=pk, created_by=request.user)


@require_GET
@workspace_view
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the worker has got with an export, and its download once ready; htmx asks
    again every second while it is busy."""
    job = _export_job(request, pk)
    template = (
        "listeners/_export_status.html"
        if request.headers.get("HX-Request")
        else "listeners/export_detail.html"
    )
    return render(request, template, {"job": job})


@require_GET
@workspace_view
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    if job.status != ExportStatus.DONE:
        raise Http404
    with job.file.open("rb") as handle:
        return xlsx_response(handle.read(), job.filename)


# --- the five-year rule: compliance (§10.1) -----------------------------------------

PEOPLE_PER_PAGE = 50


def _place(model: type, raw: str | None, **within: object):
    """The place a query-string id names (inside `within`), or None with `unknown` True when
    the id is garbage or names nothing there."""
    if not raw:
        return None, False
    if not raw.isdigit():
        return None, True
    place = model.objects.filter(pk=int(raw), **within).first()
    return place, place is None


def _compliance_scope(user: User, params: QueryDict) -> tuple[Scope, list[str]]:
    """The scope `params` (the query string) ask for, narrowed to what the user may see: a district
    methodologist sees their own district and nothing else (§6). Returns the scope and the
    messages about what was asked for but could not be shown."""
    problems: list[str] = []
    if user.role == Role.DISTRICT_METHODOLOGIST:
        district = user.district
        region = district.region if district else None
        organisation, unknown = _place(Organisation, params.get("organisation"), district=district)
        asked = {params.get("region"), params.get("district")} - {None, ""}
        if unknown or asked - {
            str(region.pk if region else ""),
            str(district.pk if district else ""),
        }:
            problems.append(_("You see the listeners of your own district only."))
        return Scope(region=region, district=district, organisation=organisation), problems

    region, unknown_region = _place(Region, params.get("region"))
    within_region = {"region": region} if region else {}
    district, unknown_district = _place(District, params.get("district"), **within_region)
    if district is not None:
        region = district.region
    within_district = {"district": district} if district else {}
    organisation, unknown_organisation = _place(
        Organisation, params.get("organisation"), **within_district
    )
    if organisation is not None:
        district = organisation.district
        region = district.region
    if unknown_region:
        problems.append(_("There is no such region; the whole register is shown."))
    if unknown_district:
        problems.append(_("There is no such district here; the level above is shown."))
    if unknown_organisation:
        problems.append(_("There is no such organisation here; the level above is shown."))
    return Scope(region=region, district=district, organisation=organisation), problems


@require_GET
@workspace_view
def compliance(request: HttpRequest) -> HttpResponse:
    """Who is overdue, due soon, up to date or without a record on a chosen day, by region →
    district → organisation → person, with a search by IIN or name."""
    if request.user.role == Role.DISTRICT_METHODOLOGIST and request.user.district is None:
        raise PermissionDenied
    scope, problems = _compliance_scope(request.user, request.GET)
    form = ComplianceForm(request.GET or None, initial={"on": timezone.localdate()})
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    on = data.get("on") or timezone.localdate()
    status, query = data.get("status", ""), data.get("q", "")
    rows, total = compliance_rows(scope, on=on)
    page = None
    if scope.level == "person" or query or status:
        listeners = people(scope, on=on, status=status, query=query)
        page = Paginator(listeners, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        for person in page.object_list:
            person.due_date = rules.upgrade_due_date(person.last_upgrade, person.employment_start)
            person.status_label = rules.UpgradeStatus(person.upgrade_status).label
    context = {
        "form": form,
        "on": on,
        "scope": scope,
        "problems": problems,
        "rows": rows,
        "total": total,
        "page": page,
        "statuses": rules.UpgradeStatus,
        "district_only": request.user.role == Role.DISTRICT_METHODOLOGIST,
    }
    return render(request, "listeners/compliance.html", context)


@require_POST
@workspace_view
def compliance_export(request: HttpRequest) -> HttpResponse:
    """Prepare the five-year report of the page's scope as .xlsx in the background: up to
    100,000 people. The scope is narrowed here, as on the page, to what the user may see."""
    if request.user.role == Role.DISTRICT_METHODOLOGIST and request.user.district is None:
        raise PermissionDenied
    scope, _problems = _compliance_scope(request.user, request.POST)
    form = ComplianceForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or timezone.localdate()
    job = export_job_start(
        kind=ExportKind.COMPLIANCE,
        params={
            **scope.as_params(),
            "on": on.isoformat(),
            "status": data.get("status", ""),
            "q": data.get("q", ""),
        },
        language=get_language(),
        by=request.user,
    )
    return redirect("listeners:export_detail", job.pk)


@require_GET
@workspace_view
def forecast(request: HttpRequest) -> HttpResponse:
    """On a chosen day (today by default, as on the compliance page): who is overdue and how
    many fall due in each of the next 24 months, per region or per subject: what next year's
    intakes and state order must cover (§10.1)."""
    if request.user.role == Role.DISTRICT_METHODOLOGIST and request.user.district is None:
        raise PermissionDenied
    scope, problems = _compliance_scope(request.user, request.GET)
    by = request.GET.get("by") if request.GET.get("by") in FORECAST_GROUPS else "region"
    form = ComplianceForm(
        {"on": request.GET["on"]} if request.GET.get("on") else None,
        initial={"on": timezone.localdate()},
    )
    on = form.cleaned_data["on"] if form.is_bound and form.is_valid() else timezone.localdate()
    months, rows, total = queries.forecast(scope, on=on, by=by)
    context = {
        "form": form,
        "on": on,
        "scope": scope,
        "problems": problems,
        "by": by,
        "months": months,
        "rows": rows,
        "total": total,
        "chart": forecast_chart(months, total.months),
        "district_only": request.user.role == Role.DISTRICT_METHODOLOGIST,
    }
    if request.GET.get("format") == "xlsx":
        place = scope.organisation or scope.district or scope.region
        data = forecast_xlsx(
            months=months,
            rows=rows,
            total=total,
            by=by,
            where=str(place) if place else _("All regions"),
            language=get_language(),
        )
        return xlsx_response(data, f"forecast-{by}-{on:%Y%m%d}.xlsx")
    return render(request, "listeners/forecast.html", context)


@require_GET
@workspace_view
def staffing(request: HttpRequest) -> HttpResponse:
    """§23: per field, the average yearly contingent per teacher in a year (of the seats
    planned and of the listeners admitted) against 0.75 × the university norm."""
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and this_year - 10 <= int(raw) <= this_year + 2 else None
    problem = (
        ""
        if year is not None or not raw
        else _("Choose a year from %(first)s to %(last)s.")
        % {
            "first": this_year - 10,
            "last": this_year + 2,
        }
    )
    year = year or this_year
    context = {
        "year": year,
        "years": range(this_year + 2, this_year - 11, -1),
        "problem": problem,
        "rows": staffing_rows(year=year),
    }
    if request.GET.get("format") == "xlsx":
        data = staffing_xlsx(year=year, rows=context["rows"], language=get_language())
        return xlsx_response(data, f"staffing-{year}.xlsx")
    return render(request, "listeners/staffing.html", context)


FILL_PER_PAGE = 50


def _period_report(
    start: datetime.date, end: datetime.date, *, page: str | None, whole: bool = False
) -> dict[str, object]:
    """Every table of the institute's report for a period, in seven queries: the
    enrollments counted once by every facet and state, the seats planned, one page of the
    intakes with their fill (all of them for the .xlsx), expulsions, documents, ratings."""
    counts = period_counts(start=start, end=end)
    seats = seats_planned(start=start, end=end)
    intakes = period_intakes(start=start, end=end)
    admitted = counts.admitted()
    totals = {
        **seats,
        "admitted": admitted,
        "state_used": counts.admitted(state_order_only=True),
        "fill": fill_percent(admitted, seats["capacity"]),
    }
    fill = intakes if whole else Paginator(intakes, FILL_PER_PAGE).get_page(page)
    for intake in fill if whole else fill.object_list:
        intake.fill = fill_percent(intake.admitted, intake.capacity)
    return {
        "outcomes": [
            (_("By kind of training"), counts.by("kind")),
            (_("By band"), counts.by("band")),
            (_("By language"), counts.by("language")),
            (_("By place"), counts.by("place")),
            (_("By funding"), counts.by("basis")),
        ],
        "expulsions": expulsions(start=start, end=end),
        "fill": fill,
        "fill_totals": totals,
        "documents": documents_issued(start=start, end=end),
        "ratings": ratings(start=start, end=end),
    }


@require_GET
@workspace_view
def period_report(request: HttpRequest) -> HttpResponse:
    """The institute's work in a period (by default this year so far): intakes, listeners
    admitted, completed, failed, expelled (by ground), by kind, band, language, place and
    funding; the fill of each intake; state-order seats planned and used; documents issued;
    the listeners' ratings."""
    today = timezone.localdate()
    form = PeriodForm(
        request.GET or None, initial={"start": today.replace(month=1, day=1), "end": today}
    )
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = today.replace(month=1, day=1), today
    if request.GET.get("format") == "xlsx":
        report = _period_report(start, end, page=None, whole=True)
        data = period_xlsx(start=start, end=end, report=report, language=get_language())
        return xlsx_response(data, f"report-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    report = _period_report(start, end, page=request.GET.get("page"))
    context = {"form": form, "start": start, "end": end, **report}
    return render(request, "listeners/period_report.html", context)
