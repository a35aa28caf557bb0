"""The benchmark's comparison of two dataset sizes (``make bench SCALE=10``): the sizes alternate,
so the machine's drift falls on both alike, and a page is flat when its p50 moved 25 % or less."""

from __future__ import annotations

import pytest

import bench.__main__ as bench


def test_the_sizes_alternate_and_each_page_keeps_the_median_of_its_rounds(monkeypatch):
    calls = []
    p50s = iter([5.0, 50.0, 7.0, 70.0, 6.0, 60.0] * 4)

    def run_wrk(wrk, base, page, clients, seconds):
        calls.append((base, page["name"], clients, seconds))
        return {"p50": 1.0 if seconds == 1 else next(p50s)}

    monkeypatch.setattr(bench, "run_wrk", run_wrk)
    page = {"name": "catalogue", "lines": []}
    sites = {name: {"pages": {"catalogue": page}, "bases": {"catalogue": name}} for name in ("national", "×10")}
    result = bench.flat("wrk", sites, rounds=3, seconds=2)

    # One warm-up request per site first, then rounds that change which size goes first.
    assert [(base, seconds) for base, _name, _clients, seconds in calls] == [
        ("×10", 1), ("national", 1),
        ("national", 2), ("×10", 2),
        ("×10", 2), ("national", 2),
        ("national", 2), ("×10", 2),
    ]
    assert all(clients == 1 for *_, clients, _seconds in calls)
    # national got 5, 70, 6 and ×10 got 50, 7, 60 (in the order measured): medians 6 and 50;
    # the rounds' changes are +900 %, -90 % and +900 %.
    assert result["catalogue"] == pytest.approx({"national": 6.0, "×10": 50.0, "change": 9.0})


def test_the_change_pairs_the_rounds_so_that_the_machine_s_drift_cancels_out(monkeypatch):
    """The machine is half again as slow in the second round and faster in the third: each pair
    still shows +10 %."""
    p50s = iter([10.0, 11.0, 16.5, 15.0, 8.0, 8.8])  # the second round measures the large size first

    monkeypatch.setattr(bench, "run_wrk", lambda *args: {"p50": 1.0 if args[-1] == 1 else next(p50s)})
    page = {"name": "catalogue", "lines": []}
    sites = {name: {"pages": {"catalogue": page}, "bases": {"catalogue": name}} for name in ("national", "×10")}
    result = bench.flat("wrk", sites, rounds=3, seconds=2)["catalogue"]
    assert result["change"] == pytest.approx(0.10)


def test_a_page_is_flat_within_a_quarter_either_way():
    changes = bench.flat_changes({
        "catalogue": {"national": 8.0, "×10": 10.0, "change": 0.25},
        "learning page": {"national": 10.0, "×10": 12.6, "change": 0.26},
        bench.LEAN: {"national": 8.0, "×10": 4.0, "change": -0.5},
    })
    assert changes == pytest.approx({"catalogue": 0.25, "learning page": 0.26, bench.LEAN: -0.5})
    assert abs(changes["catalogue"]) <= bench.FLAT_WITHIN < abs(changes["learning page"])
