"""Demo data for `manage.py demo_data`: a Pavlodar-region institute with two years of work.

Each app contributes its part (`<app>/demo.py`, found by institute.contrib the way the
admin finds `admin.py`); this package is the institute's: `plan` builds its organisations
and teachers in memory from fixed seeds and a fixed reference date, with no database and no
clock, so two loads give the same people, numbers and dates; `load` writes them, with the
regions, districts, the institute and the demo accounts. `data` holds the names (regions,
districts, people, programmes) in Kazakh, Russian and English.
"""

import datetime

# "Today" for the demo: intakes before it are finished, around it in progress, after it
# open or planned; the five-year statuses are meant to be read on this day.
REFERENCE_DATE = datetime.date(2026, 11, 25)
DEFAULT_LISTENERS = 5000
DEMO_PASSWORD = "demo12345"

# The institute's own part registers itself on import, as every app's demo module does.
from institute.demo import load  # noqa: E402, F401
