"""The tsunagu application: every use case, one method each.

The use cases are grouped in modules (``base`` for the need lifecycle and the
shared helpers, ``development`` for resource development, ...); ``Casework``
combines them into the one application the interfaces call.
"""

from __future__ import annotations

from application.base import CaseworkBase, project_events, utc_now
from application.development import DevelopmentCases
from application.importing import ResourceImport
from application.matching import MatchingCases
from application.network import NetworkCases
from application.oversight import UiCases
from application.reports import ReportCases

__all__ = ["Casework", "project_events", "utc_now"]


class Casework(
    MatchingCases,
    DevelopmentCases,
    NetworkCases,
    ReportCases,
    UiCases,
    ResourceImport,
    CaseworkBase,
):
    """Every use case of tsunagu, on one event store."""

    name = "tsunagu"
