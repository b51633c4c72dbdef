"""The institute's electronic digital signature (ЭЦП) on the register's PDFs: PAdES.

In Kazakhstan an electronic document equals paper when it carries a signature made with a key
of the national certification authority (НУЦ РК), which issues an organisation its key as a
PKCS#12 file. Every document the register issues is signed with that key on issue:

- PAdES baseline B-T: the CMS signature over the file, with an RFC 3161 timestamp from the
  configured time-stamping authority, so the moment of signing is proved by a third party;
- B-LT where the certificate chain offers OCSP or CRLs: the revocation answers and the chain
  are embedded, so the file can be checked years later without the authority's servers;
- a visible stamp on the page naming the signer and the time.

The key is read from `SIGNING_KEY_FILE` with `SIGNING_KEY_PASSWORD`, the TSA from
`SIGNING_TSA_URL`. Without a key (a laptop) documents are issued unsigned. A key is checked
when the process starts (institute.apps): with `SIGNING_REQUIRED` and no usable key the
start-up stops with the reason. pyHanko signs with RSA and ECDSA keys; GOST keys are not
supported by it (README, Signed documents).

One `DocumentSigner` serves a thread for a while: it keeps the loaded key, the TSA client
and the validation context, whose fetched OCSP answers and CRLs are reused for every
document of a batch rather than asked for again each time.
"""

import asyncio
import concurrent.futures
import datetime
import hashlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from asn1crypto import pem, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from institute.rules import RuleViolation

T = TypeVar("T")
FIELD_NAME = "InstituteSignature"
# How long one signer's validation context (its cached OCSP answers and CRLs) is reused.
CONTEXT_LIFETIME = 600.0
# Room kept in the file for the signature (certificates, signature, timestamp token): given,
# so pyHanko does not sign a dummy first to measure it. The revocation data goes into the
# document security store, outside this room.
RESERVED_BYTES = 16384


class SigningUnavailable(Exception):
    """The institute's key cannot be used: missing, wrong password, expired, not yet valid.
    The message is for the administrator who configures the server."""


class SigningFailed(RuleViolation):
    """A document could not be signed now, so it is not issued (nothing is saved, the number
    goes back to its series). `transient` failures (the TSA or the OCSP responder did not
    answer) are worth retrying later; the others (the key is revoked, expired or cannot be
    opened) are not. The message is for the person who issues."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message, code="signing_retry" if transient else "signing_failed")
        self.transient = transient


def outside_event_loop(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Call `function`, in a thread of its own when this thread runs an event loop: pyHanko's
    synchronous calls start one with asyncio.run, which refuses to nest (an ASGI server,
    a browser test driving Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


class _KeySigner(signers.SimpleSigner):
    """pyHanko's signer with the private key parsed once: the stock one parses it again
    for every signature, and checking an RSA key on load costs tens of milliseconds."""

    def __init__(self, loaded: signers.SimpleSigner) -> None:
        super().__init__(
            signing_key=loaded.signing_key,
            signing_cert=loaded.signing_cert,
            cert_registry=loaded.cert_registry,
        )
        self._private = serialization.load_der_private_key(loaded.signing_key.dump(), None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15":
            return self._private.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa":
            return self._private.sign(data, ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class InstituteKey:
    """The institute's signing key as loaded from its PKCS#12 file."""

    signer: signers.SimpleSigner
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    signer_name: str
    fingerprint: str

    @property
    def private_key(self):
        """The key as pyca/cryptography holds it (RSA or EC), e.g. to sign a credential."""
        return self.signer._private

    @property
    def not_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after


@dataclass(frozen=True)
class SignedPdf:
    """A PDF as the register stores it: signed, or (no key configured) `signed_at` None."""

    data: bytes
    sha256: str
    signed_at: datetime.datetime | None = None
    signer_name: str = ""
    fingerprint: str = ""


def certificate_name(certificate: x509.Certificate) -> str:
    """The signer as a person reads it: the common name, and the organisation when the
    certificate names one that the common name does not already contain."""
    subject = certificate.subject.native
    name = subject.get("common_name") or certificate.subject.human_friendly
    organisation = subject.get("organization_name") or ""
    if organisation and organisation not in name:
        return f"{name}, {organisation}"
    return name


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.dump()).hexdigest()


def key_load(path: str | Path, password: str) -> InstituteKey:
    """Load and check the key; SigningUnavailable says in words what is wrong with it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningUnavailable(
            _("The signing key file %(path)s cannot be read: %(error)s.")
            % {"path": path, "error": error.strerror or error}
        ) from error
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=trust_roots(), passphrase=password.encode() if password else None
        )
    except ValueError as error:
        raise SigningUnavailable(
            _(
                "The signing key file %(path)s could not be opened: the password is wrong or "
                "the file is not a PKCS#12 key."
            )
            % {"path": path}
        ) from error
    signer = _KeySigner(signer)
    certificate = signer.signing_cert
    now = timezone.now()
    if certificate.not_valid_after <= now:
        raise SigningUnavailable(
            _("The signing certificate expired on %(day)s: install the renewed key.")
            % {"day": timezone.localtime(certificate.not_valid_after).strftime("%d.%m.%Y")}
        )
    if certificate.not_valid_before > now:
        raise SigningUnavailable(
            _("The signing certificate is valid only from %(day)s.")
            % {"day": timezone.localtime(certificate.not_valid_before).strftime("%d.%m.%Y")}
        )
    chain = tuple(cert for cert in signer.cert_registry if cert.sha256 != certificate.sha256)
    return InstituteKey(
        signer=signer,
        certificate=certificate,
        chain=chain,
        signer_name=certificate_name(certificate),
        fingerprint=certificate_fingerprint(certificate),
    )


def trust_roots() -> list[x509.Certificate]:
    """The certificates `SIGNING_TRUST_ROOTS` names (PEM or DER files): the national
    authority's root, and any earlier root a past key chained to, so documents signed with
    a replaced key still verify."""
    roots = []
    for name in settings.SIGNING_TRUST_ROOTS:
        data = Path(name).read_bytes()
        if pem.detect(data):
            roots.extend(x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, True))
        else:
            roots.append(x509.Certificate.load(data))
    return roots


_key_cache: dict[tuple, InstituteKey] = {}


def institute_key() -> InstituteKey | None:
    """The configured key, loaded once per process (and again when the file changes); None
    when no key is configured."""
    path = settings.SIGNING_KEY_FILE
    if not path:
        return None
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError:
        mtime = None
    cache_key = (
        str(path),
        settings.SIGNING_KEY_PASSWORD,
        mtime,
        tuple(settings.SIGNING_TRUST_ROOTS),
    )
    key = _key_cache.get(cache_key)
    if key is None:
        key = key_load(path, settings.SIGNING_KEY_PASSWORD)
        _key_cache.clear()
        _key_cache[cache_key] = key
    return key


# The administrators are warned this long before the signing certificate expires.
EXPIRY_WARNING = datetime.timedelta(days=30)


@dataclass(frozen=True)
class SigningState:
    """What the issuing pages tell the administrator about signing: no key (documents go
    out unsigned), a key that cannot be used and why, or the signer and until when."""

    configured: bool
    signer_name: str = ""
    not_after: datetime.datetime | None = None
    problem: str = ""
    expires_soon: bool = False


def signing_state() -> SigningState:
    if not settings.SIGNING_KEY_FILE:
        return SigningState(configured=False)
    try:
        key = institute_key()
    except SigningUnavailable as error:
        return SigningState(configured=True, problem=str(error))
    return SigningState(
        configured=True,
        signer_name=key.signer_name,
        not_after=key.not_after,
        expires_soon=key.not_after - timezone.now() < EXPIRY_WARNING,
    )


def signing_check_startup() -> None:
    """Stop the process with the reason when signing is required and no key can be used.
    Called once at start-up; without SIGNING_REQUIRED an unusable key only stops issuing."""
    if not settings.SIGNING_REQUIRED:
        return
    if not settings.SIGNING_KEY_FILE:
        raise ImproperlyConfigured(
            "SIGNING_REQUIRED is on but SIGNING_KEY_FILE is not set: configure the institute's "
            "PKCS#12 key (README, Signed documents) or turn SIGNING_REQUIRED off."
        )
    if not settings.SIGNING_TSA_URL:
        raise ImproperlyConfigured(
            "SIGNING_REQUIRED is on but SIGNING_TSA_URL is not set: documents need a timestamp."
        )
    try:
        # At start-up the translation catalogues cannot be loaded yet: the messages stay
        # in English, for the administrator reading the server's log.
        with translation.override(None):
            institute_key()
    except SigningUnavailable as error:
        raise ImproperlyConfigured(
            f"Signing is required but the key is unusable: {error}"
        ) from error


class DocumentSigner:
    """Signs PDFs with one key, one TSA and one validation context."""

    def __init__(self, key: InstituteKey) -> None:
        self.key = key
        self.created = time.monotonic()
        self.settings = _signer_settings()
        self.context = ValidationContext(
            trust_roots=trust_roots() or [c for c in key.chain if c.self_issued],
            other_certs=list(key.chain),
            allow_fetching=True,
            revocation_mode="soft-fail",
            fetcher_backend=RequestsFetcherBackend(per_request_timeout=settings.SIGNING_TIMEOUT),
        )
        self.timestamper = (
            HTTPTimeStamper(settings.SIGNING_TSA_URL, timeout=settings.SIGNING_TIMEOUT)
            if settings.SIGNING_TSA_URL
            else None
        )

    def sign(self, data: bytes, *, signed_at: datetime.datetime, reason: str = "") -> SignedPdf:
        """Sign `data` (an invisible signature field: the visible stamp is part of the page,
        drawn by the renderer with the same signer and time, see pdf_signed)."""
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=reason or None,
            location=settings.SIGNING_LOCATION or None,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=True,
            validation_context=self.context,
            use_pades_lta=False,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self.key.signer,
            timestamper=self.timestamper,
        )
        out = io.BytesIO()
        try:
            outside_event_loop(
                pdf_signer.sign_pdf,
                writer,
                output=out,
                bytes_reserved=RESERVED_BYTES,
            )
        except TimestampRequestError as error:
            raise SigningFailed(
                _(
                    "The time-stamping service did not answer; the document will be signed when it does."
                ),
                transient=True,
            ) from error
        except SigningError as error:
            raise _signing_error(error) from error
        signed = out.getvalue()
        return SignedPdf(
            data=signed,
            sha256=hashlib.sha256(signed).hexdigest(),
            signed_at=signed_at,
            signer_name=self.key.signer_name,
            fingerprint=self.key.fingerprint,
        )


def _signing_error(error: SigningError) -> SigningFailed:
    text = str(error).lower()
    if "revoked" in text or "validated" in text or "validation" in text:
        return SigningFailed(
            _(
                "The institute's signing certificate is revoked or cannot be validated: "
                "documents cannot be signed with it. Install a valid key."
            ),
            transient=False,
        )
    return SigningFailed(
        _("The document could not be signed: %(error)s") % {"error": error}, transient=True
    )


_local = threading.local()


def _signer_settings() -> tuple:
    return (settings.SIGNING_TSA_URL, tuple(settings.SIGNING_TRUST_ROOTS), settings.SIGNING_TIMEOUT)


def document_signer() -> DocumentSigner | None:
    """This thread's signer for the configured key, or None without a key. Raises
    SigningUnavailable when a key is configured but cannot be used."""
    key = institute_key()
    if key is None:
        return None
    current: DocumentSigner | None = getattr(_local, "signer", None)
    if (
        current is None
        or current.key is not key
        or current.settings != _signer_settings()
        or time.monotonic() - current.created > CONTEXT_LIFETIME
    ):
        current = _local.signer = DocumentSigner(key)
    return current


def signer_forget() -> None:
    """Drop this thread's signer, so the next document makes a new one (a forked process,
    which must not share its parent's connections)."""
    _local.signer = None


def stamp_html(*, signer_name: str, signed_at: datetime.datetime) -> str:
    """The visible stamp printed on the page: who signed and when, in both languages."""
    return render_to_string(
        "pdf/_esign_stamp.html",
        {"signer": signer_name, "signed_at": timezone.localtime(signed_at)},
    )


def pdf_signed(render: Callable[[str], bytes], *, reason: str = "") -> SignedPdf:
    """Render a document with `render(stamp_html)` and sign it with the institute's key.

    Without a configured key the document is rendered without a stamp and returned
    unsigned. SigningFailed when a key is configured but cannot sign now: the caller's
    transaction then rolls back, so no document is ever stored half-signed."""
    try:
        signer = document_signer()
    except SigningUnavailable as error:
        raise SigningFailed(
            _("Documents cannot be signed: %(reason)s") % {"reason": error}, transient=False
        ) from error
    if signer is None:
        data = render("")
        return SignedPdf(data=data, sha256=hashlib.sha256(data).hexdigest())
    signed_at = timezone.now()
    data = render(stamp_html(signer_name=signer.key.signer_name, signed_at=signed_at))
    return signer.sign(data, signed_at=signed_at, reason=reason)
