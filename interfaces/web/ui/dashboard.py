"""The supervisor dashboard: every chart with its table and its CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, request, url_for

from application.oversight import FIRST_FISCAL_YEAR, MATCH_BUCKETS, Dashboard
from domain.errors import InvalidValueError
from domain.values import NeedCategory, NeedStatus, Outcome
from interfaces.web.ui import charts
from interfaces.web.ui.core import Screens, actor, now, render, services, signed_in
from interfaces.web.ui.forms import Form
from interfaces.web.ui.i18n import _, format_fiscal_year, format_month, format_number, local
from interfaces.web.ui.labels import label
from interfaces.web.ui.names import short_names
from interfaces.web.ui.reports import YEARS_OFFERED, current_fiscal_year
from interfaces.web.ui.tables import Table, table_csv

screens = Screens()


def _bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)d days or more", low=low)
    return _("%(low)d–%(high)d days", low=low, high=high - 1)


def _tables(stats: Dashboard, areas: dict[str, str]) -> dict[str, Table]:
    """Every chart's numbers (``areas``: code -> the name tables show)."""
    statuses = list(NeedStatus)
    months = [flow.month for flow in stats.monthly]
    buckets = stats.match_time.buckets
    area_codes = sorted(areas)
    categories = list(NeedCategory)
    outcomes = [o for o in Outcome if stats.outcomes.get(o.value)]
    return {
        "pipeline": Table(
            "pipeline",
            _("Needs by status (pipeline)"),
            [_("Status"), _("Needs")],
            [[str(label(s)), stats.pipeline.get(s, 0)] for s in statuses],
        ),
        "monthly": Table(
            "monthly",
            _("Raised, matched and closed per month"),
            [_("Month"), _("Raised"), _("Matched"), _("Closed")],
            [[format_month(f.month), f.raised, f.matched, f.closed] for f in stats.monthly]
            if months
            else [],
        ),
        "match_time": Table(
            "match_time",
            _("Time from raise to match"),
            [_("Days"), _("Needs")],
            [
                [_bucket_label(low, high), n]
                for (low, high), n in zip(MATCH_BUCKETS, buckets, strict=True)
            ],
        ),
        "unmet": Table(
            "unmet",
            _("Unmet needs (resource gap and in development) by area and category"),
            [_("Area"), *[str(label(c)) for c in categories]],
            [
                [areas[a], *[stats.unmet.get((a, c.value), 0) for c in categories]]
                for a in area_codes
            ],
        ),
        "area_category": Table(
            "area_category",
            _("Open needs by area and category"),
            [_("Area"), *[str(label(c)) for c in categories]],
            [
                [areas[a], *[stats.by_area_category.get((a, c.value), 0) for c in categories]]
                for a in area_codes
            ],
        ),
        "outcomes": Table(
            "outcomes",
            _("Outcomes of closed needs"),
            [_("Outcome"), _("Needs")],
            [[str(label(o)), stats.outcomes.get(o.value, 0)] for o in outcomes],
        ),
    }


def _charts(
    tables: dict[str, Table], stats: Dashboard, area_codes: list[str], query: dict[str, str]
) -> dict[str, Any]:
    median = stats.median_match_days
    median_text = (
        _(
            "Median: %(days)s days over %(count)d confirmed matches.",
            days=format_number(median, 1),
            count=stats.match_time.count,
        )
        if median is not None
        else _("No need has been matched yet.")
    )
    categories = list(NeedCategory)
    # Each part of the links once: a heat map has a link per cell (hundreds of them).
    board = url_for("ui.board")
    areas = [urlencode({"area": code}) for code in area_codes]
    kinds = [urlencode({"category": category.value}) for category in categories]
    center = "&" + urlencode({"center": query["center"]}) if query.get("center") else ""

    def board_link(row: int, column: int) -> str:
        """The case board of one heat-map cell: its area and category (and center)."""
        return f"{board}?{areas[row]}&{kinds[column]}{center}"

    monthly = tables["monthly"]
    heat = tables["unmet"]
    open_heat = tables["area_category"]
    return {
        "pipeline": charts.horizontal_bars(
            "chart-pipeline",
            tables["pipeline"].title,
            _("Horizontal bars: the number of needs in each status."),
            [(row[0], row[1]) for row in tables["pipeline"].rows],
        ),
        "monthly": charts.columns(
            "chart-monthly",
            monthly.title,
            _("Columns per month: raised (solid), matched (hatched), closed (dotted)."),
            [row[0] for row in monthly.rows],
            [
                charts.Series(_("Raised"), [r[1] for r in monthly.rows], charts.BLUE, "solid"),
                charts.Series(_("Matched"), [r[2] for r in monthly.rows], charts.ORANGE, "hatch"),
                charts.Series(_("Closed"), [r[3] for r in monthly.rows], charts.GREEN, "dots"),
            ],
        ),
        "match_time": charts.horizontal_bars(
            "chart-match-time",
            tables["match_time"].title,
            median_text,
            [(row[0], row[1]) for row in tables["match_time"].rows],
        ),
        "unmet": charts.heat_map(
            "chart-unmet",
            heat.title,
            _("Heat map: darker cells hold more unmet needs; every cell shows its count."),
            [row[0] for row in heat.rows],
            heat.header[1:],
            [row[1:] for row in heat.rows],
            link=board_link,
        ),
        "area_category": charts.heat_map(
            "chart-area-category",
            open_heat.title,
            _("Heat map: darker cells hold more open needs; every cell shows its count."),
            [row[0] for row in open_heat.rows],
            open_heat.header[1:],
            [row[1:] for row in open_heat.rows],
            link=board_link,
        ),
        "outcomes": charts.horizontal_bars(
            "chart-outcomes",
            tables["outcomes"].title,
            _("Horizontal bars: closed needs per outcome."),
            [(row[0], row[1]) for row in tables["outcomes"].rows],
        ),
        "median_text": median_text,
        "median": median,
    }


@dataclass(frozen=True)
class Chosen:
    """The dashboard's filters as the URL gives them, checked."""

    form: Form
    area: str | None
    center: str | None
    fiscal_year: int | None
    as_of: datetime | None
    """An earlier instant (auditing roles only)."""
    query: dict[str, str]
    """The filters to carry into every link (charts' CSV, the page itself)."""


def _chosen(areas: dict[str, str], centers: dict[str, str]) -> Chosen:
    form = Form(request.args)
    area = form.code("area", areas, required=False)
    center = form.code("center", centers, required=False)
    latest = current_fiscal_year()
    year = form.integer(
        "fiscal_year",
        required=False,
        minimum=max(latest - YEARS_OFFERED, FIRST_FISCAL_YEAR),
        maximum=latest,
    )
    as_of = _as_of(form)
    raw = {
        "area": area,
        "center": center,
        "fiscal_year": None if year is None else str(year),
        "as_of": form.value("as_of").strip() if as_of is not None else None,
    }
    return Chosen(form, area, center, year, as_of, {k: v for k, v in raw.items() if v})


def as_of_form() -> tuple[Form, datetime | None]:
    """The ``as_of`` date-time picker of the auditing roles' screens (Japan time):
    the form (with any error) and the instant chosen, if any."""
    form = Form(request.args)
    return form, _as_of(form)


def _as_of(form: Form) -> datetime | None:
    if not actor().can("audit.read") or not form.value("as_of").strip():
        return None
    return form.moment("as_of")


def _data() -> tuple[Dashboard, dict[str, Table], Chosen, dict[str, str], dict[str, str]]:
    """The dashboard as the URL's filters (and, for auditors, ``as_of``) ask."""
    app = services()
    who = actor()
    areas = {a.code: a.name for a in app.reference.list_areas(who)}
    centers = {c.code: c.name for c in app.reference.list_centers(who)}
    chosen = _chosen(areas, centers)
    where: dict[str, Any] = {
        "center_code": chosen.center,
        "area_code": chosen.area,
        "fiscal_year": chosen.fiscal_year,
    }
    stats = None
    if chosen.as_of is not None:
        try:
            stats = app.oversight.dashboard(who, as_of=chosen.as_of, **where)
        except InvalidValueError as refused:
            chosen.form.refused(refused)
    if stats is None:
        stats = app.oversight.dashboard(who, **where)
    shown = short_names(areas)
    if chosen.area is not None:
        shown = {chosen.area: shown[chosen.area]}
    return stats, _tables(stats, shown), chosen, areas, centers


CHART_ORDER: Sequence[str] = (
    "pipeline",
    "monthly",
    "match_time",
    "unmet",
    "area_category",
    "outcomes",
)


@screens.get("/dashboard")
@signed_in("dashboard.read")
def dashboard() -> Any:
    stats, tables, chosen, areas, centers = _data()
    shown_as_of = chosen.as_of if not chosen.form.errors else None
    latest = current_fiscal_year()
    area_codes = [chosen.area] if chosen.area else sorted(areas)
    return render(
        "dashboard/dashboard.html",
        422 if chosen.form.errors else 200,
        tables=tables,
        charts=_charts(tables, stats, area_codes, chosen.query),
        order=CHART_ORDER,
        stats=stats,
        closed_status=NeedStatus.CLOSED,
        generated=local(shown_as_of or now()),
        as_of=shown_as_of,
        form=chosen.form,
        query=chosen.query,
        areas=short_names(areas),
        centers=centers,
        years=[
            (str(y), format_fiscal_year(y))
            for y in range(latest, max(latest - YEARS_OFFERED, FIRST_FISCAL_YEAR) - 1, -1)
        ],
        period=(
            format_fiscal_year(chosen.fiscal_year)
            if chosen.fiscal_year is not None
            else _("all needs so far (flows: the last 12 months)")
        ),
    )


@screens.get("/dashboard/<name>.csv")
@signed_in("dashboard.read")
def dashboard_csv(name: str) -> Response:
    _stats, tables, _chosen_filters, _areas, _centers = _data()
    table = tables.get(name)
    if table is None:
        abort(404)
    return table_csv(table)
