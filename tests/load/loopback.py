"""The load test drives this machine's own server and nothing else: a mistyped --host must
not send thousands of requests (and sign-ins with a known password) to a real server."""

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost"}


def require_loopback(url: str) -> str:
    """Return `url` when it names this machine (127.0.0.0/8, ::1 or localhost), else raise
    ValueError saying why."""
    host = urlsplit(url or "").hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host.lower() in LOOPBACK_NAMES
    if not loopback:
        raise ValueError(
            f"The load test runs against 127.0.0.1, localhost or [::1] only, not {url!r}."
        )
    return url
