"""Routes of the reports: staff and admins see every region, coordinators only theirs.

The entries with ``other_`` ids are the same routes aimed at a region the coordinator does
not coordinate: there a coordinator is refused like a coach.
"""

from __future__ import annotations

from tests.access import STAFF, Route, p

REPORTS = frozenset({"staff", "admin", "coordinator"})

ROUTES: list[Route] = [
    Route("reports.index", "GET", p("/reports/"), REPORTS),
    Route("reports.index", "GET", p("/reports/?region={region_id}&programme={programme_id}"), REPORTS),
    Route("reports.index", "GET", p("/reports/?region={other_region_id}"), STAFF),
    Route("reports.cohorts", "GET", p("/reports/cohorts?region={region_id}"), REPORTS),
    Route("reports.cohorts", "GET", p("/reports/cohorts?region={other_region_id}"), STAFF),
    Route("reports.coaches", "GET", p("/reports/coaches?region={region_id}"), STAFF),
    Route("reports.export_csv", "GET", p("/reports/export.csv"), REPORTS),
    Route("reports.export_csv", "GET", p("/reports/export.csv?region={other_region_id}"), STAFF),
    Route("reports.export_xlsx", "GET", p("/reports/export.xlsx?region={region_id}"), REPORTS),
    Route("reports.export_xlsx", "GET", p("/reports/export.xlsx?region={other_region_id}"), STAFF),
    Route("reports.cohort", "GET", p("/reports/cohorts/{past_cohort_id}"), REPORTS),
    Route("reports.cohort", "GET", p("/reports/cohorts/{other_cohort_id}"), STAFF),
    Route("reports.accreditation", "GET", p("/reports/cohorts/{past_cohort_id}/accreditation"), STAFF),
    Route("reports.accreditation_txt", "GET", p("/reports/cohorts/{past_cohort_id}/accreditation.txt"), STAFF),
]
