"""The signed-in listener's own pages (/me/): home, courses, feedback and appeals, documents,
the five-year status and upgrades taken elsewhere, the profile.

Every view wears `listener_required`, which hands it the request's Listener; each object is
then fetched through that listener, so another person's id answers 404, never 403 (which
would confirm that the id exists). Each page runs a fixed number of queries, whatever the
length of the listener's history: related rows come in one query per kind, never per row."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Document, DocumentStatus
from courses.models import Session
from institute.access import listener_required
from institute.forms import add_errors
from listeners import rules
from listeners.feedback.forms import AppealForm, FeedbackForm
from listeners.feedback.services import appeal_lodge, feedback_give, orders_concerning
from listeners.models import (
    SCAN_MAX_BYTES,
    Appeal,
    Enrollment,
    EnrollmentTransition,
    ExternalUpgrade,
    Feedback,
    Listener,
    Order,
)
from listeners.portal.forms import ProfileForm
from listeners.rules import APPLICANT_STATES, OrderKind
from listeners.rules import EnrollmentState as S
from listeners.upgrades.forms import ExternalUpgradeForm
from listeners.upgrades.services import external_upgrade_record
from listeners.web import scan_response

# Upcoming sessions shown per course: the next few, enough to plan a week.
UPCOMING_SESSIONS = 5
# Room for the form fields around a scan of at most 5 MB in one request.
UPLOAD_REQUEST_MAX_BYTES = SCAN_MAX_BYTES + 64 * 1024
CURRENT_STATES = (*APPLICANT_STATES, S.ADMITTED)


def _render(request: HttpRequest, template: str, section: str, context: dict) -> HttpResponse:
    return render(request, f"listeners/portal/{template}", {"section": section, **context})


def _with_status(listener: Listener) -> Listener:
    """The listener annotated with the five-year rule as it stands today (§10.1)."""
    return (
        Listener.objects.with_upgrade_status(on=timezone.localdate())
        .select_related("organisation")
        .get(pk=listener.pk)
    )


def _due_date(listener: Listener) -> datetime.date | None:
    """When the next counting upgrade is due (§10.1), on the annotated listener."""
    return rules.upgrade_due_date(listener.last_upgrade, listener.employment_start)


def _enrollments(listener: Listener):
    """The listener's enrollments with everything a course card shows: programme, orders and
    the feedback given, in one query; the history in one more. The attendance totals come
    apart (_attendance): grouped together with these six joined tables, the one query took
    PostgreSQL far longer to plan than to run, and longer than the two queries apart."""
    return (
        Enrollment.objects.filter(listener=listener)
        .select_related("intake__programme", "admission_order", "expulsion_order", "feedback")
        .prefetch_related(
            Prefetch(
                "transitions",
                queryset=EnrollmentTransition.objects.select_related("order"),
            )
        )
        .order_by("-intake__start_date", "-applied_at", "-pk")
    )


def _attendance(listener: Listener) -> dict[int, dict]:
    """Hours present, hours marked and the share present of each of the listener's
    enrollments (EnrollmentQuerySet.with_attendance), in one query, by enrollment id."""
    rows = (
        Enrollment.objects.filter(listener=listener)
        .with_attendance()
        .values("pk", "hours_present", "hours_marked", "attendance_percent")
    )
    return {row.pop("pk"): row for row in rows}


def _upcoming_sessions(intake_ids: list[int], today: datetime.date) -> dict[int, list[Session]]:
    """The next sessions of these intakes, in one query, grouped by intake."""
    grouped: dict[int, list[Session]] = defaultdict(list)
    if not intake_ids:
        return grouped
    for session in Session.objects.filter(intake__in=intake_ids, date__gte=today).select_related(
        "teacher"
    ):
        if len(grouped[session.intake_id]) < UPCOMING_SESSIONS:
            grouped[session.intake_id].append(session)
    return grouped


def _feedback_of(enrollment: Enrollment) -> Feedback | None:
    try:
        return enrollment.feedback
    except Feedback.DoesNotExist:
        return None


def _courses(listener: Listener) -> list[Enrollment]:
    """The course cards: each enrollment with its upcoming sessions, the feedback given, the
    orders the listener may appeal and the appeals already lodged (a fixed number of
    queries)."""
    today = timezone.localdate()
    enrollments = list(_enrollments(listener))
    attendance = _attendance(listener)
    admitted = [e.intake_id for e in enrollments if e.state == S.ADMITTED]
    sessions = _upcoming_sessions(admitted, today)
    studied = [e.intake_id for e in enrollments if e.state in rules.ADMITTED_BY_ORDER_STATES]
    commission_orders: dict[int, list[Order]] = defaultdict(list)
    if studied:
        for order in Order.objects.filter(kind=OrderKind.COMMISSION, intake__in=studied):
            commission_orders[order.intake_id].append(order)
    appealed = set(Appeal.objects.filter(listener=listener).values_list("order_id", flat=True))
    for enrollment in enrollments:
        for name, value in attendance.get(enrollment.pk, {}).items():
            setattr(enrollment, name, value)
        enrollment.upcoming = sessions.get(enrollment.intake_id, [])
        enrollment.given_feedback = _feedback_of(enrollment)
        enrollment.may_rate = enrollment.state == S.COMPLETED and not enrollment.given_feedback
        orders = [enrollment.admission_order, enrollment.expulsion_order]
        if enrollment.state in rules.ADMITTED_BY_ORDER_STATES:
            orders += commission_orders.get(enrollment.intake_id, [])
        enrollment.orders = [
            {"order": order, "appealed": order.pk in appealed} for order in orders if order
        ]
    return enrollments


def _appeals(listener: Listener):
    return Appeal.objects.filter(listener=listener).select_related("order")


@listener_required
def home(request: HttpRequest, listener: Listener) -> HttpResponse:
    """The overview a teacher opens on a phone: the five-year status, the courses under way
    and the answers to their appeals."""
    today = timezone.localdate()
    # Under way: not yet over. An intake that ended waits for its results on the courses page.
    current = (
        Enrollment.objects.filter(
            listener=listener, state__in=CURRENT_STATES, intake__end_date__gte=today
        )
        .select_related("intake__programme")
        .order_by("intake__start_date", "pk")
    )
    current = list(current)
    sessions = _upcoming_sessions([e.intake_id for e in current if e.state == S.ADMITTED], today)
    for enrollment in current:
        upcoming = sessions.get(enrollment.intake_id)
        enrollment.next_session = upcoming[0] if upcoming else None
    listener = _with_status(listener)
    return _render(
        request,
        "home.html",
        "home",
        {
            "listener": listener,
            "due": _due_date(listener),
            "current": current,
            "appeals": _appeals(listener),
        },
    )


@listener_required
def courses(request: HttpRequest, listener: Listener) -> HttpResponse:
    """Every enrollment with its history, sessions to come, attendance and result (§15–§22)."""
    return _render(request, "courses.html", "courses", {"enrollments": _courses(listener)})


@listener_required
def feedback(request: HttpRequest, listener: Listener, pk: int) -> HttpResponse:
    """Rate a completed course, once (§19)."""
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("intake__programme"), pk=pk, listener=listener
    )
    if enrollment.state != S.COMPLETED or Feedback.objects.filter(enrollment=enrollment).exists():
        messages.info(request, _("This course cannot be rated now."))
        return redirect("portal:courses")
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_give(
                enrollment=enrollment,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Thank you: your rating is recorded."))
            return redirect("portal:courses")
    return _render(request, "feedback.html", "courses", {"enrollment": enrollment, "form": form})


@listener_required
def appeal(request: HttpRequest, listener: Listener, pk: int) -> HttpResponse:
    """Appeal an order of the head that concerns you (§19.4)."""
    order = get_object_or_404(
        orders_concerning(listener).select_related("intake__programme"), pk=pk
    )
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_lodge(
                listener=listener, order=order, text=form.cleaned_data["text"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Your appeal has been sent. The answer will appear on your page.")
            )
            return redirect("portal:home")
    return _render(request, "appeal.html", "courses", {"order": order, "form": form})


def _verification_url(request: HttpRequest, token: str) -> str:
    path = reverse("certificates:verify", args=[token])
    base = getattr(settings, "PUBLIC_BASE_URL", "")
    return base.rstrip("/") + path if base else request.build_absolute_uri(path)


def _documents(listener: Listener):
    return Document.objects.filter(
        enrollment__listener=listener, status__in=[DocumentStatus.VALID, DocumentStatus.REVOKED]
    ).select_related("enrollment__intake__programme")


@listener_required
def documents(request: HttpRequest, listener: Listener) -> HttpResponse:
    """Each document issued to the listener: number, status, the PDF, the check link."""
    rows = [
        {"document": document, "verify_url": _verification_url(request, document.token)}
        for document in _documents(listener)
    ]
    return _render(request, "documents.html", "documents", {"rows": rows})


@listener_required
def document_pdf(request: HttpRequest, listener: Listener, pk: int) -> HttpResponse:
    """The stored PDF exactly as issued; another person's document answers 404."""
    document = get_object_or_404(_documents(listener), pk=pk)
    if not document.pdf:
        raise Http404
    return FileResponse(
        document.pdf.open("rb"), content_type="application/pdf", filename=f"{document.number}.pdf"
    )


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@listener_required
def upgrade(request: HttpRequest, listener: Listener) -> HttpResponse:
    """The five-year rule as it stands (§10.1), and recording an upgrade done elsewhere:
    it counts once a methodologist has checked the scan and confirmed it."""
    form = ExternalUpgradeForm()
    if request.method == "POST":
        # Refuse an oversized upload before reading it (the form checks each file again).
        if _content_length(request) > UPLOAD_REQUEST_MAX_BYTES:
            messages.error(request, _("The scan is larger than 5 MB."))
            return redirect("portal:upgrade")
        form = ExternalUpgradeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                external_upgrade_record(listener=listener, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Recorded. It will count once a methodologist has confirmed it."),
                )
                return redirect("portal:upgrade")
    listener = _with_status(listener)
    return _render(
        request,
        "upgrade.html",
        "upgrade",
        {
            "listener": listener,
            "due": _due_date(listener),
            "external": listener.external_upgrades.all(),
            "form": form,
        },
    )


@listener_required
def upgrade_scan(request: HttpRequest, listener: Listener, pk: int) -> HttpResponse:
    """The scan the listener sent, to its owner only."""
    return scan_response(get_object_or_404(ExternalUpgrade, pk=pk, listener=listener))


@listener_required
def profile(request: HttpRequest, listener: Listener) -> HttpResponse:
    """Contacts and workplace, kept by the listener; IIN and names shown, not editable."""
    listener = Listener.objects.select_related("organisation").get(pk=listener.pk)
    form = ProfileForm(request.POST or None, instance=listener)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("portal:profile")
    return _render(request, "profile.html", "profile", {"listener": listener, "form": form})
