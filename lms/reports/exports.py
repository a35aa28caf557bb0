"""The report as CSV and XLSX: pure functions from a Report to bytes.

CSV goes through the app's one writer (lms/csv.py): for a Dutch Excel, formulas neutralised.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _

from lms.csv import csv_bytes
from lms.i18n import fmt_date, fmt_datetime
from lms.regions.services import slugify
from lms.reports.services import Line, Report


def header(report: Report) -> list[str]:
    return [
        _("Level"),
        _("Region"),
        _("Municipality"),
        _("Enrolled"),
        _("Waitlisted"),
        *[p.stage for p in report.positions],
        _("Completed"),
        _("Certified"),
        _("Completion rate (%)"),
    ]


def _line(level: str, region: str, municipality: str, line: Line) -> list:
    f = line.figures
    rate = f.completion_rate
    return [level, region, municipality, f.enrolled, f.waitlisted, *f.attended, f.completed, f.certified,
            None if rate is None else round(rate * 100, 1)]


def rows(report: Report) -> list[list]:
    """Per region its total, then its municipalities; a grand total when there are several regions."""
    result = []
    for section in report.sections:
        result.append(_line(_("Region"), section.region.name, _("All municipalities"), section.total))
        for line in section.municipalities:
            result.append(_line(_("Municipality"), section.region.name, line.label, line))
    if len(report.sections) > 1:
        total = Line(_("Total"), report.total, report.sections[0].region, None, "region")
        result.append(_line(_("Total"), _("All regions"), _("All municipalities"), total))
    return result


def to_csv(report: Report) -> bytes:
    return csv_bytes(header(report), rows(report))


def period_text(report: Report) -> str:
    scope = report.scope
    if scope.date_from and scope.date_to:
        return _("%(start)s to %(end)s", start=fmt_date(scope.date_from), end=fmt_date(scope.date_to))
    if scope.date_from:
        return _("from %(start)s", start=fmt_date(scope.date_from))
    if scope.date_to:
        return _("until %(end)s", end=fmt_date(scope.date_to))
    return _("all periods")


def to_xlsx(report: Report, now: datetime) -> bytes:
    # openpyxl loads only in the workers that make a spreadsheet (memory per worker, issue 20).
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Figures")[:31]
    head = header(report)
    for column, title in enumerate(head, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = max(12, min(len(title) + 2, 40))
    for row_number, values in enumerate(rows(report), start=2):
        for column, value in enumerate(values, start=1):
            if column == len(head) and value is not None:
                cell = sheet.cell(row=row_number, column=column, value=value / 100)
                cell.number_format = "0.0%"
                continue
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if values[0] != _("Municipality") and column <= 3:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = sheet.dimensions

    about = workbook.create_sheet(_("Filters")[:31])
    scope = report.scope
    for label, value in (
        (_("Programme"), scope.programme.title),
        (_("Regions"), ", ".join(r.name for r in scope.regions)),
        (_("Groups starting"), period_text(report)),
        (_("Made on"), fmt_datetime(now, "medium")),
    ):
        about.append([label, value])
        about.cell(row=about.max_row, column=1).font = Font(bold=True)
        about.cell(row=about.max_row, column=2).data_type = "s"
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 60

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(report: Report, extension: str) -> str:
    scope = report.scope
    parts = [_("report"), scope.programme.title]
    if scope.region is not None:
        parts.append(scope.region.name)
    if scope.date_from:
        parts.append(scope.date_from.isoformat())
    if scope.date_to:
        parts.append(scope.date_to.isoformat())
    return "-".join(slugify(p) for p in parts) + "." + extension
