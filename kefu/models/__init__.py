"""Tables and enums, one module per aggregate. Importing this package registers them all."""

from kefu.models.agents import (
    Agent,
    AgentConnection,
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
from kefu.models.cases import (
    Case,
    CaseEvent,
    CaseSource,
    CaseView,
    Compensation,
    CompensationStatus,
    SlaPolicy,
)
from kefu.models.catalog import Product
from kefu.models.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    InvitationView,
    Message,
    MessageKind,
    SenderKind,
    StreamEvent,
    StreamHorizon,
    Upload,
    Visitor,
)
from kefu.models.crm import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    RfmSnapshot,
)
from kefu.models.customers import Customer, CustomerIdentity
from kefu.models.growth import TrainingKind, TrainingRecord
from kefu.models.journeys import Journey, JourneyStep, JourneyTrigger, NpsAnswer
from kefu.models.knowledge import FaqEntry, FaqVersion
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
from kefu.models.quality import Decision, Scorecard, ScorecardStatus
from kefu.models.reports import (
    ReportEvent,
    ReportFrequency,
    ReportKind,
    ReportRollup,
    ReportSchedule,
)
from kefu.models.routing import RoutingPolicy
from kefu.models.shops import Holiday, Shop
from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from kefu.models.workspace import ConversationRead, PhraseFolder, QuickPhrase

__all__ = [
    "Agent",
    "AgentConnection",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignChannel",
    "CampaignMessage",
    "CampaignStatus",
    "Case",
    "CaseEvent",
    "CaseSource",
    "CaseView",
    "Channel",
    "Compensation",
    "CompensationStatus",
    "Conversation",
    "ConversationRead",
    "ConversationStatus",
    "Coupon",
    "CouponKind",
    "Customer",
    "CustomerIdentity",
    "Decision",
    "DeliveryState",
    "FaqEntry",
    "FaqVersion",
    "Holiday",
    "InvitationView",
    "Journey",
    "JourneyStep",
    "JourneyTrigger",
    "Level",
    "LoginSession",
    "Message",
    "MessageKind",
    "NpsAnswer",
    "Order",
    "OrderLine",
    "OrderStatus",
    "PhraseFolder",
    "Presence",
    "Product",
    "QuickPhrase",
    "ReportEvent",
    "ReportFrequency",
    "ReportKind",
    "ReportRollup",
    "ReportSchedule",
    "RfmSnapshot",
    "Role",
    "RoutingPolicy",
    "Scorecard",
    "ScorecardStatus",
    "SenderKind",
    "Shipment",
    "ShipmentStatus",
    "Shop",
    "Skill",
    "SlaPolicy",
    "StreamEvent",
    "StreamHorizon",
    "Team",
    "TeamMember",
    "TrackingEvent",
    "TrainingKind",
    "TrainingRecord",
    "Upload",
    "User",
    "Visitor",
    "WebhookDelivery",
    "WebhookEndpoint",
]
