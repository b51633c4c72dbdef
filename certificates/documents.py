"""The issued document as a PDF: one pure function per output, each returning bytes.

Everything a document certifies is read from its frozen `snapshot`, never from the
listener or the programme as they stand today; only the number, the status, the duplicate
mark and the verification address (with its QR code) are added. Kazakh first, Russian second
(§8).

Speed: the pre-subset DejaVu faces are loaded once per thread (institute.pdf), and the QR
code is a PNG of one pixel per module, printed without smoothing, passed to the renderer in
memory: drawn as inline SVG it cost a third of each page (WeasyPrint parses the SVG path in
Python), and the static-only fetcher refuses data: URIs.
"""

import datetime
import io
from collections.abc import Sequence

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from pypdf import PdfWriter

from certificates.models import Document, DocumentStatus
from certificates.rules import DOCUMENT_OPENING, TRAINING_COMPLETED
from institute.pdf import html_to_pdf
from listeners.rules import sex_of

PDFA_VARIANT = "pdf/a-3b"


def verification_url(document: Document) -> str:
    """The absolute address anyone can open to check the document (its QR code)."""
    path = reverse("certificates:verify", args=[document.token])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def qr_code(url: str) -> segno.QRCode:
    # Error correction M survives a worn or stamped corner; a fixed mask pattern skips the
    # search for the best of eight, which a scanner does not need.
    return segno.make(url, error="m", mask=0, micro=False)


def qr_png(url: str) -> bytes:
    """The QR code of `url` as a PNG, one pixel per module with the quiet zone."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=1, border=4)
    return out.getvalue()


def _day(iso: str | None) -> str:
    return datetime.date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else ""


def sheet_context(document: Document, *, qr_url: str) -> dict:
    """What one page prints: the snapshot with dates as dd.mm.yyyy, plus the number, the
    marks, the verification address and the address of its QR image, the training in the
    case the formula needs, and the sex the Russian text agrees with. A document issued
    before the snapshot kept the sex has it read from the snapshot's IIN or patronymic."""
    snapshot = document.snapshot
    sex = snapshot.get("sex")
    if sex is None:
        sex = sex_of(iin=snapshot.get("iin", ""), patronymic=snapshot.get("patronymic", ""))
    completed = TRAINING_COMPLETED.get(snapshot.get("programme_kind"), {})
    opening = DOCUMENT_OPENING[snapshot.get("kind") or document.kind]
    return {
        **snapshot,
        "sex": sex,
        "opening_kk": opening["kk"],
        "opening_ru": opening["ru"],
        "completed_kk": completed.get("kk", snapshot.get("training_kk", "")),
        "completed_ru": completed.get("ru", snapshot.get("training_ru", "")),
        "number": document.number,
        "start_date": _day(snapshot.get("start_date")),
        "end_date": _day(snapshot.get("end_date")),
        "issued_on": _day(snapshot.get("issued_on")),
        "duplicate_issued_on": _day(snapshot.get("duplicate_issued_on")),
        "year": (snapshot.get("issued_on") or "")[:4] or document.year,
        "duplicate": bool(snapshot.get("duplicate")),
        "revoked": document.status == DocumentStatus.REVOKED,
        "verify_url": verification_url(document),
        "qr_url": qr_url,
    }


def documents_html(documents: Sequence[Document]) -> tuple[str, dict[str, bytes]]:
    """The HTML of the documents, one per page, and the QR images it refers to."""
    sheets, images = [], {}
    for index, document in enumerate(documents):
        qr_url = f"memory:qr-{index}.png"
        sheet = sheet_context(document, qr_url=qr_url)
        images[qr_url] = qr_png(sheet["verify_url"])
        sheets.append(sheet)
    context = {
        "title": " … ".join(dict.fromkeys([documents[0].number, documents[-1].number]))
        if documents
        else "",
        "documents": sheets,
    }
    with translation.override("kk"):
        return render_to_string("certificates/pdf/document.html", context), images


def render_document_pdf(document: Document, *, pdfa: bool = False, stamp: str = "") -> bytes:
    """The document as issued, one A4 landscape page; `pdfa` gives a PDF/A-3b archival copy,
    `stamp` the electronic-signature stamp it is signed under (institute.signing)."""
    html, images = documents_html([document])
    return render_html_pdf(html, images, stamp, pdf_variant=PDFA_VARIANT if pdfa else None)


def render_html_pdf(
    html: str, images: dict[str, bytes], stamp: str = "", *, pdf_variant: str | None = None
) -> bytes:
    """A document's PDF from its HTML and QR images (documents_html): what a worker process
    renders (institute.signing.parallel) without reading the database."""
    return html_to_pdf(
        html, presubset_fonts=True, pdf_variant=pdf_variant, resources=images, stamp=stamp
    )


def render_documents_print_pdf(documents: Sequence[Document]) -> bytes:
    """The documents' stored PDFs joined in one file for the printer, one per page, in the
    order given: exactly what was issued and hashed, not a new rendering of it.
    Joining costs about 6 ms a page where laying the pages out again cost 24; the fonts and
    images the pages share are kept once."""
    writer = PdfWriter()
    for document in documents:
        with document.pdf.open("rb") as stored:
            writer.append(io.BytesIO(stored.read()))
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
