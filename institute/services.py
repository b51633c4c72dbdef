"""Workflows every app shares."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from institute.models import AuditEntry, User


def log_action(*, obj: models.Model, action: str, by: User | None, **data: object) -> AuditEntry:
    """Record in the audit trail that `by` did `action` (e.g. "intake.cancelled") to `obj`.

    Call it inside the transaction that makes the change, so the two stand or fall together.
    """
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        action=action,
        by=by if by is not None and by.is_authenticated else None,
        data=data,
    )
