"""The demo shop itself and its people: profile, opening hours, holidays, agents, teams.

Every demo account shares one password, printed by ``kefu demo``: the demo is public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

SLUG = "demo"
SHOP_NAME = "小鹿优选旗舰店"
DEMO_PASSWORD = "xiaolu-demo-2026"
EMAIL_DOMAIN = "xiaolu.example"

SHOP_PROFILE: dict[str, Any] = {
    "name": SHOP_NAME,
    "timezone": "Asia/Shanghai",
    "locale": "zh_CN",
    "currency": "CNY",
    "contact_email": f"kefu@{EMAIL_DOMAIN}",
}
# What service costs the shop (unit service cost): an agent hour and each conversation.
REPORTING_SETTINGS: dict[str, int] = {
    "cost_per_agent_hour_cents": 2500,
    "cost_per_conversation_cents": 50,
}
# What the chat widget on the demo storefront rotates and says first.
WIDGET_SETTINGS: dict[str, Any] = {
    "announcements": [
        "冬季上新：羽绒服、羊毛大衣低至 8 折",
        "全场满 299 元包邮，顺丰 48 小时内发货",
        "7 天无理由退换，退货运费险已赠送",
    ],
    "greeting": f"您好，欢迎光临{SHOP_NAME}！我是客服小鹿，尺码、色号、物流都可以问我哦～",
    "reply_minutes_open": 60,
    "reply_minutes_closed": 240,
}
# Online shops answer late into the evening and at weekends.
BUSINESS_HOURS: dict[str, Any] = {
    **{
        day: [["09:00", "12:00"], ["13:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    },
    "sat": [["10:00", "22:00"]],
    "sun": [["10:00", "18:00"]],
}

# Spring Festival moves with the lunar calendar; the others are fixed dates.
SPRING_FESTIVAL = {
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}


def _days(first: date, count: int, name: str) -> list[dict[str, Any]]:
    return [{"day": first + timedelta(days=i), "name": name} for i in range(count)]


def holidays(year: int) -> list[dict[str, Any]]:
    """Public holidays of ``year`` the shop closes its service desk for (国庆, 春节 …)."""
    days = _days(date(year, 1, 1), 1, "元旦")
    if year in SPRING_FESTIVAL:
        days += _days(SPRING_FESTIVAL[year] - timedelta(days=1), 8, "春节")
    days += _days(date(year, 5, 1), 5, "劳动节")
    days += _days(date(year, 10, 1), 7, "国庆节")
    return days


@dataclass(frozen=True, slots=True)
class Person:
    """A demo account: ``key`` names it in teams and in the printed logins."""

    key: str
    name: str
    role: str
    level: str
    skills: tuple[str, ...]
    max_concurrent_chats: int = 5

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"

    @property
    def can_view_contact(self) -> bool:
        return self.role in ("owner", "supervisor") or self.level == "senior"


OWNER = Person(
    "owner", "林小鹿", "owner", "senior", ("presale", "insale", "aftersale", "complaint")
)
SUPERVISOR = Person("supervisor", "周敏", "supervisor", "senior", ("aftersale", "complaint"), 8)
AGENTS: tuple[Person, ...] = (
    Person("agent", "陈静", "agent", "junior", ("presale",), 4),
    Person("wanglei", "王磊", "agent", "junior", ("presale", "insale"), 4),
    Person("liufang", "刘芳", "agent", "intermediate", ("insale", "aftersale"), 6),
    Person("zhaoqiang", "赵强", "agent", "intermediate", ("aftersale",), 6),
    Person("sunli", "孙丽", "agent", "senior", ("aftersale", "complaint"), 8),
    Person("wuhao", "吴昊", "agent", "senior", ("complaint", "presale"), 8),
)

# (team name, skill, member keys)
TEAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("售前咨询组", "presale", ("agent", "wanglei", "wuhao")),
    ("订单跟进组", "insale", ("wanglei", "liufang")),
    ("售后服务组", "aftersale", ("liufang", "zhaoqiang", "sunli", "supervisor")),
    ("投诉处理组", "complaint", ("sunli", "wuhao", "supervisor")),
)

LOGINS: tuple[tuple[str, Person], ...] = (
    ("店主 owner", OWNER),
    ("主管 supervisor", SUPERVISOR),
    ("客服 agent", AGENTS[0]),
)
