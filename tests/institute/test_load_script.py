"""The load test's own parts (tests/load, README Measured) that run without locust: the data it
prepares signs in and opens pages through the real forms, it refuses a database that is not
the demo one and any server but this machine's, and its table reads the timings right. Only
the last test needs locust, and is skipped where the `load` extra is not installed."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from certificates.models import Document, DocumentStatus
from institute.models import Role, User
from listeners.models import Listener
from tests.load.loopback import require_loopback
from tests.load.prepare import NotADemoDatabase, prepare
from tests.load.run import percentile, summarise

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_data", listeners=50, stdout=open(os.devnull, "w"))


def sign_in(client: Client, login: str, password: str):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    return client.post("/accounts/login/", {"username": login, "password": password})


def test_prepared_listeners_sign_in_with_iin_or_email_and_open_their_document(demo, tmp_path):
    output = tmp_path / "data.json"

    data = prepare(listeners=4, output=output)

    assert json.loads(output.read_text()) == data
    assert output.stat().st_mode & 0o077 == 0  # the password is readable by its owner only
    assert len(data["listeners"]) == 4
    assert any("@" in entry["login"] for entry in data["listeners"])
    assert any(entry["login"].isdigit() for entry in data["listeners"])
    for entry in data["listeners"]:
        client = Client(enforce_csrf_checks=True)
        page = client.get("/accounts/login/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = client.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": entry["login"],
                "password": data["password"],
            },
        )
        assert response.status_code == 302 and response["Location"] == "/me/"
        listener = Listener.objects.get(pk=entry["listener"])
        assert listener.user.role == Role.LISTENER
        (document,) = [d for d in data["documents"] if d["listener"] == listener.pk]
        pdf = client.get(f"/me/documents/{document['pk']}/document.pdf")
        assert pdf.status_code == 200
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert Document.objects.filter(status=DocumentStatus.VALID).count() == 4


def test_prepared_documents_are_found_by_token_and_by_number_and_surname(demo, tmp_path):
    data = prepare(listeners=2, output=tmp_path / "data.json")
    client = Client()

    for document in data["documents"]:
        by_token = client.get(f"/documents/verify/{document['token']}/")
        by_number = client.post(
            "/documents/verify/", {"number": document["number"], "surname": document["surname"]}
        )

        assert by_token.status_code == 200 and by_token.context["document"].pk == document["pk"]
        assert by_number.status_code == 200 and by_number.context["document"].pk == document["pk"]


def test_prepared_methodologists_sign_in_and_see_the_intakes(demo, tmp_path):
    data = prepare(listeners=1, output=tmp_path / "data.json")
    client = Client()

    response = sign_in(client, data["methodologists"][0], data["password"])

    assert response.status_code == 302
    assert data["intakes"]
    for pk in data["intakes"][:3]:
        assert client.get(f"/work/intakes/{pk}/enrollments/").status_code == 200
        assert client.get(f"/work/intakes/{pk}/attendance/").status_code == 200


def test_preparing_again_issues_nothing_more_and_only_changes_the_password(demo, tmp_path):
    first = prepare(listeners=3, output=tmp_path / "data.json")
    documents = set(Document.objects.values_list("pk", flat=True))
    accounts = User.objects.count()

    second = prepare(listeners=3, output=tmp_path / "data.json")

    assert set(Document.objects.values_list("pk", flat=True)) == documents
    assert User.objects.count() == accounts
    assert [e["listener"] for e in second["listeners"]] == [
        e["listener"] for e in first["listeners"]
    ]
    assert second["password"] != first["password"]
    login = second["listeners"][0]["login"]
    assert sign_in(Client(), login, first["password"]).status_code == 200  # the form again
    assert sign_in(Client(), login, second["password"]).status_code == 302


def test_a_database_not_loaded_by_demo_data_is_refused(listener, tmp_path):
    with pytest.raises(NotADemoDatabase):
        prepare(listeners=3, output=tmp_path / "data.json")

    assert not (tmp_path / "data.json").exists()
    assert not User.objects.filter(username__startswith="load-").exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:1234", "http://[::1]:80", "http://127.0.0.2"]
)
def test_this_machine_is_accepted(url):
    assert require_loopback(url) == url


@pytest.mark.parametrize(
    "url", ["http://example.org", "https://10.0.0.5:8000", "http://127.0.0.1.example.org", ""]
)
def test_any_other_server_is_refused(url):
    with pytest.raises(ValueError, match="127.0.0.1"):
        require_loopback(url)


def test_the_table_counts_pages_after_the_ramp_and_sign_ins_over_the_whole_run():
    ramp = [
        ["ramp", "me: home", 900.0, True, 0.0],
        ["ramp", "sign-in (listener)", 300.0, True, 0.5],
    ]
    steady = [["steady", "me: home", float(ms), True, 10.0 + ms / 100] for ms in range(1, 101)]
    steady += [["steady", "verify: QR link", 150.0, False, 11.0]]

    rows, span = summarise(ramp + steady)

    by_page = {row["page"]: row for row in rows}
    assert span == pytest.approx(1.0, abs=0.02)
    home = by_page["me: home"]
    assert (home["requests"], home["p50"], home["p95"], home["p99"]) == (100, 50, 95, 99)
    assert home["target"] == "ok" and home["failures"] == 0
    verify = by_page["verify: QR link"]
    assert verify["target"] == "MISSED" and verify["failures"] == 1
    assert by_page["sign-in (listener) [whole run]"]["requests"] == 1
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2.0


def test_locust_refuses_a_host_that_is_not_this_machine(tmp_path):
    # Not imported here: importing locust patches the standard library for gevent.
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (pip install -e '.[load]')")
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps(
            {"password": "x", "listeners": [], "methodologists": [], "documents": [], "intakes": []}
        )
    )
    results = tmp_path / "timings.json"

    locust = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            "tests/load/locustfile.py",
            "--headless",
            "-u",
            "1",
            "-t",
            "2s",
            "--host",
            "http://example.org",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "LOAD_DATA": str(data), "LOAD_RESULTS": str(results)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert locust.returncode != 0
    assert "127.0.0.1, localhost or [::1] only" in locust.stderr + locust.stdout
    assert not results.exists() or json.loads(results.read_text()) == []
