"""Upgrades taken elsewhere (§10.1): reported by the listener with a scan, confirmed by the staff,
then counted by the five-year rule."""

import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.rules import ProgrammeKind
from institute.models import User
from institute.rules import RuleViolation
from institute.services import log_action
from listeners.models import (
    ExternalUpgrade,
    Listener,
)


@transaction.atomic
def external_upgrades_confirm(*, upgrades: QuerySet[ExternalUpgrade], by: User) -> int:
    """Confirm upgrades recorded from elsewhere, so they count for the five-year rule
    (§10.1); returns how many were confirmed now (those confirmed before are left as they are)."""
    pending = upgrades.filter(confirmed_at__isnull=True)
    listener_ids = list(pending.values_list("listener_id", flat=True))
    count = pending.update(confirmed_by=by, confirmed_at=timezone.now())
    Listener.objects.filter(pk__in=listener_ids).refresh_last_upgrade()
    return count


@transaction.atomic
def external_upgrade_record(
    *,
    listener: Listener,
    issuer: str,
    document_number: str,
    completed_on: datetime.date,
    hours: int,
    programme_title: str = "",
    with_work_interruption: bool = True,
    scan: UploadedFile | None = None,
    by: User | None,
) -> ExternalUpgrade:
    """A listener records an upgrade done at another institution (§10.1), with a scan of
    its document. It counts for the five-year rule once a methodologist confirms it
    (external_upgrades_confirm); until then it waits."""
    upgrade = ExternalUpgrade(
        listener=listener,
        kind=ProgrammeKind.UPGRADE,
        issuer=issuer.strip(),
        document_number=document_number.strip(),
        completed_on=completed_on,
        hours=hours,
        programme_title=programme_title.strip(),
        with_work_interruption=with_work_interruption,
    )
    if scan is not None:
        upgrade.scan = scan
    if completed_on and completed_on > timezone.localdate():
        raise RuleViolation(_("The date of the document is in the future."), field="completed_on")
    upgrade.full_clean(exclude=["listener"], validate_unique=False)
    if ExternalUpgrade.objects.filter(
        listener=listener, issuer=upgrade.issuer, document_number=upgrade.document_number
    ).exists():
        raise RuleViolation(
            _("This document is already recorded for the listener."), field="document_number"
        )
    upgrade.save()
    log_action(obj=upgrade, action="external_upgrade.recorded", by=by)
    return upgrade
