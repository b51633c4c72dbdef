"""JSON Web Signatures in compact form (RFC 7515) and the public key as a JSON Web Key
(RFC 7517), written on pyca/cryptography, which the project already has for its PDF
signatures: RS256, and ES256/ES384 by the curve of an EC key. Nothing here reaches the
network, so a credential is signed and checked offline.

An ECDSA signature in a JWS is the raw r || s of fixed width (RFC 7518 §3.4), not the DER
sequence cryptography produces and expects: both directions are converted here."""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# EC curves a JWS names (RFC 7518 §3.4, RFC 7518 §6.2.1.1): the algorithm, the JWK curve
# name, the hash and the width in bytes of each of r and s.
_CURVES = {
    "secp256r1": ("ES256", "P-256", hashes.SHA256, 32),
    "secp384r1": ("ES384", "P-384", hashes.SHA384, 48),
}


class JoseError(ValueError):
    """The token is not a JWS this module can read, or its signature does not hold."""


class Malformed(JoseError):
    pass


class BadSignature(JoseError):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise Malformed("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise Malformed("not base64url") from error


def _uint(value: int, width: int | None = None) -> str:
    width = width or max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(width, "big"))


def _curve(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> tuple:
    try:
        return _CURVES[key.curve.name]
    except KeyError:
        raise JoseError(f"unsupported curve {key.curve.name}") from None


def algorithm(key: PrivateKey | PublicKey) -> str:
    """The JWS `alg` for the key: RS256 for RSA, ES256/ES384 by the EC curve."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return _curve(key)[0]
    raise JoseError("unsupported key type")


def public_jwk(key: PublicKey) -> dict:
    """The public key as a JWK, the form a DID document's JsonWebKey carries."""
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        _alg, crv, _hash, width = _curve(key)
        numbers = key.public_numbers()
        return {"kty": "EC", "crv": crv, "x": _uint(numbers.x, width), "y": _uint(numbers.y, width)}
    raise JoseError("unsupported key type")


def key_from_jwk(jwk: dict) -> PublicKey:
    """A public key from its JWK (RSA, or EC on P-256/P-384)."""
    try:
        if jwk["kty"] == "RSA":
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
        if jwk["kty"] == "EC":
            curves = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}
            x = int.from_bytes(b64url_decode(jwk["x"]), "big")
            y = int.from_bytes(b64url_decode(jwk["y"]), "big")
            return ec.EllipticCurvePublicNumbers(x, y, curves[jwk["crv"]]).public_key()
    except (KeyError, TypeError, ValueError) as error:
        raise Malformed("not a usable JWK") from error
    raise Malformed("unsupported JWK type")


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(payload: dict, *, key: PrivateKey, header: dict) -> str:
    """The compact JWS of `payload`; `alg` is set from the key, over whatever header says."""
    header = {**header, "alg": algorithm(key)}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}".encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        _alg, _crv, hash_class, width = _curve(key)
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hash_class())))
        signature = r.to_bytes(width, "big") + s.to_bytes(width, "big")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def parts(token: str) -> tuple[dict, dict, bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS, unverified."""
    pieces = token.strip().split(".")
    if len(pieces) != 3 or not all(pieces):
        raise Malformed("a compact JWS has three parts")
    try:
        header = json.loads(b64url_decode(pieces[0]))
        payload = json.loads(b64url_decode(pieces[1]))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Malformed("a part is not JSON") from error
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise Malformed("a part is not a JSON object")
    signing_input = f"{pieces[0]}.{pieces[1]}".encode("ascii")
    return header, payload, signing_input, b64url_decode(pieces[2])


def verify(token: str, *, key: PublicKey) -> tuple[dict, dict]:
    """Header and payload of a JWS whose signature holds for `key`. The algorithm must be
    the one of the key (never taken from the token alone, so `none` or an HMAC with the
    public key as secret is refused)."""
    header, payload, signing_input, signature = parts(token)
    expected = algorithm(key)
    if header.get("alg") != expected:
        raise BadSignature(f"expected {expected}")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            _alg, _crv, hash_class, width = _curve(key)
            if len(signature) != 2 * width:
                raise BadSignature("wrong signature length")
            r = int.from_bytes(signature[:width], "big")
            s = int.from_bytes(signature[width:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hash_class()))
    except InvalidSignature as error:
        raise BadSignature("signature does not verify") from error
    return header, payload
