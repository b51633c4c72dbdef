"""A real, throwaway public-key infrastructure on 127.0.0.1 for the tests and the benchmark:
a root and an issuing certificate authority, a time-stamping authority (RFC 3161), an OCSP
responder and CRLs, served by certomancer's animator in a thread, and the institute's
signing keys as PKCS#12 files, the form the national certification authority hands out.

Nothing here is mocked: pyHanko signs against these keys, asks this TSA for timestamps,
fetches these OCSP responses and validates the result as it would against the national
authority. Keys are generated afresh (RSA and ECDSA) in a temporary folder each run.

certomancer is a development dependency: import this module only from tests and `bench`.
"""

import datetime
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ARCH = "institute-test"
PASSWORD = "test-password"

# label: (key kind, issuer, extras). The signers are what the institute would hold: one RSA
# key, one ECDSA key, one key whose certificate the CA revoked, one whose certificate has
# expired, and a "new" RSA key to show that documents signed with an old key still verify.
_CERTS = {
    "root": ("rsa", "root", {}),
    "ca": ("rsa", "root", {}),
    "tsa": ("rsa", "root", {}),
    "ocsp": ("rsa", "ca", {}),
    "signer-rsa": ("rsa", "ca", {}),
    "signer-ecdsa": ("ec", "ca", {}),
    "signer-new": ("rsa", "ca", {}),
    "signer-revoked": ("rsa", "ca", {"revoked": True}),
    "signer-expired": ("rsa", "ca", {"expired": True}),
}
SIGNERS = ("signer-rsa", "signer-ecdsa", "signer-new", "signer-revoked", "signer-expired")
COMMON_NAMES = {
    "root": "Institute Test Root CA",
    "ca": "Institute Test Issuing CA",
    "tsa": "Institute Test TSA",
    "ocsp": "Institute Test OCSP Responder",
    "signer-rsa": "Өңірлік біліктілікті арттыру институты",
    "signer-ecdsa": "Өңірлік біліктілікті арттыру институты (ECDSA)",
    "signer-new": "Өңірлік біліктілікті арттыру институты (2027)",
    "signer-revoked": "Revoked Institute Key",
    "signer-expired": "Expired Institute Key",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_key(path: Path, kind: str) -> None:
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _validity(now: datetime.datetime, *, expired: bool = False) -> dict:
    fmt = "%Y-%m-%dT%H:%M:%S+0000"
    if expired:
        start, end = now - datetime.timedelta(days=800), now - datetime.timedelta(days=30)
    else:
        start, end = now - datetime.timedelta(days=400), now + datetime.timedelta(days=3650)
    return {"valid-from": start.strftime(fmt), "valid-to": end.strftime(fmt)}


def _config(now: datetime.datetime, url: str) -> dict:
    keys = {label: {"path": f"{label}.key.pem"} for label in _CERTS}
    entities = {
        label: {"common-name": name, "organization-name": "Institute Test PKI"}
        for label, name in COMMON_NAMES.items()
    }
    for label in SIGNERS:
        entities[label]["organization-name"] = "Өңірлік институт"
        entities[label]["country-name"] = "KZ"
    signer_extensions = [
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {
                "schema": "key-usage",
                "params": ["digital_signature", "non_repudiation"],
            },
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["ca"]}},
        },
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["ca"]}},
        },
    ]
    certs: dict[str, dict] = {
        "root": {
            "subject": "root",
            "issuer": "root",
            "validity": _validity(now),
            "profiles": ["simple-ca"],
        },
        "ca": {
            "subject": "ca",
            "issuer": "root",
            "validity": _validity(now),
            "profiles": [{"id": "simple-ca", "params": {"crl-repo": "root", "max-path-len": 0}}],
        },
        "tsa": {
            "subject": "tsa",
            "issuer": "root",
            "validity": _validity(now),
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                {
                    "id": "crl_distribution_points",
                    "smart-value": {
                        "schema": "crl-dist-url",
                        "params": {"crl-repo-names": ["root"]},
                    },
                },
            ],
        },
        "ocsp": {
            "subject": "ocsp",
            "issuer": "ca",
            "validity": _validity(now),
            "profiles": ["ocsp-responder"],
        },
    }
    for label in SIGNERS:
        extras = _CERTS[label][2]
        spec = {
            "subject": label,
            "issuer": "ca",
            "validity": _validity(now, expired=extras.get("expired", False)),
            "extensions": signer_extensions,
        }
        if extras.get("revoked"):
            revoked_at = (now - datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S+0000")
            spec["revocation"] = {"revoked-since": revoked_at, "reason": "key_compromise"}
        certs[label] = spec
    return {
        "external-url-prefix": url,
        "keysets": {ARCH: {"keys": keys}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entities": entities,
                "certs": certs,
                "services": {
                    "ocsp": {
                        "ca": {"for-issuer": "ca", "responder-cert": "ocsp", "signing-key": "ocsp"}
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P30D",
                        },
                        "ca": {
                            "for-issuer": "ca",
                            "signing-key": "ca",
                            "simulated-update-schedule": "P30D",
                        },
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


@dataclass
class TestPKI:
    """The running PKI: where its TSA answers, its root certificate (the trust anchor), and
    each signer as a PKCS#12 file protected by PASSWORD."""

    folder: Path
    url: str
    tsa_url: str
    root_pem: Path
    p12: dict[str, Path] = field(default_factory=dict)
    _server: object = None
    _process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)


def _build(folder: Path, port: int):
    """Generate the keys and certificates in `folder`, write the PKCS#12 files and the root,
    and return the animator (the WSGI app serving TSA, OCSP and CRLs) and the TestPKI."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertLabel, CertomancerConfig

    for label, (kind, _issuer, _extras) in _CERTS.items():
        _write_key(folder / f"{label}.key.pem", kind)
    url = f"http://127.0.0.1:{port}"
    now = datetime.datetime.now(datetime.UTC)
    config = CertomancerConfig(_config(now, url), key_search_dir=str(folder))
    arch = config.get_pki_arch(ARCH)
    pki = _described(folder, port)
    pki.root_pem.write_bytes(_pem(arch.get_cert(CertLabel("root")).dump()))
    for label, path in pki.p12.items():
        path.write_bytes(arch.package_pkcs12(CertLabel(label), password=PASSWORD.encode()))
    return Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False), pki


def _described(folder: Path, port: int) -> TestPKI:
    url = f"http://127.0.0.1:{port}"
    return TestPKI(
        folder=folder,
        url=url,
        tsa_url=f"{url}/{ARCH}/tsa/tsa",
        root_pem=folder / "root.pem",
        p12={label: folder / f"{label}.p12" for label in SIGNERS},
    )


def start(folder: Path | None = None, *, own_process: bool = False) -> TestPKI:
    """Generate the keys, build the certificates and serve TSA, OCSP and CRLs on 127.0.0.1:
    in a thread of this process, or (`own_process`, for the benchmark) in a process of its
    own, so that the authority's work is not counted as the register's."""
    from werkzeug.serving import make_server

    folder = Path(folder or tempfile.mkdtemp(prefix="institute-pki-"))
    port = _free_port()
    if own_process:
        process = subprocess.Popen(
            [sys.executable, "-m", "institute.signing.testpki", str(folder), str(port)],
            cwd=Path(__file__).resolve().parents[2],
        )
        ready = folder / "ready"
        deadline = time.monotonic() + 120
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the test PKI did not start")
            time.sleep(0.1)
        pki = _described(folder, port)
        pki._process = process
        return pki
    app, pki = _build(folder, port)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_quiet_handler())
    thread = threading.Thread(target=server.serve_forever, name="test-pki", daemon=True)
    thread.start()
    pki._server = server
    return pki


def _serve(folder: Path, port: int) -> None:
    from werkzeug.serving import make_server

    app, _pki = _build(folder, port)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_quiet_handler())
    (folder / "ready").touch()
    server.serve_forever()


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    return Quiet


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der)


def signing_settings(pki: TestPKI, label: str = "signer-rsa") -> dict:
    """The settings that make the register sign with `label`'s key of `pki`."""
    return {
        "SIGNING_KEY_FILE": str(pki.p12[label]),
        "SIGNING_KEY_PASSWORD": PASSWORD,
        "SIGNING_TSA_URL": pki.tsa_url,
        "SIGNING_TRUST_ROOTS": [str(pki.root_pem)],
    }


if __name__ == "__main__":  # start(own_process=True): python -m institute.signing.testpki DIR PORT
    _serve(Path(sys.argv[1]), int(sys.argv[2]))
