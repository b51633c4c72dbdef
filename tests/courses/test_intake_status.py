"""An intake's status (issue 19): opened for applications by the methodologist, in
progress and finished by the calendar, each move checked and in the audit trail."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from courses import rules
from courses.models import Intake, IntakeStatus
from courses.services import intake_move, intakes_advance
from institute.models import AuditEntry
from institute.rules import RuleViolation
from tests.conftest import make_intake

# The views read the real day; the rules are given it.
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    "status,start,end,expected",
    [
        (IntakeStatus.PLANNED, TODAY + DAY, TODAY + 9 * DAY, IntakeStatus.PLANNED),
        (IntakeStatus.OPEN, TODAY + DAY, TODAY + 9 * DAY, IntakeStatus.OPEN),
        (IntakeStatus.OPEN, TODAY, TODAY + 9 * DAY, IntakeStatus.IN_PROGRESS),
        (IntakeStatus.PLANNED, TODAY - DAY, TODAY, IntakeStatus.IN_PROGRESS),
        (IntakeStatus.IN_PROGRESS, TODAY - 9 * DAY, TODAY, IntakeStatus.IN_PROGRESS),
        (IntakeStatus.IN_PROGRESS, TODAY - 19 * DAY, TODAY - 10 * DAY, IntakeStatus.FINISHED),
        (IntakeStatus.OPEN, TODAY - 19 * DAY, TODAY - DAY, IntakeStatus.FINISHED),
        (IntakeStatus.CANCELLED, TODAY - 19 * DAY, TODAY - DAY, IntakeStatus.CANCELLED),
    ],
)
def test_the_calendar_moves_an_intake_on(status, start, end, expected):
    assert rules.intake_status_by_date(status, start=start, end=end, today=TODAY) == expected


def test_applications_cannot_be_opened_once_the_intake_has_started(english):
    with pytest.raises(RuleViolation, match="before its first day"):
        rules.intake_move_check(
            IntakeStatus.PLANNED, IntakeStatus.OPEN, start=TODAY, end=TODAY + DAY, today=TODAY
        )


def test_an_intake_is_marked_finished_on_its_last_day_at_the_earliest(english):
    with pytest.raises(RuleViolation, match="last day"):
        rules.intake_move_check(
            IntakeStatus.IN_PROGRESS,
            IntakeStatus.FINISHED,
            start=TODAY - DAY,
            end=TODAY + DAY,
            today=TODAY,
        )
    rules.intake_move_check(
        IntakeStatus.IN_PROGRESS, IntakeStatus.FINISHED, start=TODAY - DAY, end=TODAY, today=TODAY
    )


@pytest.mark.parametrize(
    "status,to",
    [
        (IntakeStatus.PLANNED, IntakeStatus.FINISHED),
        (IntakeStatus.FINISHED, IntakeStatus.OPEN),
        (IntakeStatus.CANCELLED, IntakeStatus.OPEN),
        (IntakeStatus.OPEN, IntakeStatus.IN_PROGRESS),
        (IntakeStatus.OPEN, "nonsense"),
    ],
)
def test_a_move_the_order_does_not_allow_is_refused(status, to):
    with pytest.raises(RuleViolation):
        rules.intake_move_check(
            status, to, start=TODAY + DAY, end=TODAY + 9 * DAY, today=TODAY - 9 * DAY
        )


def test_opening_an_intake_makes_its_public_page_and_the_catalogue_show_it(
    client, methodologist, english
):
    intake = make_intake(start_date=TODAY + 10 * DAY, end_date=TODAY + 20 * DAY)
    public = reverse("public:intake", args=[intake.pk])
    assert client.get(public).status_code == 404
    client.force_login(methodologist)
    detail = client.get(reverse("courses:intake_detail", args=[intake.pk])).content.decode()
    assert 'value="open"' in detail
    response = client.post(reverse("courses:intake_move", args=[intake.pk]), {"to": "open"})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.OPEN
    assert client.get(public).status_code == 200
    entry = AuditEntry.objects.get(action="intake.status_changed", object_id=intake.pk)
    assert entry.by == methodologist
    assert entry.data == {"was": "planned", "now": "open"}
    # And closed again before it starts.
    client.post(reverse("courses:intake_move", args=[intake.pk]), {"to": "planned"})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PLANNED


def test_a_refused_move_says_why_and_changes_nothing(client, methodologist, english):
    intake = make_intake(start_date=TODAY - 20 * DAY, end_date=TODAY - 10 * DAY)
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("courses:intake_move", args=[intake.pk]), {"to": "open"}, follow=True
    )
    assert "first day" in response.content.decode()
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PLANNED
    assert not AuditEntry.objects.filter(action="intake.status_changed").exists()


def test_a_district_methodologist_moves_nothing(client, district_methodologist):
    intake = make_intake(start_date=TODAY + 10 * DAY, end_date=TODAY + 20 * DAY)
    client.force_login(district_methodologist)
    response = client.post(reverse("courses:intake_move", args=[intake.pk]), {"to": "open"})
    assert response.status_code == 403
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PLANNED


def test_the_daily_run_moves_what_the_calendar_says_once(db):
    ended = make_intake(
        status=IntakeStatus.IN_PROGRESS, start_date=TODAY - 20 * DAY, end_date=TODAY - 10 * DAY
    )
    starting = make_intake(status=IntakeStatus.OPEN, start_date=TODAY, end_date=TODAY + 10 * DAY)
    waiting = make_intake(
        status=IntakeStatus.OPEN, start_date=TODAY + DAY, end_date=TODAY + 9 * DAY
    )
    cancelled = make_intake(
        status=IntakeStatus.CANCELLED,
        cancel_reason="No teacher",
        start_date=TODAY - 20 * DAY,
        end_date=TODAY - 10 * DAY,
    )
    assert intakes_advance(today=TODAY) == 2
    statuses = dict(Intake.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: IntakeStatus.FINISHED,
        starting.pk: IntakeStatus.IN_PROGRESS,
        waiting.pk: IntakeStatus.OPEN,
        cancelled.pk: IntakeStatus.CANCELLED,
    }
    moved = AuditEntry.objects.filter(action="intake.status_advanced")
    assert {(e.object_id, e.data["now"], e.by) for e in moved} == {
        (ended.pk, "finished", None),
        (starting.pk, "in_progress", None),
    }
    assert intakes_advance(today=TODAY) == 0


def test_the_command_advances_by_todays_date(db, capsys):
    ended = make_intake(
        status=IntakeStatus.IN_PROGRESS,
        start_date=datetime.date(2020, 1, 6),
        end_date=datetime.date(2020, 1, 17),
    )
    call_command("advance_intakes")
    ended.refresh_from_db()
    assert ended.status == IntakeStatus.FINISHED
    assert "1" in capsys.readouterr().out


def test_a_move_of_a_changed_intake_reads_it_afresh(methodologist):
    intake = make_intake(start_date=TODAY + 10 * DAY, end_date=TODAY + 20 * DAY)
    stale = Intake.objects.get(pk=intake.pk)
    Intake.objects.filter(pk=intake.pk).update(
        status=IntakeStatus.CANCELLED, cancel_reason="No teacher"
    )
    with pytest.raises(RuleViolation):
        intake_move(intake=stale, to=IntakeStatus.OPEN, by=methodologist, today=TODAY)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CANCELLED


def test_a_finished_intakes_timetable_is_shown_never_changed(client, methodologist, english):
    from courses.models import Session

    intake = make_intake(
        status=IntakeStatus.FINISHED,
        start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2026, 3, 13),
    )
    kept = Session.objects.create(intake=intake, date=intake.start_date, topic="Kept", hours=2)
    client.force_login(methodologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("courses:intake_detail", args=[intake.pk])).content.decode()
    assert "Kept" in page
    assert reverse("courses:session_add", args=[intake.pk]) not in page
    assert reverse("courses:session_remove", args=[intake.pk, kept.pk]) not in page
    # The journal and the attestation are a click away.
    assert reverse("listeners:attendance", args=[intake.pk]) in page
    assert reverse("listeners:attestation", args=[intake.pk]) in page
    added = client.post(
        reverse("courses:session_add", args=[intake.pk]),
        {"session-date": "2026-03-03", "session-topic": "Late", "session-hours": "2"},
        follow=True,
    )
    assert "its sessions can no longer be changed" in added.content.decode()
    removed = client.post(reverse("courses:session_remove", args=[intake.pk, kept.pk]), follow=True)
    assert "its sessions can no longer be changed" in removed.content.decode()
    assert list(Session.objects.filter(intake=intake).values_list("topic", flat=True)) == ["Kept"]
