"""The check of a PDF file someone holds (an employer sent it by e-mail): is it a document
of this register, unchanged since issue, signed by whom and when, and does it stand today.

The file is read in memory and never stored. It is first matched by its SHA-256 against
the register (the stored PDF is the signed file), then its signature is read back
(institute.signing.validate): a file changed after signing fails the signature even where
the change is one byte.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import QuerySet

from certificates.models import Document
from institute.signing.pades import SigningUnavailable, institute_key
from institute.signing.validate import NotReadable, SignatureFacts, signature_facts

# A document of the register is about 50 KB; a file far larger is not one.
MAX_FILE_BYTES = 5 * 1024 * 1024


class Outcome(StrEnum):
    REGISTER = "register"  # the register's own file, byte for byte
    CHANGED = "changed"  # signed, but changed since (or a signature that does not hold)
    INSTITUTE_SIGNED = "institute_signed"  # signed by the institute, not a register document
    FOREIGN = "foreign"  # signed with a key the register does not trust
    UNKNOWN = "unknown"  # not signed, not in the register
    NOT_PDF = "not_pdf"
    BROKEN = "broken"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class FileCheck:
    outcome: Outcome
    document: Document | None = None
    signature: SignatureFacts | None = None


def documents_public() -> QuerySet[Document]:
    """Documents with what the verification pages show of their standing."""
    return Document.objects.select_related("duplicate_of", "replaces", "enrollment__listener")


def file_check(data: bytes) -> FileCheck:
    """What the register can say of the file `data`."""
    if len(data) > MAX_FILE_BYTES:
        return FileCheck(Outcome.TOO_LARGE)
    try:
        signatures = signature_facts(data)
    except NotReadable as error:
        return FileCheck(Outcome(error.reason))
    signature = signatures[-1] if signatures else None
    document = documents_public().filter(pdf_sha256=hashlib.sha256(data).hexdigest()).first()
    if document is not None and (signature is None or signature.unchanged):
        return FileCheck(Outcome.REGISTER, document, signature)
    if signature is None:
        return FileCheck(Outcome.UNKNOWN)
    if not signature.unchanged:
        return FileCheck(Outcome.CHANGED, signature=signature)
    if not (signature.trusted and _institute_certificate(signature.fingerprint)):
        return FileCheck(Outcome.FOREIGN, signature=signature)
    return FileCheck(Outcome.INSTITUTE_SIGNED, signature=signature)


def _institute_certificate(fingerprint: str) -> bool:
    """A certificate the institute signs or signed with: the present key's, or one that
    signed a document of the register (a replaced key). A certificate of the same national
    authority held by someone else chains to the same root, and is not the institute's."""
    try:
        key = institute_key()
    except SigningUnavailable:
        key = None
    if key is not None and key.fingerprint == fingerprint:
        return True
    return Document.objects.filter(signer_fingerprint=fingerprint).exists()
