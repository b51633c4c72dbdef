"""Portable credentials (issue 13): each valid document as a W3C Verifiable Credential
(VC Data Model 2.0) of type Open Badges 3.0 `OpenBadgeCredential`, signed as a `vc+jwt`
with the institute's own key, issued by the institute's `did:web` identifier; revocation
published as a Bitstring Status List.

Nothing here is stored: a credential is signed afresh from the document's snapshot when
asked for, and the status list is computed from `Document.status` in one query, so the
list is in step with document_revoke and document_duplicate (which revokes the original)
without a hook into issuing. The place of a document in the lists is its primary key:
list `pk // STATUS_LIST_SIZE + 1`, bit `pk % STATUS_LIST_SIZE`, so no field is added.

Only the current key is published and accepted: a credential signed with a replaced key
must be downloaded again (the PDF keeps its own signature history)."""

import datetime
import enum
import gzip
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.credentials import jose
from certificates.documents import verification_url
from certificates.models import Document, DocumentStatus
from certificates.pages import certified
from institute.models import Institute
from institute.signing.pades import InstituteKey, institute_key

# The Bitstring Status List's minimum length (W3C Bitstring Status List v1.0, §6.1):
# 131,072 bits, 16 KB, so that one document's bit does not stand out in a short list.
STATUS_LIST_SIZE = 131_072
MEDIA_TYPE = "application/vc+jwt"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
KEY_FRAGMENT = "key-1"


def _base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def issuer_did() -> str:
    """`did:web:<host>` of PUBLIC_BASE_URL, a port written `%3A` (did:web §3.2); the DID
    document is then at <base>/.well-known/did.json."""
    return "did:web:" + quote(urlsplit(settings.PUBLIC_BASE_URL).netloc, safe="")


def key_id() -> str:
    return f"{issuer_did()}#{KEY_FRAGMENT}"


def did_document(key: InstituteKey) -> dict:
    """The institute's DID document: its current public key as a JsonWebKey, usable to
    assert credentials."""
    did = issuer_did()
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": key_id(),
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": {
                    **jose.public_jwk(key.private_key.public_key()),
                    "alg": jose.algorithm(key.private_key),
                    "kid": key_id(),
                },
            }
        ],
        "assertionMethod": [key_id()],
    }


def status_place(pk: int) -> tuple[int, int]:
    """The list a document's bit is in, and its index there."""
    return pk // STATUS_LIST_SIZE + 1, pk % STATUS_LIST_SIZE


def status_list_url(number: int) -> str:
    return _base() + reverse("certificates:credential_status_list", args=[number])


def status_bits(number: int) -> bytes:
    """The list as 16 KB of bits, the first bit the most significant of the first byte,
    set for each revoked document in it: one query for the revoked primary keys."""
    first = (number - 1) * STATUS_LIST_SIZE
    revoked = Document.objects.filter(
        status=DocumentStatus.REVOKED, pk__gte=first, pk__lt=first + STATUS_LIST_SIZE
    ).values_list("pk", flat=True)
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for pk in revoked:
        index = pk - first
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def encoded_list(bits: bytes) -> str:
    """Multibase base64url (prefix `u`) of the GZIP-compressed bits (§3.2); mtime 0 keeps
    the bytes the same for the same list."""
    return "u" + jose.b64url(gzip.compress(bits, mtime=0))


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _issuer(document: Document | None = None) -> dict:
    """The institute as the credential's Profile: named as on the document when it was
    issued, else as it is named now."""
    name = certified(document)["institute"] if document else ""
    if not name:
        institute = Institute.current()
        name = institute.name if institute else ""
    return {"id": issuer_did(), "type": ["Profile"], "name": name}


def document_credential(document: Document) -> dict:
    """The credential of one document, from its snapshot as issued, in the reader's
    language: what it certifies and who holds it by name. Never the IIN or a contact."""
    facts = certified(document)
    number, index = status_place(document.pk)
    hours = facts["hours"]
    narrative = _("Completed the course “%(programme)s”, %(hours)s academic hours.") % {
        "programme": facts["programme"],
        "hours": hours,
    }
    credential_id = verification_url(document)
    achievement = {
        "id": f"{credential_id}#achievement",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": facts["programme"],
        "description": f"{facts['kind']}: {facts['training']}".strip(": "),
        "criteria": {"narrative": narrative},
    }
    if hours:
        achievement["creditsAvailable"] = float(hours)
    return {
        "@context": CONTEXTS,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts['kind']} № {document.number}",
        "issuer": _issuer(document),
        "validFrom": _iso(document.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": facts["full_name"],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_list_url(number)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list_url(number),
        },
    }


def _sign(credential: dict, key: InstituteKey) -> str:
    return jose.sign(credential, key=key.private_key, header={"typ": "vc+jwt", "kid": key_id()})


def credential_sign(*, document: Document, key: InstituteKey) -> str:
    """The document's credential as a compact `vc+jwt`. Reads only, so no transaction:
    a document revoked meanwhile is caught by the status list, not by this signature."""
    return _sign(document_credential(document), key)


def status_list_sign(*, number: int, key: InstituteKey) -> str:
    """The status list credential of list `number` as a `vc+jwt`, as of now."""
    url = status_list_url(number)
    credential = {
        "@context": [CONTEXTS[0]],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _issuer(),
        "validFrom": _iso(timezone.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(status_bits(number)),
        },
    }
    return _sign(credential, key)


class Outcome(enum.StrEnum):
    NO_KEY = "no_key"
    MALFORMED = "malformed"
    UNKNOWN_ISSUER = "unknown_issuer"
    BAD_SIGNATURE = "bad_signature"
    NOT_IN_REGISTER = "not_in_register"
    VALID = "valid"
    REVOKED = "revoked"


@dataclass
class CredentialCheck:
    outcome: Outcome
    credential: dict = field(default_factory=dict)
    document: Document | None = None


def _list_number(url: object) -> int | None:
    prefix = _base() + reverse("certificates:credential_status_list", args=[1])[:-2]
    if not isinstance(url, str) or not url.startswith(prefix) or not url.endswith("/"):
        return None
    digits = url[len(prefix) : -1]
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def credential_check(*, token: str) -> CredentialCheck:
    """Whether a pasted `vc+jwt` is one of the institute's and stands today: issued by its
    DID, signed with its current key, and its bit in the status list not set."""
    key = institute_key()
    if key is None:
        return CredentialCheck(Outcome.NO_KEY)
    try:
        header, payload, _input, _signature = jose.parts(token)
    except jose.Malformed:
        return CredentialCheck(Outcome.MALFORMED)
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    kid = header.get("kid")
    if issuer_id != issuer_did() or not isinstance(kid, str) or kid.split("#")[0] != issuer_did():
        return CredentialCheck(Outcome.UNKNOWN_ISSUER, payload)
    try:
        jose.verify(token, key=key.private_key.public_key())
    except jose.JoseError:
        return CredentialCheck(Outcome.BAD_SIGNATURE, payload)
    if kid != key_id():
        return CredentialCheck(Outcome.BAD_SIGNATURE, payload)
    document = _credential_document(payload)
    if document is None:
        return CredentialCheck(Outcome.NOT_IN_REGISTER, payload)
    number, index = status_place(document.pk)
    # The bit as the published list has it, not Document.status read aside from it.
    revoked = bit_is_set(status_bits(number), index)
    return CredentialCheck(Outcome.REVOKED if revoked else Outcome.VALID, payload, document)


def _credential_document(credential: dict) -> Document | None:
    """The document a verified credential stands for: found by its place in the status
    list it names, and only if the credential's id is that document's check address (so a
    credential can be matched to nothing else)."""
    status = credential.get("credentialStatus")
    if not isinstance(status, dict):
        return None
    number = _list_number(status.get("statusListCredential"))
    index = status.get("statusListIndex")
    if number is None or not isinstance(index, str) or not index.isdigit():
        return None
    if int(index) >= STATUS_LIST_SIZE:
        return None
    pk = (number - 1) * STATUS_LIST_SIZE + int(index)
    document = Document.objects.select_related("duplicate_of", "replaces").filter(pk=pk).first()
    if document is None or verification_url(document) != credential.get("id"):
        return None
    return document
