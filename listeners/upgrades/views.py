"""The scan of an upgrade taken elsewhere, for the staff."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from institute.access import institute_staff
from listeners.models import (
    ExternalUpgrade,
)
from listeners.web import scan_response


@institute_staff
def external_upgrade_scan(request: HttpRequest, name: str) -> HttpResponse:
    """A scan sent by a listener, for the methodologist who checks it before confirming."""
    return scan_response(get_object_or_404(ExternalUpgrade, scan=name))
