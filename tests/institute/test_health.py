"""/healthz for monitoring: the database answers and the background worker keeps up."""

import datetime
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

ROOT = Path(__file__).resolve().parents[2]


def make_task(*, waited: datetime.timedelta, status=TaskResultStatus.READY, run_after=None):
    task = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="listeners.tasks.nothing",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    # enqueued_at is set on creation (auto_now_add): moved back by a plain update.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


@pytest.mark.django_db
def test_health_answers_200_with_an_empty_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "queue": {"waiting": 0, "oldest_waiting_seconds": 0},
    }


@pytest.mark.django_db
def test_health_counts_the_tasks_waiting_and_the_oldest_wait(client):
    make_task(waited=datetime.timedelta(seconds=40))
    make_task(waited=datetime.timedelta(seconds=120))
    # Not waiting for the worker: running, finished, or scheduled for later.
    make_task(waited=datetime.timedelta(hours=2), status=TaskResultStatus.RUNNING)
    make_task(waited=datetime.timedelta(days=3), status=TaskResultStatus.SUCCESSFUL)
    make_task(waited=datetime.timedelta(days=3), status=TaskResultStatus.FAILED)
    make_task(
        waited=datetime.timedelta(hours=2),
        run_after=timezone.now() + datetime.timedelta(hours=1),
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["queue"]["waiting"] == 2
    assert 120 <= body["queue"]["oldest_waiting_seconds"] < 180


@pytest.mark.django_db
def test_health_answers_503_when_a_task_has_waited_too_long(client, settings):
    settings.HEALTH_QUEUE_MAX_WAIT_SECONDS = 300
    make_task(waited=datetime.timedelta(seconds=30))
    make_task(waited=datetime.timedelta(seconds=301 + 60))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["queue"]["waiting"] == 2
    assert response.json()["queue"]["oldest_waiting_seconds"] >= 361


@pytest.mark.django_db
def test_the_threshold_is_a_setting(client, settings):
    make_task(waited=datetime.timedelta(seconds=400))
    settings.HEALTH_QUEUE_MAX_WAIT_SECONDS = 600
    assert client.get("/healthz").status_code == 200
    settings.HEALTH_QUEUE_MAX_WAIT_SECONDS = 60
    assert client.get("/healthz").status_code == 503


def test_the_default_threshold_is_five_minutes(settings):
    assert settings.HEALTH_QUEUE_MAX_WAIT_SECONDS == 300


@pytest.mark.django_db
def test_health_needs_no_sign_in_and_shows_nothing_personal(client):
    make_task(waited=datetime.timedelta(seconds=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert set(response.json()) == {"database", "queue"}
    assert set(response.json()["queue"]) == {"waiting", "oldest_waiting_seconds"}


PROBE = r"""
import json
import django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_answers_503_when_the_database_is_unreachable():
    """A real connection refused: PostgreSQL on a port where nothing listens."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="institute.settings",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"postgres://nobody:nothing@127.0.0.1:{_closed_port()}/institute",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {"status": 503, "body": {"database": "unreachable"}}
