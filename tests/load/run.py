"""The load test (README, Measured): prepare a demo database, start gunicorn with production
settings on a free port of 127.0.0.1, drive it with locust, print a table per page.

    .venv/bin/python tests/load/run.py --database-url postgres://…/bench   (or `make load`)

The database must already hold `manage.py demo_data --listeners 100000` (migrated); this
script applies any migration still missing, then opens accounts and issues documents for
the virtual users (tests/load/prepare.py, idempotent). Everything it writes goes to .run/load/:
the data file (with the accounts' password), locust's CSV files, gunicorn's log and the raw
timings.

The server runs as in production (README, Production) but over plain HTTP on 127.0.0.1:
DEBUG off, a random SECRET_KEY, no HTTPS redirect, no HSTS, cookies without the Secure flag
(SECURE_COOKIES=false, which exists for this script), gunicorn's config file and its default
5 workers, static files collected into a temporary folder and served by WhiteNoise. Database
connections are kept for 60 s (CONN_MAX_AGE=60; the settings' default is 0): a PostgreSQL
connection costs a few milliseconds to open, which is a tenth of the budget of a page.

Pages are counted once every user has started (the ramp, when each virtual user signs in
and the PBKDF2 hashes take the CPU, is left out of them); the sign-in rows count the whole
run. The target is p95 ≤ 100 ms for the listener's pages ("me: …") and the public
verification ("verify: …"). Exit status 1 when any request failed, or the run did not happen.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests.load.loopback import require_loopback  # noqa: E402

OUT = BASE_DIR / ".run" / "load"
TARGET_MS = 100
TARGET_PAGES = ("me: ", "verify: ")
# Counted over the whole run: the virtual users sign in while they are being started.
WHOLE_RUN = ("sign-in",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(*, database_url: str, port: int, static_root: str, conn_max_age: int):
    """The environment of gunicorn (and of the preparing step): production settings over
    plain HTTP on 127.0.0.1."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "institute.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "CONN_MAX_AGE": str(conn_max_age),
        "STATIC_ROOT": static_root,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        # One line per sign-in and per document issued is noise at this rate.
        "LOG_LEVEL": "WARNING",
    }


def prepare_database(*, listeners: int, output: Path) -> dict:
    """Migrate, collect the static files and make the virtual users' accounts and documents;
    runs in this process with the server's environment already in os.environ."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from tests.load.prepare import prepare

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    data = prepare(listeners=listeners, output=output)
    connections.close_all()
    return data


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {server.returncode}); see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")


def _stop(process: subprocess.Popen | None) -> None:
    """Stop a process group started by this script: TERM, then KILL after 30 s."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted `values` (share 0.95 for p95)."""
    if not values:
        return float("nan")
    rank = max(1, -(-len(values) * share // 1))  # ceil
    return values[int(rank) - 1]


def summarise(timings: list[list]) -> tuple[list[dict], float]:
    """One row per page from the raw timings: the steady part of the run for pages, the
    whole run for sign-ins. Returns the rows and the steady part's length in seconds."""
    steady = [t for t in timings if t[0] == "steady"]
    span = (max(t[4] for t in steady) - min(t[4] for t in steady)) if len(steady) > 1 else 0.0
    whole = (max(t[4] for t in timings) - min(t[4] for t in timings)) if timings else 0.0
    rows = []
    for name in sorted({t[1] for t in timings}):
        counted_whole = name.startswith(WHOLE_RUN)
        mine = [t for t in (timings if counted_whole else steady) if t[1] == name]
        if not mine:
            continue
        times = sorted(t[2] for t in mine)
        seconds = whole if counted_whole else span
        p95 = percentile(times, 0.95)
        rows.append(
            {
                "page": name + (" [whole run]" if counted_whole else ""),
                "requests": len(mine),
                "rps": len(mine) / seconds if seconds else 0.0,
                "p50": percentile(times, 0.50),
                "p95": p95,
                "p99": percentile(times, 0.99),
                "failures": sum(1 for t in mine if not t[3]),
                "target": ("ok" if p95 <= TARGET_MS else "MISSED")
                if name.startswith(TARGET_PAGES)
                else "",
            }
        )
    return rows, span


def table(rows: list[dict]) -> str:
    header = f"{'page':<38} {'requests':>8} {'rps':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'fail':>5}  p95≤{TARGET_MS}ms"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['page']:<38} {r['requests']:>8} {r['rps']:>7.1f} {r['p50']:>6.0f} "
            f"{r['p95']:>6.0f} {r['p99']:>6.0f} {r['failures']:>5}  {r['target']}"
        )
    lines.append("(times in milliseconds)")
    return "\n".join(lines)


def _load_average() -> str:
    """The machine's 1-minute load average: the figures mean little when other work ran."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="the demo database (demo_data --listeners 100000); default $DATABASE_URL",
    )
    parser.add_argument("--users", type=int, default=32, help="concurrent people (32)")
    parser.add_argument("--spawn-rate", type=float, default=4, help="users started a second (4)")
    parser.add_argument("--run-time", default="2m", help="locust's --run-time (2m)")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="stop after so many requests"
    )
    parser.add_argument(
        "--wait", default="0.5-2", help="seconds a person pauses between pages (0.5-2; 0: none)"
    )
    parser.add_argument(
        "--listeners", type=int, default=300, help="listener accounts to prepare (300)"
    )
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE (60)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (its config's default: 5)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.database_url = args.database_url or os.environ.get("DATABASE_URL", "")
    if not args.database_url:
        print("Give the demo database: --database-url postgres://… (or DATABASE_URL).")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    host = require_loopback(f"http://127.0.0.1:{port}")
    static_root = tempfile.mkdtemp(prefix="load-static-")
    environment = server_environment(
        database_url=args.database_url,
        port=port,
        static_root=static_root,
        conn_max_age=args.conn_max_age,
    )
    if args.workers:
        environment["GUNICORN_WORKERS"] = str(args.workers)
    data_file, results = OUT / "data.json", OUT / "timings.json"
    results.unlink(missing_ok=True)

    server = locust = None
    load_before = _load_average()
    # SIGTERM (a CI's timeout, kill) ends the run like Ctrl-C: the finally below stops both.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        print(f"Preparing {args.listeners} listeners' accounts and documents …", flush=True)
        os.environ.update(environment)
        data = prepare_database(listeners=args.listeners, output=data_file)
        print(
            f"  {len(data['listeners'])} listeners, {len(data['documents'])} documents, "
            f"{len(data['intakes'])} intakes, {len(data['methodologists'])} methodologists"
        )
        with open(OUT / "gunicorn.log", "w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "institute/gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for(f"{host}/healthz", server)
        print(
            f"gunicorn on {host}; locust: {args.users} users (+1 asking /healthz), "
            f"{args.spawn_rate}/s, {args.run_time}, pauses {args.wait} s …",
            flush=True,
        )
        with open(OUT / "locust.log", "w") as log:
            locust = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    "tests/load/locustfile.py",
                    "--headless",
                    "--users",
                    str(args.users + 1),
                    "--spawn-rate",
                    str(args.spawn_rate),
                    "--run-time",
                    args.run_time,
                    "--stop-timeout",
                    "10",
                    "--host",
                    host,
                    "--csv",
                    str(OUT / "locust"),
                    "--only-summary",
                ],
                cwd=BASE_DIR,
                env={
                    **environment,
                    "LOAD_DATA": str(data_file),
                    "LOAD_RESULTS": str(results),
                    "LOAD_MAX_REQUESTS": str(args.max_requests),
                    "LOAD_WAIT_SECONDS": args.wait,
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            locust.wait()
    finally:
        _stop(server)
        if locust is not None and locust.poll() is None:
            locust.terminate()
        # Sessions and their database connections are gone; the static copy too.
        shutil.rmtree(static_root, ignore_errors=True)

    if not results.exists():
        print(f"locust wrote no timings (exit {locust.returncode}); see {OUT / 'locust.log'}")
        return 1
    timings = json.loads(results.read_text())
    rows, span = summarise(timings)
    print()
    print(table(rows))
    print(
        f"steady part: {span:.0f} s; {os.cpu_count()} cores, load average {load_before} before, "
        f"{_load_average()} after; logs and locust's CSV in {OUT}"
    )
    failed = sum(1 for t in timings if not t[3])
    if failed:
        print(f"{failed} requests failed (whole run); see {OUT / 'locust.log'}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
