from __future__ import annotations

from flask import abort, current_app, make_response, request
from flask_login import current_user

from lms import clock
from lms.auth.access import roles_required
from lms.auth.models import Role
from lms.extensions import db
from lms.forms import parse_id
from lms.htmx import render
from lms.i18n import gettext as _
from lms.panels import panel
from lms.programmes.models import Programme
from lms.regions.models import Municipality, Region
from lms.regions.services import slugify
from lms.reports import bp, charts, exports
from lms.reports import cli as _cli  # noqa: F401 - registers `flask lms refresh-figures`
from lms.reports.accreditation import accreditation_list
from lms.reports.figures import (
    UNKNOWN_MUNICIPALITY,
    Scope,
    default_programme,
    may_see_coaches,
    may_see_region,
    positions_of,
    report_programmes,
    visible_region_ids,
    visible_regions,
)
from lms.reports.forms import ReportFilterForm
from lms.reports.services import (
    coach_list_query,
    cohort_list_query,
    figures_per_cohort,
    funnel_stages,
    headline,
    load_cohort,
    marks_for,
    region_report,
)

report_access = roles_required(Role.STAFF, Role.COORDINATOR)
staff_access = roles_required(Role.STAFF)


class InvalidFilters(Exception):
    """The query string did not validate; the dashboard shows the form with its errors."""

    def __init__(self, form: ReportFilterForm, regions, programmes):
        self.form, self.regions, self.programmes = form, regions, programmes


def _id_arg(name: str) -> int | None:
    return parse_id(request.args.get(name, ""))


def _authorise_ids(regions: list[Region], programmes: list[Programme]) -> None:
    """Ids in the URL that name something unknown are 404; another coordinator's region is 403."""
    programme_id = _id_arg("programme")
    if programme_id is not None and programme_id not in {p.id for p in programmes}:
        abort(404)
    region_id = _id_arg("region")
    if region_id is not None and region_id not in {r.id for r in regions}:
        if db.session.get(Region, region_id) is None:
            abort(404)
        abort(403)


def _filters(*, with_municipalities: bool = False):
    """Read and check the filters; returns (form, scope, regions, programmes)."""
    regions = visible_regions(current_user, with_municipalities=with_municipalities)
    programmes = report_programmes()
    _authorise_ids(regions, programmes)
    form = ReportFilterForm(formdata=request.args)
    form.programme.choices = [
        (p.id, p.title + (" " + _("(archived)") if p.is_archived else "")) for p in programmes
    ]
    form.region.choices = [("", _("All regions") if visible_region_ids(current_user) is None else _("All my regions"))]
    form.region.choices += [(r.id, r.name) for r in regions]
    if not form.validate():
        raise InvalidFilters(form, regions, programmes)
    programme = next((p for p in programmes if p.id == form.programme.data), None) or default_programme(programmes)
    if programme is None:
        return form, None, regions, programmes
    form.programme.data = programme.id
    region = next((r for r in regions if r.id == form.region.data), None)
    municipality = form.municipality.data or None
    if municipality and municipality != UNKNOWN_MUNICIPALITY:
        municipality = db.session.get(Municipality, int(municipality))
        if municipality is None:
            abort(404)
    scope = Scope(
        programme=programme,
        regions=(region,) if region else tuple(regions),
        region=region,
        municipality=municipality,
        date_from=form.from_date.data,
        date_to=form.to_date.data,
        positions=tuple(positions_of(programme)),
    )
    return form, scope, regions, programmes


def _comparison(lines):
    """Enrolled, completed and certified side by side, one group of bars per line."""
    series = [_("Enrolled"), _("Completed"), _("Certified")]
    return charts.comparison(
        [(line.label, [line.figures.enrolled, line.figures.completed, line.figures.certified]) for line in lines],
        series,
    )


def _dashboard(form, scope, regions, status: int = 200):
    report = region_report(scope, regions) if scope is not None else None
    context = {"form": form, "scope": scope, "report": report, "regions": regions}
    if report is not None:
        context["funnel_chart"] = charts.funnel(report.funnel())
        context["region_chart"] = _comparison(report.region_lines)
        # Municipalities are shown for one region at a time (chosen, or the only one).
        if len(report.sections) == 1:
            section = report.sections[0]
            context["municipality_chart"] = _comparison(section.municipalities)
    return render("reports/index.html", "reports/_report.html", status=status, **context)


@bp.errorhandler(InvalidFilters)
def _invalid_filters(error: InvalidFilters):
    return _dashboard(error.form, None, error.regions, status=422)


@bp.get("/")
@report_access
def index():
    """The dashboard: the funnel, per region and per municipality, with charts and tables."""
    form, scope, regions, _programmes = _filters(with_municipalities=True)
    return _dashboard(form, scope, regions)


def _behind_the_figures(query, per_row, name: str, template: str, fragment: str):
    """A page of what is behind a figure (``query(scope)``), with ``per_row(scope, ids)`` as ``name``."""
    _form, scope, _regions, _programmes = _filters()
    if scope is None:
        abort(404)
    page = db.paginate(query(scope), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    values = per_row(scope, [item.id for item in page.items])
    return render(template, fragment, scope=scope, page=page, **{name: values})


@bp.get("/cohorts")
@report_access
def cohorts():
    """The cohorts behind a region's or municipality's figures."""
    return _behind_the_figures(cohort_list_query, figures_per_cohort, "figures", "reports/cohorts.html",
                               "reports/_cohort_table.html")


@bp.get("/coaches")
@staff_access
def coaches():
    """The coaches behind a region's or municipality's figures (staff only)."""
    return _behind_the_figures(coach_list_query, marks_for, "marks", "reports/coaches.html",
                               "reports/_coach_table.html")


def _report_for_export():
    form, scope, regions, _programmes = _filters(with_municipalities=True)
    if scope is None:
        abort(404)
    return region_report(scope, regions)


def _download(body: bytes, mimetype: str, filename: str):
    response = make_response(body)
    response.mimetype = mimetype  # text types get "; charset=utf-8" from Werkzeug
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/export.csv")
@report_access
def export_csv():
    report = _report_for_export()
    return _download(exports.to_csv(report), "text/csv", exports.filename(report, "csv"))


@bp.get("/export.xlsx")
@report_access
def export_xlsx():
    report = _report_for_export()
    return _download(
        exports.to_xlsx(report, clock.now()),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.filename(report, "xlsx"),
    )


def _cohort_or_abort(cohort_id: int):
    cohort = load_cohort(cohort_id)
    if cohort is None:
        abort(404)
    if not may_see_region(current_user, cohort.region_id):
        abort(403)
    return cohort


@bp.get("/cohorts/<int:cohort_id>")
@report_access
def cohort(cohort_id: int):
    """One cohort's figures: the funnel and its coaches' municipalities."""
    cohort = _cohort_or_abort(cohort_id)
    scope = Scope(
        programme=cohort.programme,
        regions=(cohort.region,),
        region=cohort.region,
        cohort=cohort,
        positions=tuple(positions_of(cohort.programme)),
    )
    report = region_report(scope)
    lines = [line for line in report.sections[0].municipalities if not line.figures.is_empty]
    return render(
        "reports/cohort.html",
        cohort=cohort,
        scope=scope,
        report=report,
        lines=lines,
        funnel_chart=charts.funnel(funnel_stages(report.total, scope.positions)),
        municipality_chart=_comparison(lines),
        may_see_coaches=may_see_coaches(current_user),
    )


@bp.get("/cohorts/<int:cohort_id>/accreditation")
@staff_access
def accreditation(cohort_id: int):
    """The accreditation attendance list: registration numbers of those who met the rule."""
    cohort = _cohort_or_abort(cohort_id)
    return render("reports/accreditation.html", cohort=cohort, result=accreditation_list(cohort, clock.now()))


@bp.get("/cohorts/<int:cohort_id>/accreditation.txt")
@staff_access
def accreditation_txt(cohort_id: int):
    cohort = _cohort_or_abort(cohort_id)
    result = accreditation_list(cohort, clock.now())
    name = "-".join(
        slugify(part)
        for part in (_("accreditation"), cohort.programme.accreditation_course_id or cohort.programme.title, cohort.title)
    )
    return _download(result.as_text().encode("utf-8"), "text/plain", f"{name}.txt")


@panel("reports", "reports/_panel_reports.html", roles=(Role.STAFF, Role.ADMIN, Role.COORDINATOR), order=60)
def _reports_panel(user, now):
    result = headline(user, now)
    if result is None:
        return None
    return {"headline": result}
