"""Start-up refuses a production configuration that lacks its secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_and_hosts_stops_with_a_clear_message(tmp_path):
    result = _check({"DEBUG": "false", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr


def test_debug_off_with_secret_key_and_hosts_starts(tmp_path):
    result = _check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.kz",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    assert result.returncode == 0, result.stderr


def test_stored_files_are_never_served_from_the_media_url(client, settings, tmp_path):
    """Scans, documents and lists are served by views that check the asker; a guessed
    /media/ path answers 404 even with DEBUG on."""
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "secret.pdf").write_bytes(b"%PDF-1.7 private")
    assert client.get("/media/documents/secret.pdf").status_code == 404
