"""Public pages: the catalogue of intakes open for applications, an intake as an applicant
sees it, the application form and its organisation search. No sign-in needed; nothing here
shows a stored person's data (an IIN typed into the form reveals no name)."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses.models import Intake, IntakeQuerySet, Language
from institute.forms import add_errors
from institute.models import Organisation, localized
from institute.text import clean_name
from listeners.public.forms import ApplyForm, CatalogueFilterForm
from listeners.public.services import application_submit
from listeners.rules import EnrollmentState

PER_PAGE = 20
ORGANISATIONS_LISTED = 8
# The last application of this browser, for its confirmation page (no id in the URL).
APPLIED_KEY = "public_applied"


def _open_intakes() -> IntakeQuerySet:
    return (
        Intake.objects.open_for_applications()
        .select_related("programme", "branch", "district")
        .with_seats_taken()
    )


def _seats_left(intake: Intake) -> int:
    return max(intake.capacity - intake.state_taken - intake.contract_taken, 0)


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Intakes open for applications, soonest first, filtered by kind, length band,
    language, month and place; two queries for any number of intakes."""
    form = CatalogueFilterForm(request.GET or None)
    intakes = _open_intakes().order_by("start_date", "code")
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            intakes = intakes.filter(programme__kind=data["kind"])
        if data["band"]:
            intakes = intakes.filter(programme__band=data["band"])
        if data["language"]:
            # An intake taught in both languages suits either choice.
            intakes = intakes.filter(language__in=[data["language"], Language.BOTH])
        if data["month"]:
            intakes = intakes.running_in_month(data["month"].year, data["month"].month)
        if data["place"]:
            intakes = intakes.filter(place=data["place"])
    page = Paginator(intakes, PER_PAGE).get_page(request.GET.get("page"))
    for intake in page:
        intake.seats_left = _seats_left(intake)
    return render(request, "listeners/public/catalogue.html", {"form": form, "page": page})


@require_GET
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intake = get_object_or_404(_open_intakes(), pk=pk)
    intake.seats_left = _seats_left(intake)
    description = localized(intake.programme, "description")
    context = {"intake": intake, "description": description}
    return render(request, "listeners/public/intake_detail.html", context)


def _already_applied(form: ApplyForm) -> None:
    form.add_error(
        None,
        _(
            "An application with this IIN to this intake is already registered, so nothing "
            "new was saved. The institute will write to you by e-mail; you can also follow it "
            "on your page after signing in."
        ),
    )


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply to an open intake. Everything is saved together or not at all; a second
    submission of the same application saves nothing and says so."""
    intake = get_object_or_404(_open_intakes(), pk=pk)
    intake.seats_left = _seats_left(intake)
    form = ApplyForm(request.POST or None, intake=intake)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit(
                intake=intake,
                **form.application_data(),
                confirm_from=request.build_absolute_uri("/"),
                language=request.LANGUAGE_CODE,
            )
        except IntegrityError:
            _already_applied(form)  # a double click raced past the check
        except ValidationError as error:
            if getattr(error, "code", None) == "duplicate_enrollment":
                _already_applied(form)
            else:
                add_errors(form, error)
        else:
            request.session[APPLIED_KEY] = {
                "intake": intake.pk,
                "waitlisted": application.enrollment.state == EnrollmentState.WAITLISTED,
                "invited": application.invite,
            }
            return redirect("public:applied", intake.pk)
    status = 400 if request.method == "POST" else 200
    chosen = str(form["organisation"].value() or "")
    context = {
        "intake": intake,
        "form": form,
        # The organisation picked before a refused submission stays picked.
        "chosen": chosen,
        "chosen_organisations": Organisation.objects.filter(pk=chosen).select_related("district")
        if chosen.isdigit()
        else [],
        "limit": ORGANISATIONS_LISTED,
    }
    return render(request, "listeners/public/apply.html", context, status=status)


@require_GET
def applied(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation of this browser's application; anyone else is sent to the intake."""
    done = request.session.get(APPLIED_KEY)
    if not done or done.get("intake") != pk:
        return redirect("public:intake", pk)
    intake = get_object_or_404(Intake.objects.select_related("programme"), pk=pk)
    # The session keeps the intake's id under "intake": the object must come after it.
    return render(request, "listeners/public/applied.html", {**done, "intake": intake})


@require_GET
def organisation_search(request: HttpRequest) -> HttpResponse:
    """A short list of organisations whose name or BIN matches (the apply form's htmx box)."""
    query = clean_name(request.GET.get("organisation_query", ""))[:100]
    found: list[Organisation] = []
    if len(query) >= 2:
        digits = query.replace(" ", "")
        match = Q(name_kk__icontains=query) | Q(name_ru__icontains=query)
        if digits.isdigit():
            match |= Q(bin__startswith=digits)
        found = list(
            Organisation.objects.filter(match)
            .select_related("district")
            .order_by("name_ru", "pk")[:ORGANISATIONS_LISTED]
        )
    return render(
        request,
        "listeners/public/_organisations.html",
        {"organisations": found, "query": query, "limit": ORGANISATIONS_LISTED},
    )
