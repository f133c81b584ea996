"""Who is acting (a person in one shop, an API key, the system) and what they may do.

Every action and query takes an ``Actor``; the shop it carries is the only shop whose
rows it can reach."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kefu.errors import Forbidden
from kefu.lib.pickling import reduce_by_fields
from kefu.models.agents import Role


class Permission(enum.StrEnum):
    READ_SHOP_DATA = "read_shop_data"
    WRITE_SHOP_DATA = "write_shop_data"
    VIEW_CONTACT = "view_contact"  # unmasked phone / e-mail
    MANAGE_SHOP = "manage_shop"  # profile, business hours, holidays
    MANAGE_AGENTS = "manage_agents"  # agents, teams, password resets
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_AUDIT = "view_audit"
    HANDLE_CONVERSATIONS = "handle_conversations"  # reply, take, transfer one's own, close
    SUPERVISE_CONVERSATIONS = "supervise_conversations"  # reassign anyone's conversation
    HANDLE_CASES = "handle_cases"  # open, work, assign, comment cases; offer compensation
    APPROVE_COMPENSATION = "approve_compensation"  # above an agent's limit; no limit of one's own
    MANAGE_SLA = "manage_sla"  # the shop's SLA policies (targets per case type and priority)
    RUN_CAMPAIGNS = "run_campaigns"  # create, dry-run and launch campaigns (people, not keys)
    MANAGE_PERSONAL_DATA = "manage_personal_data"  # export or erase a customer's data (PIPL)
    VIEW_REPORTS = "view_reports"  # the shop's KPIs, dashboards, exports of every agent
    SCHEDULE_REPORTS = "schedule_reports"  # e-mailed reports (people, never keys: by whom)
    MANAGE_MAILBOX = "manage_mailbox"  # the shop's e-mail channel: IMAP/SMTP servers, logins


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        {
            Permission.READ_SHOP_DATA,
            Permission.WRITE_SHOP_DATA,
            Permission.VIEW_CONTACT,
            Permission.MANAGE_AGENTS,
            Permission.HANDLE_CONVERSATIONS,
            Permission.SUPERVISE_CONVERSATIONS,
            Permission.HANDLE_CASES,
            Permission.APPROVE_COMPENSATION,
            Permission.MANAGE_SLA,
            Permission.RUN_CAMPAIGNS,
            Permission.VIEW_REPORTS,
            Permission.SCHEDULE_REPORTS,
            Permission.MANAGE_MAILBOX,
        }
    ),
    Role.AGENT: frozenset(
        {Permission.READ_SHOP_DATA, Permission.HANDLE_CONVERSATIONS, Permission.HANDLE_CASES}
    ),
    Role.ANALYST: frozenset({Permission.READ_SHOP_DATA, Permission.VIEW_REPORTS}),
}

API_KEY_PERMISSIONS = frozenset(
    {
        Permission.READ_SHOP_DATA,
        Permission.WRITE_SHOP_DATA,
        Permission.VIEW_CONTACT,
        Permission.HANDLE_CONVERSATIONS,
        Permission.SUPERVISE_CONVERSATIONS,
        Permission.HANDLE_CASES,
        Permission.APPROVE_COMPENSATION,
        Permission.VIEW_REPORTS,
    }
)


@dataclass(frozen=True, slots=True)
class Actor:
    shop_id: int
    kind: str  # "agent" | "api_key" | "system" | "visitor"
    id: int | None
    label: str
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    role: Role | None = None
    user_id: int | None = None

    __reduce__ = reduce_by_fields  # sent to and from the SQLite writer process

    @classmethod
    def agent(
        cls,
        shop_id: int,
        agent_id: int,
        label: str,
        role: Role,
        *,
        can_view_contact: bool,
        user_id: int,
    ) -> Actor:
        permissions = ROLE_PERMISSIONS[role]
        if can_view_contact:
            permissions = permissions | {Permission.VIEW_CONTACT}
        return cls(shop_id, "agent", agent_id, label, permissions, role, user_id)

    @classmethod
    def api_key(cls, shop_id: int, key_id: int, label: str) -> Actor:
        return cls(shop_id, "api_key", key_id, label, API_KEY_PERMISSIONS)

    @classmethod
    def system(cls, shop_id: int, label: str = "system") -> Actor:
        return cls(shop_id, "system", None, label, frozenset(Permission))

    @classmethod
    def visitor(cls, shop_id: int, visitor_id: int, public_id: str) -> Actor:
        """A widget visitor: no permissions at all; the conversation actions let them
        act on their own conversations only."""
        return cls(shop_id, "visitor", visitor_id, f"访客 {public_id[:8]}")

    @property
    def is_visitor(self) -> bool:
        return self.kind == "visitor"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise ``Forbidden`` unless the actor holds ``permission``."""
        if permission not in self.permissions:
            raise Forbidden(f"your role may not do this ({permission.value})")
