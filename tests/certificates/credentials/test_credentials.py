"""Digital credentials (issue 13): the vc+jwt of a document, the DID document that verifies
it, the status list kept in step with revocation and duplicates, the listener's download,
and the public check of a pasted credential."""

import base64
import gzip
import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from certificates.credentials import jose
from certificates.credentials.services import STATUS_LIST_SIZE, status_place
from certificates.models import Document, DocumentStatus
from certificates.services import document_duplicate, document_revoke
from institute.models import Institute
from listeners.rules import EnrollmentState as S
from tests.certificates.test_views import make_document
from tests.conftest import make_enrollment, use_signing_key


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _by_hand(token: str) -> tuple[dict, dict, bytes]:
    header, payload, signature = token.split(".")
    return json.loads(_b64(header)), json.loads(_b64(payload)), _b64(signature)


def _client(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def holder_document(issuer, intake, listener, administrator) -> Document:
    return make_document(make_enrollment(listener, intake, state=S.COMPLETED), by=administrator)


def _download(document: Document) -> str:
    response = _client(document.enrollment.listener.user).get(
        reverse("certificates:credential_download", args=[document.pk])
    )
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert unquote(response["Content-Disposition"]).endswith(f"{document.number}.jwt")
    return response.content.decode()


def _did_key() -> jose.PublicKey:
    response = _client().get("/.well-known/did.json")
    assert response.status_code == 200
    did = json.loads(response.content)
    assert did["id"] == "did:web:testserver.example%3A8443"
    (method,) = did["verificationMethod"]
    assert did["assertionMethod"] == [method["id"]]
    assert method["type"] == "JsonWebKey"
    return jose.key_from_jwk(method["publicKeyJwk"])


def _check(token: str):
    return _client().post(reverse("certificates:credential_verify"), {"credential": token})


@pytest.fixture
def public_base(settings):
    settings.PUBLIC_BASE_URL = "https://testserver.example:8443"


@pytest.mark.parametrize(("label", "alg"), [("signer-rsa", "RS256"), ("signer-ecdsa", "ES256")])
def test_credential_decodes_to_the_claims_and_verifies_with_the_did_key(
    settings, test_pki, public_base, holder_document, label, alg
):
    use_signing_key(settings, test_pki, label)
    token = _download(holder_document)

    header, payload, signature = _by_hand(token)
    assert header == {"typ": "vc+jwt", "kid": "did:web:testserver.example%3A8443#key-1", "alg": alg}
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"]["id"] == "did:web:testserver.example%3A8443"
    assert payload["id"] == (
        f"https://testserver.example:8443/documents/verify/{holder_document.token}/"
    )
    subject = payload["credentialSubject"]
    assert subject["name"] == holder_document.snapshot["full_name"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["creditsAvailable"] == float(holder_document.snapshot["hours"])
    listener = holder_document.enrollment.listener
    assert listener.iin and listener.iin not in token and listener.iin not in json.dumps(payload)
    number, index = status_place(holder_document.pk)
    assert payload["credentialStatus"] == {
        "id": f"https://testserver.example:8443/documents/credentials/status/{number}/#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": f"https://testserver.example:8443/documents/credentials/status/{number}/",
    }
    if alg == "ES256":
        assert len(signature) == 64  # raw r || s, not DER

    assert jose.verify(token, key=_did_key()) == (header, payload)
    response = _check(token)
    assert response.status_code == 200
    assert b"Issued by the institute and valid" in response.content


def test_tampered_payload_fails(signing, public_base, holder_document):
    token = _download(holder_document)
    header, payload, signature = token.split(".")
    claims = json.loads(_b64(payload))
    claims["credentialSubject"]["name"] = "Someone Else"
    forged = ".".join([header, jose.b64url(json.dumps(claims).encode()), signature])

    with pytest.raises(jose.BadSignature):
        jose.verify(forged, key=_did_key())
    response = _check(forged)
    assert response.status_code == 200
    assert b"The signature does not match" in response.content
    assert b"Someone Else" not in response.content


def test_credential_signed_with_another_key_is_refused(
    settings, test_pki, public_base, holder_document
):
    use_signing_key(settings, test_pki, "signer-ecdsa")
    token = _download(holder_document)
    use_signing_key(settings, test_pki, "signer-rsa")

    assert b"The signature does not match" in _check(token).content


def test_other_issuer_and_malformed_input_are_told_apart(signing, public_base, holder_document):
    header, payload, signature = _download(holder_document).split(".")
    claims = json.loads(_b64(payload))
    claims["issuer"]["id"] = "did:web:elsewhere.example"
    other = ".".join([header, jose.b64url(json.dumps(claims).encode()), signature])

    assert b"Not issued by the institute" in _check(other).content
    response = _check("not a credential")
    assert response.status_code == 400
    assert b"Not a digital credential" in response.content
    response = _client().post(reverse("certificates:credential_verify"), {})
    assert response.status_code == 400
    assert b"Paste the credential or choose its file" in response.content


def _status_bit(document: Document) -> bool:
    number, index = status_place(document.pk)
    response = _client().get(reverse("certificates:credential_status_list", args=[number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    _header, payload = jose.verify(token, key=_did_key())
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["issuer"]["name"] == Institute.current().name
    subject = payload["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    bits = gzip.decompress(_b64(subject["encodedList"][1:]))
    assert len(bits) * 8 == STATUS_LIST_SIZE
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revoke_sets_the_bit_and_the_check_says_revoked(
    signing, public_base, holder_document, methodologist
):
    token = _download(holder_document)
    assert _status_bit(holder_document) is False

    document_revoke(document=holder_document, by=methodologist, reason="Typo in the name")

    assert Document.objects.get(pk=holder_document.pk).status == DocumentStatus.REVOKED
    assert _status_bit(holder_document) is True
    response = _check(token)
    assert b"Issued by the institute, revoked" in response.content
    download = reverse("certificates:credential_download", args=[holder_document.pk])
    assert _client(holder_document.enrollment.listener.user).get(download).status_code == 404


def test_duplicate_sets_the_original_bit(signing, public_base, holder_document, administrator):
    duplicate = document_duplicate(document=holder_document, by=administrator)

    assert _status_bit(holder_document) is True
    assert _status_bit(duplicate) is False
    assert b"Issued by the institute and valid" in _check(_download(duplicate)).content


def test_the_file_can_be_uploaded(signing, public_base, holder_document):
    upload = SimpleUploadedFile("x.jwt", _download(holder_document).encode(), "application/vc+jwt")

    response = _client().post(reverse("certificates:credential_verify"), {"file": upload})

    assert response.status_code == 200
    assert b"Issued by the institute and valid" in response.content


def test_another_listener_gets_404(signing, holder_document, other_listener):
    client = _client(other_listener.user)
    for name in ("certificates:credential_download", "certificates:credential_linkedin"):
        assert client.get(reverse(name, args=[holder_document.pk])).status_code == 404


def test_linkedin_link_carries_the_document(public_base, holder_document):
    response = _client(holder_document.enrollment.listener.user).get(
        reverse("certificates:credential_linkedin", args=[holder_document.pk])
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    query = parse_qs(urlsplit(location).query)
    assert query["certId"] == [holder_document.number]
    assert query["certUrl"] == [
        f"https://testserver.example:8443/documents/verify/{holder_document.token}/"
    ]
    assert query["issueYear"] == [str(holder_document.issued_at.year)]
    assert query["organizationName"][0]


def test_without_a_key_nothing_is_signed_and_the_pages_say_so(settings, holder_document):
    settings.SIGNING_KEY_FILE = ""
    listener_client = _client(holder_document.enrollment.listener.user)

    download = reverse("certificates:credential_download", args=[holder_document.pk])
    assert listener_client.get(download).status_code == 404
    assert _client().get("/.well-known/did.json").status_code == 404
    status = reverse("certificates:credential_status_list", args=[1])
    assert _client().get(status).status_code == 404
    page = listener_client.get(reverse("portal:documents")).content.decode()
    assert "A digital credential cannot be issued at the moment" in page
    assert download not in page
    response = _check("eyJ.eyJ.abc")
    assert "Digital credentials cannot be checked at the moment" in response.content.decode()


def test_the_documents_page_offers_the_credential(signing, holder_document):
    page = _client(holder_document.enrollment.listener.user).get(reverse("portal:documents"))

    text = page.content.decode()
    assert reverse("certificates:credential_download", args=[holder_document.pk]) in text
    assert "Download as a digital credential" in text
    assert reverse("certificates:credential_linkedin", args=[holder_document.pk]) in text
