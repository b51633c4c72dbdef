"""What each app contributes to the project-wide tools: its part of the demo data
(`manage.py demo_data`) and its timings (`manage.py bench`).

The institute app is the bottom layer and imports no other app, yet these tools span all of
them. So they are found the way the admin finds `admin.py`: `autodiscover_modules` imports
`<app>.demo` and `<app>.bench` for every installed app, and each module registers its parts
here. Parts run in INSTALLED_APPS order (institute, courses, listeners, certificates), so a
part reads what the apps below it planned and wrote.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.apps import apps
from django.db import models, transaction
from django.utils.module_loading import autodiscover_modules


@dataclass
class Demo:
    """What the demo parts share while the demo is planned and written.

    `plan` holds what each part built in memory (`plan.teachers`, `plan.intakes`), from fixed
    seeds and a fixed reference date, with no database and no clock; `rows` holds what each
    part wrote (`rows.users`, `rows.intakes`), for the parts above it to point at.
    """

    listeners: int
    say: Callable[[str], None] = lambda message: None
    plan: SimpleNamespace = field(default_factory=SimpleNamespace)
    rows: SimpleNamespace = field(default_factory=SimpleNamespace)


class DemoPart:
    """One app's part of the demo data; subclass it in `<app>/demo.py` and register it with
    `@demo_part`. Every step may be left out."""

    # Models whose rows, entered by hand, the demo would collide with: demo data is loaded
    # only into a database that holds none of them.
    collides: tuple[type[models.Model], ...] = ()
    # (label, model): what `manage.py demo_data` counts after a load.
    counts: tuple[tuple[str, type[models.Model]], ...] = ()

    def size(self, demo: Demo) -> None:
        """Set in `demo.plan` the sizes other parts need before any part is planned."""

    def plan(self, demo: Demo) -> None:
        """Build this app's rows in `demo.plan`, in memory."""

    def load(self, demo: Demo) -> None:
        """Write this app's planned rows (bulk inserts) and put what others need in `demo.rows`."""

    def ensure(self, demo: Demo) -> None:
        """On a database where the demo is already loaded: repair what a person may have
        changed and the demo needs (the demo accounts)."""


BenchRun = Callable[["Bench"], None]


@dataclass
class Bench:
    """What a timing is given: how many runs to take the median of, and where to print."""

    repeat: int
    write: Callable[[str], None]

    def median_ms(self, action: Callable[[], object], repeat: int | None = None) -> float:
        samples = []
        for _ in range(repeat or self.repeat):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)


@dataclass
class Timing:
    result: object
    wall: float  # ms
    cpu: float  # ms of this process's CPU time


def timed(action: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return Timing(result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)


_demo_parts: list[DemoPart] = []
_benches: list[tuple[str, BenchRun]] = []


def demo_part(cls: type[DemoPart]) -> type[DemoPart]:
    """Register one app's demo part (a class decorator)."""
    _demo_parts.append(cls())
    return cls


def bench(name: str) -> Callable[[BenchRun], BenchRun]:
    """Register a named timing (a function decorator); `manage.py bench` runs it."""

    def register(run: BenchRun) -> BenchRun:
        _benches.append((name, run))
        return run

    return register


def _app_order(module: str) -> int:
    config = apps.get_containing_app_config(module)
    names = [c.name for c in apps.get_app_configs()]
    return names.index(config.name) if config else len(names)


def demo_parts() -> list[DemoPart]:
    autodiscover_modules("demo")
    return sorted(_demo_parts, key=lambda part: _app_order(type(part).__module__))


def benches() -> list[tuple[str, BenchRun]]:
    autodiscover_modules("bench")
    return sorted(_benches, key=lambda named: _app_order(named[1].__module__))


def demo_plan(listeners: int, say: Callable[[str], None] | None = None) -> Demo:
    """The whole demo data set for `listeners` people, in memory: the same for the same number."""
    demo = Demo(listeners=listeners, say=say or (lambda message: None))
    parts = demo_parts()
    for part in parts:
        part.size(demo)
    for part in parts:
        part.plan(demo)
    return demo


@transaction.atomic
def demo_load(*, listeners: int, progress: Callable[[str], None] | None = None) -> Demo:
    """Plan the demo for `listeners` people and write every app's part, in one transaction."""
    demo = demo_plan(listeners, progress)
    for part in demo_parts():
        part.load(demo)
    return demo


def demo_ensure() -> None:
    """Repair a loaded demo (each part's `ensure`); writes nothing when nothing changed."""
    demo = Demo(listeners=0)
    for part in demo_parts():
        part.ensure(demo)


def demo_collides() -> bool:
    """The database holds rows entered by hand that the demo would collide with."""
    return any(model.objects.exists() for part in demo_parts() for model in part.collides)


def demo_counts() -> list[tuple[str, int]]:
    return [(label, model.objects.count()) for part in demo_parts() for label, model in part.counts]
