"""`make run` tells the app the address it serves on (issue 19): the QR code of a document
issued on a laptop served at another port must lead back to that port."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_variables(*args: str, env: dict | None = None) -> str:
    """What make's database says of the `run` target, without running anything."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    environment = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    environment.update(env or {})
    result = subprocess.run(
        ["make", "-C", str(ROOT), "-pn", "run", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    return result.stdout


def test_the_public_address_follows_the_port_make_run_serves():
    out = _run_variables("PORT=8123")
    assert re.search(r"^run: PUBLIC_BASE_URL := http://127\.0\.0\.1:8123$", out, re.M)
    assert "runserver 127.0.0.1:8123" in out


def test_an_address_given_in_the_environment_wins():
    out = _run_variables("PORT=8123", env={"PUBLIC_BASE_URL": "https://register.example.kz"})
    assert "run: PUBLIC_BASE_URL := http://127.0.0.1:8123" not in out
