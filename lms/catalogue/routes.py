from __future__ import annotations

from datetime import date

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from lms import clock
from lms.auth.models import Role
from lms.catalogue import bp
from lms.cohorts.queries import can_manage, can_read, catalogue_months, catalogue_page, load_cohort
from lms.enrolment.interest import interested_programmes, notify_opened_cohorts, programmes_without_open_cohort
from lms.enrolment.queries import enrol_panel_context
from lms.enrolment.waitlist import expire_offers
from lms.forms import FIRST_YEAR, LAST_YEAR, parse_id
from lms.htmx import is_htmx, render
from lms.numbers import bounded_int
from lms.regions.services import all_regions, municipalities_of, region_names
from lms.urls import external_url


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name, ""))


def _month_arg() -> date | None:
    year, _, month = request.args.get("month", "").partition("-")
    year, month = bounded_int(year, FIRST_YEAR, LAST_YEAR), bounded_int(month, 1, 12)
    return date(year, month, 1) if year and month else None


@bp.get("/trainings")
def index():
    """Open cohorts, filtered by region, municipality and month; the viewer's region first."""
    region_id = _int_arg("region")
    municipality_id = _int_arg("municipality")
    month = _month_arg()
    municipalities = municipalities_of(region_id) if region_id else []
    # A municipality left over from another region (the region was changed) is dropped, and
    # the address shows the filters that apply, so that it can be shared as it is. (Anything
    # that is no id at all is simply ignored.)
    stale = municipality_id is not None and municipality_id not in {m.id for m in municipalities}
    if stale:
        municipality_id = None
        canonical = url_for("catalogue.index", **{
            key: value for key, value in request.args.items() if key not in ("municipality", "page")
        })
        if not is_htmx():
            return redirect(canonical)
    own_region = current_user.region_id if current_user.is_authenticated else None
    page = catalogue_page(region_id=region_id, municipality_id=municipality_id, month=month,
                          first_region_id=own_region, per_page=current_app.config["CATALOGUE_PAGE_SIZE"])
    interest_programmes = []
    interested = set()
    if current_user.is_authenticated and current_user.has_role(Role.COACH):
        interest_programmes = programmes_without_open_cohort(current_user.region_id)
        interested = interested_programmes(current_user)
    response = render(
        "catalogue/index.html",
        "catalogue/_results.html",
        page=page,
        cohorts=page.items,
        regions=region_names(),
        municipalities=municipalities,
        months=catalogue_months(),
        region_id=region_id,
        municipality_id=municipality_id,
        month=month,
        own_region=own_region,
        interest_programmes=interest_programmes,
        interested=interested,
        now=clock.now(),
    )
    if stale:
        response.headers["HX-Push-Url"] = canonical
    return response


@bp.get("/trainings/<int:cohort_id>")
def cohort(cohort_id: int):
    """Everything a coach needs to decide; drafts exist only for staff."""
    cohort = load_cohort(cohort_id)
    if cohort is None:
        abort(404)
    if cohort.is_draft and not can_manage(current_user, cohort):
        abort(404)
    now = clock.now()
    # Offers whose time is up are passed on whenever the cohort is read, not only by the scheduler.
    expire_offers(now, cohort)
    notify_opened_cohorts(now, cohort)  # and wishes are told once enrolment has opened, not only by the scheduler
    context = enrol_panel_context(current_user, cohort, now)
    enrolment = context["enrolment"]
    return render(
        "catalogue/cohort.html",
        is_staff_view=can_read(current_user, cohort),
        show_video_links=can_read(current_user, cohort) or bool(enrolment and enrolment.sees_video),
        **context,
    )


@bp.get("/calendars")
def calendars():
    """Every region's public calendar feed, with how to subscribe to it."""
    return render("catalogue/calendars.html", regions=[
        {"region": region, "https": url, "webcal": "webcal://" + url.split("://", 1)[1]}
        for region in all_regions()
        for url in [external_url("calendar.region_feed", slug=region.slug)]
    ])
