"""Every feature's use cases, as the interfaces receive them from the composition root.

``services.needs.close(...)``, ``services.matching.propose(...)``: one hop from
a DOMAIN.md name to its use case. Built by :func:`interfaces.bootstrap.bootstrap`.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.access import AccessCases
from application.accounts import AccountCases
from application.board import BoardCases
from application.clients import ClientCases
from application.common import Clock
from application.development import DevelopmentCases
from application.history import HistoryCases
from application.importing import ImportCases
from application.ledger import Ledger
from application.matching import MatchingCases
from application.needs import NeedCases
from application.network import NetworkCases
from application.organizations import OrganizationCases
from application.oversight import OversightCases
from application.reference import ReferenceCases
from application.resources import ResourceCases
from application.store import Aggregates


@dataclass(frozen=True)
class Services:
    """The use cases of tsunagu, one object per feature."""

    reference: ReferenceCases
    """Areas and support centers."""
    accounts: AccountCases
    """Users, roles, tokens, sessions."""
    clients: ClientCases
    resources: ResourceCases
    organizations: OrganizationCases
    needs: NeedCases
    """Raising a need and following it to its close."""
    board: BoardCases
    """The case board: needs listed, filtered, counted."""
    matching: MatchingCases
    """Candidates, proposals, declines, confirmations, gaps, multi-need plans."""
    development: DevelopmentCases
    network: NetworkCases
    """Councils and the network overview."""
    oversight: OversightCases
    """Dashboard, audit log, logic model, views' status."""
    importing: ImportCases
    history: HistoryCases
    access: AccessCases
    """The read-access log: who read which client's personal data (search, export, verify)."""
    aggregates: Aggregates
    """Saving with the views deferred (bulk loads) and the process managers' catch-up."""
    clock: Clock
    """The current instant, as every use case sees it."""
    ledger: Ledger | None = None
    """Checkpoints, proofs and verification of the log (docs/audit.md)."""
