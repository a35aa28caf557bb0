"""The figures against the hand-built dataset (see conftest.py for the worked-out answers)."""

from __future__ import annotations

from datetime import date

import pytest

from lms.auth.models import Role
from lms.extensions import db
from lms.reports import charts
from lms.reports.accreditation import accreditation_list
from lms.reports.figures import UNKNOWN_MUNICIPALITY, Scope, positions_of, visible_region_ids, visible_regions
from lms.reports.services import (
    coach_list_query,
    cohort_list_query,
    figures_per_cohort,
    headline,
    load_cohort,
    marks_for,
    region_report,
)


def scope_for(ds, regions=None, **kwargs) -> Scope:
    regions = regions if regions is not None else [ds.region, ds.other_region]
    return Scope(programme=ds.programme, regions=tuple(sorted(regions, key=lambda r: r.name)),
                 positions=tuple(positions_of(ds.programme)), **kwargs)


def table(report):
    """{region: {line label: (enrolled, waitlisted, att1, att2, att3, completed, certified)}}"""
    result = {}
    for section in report.sections:
        lines = {line.label: line for line in section.municipalities}
        lines["total"] = section.total
        result[section.region.name] = {
            label: (f.enrolled, f.waitlisted, *f.attended, f.completed, f.certified)
            for label, f in ((label, line.figures) for label, line in lines.items())
        }
    return result


def test_positions_are_named_after_the_session_pattern(dataset):
    assert [p.label for p in positions_of(dataset.programme)] == ["Online dagdeel", "Bijeenkomst 1", "Bijeenkomst 2"]
    assert [p.label for p in positions_of(dataset.other_programme)] == ["Online dagdeel", "Bijeenkomst 1", "Bijeenkomst 2"]


def test_figures_per_region_and_municipality(dataset):
    report = region_report(scope_for(dataset))
    figures = table(report)
    assert figures["Achterhoek"] == {
        "Aalten": (2, 1, 1, 1, 0, 0, 0),
        "Doetinchem": (3, 1, 3, 3, 3, 2, 1),
        "Winterswijk": (2, 1, 2, 1, 1, 0, 0),
        "Tiel (buiten de regio)": (1, 0, 1, 1, 1, 1, 1),
        "total": (8, 3, 7, 6, 5, 3, 2),
    }
    assert figures["Rivierenland"] == {
        "Culemborg": (0, 0, 0, 0, 0, 0, 0),
        "Tiel": (1, 0, 1, 1, 1, 1, 1),
        "total": (1, 0, 1, 1, 1, 1, 1),
    }
    assert (report.total.enrolled, report.total.completed, report.total.certified) == (9, 4, 3)
    achterhoek = report.sections[0]
    assert achterhoek.total.figures.completion_rate == pytest.approx(3 / 8)
    # Municipalities of the region first (by name), then those outside it.
    assert [line.kind for line in achterhoek.municipalities] == ["municipality"] * 3 + ["other"]


def test_make_ups_are_counted_and_shown_apart(dataset):
    report = region_report(scope_for(dataset, regions=[dataset.region]))
    lines = {line.label: line.figures for line in report.sections[0].municipalities}
    assert lines["Doetinchem"].made_up == [1, 0, 0]  # the coach who moved cohort: online half-day in A
    assert lines["Winterswijk"].made_up == [0, 1, 0]  # meeting 1 made up in Rivierenland
    assert report.total.made_up == [1, 1, 0]


def test_period_filters_on_the_cohorts_first_session(dataset):
    later = region_report(scope_for(dataset, regions=[dataset.region], date_from=date(2026, 8, 1)))
    # Only B and F: m1 and b1 enrolled in B, f3 in F; m1's make-up in A (before the period) still counts.
    assert table(later)["Achterhoek"]["total"] == (3, 3, 2, 2, 1, 0, 0)
    earlier = region_report(scope_for(dataset, date_to=date(2026, 12, 31)))
    assert table(earlier)["Achterhoek"]["total"] == (7, 1, 7, 6, 5, 3, 2)
    assert table(earlier)["Rivierenland"]["total"] == (1, 0, 1, 1, 1, 1, 1)
    day = region_report(scope_for(dataset, date_from=date(2026, 3, 10), date_to=date(2026, 3, 10)))
    assert table(day)["Achterhoek"]["total"] == (5, 0, 5, 4, 4, 3, 2)  # cohort A only, the bounds included


def test_another_programme_has_its_own_figures(dataset):
    scope = Scope(programme=dataset.other_programme, regions=(dataset.region,),
                  positions=tuple(positions_of(dataset.other_programme)))
    assert table(region_report(scope))["Achterhoek"]["total"] == (1, 0, 1, 1, 1, 1, 1)


def test_region_scope_limits_the_figures(dataset):
    report = region_report(scope_for(dataset, regions=[dataset.other_region]))
    assert [s.region.name for s in report.sections] == ["Rivierenland"]
    assert report.total.enrolled == 1


def test_drill_down_to_cohorts(dataset):
    scope = scope_for(dataset, regions=[dataset.region])
    cohorts = db.session.execute(cohort_list_query(scope)).scalars().all()
    # Newest first; the cancelled cohort and the other programme's are not behind these figures.
    assert [c.title for c in cohorts] == ["Groep F", "Groep B", "Groep A"]
    figures = figures_per_cohort(scope, [c.id for c in cohorts])
    assert (figures[dataset.a.id].enrolled, figures[dataset.a.id].completed) == (5, 3)
    assert (figures[dataset.b.id].enrolled, figures[dataset.b.id].waitlisted) == (2, 1)
    assert (figures[dataset.f.id].enrolled, figures[dataset.f.id].waitlisted) == (1, 2)

    winterswijk = next(m for m in dataset.region.municipalities if m.name == "Winterswijk")
    narrowed = scope.narrowed(municipality=winterswijk)
    cohorts = db.session.execute(cohort_list_query(narrowed)).scalars().all()
    assert [c.title for c in cohorts] == ["Groep F", "Groep A"]
    assert figures_per_cohort(narrowed, [dataset.a.id])[dataset.a.id].enrolled == 2


def test_drill_down_to_coaches_with_their_marks(dataset):
    doetinchem = next(m for m in dataset.region.municipalities if m.name == "Doetinchem")
    scope = scope_for(dataset, regions=[dataset.region], municipality=doetinchem)
    enrolments = db.session.execute(coach_list_query(scope)).unique().scalars().all()
    assert [(e.user.name, e.cohort.title) for e in enrolments] == [
        ("Anna Aarts", "Groep A"), ("Bert Bos", "Groep A"), ("Fay Feld", "Groep F"), ("Mo Mulder", "Groep B"),
    ]
    marks = marks_for(scope, [e.id for e in enrolments])
    assert marks[dataset.enrolments["a1"].id].attended == [2, 2, 2]
    assert marks[dataset.enrolments["a1"].id].certified is True
    assert marks[dataset.enrolments["a2"].id].certified is False  # revoked
    assert marks[dataset.enrolments["m1"].id].attended == [1, 2, 2]  # online half-day made up in A
    assert marks[dataset.enrolments["f1"].id].attended == [0, 0, 0]


def test_coaches_without_a_municipality(dataset, make_user):
    from tests.reports.conftest import enrol

    nowhere = make_user(Role.COACH, name="Zonder Gemeente", region=None)
    enrol(dataset.a, nowhere)
    db.session.commit()
    report = region_report(scope_for(dataset, regions=[dataset.region]))
    unknown = report.sections[0].municipalities[-1]
    assert (unknown.kind, unknown.label, unknown.figures.enrolled) == ("unknown", "Gemeente onbekend", 1)
    assert unknown.municipality_arg == UNKNOWN_MUNICIPALITY
    scope = scope_for(dataset, regions=[dataset.region], municipality=UNKNOWN_MUNICIPALITY)
    assert [e.user.name for e in db.session.execute(coach_list_query(scope)).unique().scalars()] == ["Zonder Gemeente"]


def test_accreditation_list(dataset, now):
    result = accreditation_list(load_cohort(dataset.a.id), now)
    assert [s.title for s in result.required] == ["Online dagdeel", "Bijeenkomst 1", "Bijeenkomst 2"]
    # a3 made meeting 1 up elsewhere; nobody needs the not-required Terugkomdag.
    assert [c.name for c in result.met] == ["Anna Aarts", "Bert Bos", "Cas Claessen", "Fleur Franken"]
    assert [c.name for c in result.without_number] == ["Cas Claessen"]
    assert [(c.name, [s.title for s in c.missing]) for c in result.not_met] == [
        ("Dirk Dekker", ["Bijeenkomst 1", "Bijeenkomst 2"]),
    ]
    assert result.as_text() == "100001\n100002\n100006\n"
    assert result.sessions_to_come == []


def test_accreditation_list_skips_cancelled_sessions_and_warns_about_future_ones(dataset, now):
    result = accreditation_list(load_cohort(dataset.b.id), now)
    assert [s.title for s in result.required] == ["Online dagdeel", "Bijeenkomst 1 (nieuw)", "Bijeenkomst 2"]
    assert [c.name for c in result.met] == ["Mo Mulder"]  # online half-day made up in A
    assert result.as_text() == "100007\n"
    future = accreditation_list(load_cohort(dataset.f.id), now)
    assert future.met == [] and len(future.sessions_to_come) == 3


def test_who_sees_which_regions(dataset, make_user, region, other_region):
    coordinator = make_user(Role.COORDINATOR, coordinates=[other_region])
    staff = make_user(Role.STAFF)
    admin = make_user(Role.ADMIN)
    trainer = make_user(Role.TRAINER)
    assert visible_region_ids(coordinator) == {other_region.id}
    assert [r.name for r in visible_regions(coordinator, with_municipalities=True)] == ["Rivierenland"]
    assert visible_region_ids(staff) is None and visible_region_ids(admin) is None
    assert [r.name for r in visible_regions(staff)] == ["Achterhoek", "Rivierenland"]
    assert visible_region_ids(trainer) == set() and visible_regions(trainer) == []


def test_headline_for_the_start_page(dataset, make_user, other_region, now):
    coordinator = make_user(Role.COORDINATOR, coordinates=[other_region])
    result = headline(coordinator, now)
    assert result.programme == dataset.programme
    assert [(line.label, line.figures.enrolled, line.figures.certified) for line in result.lines] == [
        ("Rivierenland", 1, 1)
    ]
    lonely = make_user(Role.COORDINATOR)
    assert headline(lonely, now) is None


def test_funnel_chart_layout_is_proportional():
    chart = charts.funnel([("Ingeschreven", 8), ("Afgerond", 4), ("Gecertificeerd", 0)])
    widths = [g.bars[0].width for g in chart.groups]
    assert widths[0] == charts.WIDTH - chart.axis_x - charts.VALUE_WIDTH
    assert widths[1] == widths[0] / 2 and widths[2] == 0
    ys = [g.bars[0].y for g in chart.groups]
    assert ys == sorted(ys) and chart.height > ys[-1]
    empty = charts.funnel([("Ingeschreven", 0)])
    assert empty.groups[0].bars[0].width == 0


def test_comparison_chart_groups_one_bar_per_series():
    chart = charts.comparison([("Aalten", [2, 1, 0]), ("Doetinchem", [4, 2, 1])], ["a", "b", "c"])
    assert [len(g.bars) for g in chart.groups] == [3, 3]
    assert [b.series for b in chart.groups[1].bars] == [0, 1, 2]
    # The label column grows with the longest label, within bounds.
    assert charts.comparison([("Ede", [1])], ["a"]).axis_x == charts.MIN_LABEL_WIDTH
    wide = charts.comparison([("Oude IJsselstreek (buiten de regio)", [1])], ["a"])
    assert chart.axis_x < wide.axis_x <= charts.MAX_LABEL_WIDTH
    assert wide.groups[0].bars[0].x == wide.axis_x
    assert chart.groups[1].bars[0].width == charts.WIDTH - chart.axis_x - charts.VALUE_WIDTH
    assert chart.groups[0].bars[0].width == chart.groups[1].bars[0].width / 2


def test_the_legend_stays_inside_the_chart_and_wraps_when_the_names_are_long():
    """Below a wide label column, the Dutch legend ran off the edge ("Gecertifi…")."""
    dutch = ["Ingeschreven", "Afgerond", "Gecertificeerd"]
    chart = charts.comparison([("Oude IJsselstreek (buiten de regio)", [3, 2, 1])], dutch)
    assert [item.label for item in chart.legend] == dutch
    for item in chart.legend:
        assert 0 <= item.x and item.text_x + len(item.label) * charts.LEGEND_CHAR_WIDTH <= charts.WIDTH
    assert len({item.y for item in chart.legend}) == 1  # three short names: one row
    assert chart.groups[0].bars[0].y >= chart.legend_height  # the bars start below it
    long = [f"Een heel lange naam van reeks {n}" for n in range(3)]
    wrapped = charts.comparison([("Ede", [1, 2, 3])], long)
    rows = sorted({item.y for item in wrapped.legend})
    assert len(rows) >= 2
    assert all(min(item.x for item in wrapped.legend if item.y == row) == 0 for row in rows)  # each row from the left
    assert wrapped.groups[0].bars[0].y >= wrapped.legend_height > chart.legend_height
    for item in wrapped.legend:
        assert item.text_x + len(item.label) * charts.LEGEND_CHAR_WIDTH <= charts.WIDTH
