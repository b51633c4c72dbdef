"""Applying online: one person per IIN, nothing half-saved, nothing twice, a confirmation
e-mail (with the invitation link when the address is the person's own), the organisation
searched in the register, and the invitation sent on admission."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from courses.models import IntakeStatus
from institute.models import Organisation, Role, User
from listeners.enrollment.services import invite_admitted
from listeners.models import Enrollment, EnrollmentTransition, FundingBasis, Listener
from listeners.public.services import confirm_application
from listeners.rules import EnrollmentState
from tests.conftest import (
    DATABASE_TASKS,
    IMMEDIATE_TASKS,
    make_bin,
    make_enrollment,
    make_iin,
    make_intake,
    make_listener,
)

START = datetime.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    """Mail kept in mail.outbox; what the pages leave to the worker (the confirmation, the
    invitations) runs at once, except where a test looks at the queue itself."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def open_intake(programme):
    return make_intake(
        programme,
        code="OPEN-27",
        status=IntakeStatus.OPEN,
        start_date=START,
        end_date=START + datetime.timedelta(days=11),
    )


def form_data(organisation: Organisation | None = None, **overrides) -> dict:
    data = {
        "iin": make_iin(),
        "last_name": "Нұрланова",
        "first_name": "Айгерім",
        "patronymic": "",
        "email": "aigerim@example.kz",
        "phone": "+7 701 000 00 00",
        "organisation_query": "",
        "organisation": organisation.pk if organisation else "",
        "position": "Мұғалім",
        "subject": "Математика",
        "basis": FundingBasis.STATE_ORDER,
    }
    data.update(overrides)
    return data


@pytest.fixture
def apply(django_capture_on_commit_callbacks):
    """Post the form as a browser would: what waits for the commit (the e-mail) runs."""

    def post(client, intake, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("public:apply", args=[intake.pk]), data)

    return post


def invitation_link(message) -> str:
    found = re.search(r"https?://\S+/accounts/invitation/\S+/", message.body)
    return found.group(0) if found else ""


def test_a_new_person_is_registered_applies_and_is_emailed_an_invitation(
    apply, en, open_intake, organisation
):
    data = form_data(organisation, patronymic="Серікқызы")
    response = apply(en, open_intake, data)
    assert response.status_code == 302
    assert response.url == reverse("public:applied", args=[open_intake.pk])

    listener = Listener.objects.get(iin=data["iin"])
    assert (listener.last_name, listener.first_name, listener.patronymic) == (
        "Нұрланова",
        "Айгерім",
        "Серікқызы",
    )
    assert listener.organisation == organisation and listener.position == "Мұғалім"
    assert listener.birth_date == datetime.date(1985, 3, 14)  # read from the IIN
    enrollment = Enrollment.objects.get(listener=listener, intake=open_intake)
    assert enrollment.state == EnrollmentState.APPLIED
    assert enrollment.with_work_interruption is open_intake.with_work_interruption
    assert EnrollmentTransition.objects.filter(enrollment=enrollment, by=None).count() == 1
    # An account with no usable password until the invitation is used.
    user = listener.user
    assert user.role == Role.LISTENER and not user.has_usable_password()
    assert user.email == "aigerim@example.kz"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aigerim@example.kz"]
    assert "OPEN-27" in message.subject
    assert invitation_link(message)

    page = en.get(response.url)
    assert b"Application received" in page.content
    assert b"open your account" in page.content


def test_the_confirmation_is_written_in_the_applicants_language(apply, client, open_intake):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    apply(client, open_intake, form_data())
    ru = mail.outbox[0].body
    mail.outbox.clear()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    apply(client, open_intake, form_data(email="other@example.kz"))
    assert mail.outbox[0].body != ru and "Dear" in mail.outbox[0].body


def test_a_known_iin_reuses_the_person_keeps_the_names_and_fills_only_empty_contacts(
    apply, en, open_intake, organisation
):
    known = make_listener(
        organisation, last_name="Ахметова", first_name="Әлия", email="", phone="+7 702 111 11 11"
    )
    data = form_data(None, iin=known.iin, last_name="Другая", first_name="Фамилия")
    assert apply(en, open_intake, data).status_code == 302

    assert Listener.objects.count() == 1
    known.refresh_from_db()
    assert (known.last_name, known.first_name) == ("Ахметова", "Әлия")
    assert known.organisation == organisation  # the workplace is not cleared either
    assert known.email == "aigerim@example.kz"  # was empty: filled
    assert known.phone == "+7 702 111 11 11"  # was set: kept
    assert Enrollment.objects.get().listener == known
    # The e-mail was only just typed: a confirmation goes, but no link to open the account,
    # so typing someone's IIN with one's own address opens nobody's account.
    assert len(mail.outbox) == 1 and not invitation_link(mail.outbox[0])
    assert known.user is None


def test_a_known_person_is_written_to_at_the_address_on_record(apply, en, open_intake):
    known = make_listener(email="own@example.kz")
    apply(en, open_intake, form_data(iin=known.iin, email="stranger@example.kz"))
    known.refresh_from_db()
    assert known.email == "own@example.kz"
    assert [m.to for m in mail.outbox] == [["own@example.kz"]]
    assert invitation_link(mail.outbox[0])  # their own address: they may open the account


def test_a_listener_with_a_password_gets_no_new_invitation(apply, en, open_intake, listener):
    listener.email = "listener1@example.kz"
    listener.save()
    apply(en, open_intake, form_data(iin=listener.iin, email="listener1@example.kz"))
    assert len(mail.outbox) == 1 and not invitation_link(mail.outbox[0])
    assert "/accounts/login/" in mail.outbox[0].body
    listener.user.refresh_from_db()
    assert listener.user.check_password("pass-12345-word")


@pytest.mark.parametrize(
    ("iin", "says"),
    [
        ("12345", "exactly 12 digits"),
        ("850314300120", "check digit"),
        ("851314300126", "real date of birth"),
    ],
)
def test_a_wrong_iin_is_shown_beside_the_field_and_nothing_is_saved(
    apply, en, open_intake, iin, says
):
    response = apply(en, open_intake, form_data(iin=iin))
    assert response.status_code == 400
    assert says in " ".join(response.context["form"].errors["iin"])
    assert 'id="id_iin"' in response.content.decode()
    assert Listener.objects.count() == 0
    assert Enrollment.objects.count() == 0
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_a_person_refused_by_the_register_leaves_nothing_behind(apply, en, open_intake):
    """A name too long for the register: the listener_enroll transaction rolls back whole."""
    response = apply(en, open_intake, form_data(position="x" * 201))
    assert response.status_code == 400
    assert (Listener.objects.count(), Enrollment.objects.count(), len(mail.outbox)) == (0, 0, 0)


def test_a_double_submitted_form_creates_nothing_twice_and_says_so_kindly(apply, en, open_intake):
    data = form_data()
    assert apply(en, open_intake, data).status_code == 302
    again = apply(en, open_intake, data)
    assert again.status_code == 400
    assert "already registered, so nothing new was saved" in again.content.decode()
    # The stored person's name is not shown to whoever typed the IIN.
    assert "Нұрланова" not in str(again.context["form"].non_field_errors())
    assert Listener.objects.count() == 1
    assert Enrollment.objects.count() == 1
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_full_intake_puts_the_applicant_on_the_waitlist(apply, en, open_intake, organisation):
    for _ in range(open_intake.state_order_seats):
        make_enrollment(make_listener(organisation), open_intake, state=EnrollmentState.ADMITTED)
    response = apply(en, open_intake, form_data())
    assert Enrollment.objects.get(state__in=["applied", "waitlisted"]).state == "waitlisted"
    assert b"on the waitlist" in en.get(response.url).content
    assert "waitlist" in mail.outbox[0].body


def test_only_the_seat_kinds_the_intake_has_are_offered(apply, en, programme):
    paid_only = make_intake(
        programme,
        status=IntakeStatus.OPEN,
        state_order_seats=0,
        contract_seats=5,
        start_date=START,
        end_date=START + datetime.timedelta(days=3),
    )
    form = en.get(reverse("public:apply", args=[paid_only.pk])).context["form"]
    assert [value for value, _label in form.fields["basis"].choices] == [
        FundingBasis.CONTRACT_PERSON
    ]
    response = apply(en, paid_only, form_data(basis=FundingBasis.STATE_ORDER))
    assert response.status_code == 400 and "basis" in response.context["form"].errors
    apply(en, paid_only, form_data(basis=FundingBasis.CONTRACT_PERSON))
    assert Enrollment.objects.get().basis == FundingBasis.CONTRACT_PERSON


def test_a_closed_intake_takes_no_application(apply, en, programme):
    planned = make_intake(programme, status=IntakeStatus.PLANNED)
    assert apply(en, planned, form_data()).status_code == 404
    assert Enrollment.objects.count() == 0


def test_the_confirmation_page_names_the_course_applied_to(apply, en, open_intake):
    apply(en, open_intake, form_data())
    page = en.get(reverse("public:applied", args=[open_intake.pk])).content.decode()
    title = open_intake.programme.title
    assert f"“{title}” ({open_intake.code})" in page
    assert "“” ()" not in page


def test_the_confirmation_page_is_only_for_the_browser_that_applied(apply, en, client, open_intake):
    apply(en, open_intake, form_data())
    stranger = client.__class__()
    response = stranger.get(reverse("public:applied", args=[open_intake.pk]))
    assert response.status_code == 302
    assert response.url == reverse("public:intake", args=[open_intake.pk])


# --- the organisation from the register ---------------------------------------------------------


@pytest.fixture
def organisations(district):
    names = [
        ("Әліппе балабақшасы", "Детский сад Алиппе"),
        ("№7 мектеп-гимназия", "Школа-гимназия №7"),
        ("Дарын лицейі", "Лицей Дарын"),
    ]
    return [
        Organisation.objects.create(
            name_kk=kk, name_ru=ru, bin=make_bin(), kind="school", district=district
        )
        for kk, ru in names
    ]


def search(client, query: str):
    return client.get(reverse("public:organisation_search"), {"organisation_query": query})


def test_the_organisation_is_found_by_name_in_either_language_or_by_bin(en, organisations):
    kindergarten, school, lyceum = organisations
    assert list(search(en, "ӘЛІППЕ").context["organisations"]) == [kindergarten]
    assert list(search(en, "гимназия").context["organisations"]) == [school]
    assert set(search(en, lyceum.bin[:6]).context["organisations"]) == {
        o for o in organisations if o.bin.startswith(lyceum.bin[:6])
    }
    found = search(en, lyceum.bin)
    assert list(found.context["organisations"]) == [lyceum]
    assert f'value="{lyceum.pk}"' in found.content.decode()
    assert list(search(en, "ә").context["organisations"]) == []  # two letters at least
    assert b"No organisation in the register matches" in search(en, "Нет такой").content


def test_the_organisation_search_lists_a_few_in_two_queries_or_less(
    en, district, django_assert_max_num_queries
):
    Organisation.objects.bulk_create(
        Organisation(
            name_kk=f"Мектеп {n}",
            name_ru=f"Школа {n}",
            bin=make_bin(),
            kind="school",
            district=district,
        )
        for n in range(50)
    )
    with django_assert_max_num_queries(2):
        response = search(en, "мектеп")
    assert len(response.context["organisations"]) == 8
    assert b"Only the first matches are shown" in response.content


def test_the_organisation_picked_from_the_list_or_typed_by_bin_is_recorded(
    apply, en, open_intake, organisations
):
    _kindergarten, school, lyceum = organisations
    apply(en, open_intake, form_data(school))
    apply(en, open_intake, form_data(None, organisation_query=lyceum.bin))
    assert sorted(Listener.objects.values_list("organisation__bin", flat=True)) == sorted(
        [school.bin, lyceum.bin]
    )


def test_a_name_typed_but_not_picked_is_asked_to_be_picked(apply, en, open_intake, organisations):
    response = apply(en, open_intake, form_data(None, organisation_query="Дарын"))
    assert response.status_code == 400
    assert "Choose your organisation from the list" in str(
        response.context["form"].errors["organisation_query"]
    )
    assert Listener.objects.count() == 0


def test_a_picked_organisation_stays_picked_when_the_form_comes_back(
    apply, en, open_intake, organisations
):
    school = organisations[1]
    response = apply(en, open_intake, form_data(school, iin="1"))
    assert re.search(rf'value="{school.pk}"\s+checked', response.content.decode())


# --- the invitation on admission ----------------------------------------------------------------


def admit(client, intake, applications, *, number: str):
    """The methodologist admits the applications by an order of the head."""
    data = {
        "admit-number": number,
        "admit-date": "2027-02-20",
        "admit-head_name": "Қ. Жұмабеков",
        "admit-head_title": "Директор",
        "enrollment": [e.pk for e in applications],
    }
    return client.post(reverse("listeners:intake_admit", args=[intake.pk]), data)


def test_admitted_listeners_without_a_password_are_invited_once_the_order_is_saved(
    client, methodologist, open_intake, organisation, django_capture_on_commit_callbacks
):
    # The worker sends them; here it runs the task at once.
    client.force_login(methodologist)
    without_account = make_listener(organisation, email="new@example.kz")
    no_email = make_listener(organisation, email="")
    applications = [
        make_enrollment(without_account, open_intake),
        make_enrollment(no_email, open_intake),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = admit(client, open_intake, applications, number="101")
    assert response.status_code == 302
    assert Enrollment.objects.filter(state=EnrollmentState.ADMITTED).count() == 2
    assert [m.to for m in mail.outbox] == [["new@example.kz"]]
    without_account.refresh_from_db()
    assert without_account.user.role == Role.LISTENER
    assert not without_account.user.has_usable_password()
    # Kazakh unless the listener's language is known.
    assert mail.outbox[0].body != "" and invitation_link(mail.outbox[0])


def test_a_refused_admission_invites_nobody(
    client, methodologist, open_intake, organisation, django_capture_on_commit_callbacks
):
    client.force_login(methodologist)
    people = [make_listener(organisation, email=f"p{n}@example.kz") for n in range(4)]
    applications = [make_enrollment(p, open_intake) for p in people]  # 4 for 3 seats
    data = {
        "admit-number": "102",
        "admit-date": "2027-02-20",
        "admit-head_name": "Қ. Жұмабеков",
        "enrollment": [e.pk for e in applications],
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("listeners:intake_admit", args=[open_intake.pk]), data)
    assert mail.outbox == []
    assert User.objects.filter(role=Role.LISTENER).count() == 0


def test_the_application_page_leaves_the_confirmation_to_the_worker(
    apply, en, open_intake, organisation, settings
):
    """An applicant on a phone must not wait for a slow mail server: the page queues the
    confirmation and answers; the worker writes it, in the language the page was read in."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    data = form_data(organisation, email="queued@example.kz")
    response = apply(en, open_intake, data)
    assert response.status_code == 302
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path="listeners.public.services.confirm_application")
    enrollment_id, invite, base_url, language = queued.args_kwargs["args"]
    enrollment = Enrollment.objects.get(listener__iin=data["iin"])
    assert (enrollment_id, invite, base_url, language) == (
        enrollment.pk,
        True,
        "http://testserver/",
        "en",
    )
    # What the worker then does: one English confirmation with the link to open the account.
    assert confirm_application.call(enrollment_id, invite, base_url, language) is True
    assert [m.to for m in mail.outbox] == [["queued@example.kz"]]
    assert "Dear" in mail.outbox[0].body
    assert invitation_link(mail.outbox[0]).startswith("http://testserver/accounts/invitation/")
    # A task naming no enrollment (a database restored from an older backup) writes nothing.
    assert confirm_application.call(enrollment_id + 1000, invite, base_url, language) is False
    assert len(mail.outbox) == 1


def test_the_admission_page_leaves_the_invitations_to_the_worker(
    client, methodologist, open_intake, organisation, django_capture_on_commit_callbacks, settings
):
    """A mail server that is slow or down must not hold the admission of a whole group: the
    page queues one task and answers; the worker sends the links."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    client.force_login(methodologist)
    people = [make_listener(organisation, email=f"p{n}@example.kz") for n in range(2)]
    applications = [make_enrollment(p, open_intake) for p in people]  # 2 state-order seats
    with django_capture_on_commit_callbacks(execute=True):
        response = admit(client, open_intake, applications, number="103")
    assert response.status_code == 302
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path="listeners.enrollment.services.invite_admitted")
    ids, base_url = queued.args_kwargs["args"]
    assert sorted(ids) == sorted(e.pk for e in applications)
    assert base_url == "http://testserver/"
    # What the worker then does: one invitation each, with a link to this site.
    assert invite_admitted.call(ids, base_url) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.kz", "p1@example.kz"]
    assert all("http://testserver/accounts/invitation/" in m.body for m in mail.outbox)
