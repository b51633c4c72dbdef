"""The public verification page (§12): anyone checks a document from its QR code, or by
its number and its holder's surname, with failed look-ups counted per address."""

import datetime
import math
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from certificates.forms import FileCheckForm, VerifyForm
from certificates.models import Document
from certificates.pages import certified
from certificates.verify.check import (
    MAX_FILE_BYTES,
    FileCheck,
    Outcome,
    documents_public,
    file_check,
)
from certificates.verify.uploads import MemoryOnlyUpload
from institute.auth import client_address
from institute.text import fold_lookalikes

# Failed look-ups by number and surname from one address are counted, so that nobody can
# try surnames against numbers (or numbers against a surname) at speed.
VERIFY_MAX_FAILURES = 5
VERIFY_WINDOW_SECONDS = 10 * 60


def _lookup_form(request: HttpRequest, form: VerifyForm | None = None) -> dict:
    """The look-up form and, while look-ups from this address are paused, why and until
    when: the form is then shown disabled, not as a form that can only fail."""
    form = form or VerifyForm()
    paused = _paused(request)
    if paused:
        form.lock()
    return {"form": form, "paused": paused}


def _verified(
    request: HttpRequest, document: Document, form: VerifyForm | None = None
) -> HttpResponse:
    """What a document certifies and whether it stands; never the IIN or any contact."""
    context = {
        "document": document,
        "certified": certified(document),
        **_standing(document),
        **_lookup_form(request, form),
    }
    return render(request, "certificates/verify.html", context)


def _standing(document: Document) -> dict:
    """What stands today: the documents issued in its place."""
    return {
        "replaced_by": list(document.replaced_by.order_by("issued_at")),
        "later_duplicates": list(document.duplicates.order_by("issued_at")),
    }


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone may check a document from its QR code. An unknown token is a 404
    that says the document is not in the register, with the look-up by number beside it.
    Not throttled: the token is 32 random characters, so there is nothing to guess at."""
    document = documents_public().filter(token=token).first()
    if document is None:
        context = {"not_in_register": True, **_lookup_form(request)}
        return render(request, "certificates/verify.html", context, status=404)
    return _verified(request, document)


def _failures_key(request: HttpRequest) -> str:
    return f"certificates:verify-failures:{client_address(request)}"


def _recent_failures(request: HttpRequest) -> list[float]:
    since = time.time() - VERIFY_WINDOW_SECONDS
    return [at for at in cache.get(_failures_key(request), []) if at > since]


def _count_failure(request: HttpRequest) -> None:
    failures = [*_recent_failures(request), time.time()][-VERIFY_MAX_FAILURES:]
    cache.set(_failures_key(request), failures, VERIFY_WINDOW_SECONDS)


def _paused(request: HttpRequest) -> dict | None:
    """After VERIFY_MAX_FAILURES misses in the window, how long look-ups from this address
    wait: whole minutes and the local time they resume (rounded up, never early)."""
    failures = _recent_failures(request)
    if len(failures) < VERIFY_MAX_FAILURES:
        return None
    now = time.time()
    minutes = max(1, math.ceil((failures[0] + VERIFY_WINDOW_SECONDS - now) / 60))
    resumes = timezone.localtime(
        datetime.datetime.fromtimestamp(now + minutes * 60, tz=datetime.UTC)
    )
    message = ngettext(
        "Too many failed look-ups from this address. Checking by number and surname is "
        "paused: try again in %(minutes)d minute, at %(time)s.",
        "Too many failed look-ups from this address. Checking by number and surname is "
        "paused: try again in %(minutes)d minutes, at %(time)s.",
        minutes,
    ) % {"minutes": minutes, "time": resumes.strftime("%H:%M")}
    return {"message": message, "seconds": minutes * 60}


def _surname_matches(document: Document, surname: str) -> bool:
    """The surname as it stands on the document; the listener's present surname too, so a
    holder who has since changed it is not turned away by a name typed from the record.
    Both folded as the typed one is (fold_lookalikes): Russian letters for Kazakh ones,
    Latin look-alikes, case, spaces and dashes make no difference."""
    snapshot = document.snapshot
    on_document = snapshot.get("last_name") or (snapshot.get("full_name") or "").split(" ")[0]
    names = [on_document, document.enrollment.listener.last_name]
    return any(name and fold_lookalikes(name) == surname for name in names)


@require_http_methods(["GET", "POST"])
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """Check a document by its number and its holder's surname, both folded as the stored
    ones are (VerifyForm); the number is found by its folded key, through an index. An
    unknown number and a wrong surname get the same answer. Each miss is counted per
    address; after VERIFY_MAX_FAILURES misses in the window the form is disabled and the
    page answers 429 until the window has passed."""
    page = "certificates/verify.html"
    paused = _paused(request)
    if paused:
        response = render(request, page, _lookup_form(request), status=429)
        response["Retry-After"] = str(paused["seconds"])
        return response
    if request.method == "GET":
        return render(request, page, _lookup_form(request))
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return render(request, page, {"form": form}, status=400)
    candidates = documents_public().filter(number_key=form.cleaned_data["number"])
    surname = form.cleaned_data["surname"]
    document = next((d for d in candidates if _surname_matches(d, surname)), None)
    if document is None:
        _count_failure(request)
        return render(request, page, {"not_found": True, **_lookup_form(request, form)})
    return _verified(request, document, form)


FILE_PAGE = "certificates/verify_file.html"
# Outcomes that say the upload could not be checked at all: the form answers 400.
UNCHECKED = {Outcome.NOT_PDF, Outcome.BROKEN, Outcome.ENCRYPTED, Outcome.TOO_LARGE}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_file(request: HttpRequest) -> HttpResponse:
    """Anyone may check a PDF file they hold: whether it is a document of the register,
    unchanged since issue, who signed it and when, and whether it stands today. The upload
    is held in memory only, up to MAX_FILE_BYTES (MemoryOnlyUpload), and never stored.

    The upload handlers must be set before the body is read, so CSRF is checked after
    (csrf_protect below), as Django documents for views that change them."""
    if request.method == "GET":
        return render(request, FILE_PAGE, {"form": FileCheckForm()})
    handler = MemoryOnlyUpload(request, limit=MAX_FILE_BYTES)
    request.upload_handlers = [handler]
    return _verify_file_posted(request, handler)


@csrf_protect
def _verify_file_posted(request: HttpRequest, handler: MemoryOnlyUpload) -> HttpResponse:
    form = FileCheckForm(request.POST, request.FILES)
    if handler.too_large:
        result = FileCheck(Outcome.TOO_LARGE)
    elif not form.is_valid():
        return render(request, FILE_PAGE, {"form": form}, status=400)
    else:
        result = file_check(form.cleaned_data["file"].read())
    context = {"form": FileCheckForm(), "check": result, "outcome": result.outcome.value}
    if result.document is not None:
        context |= {
            "document": result.document,
            "certified": certified(result.document),
            **_standing(result.document),
        }
    return render(request, FILE_PAGE, context, status=400 if result.outcome in UNCHECKED else 200)
