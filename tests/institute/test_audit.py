"""Every change a service makes leaves who, what and when in the audit trail."""

import pytest

from courses.services import intake_cancel, programme_archive, programme_restore
from institute.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_cancelling_an_intake_records_who_and_why(intake, methodologist):
    intake_cancel(intake=intake, reason="Топ жинақталмады", by=methodologist)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.by) == (
        "intake.cancelled",
        intake.pk,
        methodologist,
    )
    assert entry.data == {"reason": "Топ жинақталмады"}
    assert entry.content_type.model == "intake"


def test_archiving_and_restoring_a_programme_are_both_recorded(programme, methodologist):
    programme_archive(programme=programme, by=methodologist)
    programme_archive(programme=programme, by=methodologist)  # already archived: no change
    programme_restore(programme=programme, by=methodologist)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "programme.archived",
        "programme.restored",
    ]


def test_a_refused_change_leaves_no_entry(intake, methodologist):
    from institute.rules import RuleViolation

    with pytest.raises(RuleViolation):
        intake_cancel(intake=intake, reason="  ", by=methodologist)
    assert not AuditEntry.objects.exists()
