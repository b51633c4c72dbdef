"""Digital credentials (issue 13): the institute's DID document, the status lists, the
listener's download and LinkedIn link, and the public check of a pasted credential.

Without a configured key nothing can be signed: the DID document, the lists and the
downloads answer 404, and the pages say why."""

import json
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from certificates.credentials import services
from certificates.credentials.forms import MAX_CREDENTIAL_BYTES, CredentialCheckForm
from certificates.documents import verification_url
from certificates.models import Document, DocumentStatus
from certificates.pages import certified
from certificates.verify.uploads import MemoryOnlyUpload
from institute.access import listener_required
from institute.signing.pades import InstituteKey, institute_key
from listeners.models import Listener

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def _key() -> InstituteKey:
    key = institute_key()
    if key is None:
        raise Http404
    return key


@require_GET
def did_document(request: HttpRequest) -> HttpResponse:
    """did:web resolves to this document (did:web §3.2); 404 while there is no key."""
    body = json.dumps(services.did_document(_key()), indent=2)
    return HttpResponse(body, content_type="application/did+json")


@require_GET
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    """A signed Bitstring Status List, computed now from the register (one query). A
    verifier may keep it five minutes: a revocation shows everywhere within that."""
    if number < 1:
        raise Http404
    token = services.status_list_sign(number=number, key=_key())
    response = HttpResponse(token, content_type=services.MEDIA_TYPE)
    response["Cache-Control"] = "public, max-age=300"
    return response


def _own_valid(listener: Listener, pk: int) -> Document:
    """The listener's own valid document; another person's, or a revoked one, is 404."""
    documents = Document.objects.filter(
        enrollment__listener=listener, status=DocumentStatus.VALID
    ).select_related("enrollment__intake__programme")
    return get_object_or_404(documents, pk=pk)


@require_GET
@listener_required
def credential_download(request: HttpRequest, listener: Listener, pk: int) -> HttpResponse:
    """The document as a signed `vc+jwt` file, for a digital wallet or a badge backpack."""
    document = _own_valid(listener, pk)
    token = services.credential_sign(document=document, key=_key())
    response = HttpResponse(token, content_type=services.MEDIA_TYPE)
    # The number is in Cyrillic: the header gives it RFC 6266's filename* form.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{document.number}.jwt"
    )
    return response


@require_GET
@listener_required
def credential_linkedin(request: HttpRequest, listener: Listener, pk: int) -> HttpResponse:
    """LinkedIn's "add to profile" form, filled in with the document: the name, the
    institute, the month of issue, the number and the check address."""
    document = _own_valid(listener, pk)
    facts = certified(document)
    issued = timezone.localtime(document.issued_at)
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": facts["programme"] or facts["kind"],
        "organizationName": facts["institute"],
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certId": document.number,
        "certUrl": verification_url(document),
    }
    return redirect(f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(query)}")


CHECK_PAGE = "certificates/credentials/check.html"
UNCHECKED = {services.Outcome.MALFORMED, services.Outcome.NO_KEY}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def credential_verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a digital credential: pasted or as its file, held in memory only.
    The upload handlers are set before the body is read, so CSRF is checked after."""
    if request.method == "GET":
        context = {"form": CredentialCheckForm(), "no_key": institute_key() is None}
        return render(request, CHECK_PAGE, context)
    handler = MemoryOnlyUpload(request, limit=MAX_CREDENTIAL_BYTES)
    request.upload_handlers = [handler]
    return _credential_posted(request, handler)


@csrf_protect
def _credential_posted(request: HttpRequest, handler: MemoryOnlyUpload) -> HttpResponse:
    form = CredentialCheckForm(request.POST, request.FILES)
    if handler.too_large:
        form.add_error(None, CredentialCheckForm.too_long)
        return render(request, CHECK_PAGE, {"form": form}, status=400)
    if not form.is_valid():
        return render(request, CHECK_PAGE, {"form": form}, status=400)
    result = services.credential_check(token=form.cleaned_data["token"])
    context = {
        "form": CredentialCheckForm(),
        "check": result,
        "outcome": result.outcome.value,
        "subject": result.credential.get("credentialSubject")
        if isinstance(result.credential.get("credentialSubject"), dict)
        else {},
        "no_key": result.outcome == services.Outcome.NO_KEY,
    }
    if result.document is not None:
        context |= {
            "document": result.document,
            "certified": certified(result.document),
            "replaced_by": list(result.document.replaced_by.order_by("issued_at")),
            "later_duplicates": list(result.document.duplicates.order_by("issued_at")),
        }
    return render(request, CHECK_PAGE, context, status=400 if result.outcome in UNCHECKED else 200)
