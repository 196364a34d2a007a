"""Who may do what: the actor of a request and the role matrix.

The matrix lives in the application so that the API, the UI and the CLI
enforce the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from application.errors import PermissionDeniedError
from domain.values import SYSTEM_USER_ID, Role, UserId, derived_id

CM, CO, SU, AU, AD = Role.CARE_MANAGER, Role.COORDINATOR, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN
EVERYONE = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "area.create": frozenset({AD}),
    "area.change": frozenset({AD}),
    "center.change": frozenset({AD}),
    "area.read": EVERYONE,
    "center.create": frozenset({AD}),
    "center.read": EVERYONE,
    "user.create": frozenset({AD}),
    "user.read": frozenset({AD}),
    "account.self": EVERYONE,
    "client.create": frozenset({CM, CO, AD}),
    "client.read": EVERYONE,
    "client.read_personal": frozenset({CM, CO, AU, AD}),
    # Names in lists (search, boards, a need's heading): care managers only, for the
    # clients of their own support center, whom they find by name every day. Other
    # roles see display codes in lists and a client's name on its own page only.
    "client.list_names": frozenset({CM}),
    "client.assess": frozenset({CM, CO}),
    "client.erase": frozenset({AD}),
    "client.change_contact": frozenset({CM, CO}),
    "organization.create": frozenset({CO, AD}),
    "organization.read": EVERYONE,
    "resource.create": frozenset({CO, AD}),
    "resource.change": frozenset({CO, AD}),
    "resource.read": EVERYONE,
    "need.raise": frozenset({CM, CO}),
    "need.read": EVERYONE,
    "need.assign": frozenset({CO, SU}),
    "need.propose": frozenset({CO}),
    "need.decline": frozenset({CO}),
    "need.confirm": frozenset({CO}),
    "need.record_gap": frozenset({CO}),
    "need.follow_up": frozenset({CM, CO}),
    "need.pause": frozenset({CM, CO}),
    "need.resume": frozenset({CM, CO}),
    "need.close": frozenset({CM, CO}),
    "need.reopen": frozenset({CO, SU}),
    "need.edit": frozenset({CM, CO}),
    "initiative.create": frozenset({CO}),
    "initiative.change": frozenset({CO}),
    "initiative.read": EVERYONE,
    "council.create": frozenset({CO, AD}),
    "council.change": frozenset({CO}),
    "council.read": EVERYONE,
    "organization.contact": frozenset({CO}),
    "match.plan": frozenset({CO}),
    "report.read": frozenset({SU, CO, AU, AD}),
    "dashboard.read": frozenset({SU, CO, AU, AD}),
    "audit.read": frozenset({AU, SU, AD}),
    "system.read": frozenset({AD, SU, AU}),
    "ledger.read": frozenset({AU, AD}),
    "ledger.verify": frozenset({AU, AD}),
}


ACTION_PERMISSIONS: dict[str, str] = {
    "assign": "need.assign",
    "reassign": "need.assign",
    "propose": "need.propose",
    "decline": "need.decline",
    "confirm": "need.confirm",
    "record_gap": "need.record_gap",
    "follow_up": "need.follow_up",
    "pause": "need.pause",
    "resume": "need.resume",
    "close": "need.close",
    "reopen": "need.reopen",
    "edit": "need.edit",
}
"""Every action people take on a need (``domain.need.ALLOWED_FROM``), and the permission
of the matrix above it needs."""


@dataclass(frozen=True)
class Actor:
    """The signed-in user a command or query runs for."""

    user_id: UserId
    username: str
    roles: frozenset[Role]
    center_code: str | None = None
    via: str = ""
    """Through what the actor acts: the endpoint or screen (``api:get_client``,
    ``ui:need``), set by the interface; written into the read-access log."""
    purpose: str | None = None
    """Why, when the caller says (API header ``X-Purpose``, the screens' ``purpose``
    field); written into the read-access log."""

    def through(self, via: str, purpose: str | None = None) -> Actor:
        """The same actor, acting through ``via`` for ``purpose``."""
        return replace(self, via=via, purpose=purpose)

    def can(self, permission: str) -> bool:
        return bool(self.roles & PERMISSIONS[permission])

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDeniedError(permission)

    @property
    def center_scope(self) -> str | None:
        """The only center whose cases this actor may see, or None for all.

        Care managers work for one support center; anyone who also holds a
        municipality-wide role sees everything.
        """
        if self.roles <= {CM}:
            return self.center_code
        return None

    def sees_center(self, center_code: str) -> bool:
        scope = self.center_scope
        return scope is None or scope == center_code


ANONYMOUS = Actor(
    user_id=UserId(derived_id("user", "anonymous")), username="anonymous", roles=frozenset()
)
"""Actor of requests that need no sign-in (health checks, the token exchange)."""

SYSTEM_ACTOR = Actor(user_id=SYSTEM_USER_ID, username="system", roles=frozenset({AD, CO}))
"""Actor of setup work run from the command line (init, demo data)."""
