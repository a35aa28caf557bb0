"""The rules of ARCHITECTURE.md, measured on the source: layers, floors, owners, one commit point."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LMS = ROOT / "lms"

# The domain floors of ARCHITECTURE.md, lowest first.
FLOORS = ["audit", "notifications", "auth", "regions", "privacy", "programmes", "cohorts", "enrolment", "calendar",
          "attendance", "learning", "certificates", "completion", "reports"]
WEB_MODULES = {"routes", "forms"}
WEB_PACKAGES = {"main", "catalogue", "admin"}  # pages only
ASSEMBLY = {"lms", "lms.models", "lms.demo"}  # the app factory, the model index, the demo data
OWNED = {  # attribute names only the owner may assign
    "lms.enrolment": {"seats_taken", "waitlist_counter", "waitlist_position", "offer_expires_at", "offered_at",
                      "enrolled_at", "offer_reminded_at", "is_overbooked"},
    "lms.certificates": {"revoked_at", "revoke_reason", "replaced_by_id", "verification_id", "snapshot"},
}
OWNED_TABLES = {"Enrolment": "lms.enrolment", "Certificate": "lms.certificates", "Attendance": "lms.attendance"}

MAX_FUNCTION_IMPORTS = 5
MAX_UPWARD_IMPORTS = 5
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(LMS.rglob("*.py")):
        if "translations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def layer(module: str) -> tuple[int, str]:
    """(rank, name): core 0, domain floors 1..n, web n+1, the assembly n+2."""
    parts = module.split(".")
    if module in ASSEMBLY:
        return len(FLOORS) + 2, "assembly"
    if len(parts) == 2 and parts[1] not in FLOORS and parts[1] not in WEB_PACKAGES:
        return 0, "core"
    feature = parts[1]
    if feature in WEB_PACKAGES or (len(parts) > 2 and parts[2] in WEB_MODULES):
        return len(FLOORS) + 1, "web"
    if feature in FLOORS:
        return FLOORS.index(feature) + 1, feature
    return 0, "core"


def _imports(path: Path):
    """(line, imported module, inside a function) for every import of an lms module."""
    tree = ast.parse(path.read_text())
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inside = {id(node) for f in functions for node in ast.walk(f) if isinstance(node, (ast.Import, ast.ImportFrom))}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" if node.module == "lms" else node.module for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name == "lms" or name.startswith("lms."):
                target = name if name in MODULES else ".".join(name.split(".")[:-1]) if name.rsplit(".", 1)[0] in MODULES else name
                yield node.lineno, target, id(node) in inside


def function_imports() -> list[str]:
    return sorted({f"{path.relative_to(ROOT)}:{line}" for module, path in MODULES.items()
                   for line, target, inside in _imports(path) if inside})


def upward_imports() -> list[str]:
    found: list[str] = []
    for module, path in MODULES.items():
        mine = layer(module)
        for line, target, _inside in _imports(path):
            theirs = layer(target)
            same_feature = target.split(".")[:2] == module.split(".")[:2] and mine[1] != "core"
            entry = f"{path.relative_to(ROOT)}:{line} {mine[1]} -> {target} ({theirs[1]})"
            if theirs[0] > mine[0] and not same_feature and entry not in found:
                found.append(entry)
    return found


def test_no_route_commits_or_rolls_back():
    calls = []
    for module, path in MODULES.items():
        if layer(module)[1] != "web":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("commit", "rollback"):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}()")
    assert calls == []


def test_imports_are_at_module_level():
    found = function_imports()
    assert len(found) <= MAX_FUNCTION_IMPORTS, "\n".join(found)


def test_domain_imports_go_down_the_floors():
    found = upward_imports()
    assert len(found) <= MAX_UPWARD_IMPORTS, "\n".join(found)


def test_no_module_is_over_500_lines():
    long = {str(path.relative_to(ROOT)): n for path in MODULES.values()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def _assignments(tree):
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for item in ast.walk(target):
                if isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store):
                    yield node.lineno, item.attr


def test_owned_attributes_are_assigned_by_their_owner_only():
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        for owner, attributes in OWNED.items():
            if module == owner or module.startswith(owner + "."):
                continue
            for line, attr in _assignments(tree):
                if attr in attributes:
                    found.append(f"{path.relative_to(ROOT)}:{line} .{attr} (owner {owner})")
    assert found == []


def test_owned_tables_are_written_by_their_owner_only():
    """sa.update(Enrolment), sa.insert(Certificate), sa.delete(Attendance) ... only in the owner."""
    found = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "update", "insert", "delete") and node.args and isinstance(node.args[0], ast.Name):
                owner = OWNED_TABLES.get(node.args[0].id)
                if owner and not (module == owner or module.startswith(owner + ".")):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr if hasattr(node.func, 'attr') else node.func.id}({node.args[0].id})")
    assert found == []


TEMPLATES = ROOT / "templates"
STATUS_LITERAL = re.compile(r"""(status|kind)(\.value)?\s*(==|!=|\bin\b|\bnot in\b)\s*[('"]""")


def test_templates_compare_statuses_through_enums_or_helpers():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if STATUS_LITERAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_no_template_guards_features_that_are_always_there():
    found = [str(p.relative_to(ROOT)) for p in TEMPLATES.rglob("*.html") if "has_endpoint" in p.read_text()]
    assert found == []


@pytest.mark.parametrize("module", ["lms.enrolment.services", "lms.cohorts.models"])
def test_the_layer_map_knows_the_features(module):
    assert layer(module)[1] != "core"
