"""Gunicorn's settings for the register (README, Production):

    .venv/bin/gunicorn -c institute/gunicorn.conf.py institute.wsgi

Every value can be changed from the environment (.env.example lists them). The background
worker is a separate process: `.venv/bin/python manage.py db_worker`.
"""

import os

wsgi_app = "institute.wsgi:application"
# 127.0.0.1:8000 behind a reverse proxy on the same machine; 0.0.0.0:8000 in a container.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers: pages are short database reads; PDFs and imports go to the worker.
# 2 × cores + 1 is gunicorn's rule of thumb; the default suits the 2-core server.
workers = int(os.environ.get("GUNICORN_WORKERS", "5"))
worker_class = "sync"
# A request still running after this many seconds is killed (and its worker restarted):
# a single document's PDF renders in well under a second, a print of an intake in seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Each worker is replaced after so many requests (± the jitter, so that they do not all
# restart at once): memory that WeasyPrint or a leak holds on to is given back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Logs to stderr: the process manager (systemd, the container) keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Time, client (the proxy's X-Forwarded-For first), request, status, size, duration in ms.
# No query strings in the log: a search may carry a person's IIN.
access_log_format = '%(t)s %({x-forwarded-for}i)s %(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
