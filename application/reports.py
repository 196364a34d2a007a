"""Reports for the municipality: the logic model (ロジックモデル) of the project."""

from __future__ import annotations

from application.base import CaseworkBase
from application.dto import LogicModelReport
from application.security import Actor
from domain.errors import InvalidValueError

FIRST_FISCAL_YEAR = 2000


class ReportCases(CaseworkBase):
    """Inputs → activities → outputs → outcomes, per fiscal year and area."""

    def logic_model(
        self,
        fiscal_year: int,
        actor: Actor,
        area_code: str | None = None,
        min_position: int | None = None,
    ) -> LogicModelReport:
        actor.require("report.read")
        latest = self.clock().year + 1
        if not FIRST_FISCAL_YEAR <= fiscal_year <= latest:
            raise InvalidValueError(
                "fiscal_year", f"must be between {FIRST_FISCAL_YEAR} and {latest}"
            )
        if area_code is not None:
            self._require_areas("area", [area_code])
        self._wait_for_view("logic_model", min_position)
        return self.read_side.logic_model.report(fiscal_year, area_code)
