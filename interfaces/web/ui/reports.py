"""The logic-model report (ロジックモデル): inputs → activities → outputs → outcomes of a
fiscal year (April–March) for the municipality or one area, as a page, CSV and Excel."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import Response, current_app, request

from application.oversight import FIRST_FISCAL_YEAR, LogicModelReport
from domain.errors import InvalidValueError
from interfaces.report_files import LogicModelSheet, write_logic_model_xlsx
from interfaces.web.ui.core import Screens, actor, now, render, services, signed_in
from interfaces.web.ui.forms import Form
from interfaces.web.ui.i18n import _, format_day, format_fiscal_year, format_number, local
from interfaces.web.ui.labels import METRIC_LABELS, STAGE_LABELS, metric_label, metric_unit
from interfaces.web.ui.tables import csv_download

screens = Screens()

YEARS_OFFERED = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def current_fiscal_year() -> int:
    """April to March, in Japan time: January 2027 still belongs to fiscal year 2026."""
    today = local(now()).date()
    return today.year if today.month >= 4 else today.year - 1


def metric_value(metric: str, value: int | float | None) -> str:
    """A metric's value as people read it: shares as percentages, days with one decimal."""
    if value is None:
        return "—"
    if metric.endswith("_share"):
        return _("%(percent)s%%", percent=format_number(value * 100, 1))
    if metric.startswith("median_days"):
        return _("%(days)s days", days=format_number(value, 1))
    return format_number(value)


def municipality() -> str:
    """The municipality's name (TSUNAGU_MUNICIPALITY), or "" when not configured."""
    return str(current_app.extensions["tsunagu"].settings.municipality)


def logic_model_sheet(
    report: LogicModelReport, area_name: str, municipality: str, issued: date
) -> LogicModelSheet:
    """The texts of the logic-model workbook in the request's language."""
    period = _(
        "Period: %(start)s – %(end)s",
        start=format_day(report.period_start),
        end=format_day(report.period_end),
    )
    lines = [_("Area: %(area)s", area=area_name), period]
    if municipality:
        lines.insert(0, _("Municipality: %(name)s", name=municipality))
    lines.append(_("Issued on %(day)s", day=format_day(issued)))
    return LogicModelSheet(
        title=_("Logic model %(year)s", year=format_fiscal_year(report.fiscal_year)),
        sheet_name=_(
            "Logic model %(year)s", year=format_fiscal_year(report.fiscal_year, western=False)
        ),
        lines=tuple(lines),
        header=(_("Stage"), _("Metric"), _("Value"), _("Unit")),
        stages={stage: str(text) for stage, text in STAGE_LABELS.items()},
        metrics={metric: str(text) for metric, text in METRIC_LABELS.items()},
        units={metric: metric_unit(metric) for _stage, metric, _value in report.rows()},
    )


screens.template_global(metric_value, "metric_value")
screens.template_global(metric_label, "metric_label")


def _report() -> tuple[LogicModelReport, Form, dict[str, str], int]:
    app = services()
    who = actor()
    areas = {a.code: a.name for a in app.reference.list_areas(who)}
    form = Form(request.args)
    latest = current_fiscal_year()
    year = form.integer(
        "fiscal_year", required=False, minimum=FIRST_FISCAL_YEAR, maximum=latest + 1
    )
    area = form.code("area", areas, required=False)
    try:
        report = app.oversight.logic_model(year or latest, who, area_code=area)
    except InvalidValueError:
        form.error("fiscal_year", _("Choose one of the options."))
        report = app.oversight.logic_model(latest, who, area_code=area)
    return report, form, areas, latest


def _area_name(report: LogicModelReport, areas: dict[str, str]) -> str:
    if report.area_code is None:
        return _("Whole municipality")
    return areas.get(report.area_code, report.area_code)


@screens.get("/reports/logic-model")
@signed_in("report.read")
def logic_model() -> Any:
    report, form, areas, latest = _report()
    query = {"fiscal_year": report.fiscal_year, "area": report.area_code or ""}
    return render(
        "reports/logic_model.html",
        422 if form.errors else 200,
        report=report,
        form=form,
        areas=areas,
        area_name=_area_name(report, areas),
        years=[
            (str(y), format_fiscal_year(y))
            for y in range(latest, max(latest - YEARS_OFFERED, FIRST_FISCAL_YEAR - 1), -1)
        ],
        stages=[(stage, STAGE_LABELS[stage], getattr(report, stage)) for stage in report.STAGES],
        query=query,
        generated=local(now()),
        municipality=municipality(),
    )


@screens.get("/reports/logic-model.csv")
@signed_in("report.read")
def logic_model_csv() -> Response:
    report, _form, areas, _latest = _report()
    area = _area_name(report, areas)
    return csv_download(
        [_("Fiscal year"), _("Area"), _("Stage"), _("Metric"), _("Value"), _("Key")],
        [
            [
                report.fiscal_year,
                area,
                str(STAGE_LABELS[stage]),
                str(metric_label(metric)),
                value,
                f"{stage}.{metric}",
            ]
            for stage, metric, value in report.rows()
        ],
        f"logic-model-{report.fiscal_year}-{report.area_code or 'all'}",
    )


@screens.get("/reports/logic-model.xlsx")
@signed_in("report.read")
def logic_model_xlsx() -> Response:
    """The workbook ``tsunagu report logic-model --format xlsx`` writes, served as a download."""
    report, _form, areas, _latest = _report()
    name = f"logic-model-{report.fiscal_year}-{report.area_code or 'all'}.xlsx"
    text = logic_model_sheet(report, _area_name(report, areas), municipality(), local(now()).date())
    with tempfile.TemporaryDirectory(prefix="tsunagu-") as folder:
        path = Path(folder) / name
        write_logic_model_xlsx(report, path, text)
        body = path.read_bytes()
    return Response(
        body,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
