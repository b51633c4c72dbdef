"""The apps' layers: certificates → listeners → courses → institute, read from the source.

A domain module (models, rules, services, queries, tasks, the demo and bench parts: anything
that is not a web module) imports only its own app and the apps below it; a web module
(views, forms, urls, admin, template tags, management commands) may read any app's domain.
The institute app is the bottom of the project and imports no other app at all, web
modules included: the project-wide tools find the other apps' parts (institute.contrib).
Imports inside functions count: they would hide a cycle, not remove it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["institute", "courses", "listeners", "certificates"]  # bottom first
WEB = {"views", "forms", "urls", "admin", "templatetags", "management"}

# Domain modules of listeners or certificates that still import a higher app, as
# (module, imported module). The institute may have none.
KNOWN_UPWARD_IMPORTS: frozenset[tuple[str, str]] = frozenset()


def _imported(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def upward_imports(root: Path) -> list[tuple[str, str]]:
    """(module, imported module) for every import of a higher app where the rules forbid it."""
    found = []
    for rank, app in enumerate(LAYERS):
        higher = set(LAYERS[rank + 1 :])
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            if app != "institute" and WEB & set(parts):
                continue
            module = ".".join(parts).removesuffix(".__init__")
            for name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
                if name.split(".")[0] in higher:
                    found.append((module, name))
    return found


def test_no_module_imports_a_higher_app():
    found = upward_imports(ROOT)

    unexpected = sorted(set(found) - KNOWN_UPWARD_IMPORTS)
    assert not unexpected, "imports of a higher app:\n" + "\n".join(
        f"  {module} imports {name}" for module, name in unexpected
    )
    assert not [pair for pair in KNOWN_UPWARD_IMPORTS if pair[0].startswith("institute")]


def test_the_allow_list_holds_only_imports_that_are_still_there():
    stale = KNOWN_UPWARD_IMPORTS - set(upward_imports(ROOT))

    assert not stale, f"fixed, remove from KNOWN_UPWARD_IMPORTS: {sorted(stale)}"


@pytest.mark.parametrize(
    ("path", "source", "reported"),
    [
        ("institute/models.py", "from listeners.models import Listener\n", True),
        # An import inside a function is an import all the same.
        ("institute/demo/load.py", "def f():\n    import certificates.services\n", True),
        # The institute's web modules may not reach up either.
        ("institute/management/commands/x.py", "from courses.models import Intake\n", True),
        ("courses/services.py", "from listeners.rules import OrderKind\n", True),
        ("listeners/rules.py", "from certificates import models\n", True),
        ("listeners/views.py", "from certificates.models import Document\n", False),
        ("certificates/services.py", "from listeners.models import Enrollment\n", False),
        ("courses/migrations/0001_initial.py", "import listeners\n", False),
    ],
)
def test_the_check_reports_what_the_rules_forbid(tmp_path, path, source, reported):
    for app in LAYERS:
        (tmp_path / app).mkdir()
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")

    assert bool(upward_imports(tmp_path)) == reported
