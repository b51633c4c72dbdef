"""Pages about issued documents."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from certificates.models import Document


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone may check a document from its QR code (SPEC §7); unknown tokens are 404."""
    document = get_object_or_404(Document, token=token)
    return HttpResponse(f"{document.number}: {document.get_status_display()}")
