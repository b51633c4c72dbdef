"""Importing a list of applicants from .xlsx or .csv: checked row by row, saved all or nothing."""

import io

import pytest
from django.core.files.base import ContentFile
from openpyxl import Workbook

from institute.rules import RuleViolation
from listeners.imports import services as import_services
from listeners.imports.reading import ImportFileError
from listeners.imports.services import import_apply, import_check, rows_apply, rows_check, rows_read
from listeners.models import Enrollment, EnrollmentTransition, ImportJob, ImportStatus, Listener
from listeners.rules import EnrollmentState, parse_iin
from tests.conftest import make_enrollment, make_iin, make_listener

pytestmark = pytest.mark.django_db

HEADER_KK = ["ЖСН", "Тегі", "Аты", "Әкесінің аты", "Ұйымның БСН", "Лауазымы", "Басқа қаладан"]


def xlsx(rows: list[list[object]], header: list[str] = HEADER_KK) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def people(organisation, intake):
    """An existing listener, one already in the intake, and IINs for new people."""
    existing = make_listener(organisation, last_name="Бекова", first_name="Айгүл")
    enrolled = make_listener(organisation, last_name="Ким", first_name="Ольга")
    make_enrollment(enrolled, intake, state=EnrollmentState.APPLIED)
    return {"existing": existing, "enrolled": enrolled, "new": [make_iin() for _ in range(3)]}


def test_a_kazakh_header_and_numbers_typed_as_numbers_are_read(organisation, people):
    data = xlsx(
        [[int(people["new"][0]), "Әлиев", "Нұрлан", "", int(organisation.bin), "мұғалім", "иә"]]
    )
    [row] = rows_read(data, "тізім.xlsx")
    assert row.number == 2
    assert row.values["iin"] == people["new"][0]
    assert row.values["organisation_bin"] == organisation.bin
    assert row.values["from_other_town"] == "иә"


def test_every_bad_row_is_marked_with_its_reason(english, intake, organisation, people):
    good, twice = people["new"][0], people["new"][1]
    data = xlsx(
        [
            [good, "Әлиев", "Нұрлан", "", organisation.bin, "", ""],
            [people["existing"].iin, "", "", "", organisation.bin, "", ""],
            ["871008401428", "Сейіт", "Дана", "", organisation.bin, "", ""],
            [twice, "Оспан", "Ерлан", "", "999999999999", "", ""],
            [twice, "Оспан", "Ерлан", "", organisation.bin, "", ""],
            [people["enrolled"].iin, "Ким", "Ольга", "", organisation.bin, "", ""],
        ]
    )
    rows = rows_check(intake=intake, rows=rows_read(data, "list.xlsx"))
    errors = {row.number: row.errors for row in rows}
    assert errors[2] == [] and errors[3] == []
    assert rows[1].listener_id == people["existing"].pk  # found, names not needed
    assert "wrong check digit" in errors[4][0]
    assert errors[5] == ["No organisation with BIN “999999999999” in the register."]
    assert errors[6] == ["The same IIN as row 5: the person is twice in the file."]
    assert errors[7] == ["Already enrolled in this intake."]


def test_checking_costs_the_same_queries_for_10_and_200_rows(
    intake, organisation, django_assert_max_num_queries
):
    for size in (10, 200):
        data = xlsx(
            [[make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""] for _ in range(size)]
        )
        rows = rows_read(data, "list.xlsx")
        with django_assert_max_num_queries(3):
            rows_check(intake=intake, rows=rows)


def test_a_semicolon_csv_in_windows_1251_is_read(organisation):
    iin = make_iin()
    text = f"ИИН;Фамилия;Имя;БИН организации\n{iin};Иванова;Мария;{organisation.bin}\n"
    [row] = rows_read(text.encode("cp1251"), "list.csv")
    assert row.values == {
        "iin": iin,
        "last_name": "Иванова",
        "first_name": "Мария",
        "organisation_bin": organisation.bin,
    }


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"whatever", "list.pdf", "Upload an .xlsx or .csv file."),
        (b"not a zip", "list.xlsx", "not a readable .xlsx"),
        ("Фамилия;Имя\nА;Б\n".encode(), "list.csv", "lacks the columns: ЖСН, ҰЙЫМНЫҢ БСН"),
        ("ИИН;Фамилия;Имя;БИН\n".encode(), "list.csv", "no rows"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(english, data, name, message):
    with pytest.raises(ImportFileError) as refused:
        rows_read(data, name)
    assert message in str(refused.value)


def _job(intake, methodologist, data: bytes, name: str = "list.xlsx") -> ImportJob:
    job = ImportJob(intake=intake, filename=name, created_by=methodologist)
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def _apply(job: ImportJob) -> None:
    """What confirming does: the job is claimed for importing, then the task runs."""
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.IMPORTING
    )
    import_apply.call(job.pk)


def test_one_bad_row_in_the_middle_saves_nothing(
    english, intake, organisation, methodologist, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = xlsx(
        [
            [make_iin(), "Әлиев", "Нұрлан", "", organisation.bin, "", ""],
            ["123", "Сейіт", "Дана", "", organisation.bin, "", ""],
            [make_iin(), "Оспан", "Ерлан", "", organisation.bin, "", ""],
        ]
    )
    job = _job(intake, methodologist, data)
    import_check.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert [row["number"] for row in job.bad_rows] == [3]
    before = (Listener.objects.count(), Enrollment.objects.count())
    with pytest.raises(RuleViolation):
        rows_apply(job=job, by=methodologist)
    assert (Listener.objects.count(), Enrollment.objects.count()) == before


def test_a_clean_list_is_imported_with_history(
    intake, organisation, methodologist, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    new = people["new"][0]
    data = xlsx(
        [
            [new, "Әлиев", "Нұрлан", "Серікұлы", organisation.bin, "мұғалім", "иә"],
            [people["existing"].iin, "Другая", "Фамилия", "", organisation.bin, "", ""],
        ]
    )
    job = _job(intake, methodologist, data)
    import_check.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.percent) == (ImportStatus.CHECKED, 2, 2, 100)
    listeners_before = Listener.objects.count()
    _apply(job)
    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportStatus.IMPORTED, 2)
    assert Listener.objects.count() == listeners_before + 1  # the existing one is not duplicated
    person = Listener.objects.get(iin=new)
    assert (person.patronymic, person.birth_date, person.organisation) == (
        "Серікұлы",
        parse_iin(new).birth_date,
        organisation,
    )
    people["existing"].refresh_from_db()
    assert people["existing"].last_name == "Бекова"  # names on documents are not overwritten
    enrollment = Enrollment.objects.get(intake=intake, listener=person)
    assert (enrollment.state, enrollment.from_other_town) == (EnrollmentState.APPLIED, True)
    history = EnrollmentTransition.objects.get(enrollment=enrollment)
    assert (history.to_state, history.by) == (EnrollmentState.APPLIED, methodologist)


def test_a_list_that_went_stale_after_checking_imports_nothing(
    english, intake, organisation, methodologist, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    late = people["new"][0]
    job = _job(
        intake,
        methodologist,
        xlsx(
            [
                [late, "Әлиев", "Нұрлан", "", organisation.bin, "", ""],
                [people["new"][1], "Оспан", "Ерлан", "", organisation.bin, "", ""],
            ]
        ),
    )
    import_check.call(job.pk)
    make_enrollment(make_listener(organisation, iin=late), intake)  # enrolled meanwhile
    before = Enrollment.objects.count()
    _apply(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "row 2" in job.error
    assert Enrollment.objects.count() == before


def test_an_iin_starting_with_zero_typed_as_a_number_keeps_its_zero(organisation):
    import datetime

    iin = make_iin(datetime.date(2004, 5, 6))
    assert iin.startswith("0")
    [row] = rows_read(xlsx([[int(iin), "Әлиев", "Нұрлан", "", organisation.bin, "", ""]]), "a.xlsx")
    assert row.values["iin"] == iin


def test_a_late_run_of_an_old_task_changes_nothing(
    intake, organisation, methodologist, people, settings, tmp_path
):
    """A task enqueued before the worker died runs once it restarts, after the job was
    started again and finished: neither the check nor the import may run a second time."""
    settings.MEDIA_ROOT = tmp_path
    job = _job(
        intake, methodologist, xlsx([[people["new"][0], "Әлиев", "Нұрлан", "", organisation.bin]])
    )
    import_check.call(job.pk)
    _apply(job)
    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportStatus.IMPORTED, 1)

    import_check.call(job.pk)
    import_apply.call(job.pk)

    job.refresh_from_db()
    assert (job.status, job.imported, job.error, len(job.rows)) == (ImportStatus.IMPORTED, 1, "", 1)
    assert Enrollment.objects.filter(intake=intake, listener__iin=people["new"][0]).count() == 1


def test_an_unexpected_error_ends_the_job_at_once_and_saves_nothing(
    english, intake, organisation, methodologist, people, settings, tmp_path, monkeypatch
):
    """A bug or a lost database connection need not leave the page waiting for the stale
    limit: the job ends, says so, and the error stays in the task's result."""

    settings.MEDIA_ROOT = tmp_path
    job = _job(
        intake, methodologist, xlsx([[people["new"][0], "Әлиев", "Нұрлан", "", organisation.bin]])
    )
    real_check = rows_check

    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(import_services, "rows_check", broken)
    with pytest.raises(ValueError):
        import_check.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID and "unexpected error" in job.error

    monkeypatch.setattr(import_services, "rows_check", real_check)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, error="")
    import_check.call(job.pk)

    def half_then_broken(*, job, by):
        make_enrollment(make_listener(organisation), intake)  # saved, then rolled back
        raise ValueError("a bug")

    monkeypatch.setattr(import_services, "rows_apply", half_then_broken)
    before = Enrollment.objects.count()
    with pytest.raises(ValueError):
        _apply(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "nothing was imported" in job.error
    assert Enrollment.objects.count() == before
