"""Prints what the hostile-input tests sent, per role, at the end of the run."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter):
    from tests.hardening.test_fuzz import TOTALS

    if not TOTALS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("hostile input (hypothesis)")
    total = 0
    for role, data in sorted(TOTALS.items()):
        total += data["requests"]
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(data["statuses"].items()))
        write(f"{role:<12} {data['requests']:>6} requests in {data['seconds']:.0f} s  ({statuses})")
    kinds: dict[str, int] = {}
    for data in TOTALS.values():
        for kind, n in data["kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    write(f"{'total':<12} {total:>6} requests  ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))})")
