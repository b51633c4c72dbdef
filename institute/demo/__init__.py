"""Demo data for `manage.py demo_data`: a Pavlodar-region institute with two years of work.

`plan` builds the whole data set in memory from fixed seeds and a fixed reference date,
with no database and no clock, so two loads give the same people, numbers and dates;
`load` writes a plan with bulk inserts. `data` holds the names (regions, districts, people,
programmes) in Kazakh, Russian and English.

This package fills every app, so it imports the models of all of them: it is a tool on
top of the project, not part of the institute app's domain (nothing imports it but the
command and its test).
"""

import datetime

# "Today" for the demo: intakes before it are finished, around it in progress, after it
# open or planned; the five-year statuses are meant to be read on this day.
REFERENCE_DATE = datetime.date(2026, 11, 25)
DEFAULT_LISTENERS = 5000
DEMO_PASSWORD = "demo12345"
