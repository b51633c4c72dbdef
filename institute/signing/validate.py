"""Reading back the electronic signature of a PDF someone holds (the public check of a
file, the tests): is it signed, by whom and when, is the file unchanged since, and does
the signer's certificate chain to a root the register trusts.

The file is read in memory only. Revocation is checked from what the file itself carries
(B-LT: the OCSP answers and CRLs embedded when it was signed) and, where that is missing,
not fetched: a public page must not call out to the authority's servers for every upload.
"""

import datetime
import io
from dataclasses import dataclass

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from institute.signing.pades import (
    certificate_fingerprint,
    certificate_name,
    outside_event_loop,
    trust_roots,
)


class NotReadable(ValueError):
    """The bytes are not a PDF that can be checked; `reason` says which case."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_pdf", "broken", "encrypted"


@dataclass(frozen=True)
class SignatureFacts:
    """What the file's signature says. `intact`: the signed bytes are unchanged; `whole`:
    the signature covers the whole file (nothing added after it); `trusted`: the signing
    certificate chains to a trusted root and was not revoked when it signed."""

    signer_name: str
    fingerprint: str
    signed_at: datetime.datetime | None
    timestamped: bool
    intact: bool
    whole: bool
    trusted: bool
    revoked: bool
    long_term: bool

    @property
    def unchanged(self) -> bool:
        return self.intact and self.whole


PDF_MAGIC = b"%PDF-"


def pdf_reader(data: bytes) -> PdfFileReader:
    """A reader of `data`, or NotReadable."""
    if PDF_MAGIC not in data[:1024]:
        raise NotReadable("not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
        if not encrypted:
            reader.root  # noqa: B018 - parses the catalogue: a broken file fails here
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError) as error:
        raise NotReadable("broken") from error
    if encrypted:
        raise NotReadable("encrypted")
    return reader


def _whole(status: PdfSignatureStatus) -> bool:
    """The signature covers the file, but for what B-LT adds after it: the revocation data
    and certificates of the document security store, which change nothing on the page."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    level = status.modification_level
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and level is not None
        and level <= ModificationLevel.LTA_UPDATES
    )


def signature_facts(data: bytes) -> list[SignatureFacts]:
    """The facts of every signature in the PDF, in the order they were made (most often
    one). NotReadable when the bytes are not a PDF that can be read."""
    reader = pdf_reader(data)
    try:
        embedded = list(reader.embedded_regular_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise NotReadable("broken") from error
    if not embedded:
        return []
    roots = trust_roots()
    dss = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
    options = {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "soft-fail"}
    facts = []
    for signature in embedded:
        context = dss.as_validation_context(options) if dss else ValidationContext(**options)
        try:
            status = outside_event_loop(validate_pdf_signature, signature, context)
        except (ValueError, KeyError, TypeError) as error:
            raise NotReadable("broken") from error
        certificate: x509.Certificate = status.signing_cert
        timestamp = status.timestamp_validity
        facts.append(
            SignatureFacts(
                signer_name=certificate_name(certificate),
                fingerprint=certificate_fingerprint(certificate),
                signed_at=timestamp.timestamp if timestamp else status.signer_reported_dt,
                timestamped=bool(timestamp and timestamp.intact and timestamp.valid),
                intact=bool(status.intact and status.valid),
                whole=_whole(status),
                trusted=bool(status.trusted) and not status.revoked,
                revoked=bool(status.revoked),
                long_term=dss is not None,
            )
        )
    return facts
