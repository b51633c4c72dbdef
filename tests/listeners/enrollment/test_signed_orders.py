"""The admission order and the expulsion reference are handed out signed with the
institute's key (PAdES, against the real test PKI); when they cannot be signed, the intake's
page says why instead of an error."""

import datetime

import pytest
from django.urls import reverse

from institute.signing.validate import signature_facts
from listeners.rules import EnrollmentState as S
from listeners.rules import OrderKind
from tests.conftest import make_enrollment, make_listener, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(intake, organisation):
    order = make_order(
        OrderKind.ADMISSION, number="58", date=datetime.date(2026, 3, 2), intake=intake
    )
    make_enrollment(make_listener(organisation), intake, state=S.ADMITTED, admission_order=order)
    return order


def test_the_admission_order_is_signed_as_handed_out(client, methodologist, order, signing):
    client.force_login(methodologist)

    response = client.get(reverse("listeners:order_pdf", args=[order.pk]))

    assert response.status_code == 200
    [facts] = signature_facts(response.content)
    assert facts.trusted and facts.unchanged and facts.timestamped


def test_the_expulsion_reference_is_signed_as_handed_out(
    client, methodologist, intake, listener, signing
):
    expulsion = make_order(OrderKind.EXPULSION, number="302", intake=intake, ground="discipline")
    enrollment = make_enrollment(
        listener, intake, state=S.EXPELLED, expulsion_order=expulsion, expulsion_reason="Absent"
    )
    client.force_login(methodologist)

    response = client.get(
        reverse("listeners:expulsion_reference_pdf", args=[intake.pk, enrollment.pk])
    )

    [facts] = signature_facts(response.content)
    assert facts.trusted and facts.unchanged


def test_an_order_that_cannot_be_signed_now_sends_back_with_the_reason(
    client, methodologist, order, settings, signing
):
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/tsa"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(methodologist)

    response = client.get(reverse("listeners:order_pdf", args=[order.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "listeners:intake_enrollments", args=[order.intake_id]
    )
    assert "time-stamping service did not answer" in response.content.decode()
