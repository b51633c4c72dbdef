"""Adding a listener by IIN on the intake's enrollments page (issue 19): the form comes before
the long list, a refused form comes back at the form with a summary naming each field, and a
state-order seat takes no contract details (nor a contract seat a state order)."""

import pytest
from django.urls import reverse

from listeners.enrollment.services import listener_enroll
from listeners.models import Enrollment, FundingBasis, Listener
from tests.conftest import make_enrollment, make_iin, make_listener
from tests.listeners.enrollment.test_enrollment_views import add, page_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, settings, methodologist):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(methodologist)
    return client


def test_the_form_comes_before_the_list_and_sends_back_to_itself(staff, intake, organisation):
    for i in range(30):
        make_enrollment(make_listener(organisation, last_name=f"Тыңдаушы {i:02}"), intake)
    html = staff.get(page_url(intake)).content.decode()
    main = html.split("<main", 1)[1]
    assert main.index('id="add"') < main.index("<table")
    action = reverse("listeners:enrollment_add", args=[intake.pk]) + "#add"
    assert f'action="{action}"' in main
    # Closed until it is needed, so the list is not pushed down a screen.
    assert "<details>" in main.split('id="add"', 1)[1][:200]
    assert "data-error-summary" not in main


def test_a_wrong_iin_comes_back_open_with_a_summary_naming_the_field(staff, intake):
    response = add(staff, intake, iin="850314300001", last_name="A", first_name="B")
    assert response.status_code == 400
    html = response.content.decode()
    # The fragment the form is sent to (#add) is now the summary, which the browser focuses.
    form = html.split('<section id="add-form" class="add-by-iin"', 1)[1]
    assert "<details open>" in form[:200]
    summary = form.split('<div class="error-summary" id="add" tabindex="-1"', 1)[1]
    summary = summary.split("</div>", 1)[0]
    assert "data-error-summary" in summary
    assert "The form was not saved" in summary
    assert '<a href="#id_add-iin">IIN</a>: ' in summary and "check digit" in summary
    assert not Listener.objects.filter(last_name="A").exists()
    assert not Enrollment.objects.exists()


def test_the_seat_details_are_grouped_by_the_basis_they_belong_to(staff, intake):
    html = staff.get(page_url(intake)).content.decode()
    state_part = html.split('data-shown-for="state_order"', 1)[1].split("</fieldset>", 1)[0]
    assert 'name="add-state_order_reference"' in state_part
    assert 'name="add-contract_number"' not in state_part
    contract_part = html.split('data-shown-for="contract_organisation contract_person"', 1)[1]
    contract_part = contract_part.split("</fieldset>", 1)[0]
    for name in ("customer", "contract_number", "price"):
        assert f'name="add-{name}"' in contract_part
    assert 'data-basis="id_add-basis"' in html


@pytest.mark.parametrize(
    "field, value",
    [("contract_number", "Д-17"), ("price", "45000"), ("customer", "BIN")],
)
def test_a_state_order_seat_with_contract_details_is_refused(
    staff, intake, organisation, field, value
):
    value = organisation.bin if value == "BIN" else value
    iin = make_iin()
    response = add(staff, intake, iin=iin, last_name="A", first_name="B", **{field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "A state-order seat has no contract: leave it empty." in html
    assert f'<a href="#id_add-{field}">' in html.split('class="error-summary" id="add"', 1)[1]
    assert not Listener.objects.filter(iin=iin).exists()
    assert not Enrollment.objects.exists()


def test_a_contract_seat_with_a_state_order_is_refused(staff, intake):
    iin = make_iin()
    response = add(
        staff,
        intake,
        iin=iin,
        last_name="A",
        first_name="B",
        basis=FundingBasis.CONTRACT_PERSON,
        contract_number="Д-3",
        state_order_reference="ГЗ-2026/14",
    )
    assert response.status_code == 400
    assert "A contract seat is not under a state order" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_contract_seat_keeps_its_contract(staff, intake, organisation):
    iin = make_iin()
    response = add(
        staff,
        intake,
        iin=iin,
        last_name="A",
        first_name="B",
        basis=FundingBasis.CONTRACT_ORGANISATION,
        customer=organisation.bin,
        contract_number="Д-3",
        price="45000",
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(listener__iin=iin)
    assert (enrollment.customer, enrollment.contract_number, str(enrollment.price)) == (
        organisation,
        "Д-3",
        "45000.00",
    )
    assert enrollment.state_order_reference == ""


def test_the_service_stores_no_contract_for_a_state_order_seat(intake, organisation, methodologist):
    customer = organisation
    result = listener_enroll(
        intake=intake,
        iin=make_iin(),
        last_name="A",
        first_name="B",
        basis=FundingBasis.STATE_ORDER,
        state_order_reference="ГЗ-2026/14",
        customer=customer,
        contract_number="Д-17",
        price=45000,
        by=methodologist,
    )
    enrollment = Enrollment.objects.get(pk=result.enrollment.pk)
    assert enrollment.state_order_reference == "ГЗ-2026/14"
    assert (enrollment.customer, enrollment.contract_number, enrollment.price) == (None, "", None)
