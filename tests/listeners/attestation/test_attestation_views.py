"""The attestation of an intake (§21): a commission approved by an order of the head, then
the result of every listener recorded at once, all or nothing."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import AssessmentForm, Commission, CommissionMember, CommissionRole
from institute.models import AuditEntry
from listeners.attestation.services import MemberData, commission_approve, results_record
from listeners.models import Enrollment, EnrollmentTransition, Order
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from tests.conftest import make_enrollment, make_intake, make_listener, make_order

pytestmark = pytest.mark.django_db

SITS_ON = datetime.date(2026, 3, 12)


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(en, methodologist):
    en.force_login(methodologist)
    return en


@pytest.fixture
def admitted(intake, organisation):
    return [
        make_enrollment(make_listener(organisation, last_name=name), intake, state=S.ADMITTED)
        for name in ("Әбенова", "Бекова", "Жанова")
    ]


@pytest.fixture
def approved(intake):
    commission = Commission.objects.create(
        intake=intake, assessment_form=AssessmentForm.EXAM, sits_on=SITS_ON
    )
    CommissionMember.objects.create(
        commission=commission, full_name="Серікова Д.", role=CommissionRole.CHAIR
    )
    make_order(OrderKind.COMMISSION, intake=intake, number="300")
    return commission


def page_url(intake) -> str:
    return reverse("listeners:attestation", args=[intake.pk])


def commission_data(members, **fields) -> dict:
    data = {
        "commission-assessment_form": AssessmentForm.DEFENCE,
        "commission-sits_on": "2026-03-12",
        "commission-number": "77",
        "commission-date": "2026-03-05",
        "commission-head_name": "Қ. Жұмабеков",
        "commission-head_title": "Директор",
        "member-TOTAL_FORMS": str(len(members)),
        "member-INITIAL_FORMS": "0",
    } | fields
    for i, (name, position, role) in enumerate(members):
        data |= {
            f"member-{i}-full_name": name,
            f"member-{i}-position": position,
            f"member-{i}-role": role,
        }
    return data


def approve(client, intake, members, **fields):
    return client.post(
        reverse("listeners:commission_approve", args=[intake.pk]),
        commission_data(members, **fields),
    )


def record(client, intake, rows: dict, on="2026-03-12"):
    """rows: {enrollment pk: (result, grade[, remark])}."""
    data = {"results-on": on, "enrollment": [str(pk) for pk in rows]}
    for pk, (result, grade, *remark) in rows.items():
        data[f"result-{pk}"] = result
        data[f"grade-{pk}"] = grade
        data[f"remark-{pk}"] = remark[0] if remark else ""
    return client.post(reverse("listeners:results_record", args=[intake.pk]), data)


# --- the commission --------------------------------------------------------------------------


def test_a_commission_with_a_chair_is_approved_by_a_commission_order(staff, intake, methodologist):
    response = approve(
        staff,
        intake,
        [
            ("Серікова Динара", "профессор", CommissionRole.CHAIR),
            ("Омаров Асқар", "доцент", CommissionRole.MEMBER),
            ("Ким Елена", "методист", CommissionRole.SECRETARY),
            ("", "", CommissionRole.MEMBER),
        ],
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(intake)
    commission = Commission.objects.get(intake=intake)
    assert commission.assessment_form == AssessmentForm.DEFENCE
    assert commission.sits_on == SITS_ON
    assert sorted(commission.members.values_list("full_name", "position", "role")) == [
        ("Ким Елена", "методист", CommissionRole.SECRETARY),
        ("Омаров Асқар", "доцент", CommissionRole.MEMBER),
        ("Серікова Динара", "профессор", CommissionRole.CHAIR),
    ]
    order = Order.objects.get(kind=OrderKind.COMMISSION)
    assert (order.intake, order.number, order.year, order.created_by) == (
        intake,
        "77",
        2026,
        methodologist,
    )
    entry = AuditEntry.objects.get(action="commission.approved")
    assert (entry.object_id, entry.by, entry.data["order"]) == (
        commission.pk,
        methodologist,
        order.pk,
    )
    html = staff.get(page_url(intake)).content.decode()
    assert "Серікова Динара" in html and "Commission order" in html and "No. 77" in html


def test_a_commission_without_a_chair_is_refused(staff, intake):
    response = approve(staff, intake, [("Омаров Асқар", "доцент", CommissionRole.MEMBER)])
    assert response.status_code == 400
    assert "exactly one chair" in response.content.decode()
    assert not Commission.objects.exists()
    assert not Order.objects.filter(kind=OrderKind.COMMISSION).exists()


def test_a_commission_with_two_chairs_or_no_members_is_refused(intake, methodologist, english):
    order_fields = {"number": "5", "date": datetime.date(2026, 3, 5), "head_name": "Қ. Ж."}
    chairs = [MemberData("А", "", CommissionRole.CHAIR), MemberData("Б", "", CommissionRole.CHAIR)]
    for members, message in ((chairs, "exactly one chair"), ([], "needs its members")):
        with pytest.raises(ValidationError, match=message):
            commission_approve(
                intake=intake,
                assessment_form=AssessmentForm.EXAM,
                sits_on=None,
                members=members,
                order_fields=order_fields,
                by=methodologist,
            )
    assert not Commission.objects.exists() and not Order.objects.exists()


def test_a_taken_order_number_keeps_the_commission_as_it_was(staff, intake, approved):
    make_order(OrderKind.ADMISSION, number="77", date=datetime.date(2026, 1, 10))
    response = approve(staff, intake, [("Жаңа Төраға", "", CommissionRole.CHAIR)])
    assert response.status_code == 400
    assert "already exists this year" in response.content.decode()
    assert list(approved.members.values_list("full_name", flat=True)) == ["Серікова Д."]
    assert Commission.objects.get().assessment_form == AssessmentForm.EXAM


def test_forming_the_commission_again_replaces_its_members(staff, intake, approved):
    response = approve(staff, intake, [("Жаңа Төраға", "", CommissionRole.CHAIR)])
    assert response.status_code == 302
    assert list(CommissionMember.objects.values_list("full_name", flat=True)) == ["Жаңа Төраға"]
    assert Order.objects.filter(kind=OrderKind.COMMISSION, intake=intake).count() == 2


# --- the results -----------------------------------------------------------------------------


def test_results_without_an_approved_commission_are_refused(staff, intake, admitted):
    response = record(staff, intake, {admitted[0].pk: ("passed", "5")})
    assert response.status_code == 400
    assert "§21: knowledge is assessed by a commission approved by the head&#x27;s order" in (
        response.content.decode()
    )
    assert set(Enrollment.objects.values_list("state", flat=True)) == {S.ADMITTED}
    assert not EnrollmentTransition.objects.exists()


def test_a_commission_without_its_order_is_not_approved(intake, admitted, methodologist, english):
    Commission.objects.create(intake=intake, assessment_form=AssessmentForm.EXAM)
    with pytest.raises(ValidationError, match="approved by the head's order"):
        results_record(
            intake=intake, results={admitted[0].pk: (True, None, "")}, on=None, by=methodologist
        )
    assert Enrollment.objects.get(pk=admitted[0].pk).state == S.ADMITTED


def test_results_of_a_whole_intake_are_recorded_at_once(
    staff, intake, admitted, approved, methodologist
):
    passing, failing, blank = admitted
    response = record(
        staff,
        intake,
        {
            passing.pk: ("passed", "5"),
            failing.pk: ("failed", "", "не явилась"),
            blank.pk: ("", ""),
        },
        on="2026-03-12",
    )
    assert response.status_code == 302
    passing.refresh_from_db()
    failing.refresh_from_db()
    blank.refresh_from_db()
    assert (passing.state, passing.completed_on, passing.grade, passing.final_result) == (
        S.COMPLETED,
        SITS_ON,
        5,
        "",
    )
    assert (failing.state, failing.grade, failing.final_result) == (S.FAILED, None, "не явилась")
    assert blank.state == S.ADMITTED
    history = EnrollmentTransition.objects.order_by("enrollment_id")
    assert [(t.enrollment_id, t.from_state, t.to_state, t.by) for t in history] == [
        (passing.pk, S.ADMITTED, S.COMPLETED, methodologist),
        (failing.pk, S.ADMITTED, S.FAILED, methodologist),
    ]
    html = staff.get(page_url(intake)).content.decode()
    # Attested listeners are shown with their result, no longer as a choice.
    assert "5 (excellent)" in html and f'name="result-{passing.pk}"' not in html
    assert "не явилась" in html
    assert f'name="result-{blank.pk}"' in html


@pytest.mark.parametrize(
    ("result", "grade", "says"),
    [
        ("passed", "2", "does not go with “passed”"),
        ("failed", "4", "does not go with “failed”"),
        ("passed", "7", "A grade is 5, 4, 3 or 2."),
        ("passed", "excellent", "A grade is 5, 4, 3 or 2."),
        ("", "5", "A grade was given without"),
    ],
)
def test_a_grade_that_disagrees_or_is_off_the_scale_records_nothing(
    staff, intake, admitted, approved, result, grade, says
):
    first, second, _third = admitted
    response = record(staff, intake, {first.pk: ("passed", "4"), second.pk: (result, grade)})
    assert response.status_code == 400
    assert says in response.content.decode()
    assert set(Enrollment.objects.values_list("state", flat=True)) == {S.ADMITTED}
    assert not Enrollment.objects.filter(grade__isnull=False).exists()


def test_the_grade_is_named_in_the_reader_s_language(staff, intake, admitted, approved):
    """Russian pages showed the Kazakh words a result had been typed in (issue 19)."""
    passing = admitted[0]
    assert record(staff, intake, {passing.pk: ("passed", "4")}).status_code == 302
    client = staff
    pages = {}
    for language in ("kk", "ru"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages[language] = client.get(page_url(intake)).content.decode()
    assert "4 (жақсы)" in pages["kk"] and "4 (хорошо)" in pages["ru"]
    assert "жақсы" not in pages["ru"]


def test_the_completion_date_suggested_is_the_commission_s(staff, intake, admitted, approved):
    html = staff.get(page_url(intake)).content.decode()
    assert 'name="results-on" value="12.03.2026"' in html


def test_one_bad_row_changes_nothing(staff, intake, admitted, approved, organisation):
    stranger = make_enrollment(make_listener(organisation), make_intake(), state=S.ADMITTED)
    response = record(staff, intake, {admitted[0].pk: ("passed", "5"), stranger.pk: ("failed", "")})
    assert response.status_code == 400
    assert "not a listener of this intake" in response.content.decode()
    assert set(Enrollment.objects.values_list("state", flat=True)) == {S.ADMITTED}
    assert not EnrollmentTransition.objects.exists()


def test_an_attested_listener_is_not_attested_again(staff, intake, admitted, approved):
    done = make_enrollment(
        make_listener(admitted[0].listener.organisation), intake, state=S.COMPLETED
    )
    response = record(staff, intake, {admitted[0].pk: ("passed", ""), done.pk: ("failed", "")})
    assert response.status_code == 400
    assert Enrollment.objects.get(pk=done.pk).state == S.COMPLETED
    assert Enrollment.objects.get(pk=admitted[0].pk).state == S.ADMITTED


# --- who may do what -------------------------------------------------------------------------


def test_a_district_methodologist_sees_the_attestation_but_changes_nothing(
    en, intake, admitted, approved, district_methodologist
):
    en.force_login(district_methodologist)
    response = en.get(page_url(intake))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Серікова Д." in html and "<select" not in html
    assert record(en, intake, {admitted[0].pk: ("passed", "")}).status_code == 403
    assert approve(en, intake, [("Х", "", CommissionRole.CHAIR)]).status_code == 403
    assert Enrollment.objects.get(pk=admitted[0].pk).state == S.ADMITTED
    assert Order.objects.filter(kind=OrderKind.COMMISSION).count() == 1


def test_listeners_and_visitors_do_not_enter(client, intake, admitted, approved, listener):
    response = record(client, intake, {admitted[0].pk: ("passed", "")})
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(listener.user)
    assert client.get(page_url(intake)).status_code == 403
    assert record(client, intake, {admitted[0].pk: ("passed", "")}).status_code == 403
    assert Enrollment.objects.get(pk=admitted[0].pk).state == S.ADMITTED


def test_changes_are_post_only_and_unknown_intakes_404(staff, intake):
    assert staff.get(reverse("listeners:results_record", args=[intake.pk])).status_code == 405
    assert staff.get(reverse("listeners:commission_approve", args=[intake.pk])).status_code == 405
    assert staff.get(reverse("listeners:attestation", args=[999999])).status_code == 404
    response = staff.post(reverse("listeners:results_record", args=[999999]), {})
    assert response.status_code == 404


def test_recording_results_needs_the_csrf_token(intake, admitted, approved, methodologist):
    from django.test import Client

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(methodologist)
    assert record(checked, intake, {admitted[0].pk: ("passed", "")}).status_code == 403
    assert approve(checked, intake, [("Х", "", CommissionRole.CHAIR)]).status_code == 403
    assert Enrollment.objects.get(pk=admitted[0].pk).state == S.ADMITTED


@pytest.mark.parametrize("rows", [10, 200])
def test_the_results_page_costs_the_same_queries_whatever_its_size(
    staff, intake, organisation, approved, django_assert_max_num_queries, rows
):
    for i in range(rows):
        state = (S.ADMITTED, S.COMPLETED, S.FAILED)[i % 3]
        make_enrollment(
            make_listener(organisation, last_name=f"Тыңдаушы {i:03}"), intake, state=state
        )
    with django_assert_max_num_queries(9):
        page = staff.get(page_url(intake))
    assert page.status_code == 200
    assert page.content.decode().count('<tr>\n  <th scope="row" class="pin">') == rows


def test_the_migration_reads_results_typed_before_as_grades(intake, organisation):
    """Results stored as words (the demo's Kazakh ones) become grades where they name one
    that agrees with the decision, vanish where they only repeat the decision, and stay as
    the remark otherwise."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("listeners.migrations.0012_enrollment_grade")
    typed = {
        "5 (өте жақсы)": S.COMPLETED,
        "хорошо": S.COMPLETED,
        "2 (қанағаттанарлықсыз)": S.FAILED,
        "сынақтан өтті": S.COMPLETED,
        "не явилась": S.FAILED,
        "3": S.FAILED,  # disagrees with the decision: kept as typed
    }
    made = {
        text: make_enrollment(make_listener(organisation), intake, state=state, final_result=text)
        for text, state in typed.items()
    }
    migration.results_to_grades(apps, None)
    read = {
        text: Enrollment.objects.values_list("grade", "final_result").get(pk=e.pk)
        for text, e in made.items()
    }
    assert read == {
        "5 (өте жақсы)": (5, ""),
        "хорошо": (4, ""),
        "2 (қанағаттанарлықсыз)": (2, ""),
        "сынақтан өтті": (None, ""),
        "не явилась": (None, "не явилась"),
        "3": (None, "3"),
    }
