"""The load test (README, Measured): `run.py` prepares a demo database, starts gunicorn on
127.0.0.1 and drives it with `locustfile.py`. Nothing here is collected by pytest."""
