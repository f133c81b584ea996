"""Tables and enums, one module per aggregate. Importing this package registers them all."""

from kefu.models.agents import (
    Agent,
    ApiKey,
    Level,
    LoginSession,
    Presence,
    Role,
    Skill,
    Team,
    TeamMember,
    User,
)
from kefu.models.audit import AuditEntry
from kefu.models.base import Base
from kefu.models.catalog import Product
from kefu.models.customers import Customer, CustomerIdentity
from kefu.models.orders import (
    Coupon,
    CouponKind,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from kefu.models.shops import Holiday, Shop

__all__ = [
    "Agent",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Coupon",
    "CouponKind",
    "Customer",
    "CustomerIdentity",
    "Holiday",
    "Level",
    "LoginSession",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Presence",
    "Product",
    "Role",
    "Shipment",
    "ShipmentStatus",
    "Shop",
    "Skill",
    "Team",
    "TeamMember",
    "TrackingEvent",
    "User",
]
