"""The layers' one direction, read from the code: routes (HTTP, the API's and the pages' handlers) never import the tables.

Pure source reading (no database): `make lint` runs it with `--noconftest`.
"""

from __future__ import annotations

import ast
from pathlib import Path

EVENTS = Path(__file__).resolve().parent.parent / "events"
#: What routes may not import: storage belongs to the domain modules below them.
FORBIDDEN = ("events.tables", "piccolo")


def imported_modules(source: str, package: str) -> set[str]:
    """Every module `source` (of a module in `package`) imports, absolute: `from events import tables` is `events.tables`."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def forbidden_imports(source: str, package: str = "events.routes") -> list[str]:
    return sorted(name for name in imported_modules(source, package) if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN))


def test_routes_never_import_the_tables():
    routes = sorted((EVENTS / "routes").glob("*.py"))
    assert routes, "no route modules found"
    offenders = {path.name: forbidden_imports(path.read_text(encoding="utf-8")) for path in routes}
    assert {name: found for name, found in offenders.items() if found} == {}, "routes call domain functions, which own every query"


def test_the_check_sees_every_way_of_importing_the_tables():
    # The check itself can fail: each spelling of the import is caught, a look-alike is not.
    spellings = {
        "import events.tables": ["events.tables"],
        "from events.tables import Stop": ["events.tables", "events.tables.Stop"],
        "from events import tables": ["events.tables"],
        "from .. import tables": ["events.tables"],
        "from ..tables import Booth": ["events.tables", "events.tables.Booth"],
        "from piccolo.columns import Varchar": ["piccolo.columns", "piccolo.columns.Varchar"],
        "from events import tickets": [],
    }
    for source, expected in spellings.items():
        assert forbidden_imports(source) == expected, source
