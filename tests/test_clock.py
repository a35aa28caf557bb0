"""Time is an input: the app reads the clock in lms/clock.py only, and the tests never read it."""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lms.clock import FrozenClock
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parent.parent

# Calls that read the machine's clock (time.perf_counter and time.monotonic measure durations: allowed).
CLOCK_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"), ("time", "ctime"),
    ("func", "now"), ("func", "current_timestamp"), ("func", "current_date"), ("func", "localtimestamp"),
    ("func", "current_time"), ("func", "sysdate"),
}
SQL_CLOCK_WORDS = ("CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP", "NOW()", "DATETIME('NOW')")


def _python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "translations" not in p.parts)


def _clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (owner_name, node.func.attr) in CLOCK_CALLS:
                found.append(f"{name}:{node.lineno} {owner_name}.{node.func.attr}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            upper = node.value.upper()
            for word in SQL_CLOCK_WORDS:
                if word in upper:
                    found.append(f"{name}:{node.lineno} SQL {word}")
    return found


def test_the_application_reads_the_clock_only_in_lms_clock():
    reads = [hit for path in _python_files("lms") if path.name != "clock.py" or path.parent.name != "lms"
             for hit in _clock_reads(path)]
    assert reads == []


def test_the_clock_check_would_see_a_clock_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime, time\nx = datetime.datetime.now()\ny = time.time()\n"
                      "z = sa.func.now()\nq = 'SELECT * FROM t WHERE at < CURRENT_TIMESTAMP'\n"
                      "ok = time.perf_counter()\n")
    assert len(_clock_reads(sample)) == 4


def test_no_service_falls_back_to_the_real_clock():
    """A ``now`` argument is always handed down: never optional, never ``now or clock.now()``."""
    offenders = []
    for path in _python_files("lms"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = args.posonlyargs + args.args
                defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults))
                defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
                if "now" in defaults:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(now=...)")
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                if isinstance(node.values[0], ast.Name) and node.values[0].id == "now":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} now or ...")
    assert offenders == []


def test_the_tests_never_read_the_real_clock():
    reads = [hit for path in _python_files("tests") if path.name != "test_clock.py" for hit in _clock_reads(path)]
    assert reads == []


def test_the_app_and_the_tests_share_one_frozen_instant(app, now):
    assert isinstance(app.extensions["clock"], FrozenClock)
    assert app.extensions["clock"].now() == now == NOW


def test_pages_read_the_frozen_clock(client, auth, clock, make_user, make_cohort):
    """A coach may enrol in a March cohort in November, and no longer once the clock is past its start."""
    cohort = make_cohort(title="Groep in maart")
    auth.login(make_user())
    page = client.get(f"/trainings/{cohort.id}").get_data(as_text=True)
    assert "Inschrijven</button>" in page and "gesloten" not in page
    clock.set(datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc))
    page = client.get(f"/trainings/{cohort.id}").get_data(as_text=True)
    assert "Inschrijven</button>" not in page and "De inschrijving voor deze groep is gesloten." in page


def test_a_frozen_clock_refuses_naive_instants():
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))
