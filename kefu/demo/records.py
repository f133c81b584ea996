"""Seeded generation of the demo shop's shoppers and trade: customers, orders, shipments,
tracking timelines and coupons, as plain upsert records (pure: no database).

The same ``today`` gives the same records, so refreshing the demo the same day changes
nothing, and the history always ends the day before ``today``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kefu.demo import geo
from kefu.demo.catalog import products

SEED = 20261001
CUSTOMERS = 200
ORDERS = 1000
HISTORY_DAYS = 182
SHANGHAI = ZoneInfo("Asia/Shanghai")

SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("罗", "luo"),
    ("高", "gao"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
)
GIVEN_NAMES = (
    ("婷婷", "tingting"),
    ("晓燕", "xiaoyan"),
    ("雨萱", "yuxuan"),
    ("子涵", "zihan"),
    ("思琪", "siqi"),
    ("佳怡", "jiayi"),
    ("欣怡", "xinyi"),
    ("梦瑶", "mengyao"),
    ("静", "jing"),
    ("敏", "min"),
    ("丽娟", "lijuan"),
    ("秀英", "xiuying"),
    ("浩然", "haoran"),
    ("宇轩", "yuxuan"),
    ("子豪", "zihao"),
    ("俊杰", "junjie"),
    ("伟", "wei"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("志明", "zhiming"),
    ("建华", "jianhua"),
    ("一鸣", "yiming"),
    ("嘉豪", "jiahao"),
    ("诗涵", "shihan"),
    ("可馨", "kexin"),
    ("明轩", "mingxuan"),
    ("晨曦", "chenxi"),
)
NICK_HEADS = (
    "爱吃草莓的",
    "快乐的",
    "不加糖的",
    "熬夜的",
    "想去旅行的",
    "努力的",
    "佛系",
    "元气",
    "微笑的",
    "安静的",
)
NICK_TAILS = ("小鹿", "猫咪", "橘子", "小熊", "打工人", "兔子", "小太阳", "仙女", "码农", "宝妈")
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "outlook.com", "sina.com")
PHONE_PREFIXES = ("138", "139", "136", "137", "150", "158", "186", "188", "177", "135")
TRAIT_TAGS = ("学生党", "宝妈", "上班族", "爱美妆", "数码控", "敏感肌", "价格敏感", "爱评价")
MEMBER_LEVELS = (("普通会员", 60), ("银卡会员", 25), ("金卡会员", 11), ("钻石会员", 4))
ORDER_NOTES = (
    "请尽快发货，谢谢",
    "不要放快递柜，送货上门",
    "送人的礼物，请不要放发票",
    "周末再送",
    "包装结实一点",
    "尺码不确定，先按M发",
    "麻烦多送一个小样",
)

SIGNERS = ("本人", "快递柜", "家人", "门卫", "菜鸟驿站")

CARRIERS: tuple[tuple[str, str, int], ...] = (
    # (carrier, tracking-number prefix, digits after the prefix)
    ("顺丰速运", "SF", 13),
    ("中通快递", "7", 14),
    ("圆通速递", "YT", 13),
    ("韵达快递", "43", 13),
    ("京东物流", "JDVA", 11),
)


@dataclass(slots=True)
class DemoRecords:
    """Everything the demo loads, in the order it must be loaded."""

    products: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    shipments: list[dict[str, Any]]
    coupons: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Shopper:
    external_id: str
    name: str
    phone: str
    city: geo.City


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + "".join(rng.choices("0123456789", k=8))


def _mailbox(rng: random.Random, surname_py: str, given_py: str) -> str:
    """A QQ-number mailbox for some, a pinyin one for the others."""
    if rng.random() < 0.3:
        return "".join(rng.choices("123456789", k=rng.randint(8, 10))) + "@qq.com"
    return f"{surname_py}{given_py}{rng.randint(1, 999)}@{rng.choice(MAIL_DOMAINS)}"


def _customer(rng: random.Random, n: int, name: str, email: str) -> tuple[dict[str, Any], Shopper]:
    city = geo.pick_city(rng)
    phone = _phone(rng)
    nickname = rng.choice(NICK_HEADS) + rng.choice(NICK_TAILS)
    identities = [{"channel": "email", "handle": email}]
    if rng.random() < 0.5:
        identities.append({"channel": "taobao", "handle": f"{nickname}{n:03d}"})
    record = {
        "external_id": f"C{n:05d}",
        "name": name,
        "nickname": nickname,
        "phone": phone,
        "email": email,
        "country": "CN",
        "birthday": date(rng.randint(1970, 2005), rng.randint(1, 12), rng.randint(1, 28)),
        "member_level": rng.choices([m for m, _ in MEMBER_LEVELS], [w for _, w in MEMBER_LEVELS])[
            0
        ],
        "tags": [city.name.removesuffix("市"), *rng.sample(TRAIT_TAGS, k=rng.randint(0, 2))],
        "note": f"常住地：{city.province}{'' if city.province == city.name else city.name}",
        "identities": identities,
    }
    return record, Shopper(record["external_id"], name, phone, city)


def customers(rng: random.Random) -> tuple[list[dict[str, Any]], list[Shopper]]:
    """Customer records (each e-mail once: it identifies the shopper on the e-mail
    channel), and who they are for addressing their orders."""
    records: list[dict[str, Any]] = []
    shoppers: list[Shopper] = []
    emails: set[str] = set()
    for n in range(1, CUSTOMERS + 1):
        (surname, surname_py), (given, given_py) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
        email = _mailbox(rng, surname_py, given_py)
        while email in emails:
            email = _mailbox(rng, surname_py, given_py)
        emails.add(email)
        record, shopper = _customer(rng, n, surname + given, email)
        records.append(record)
        shoppers.append(shopper)
    return records, shoppers


def _status_for_age(rng: random.Random, age: timedelta) -> str:
    """A realistic status for an order placed ``age`` ago: old orders are mostly
    completed, recent ones still on their way, the newest partly unpaid."""
    if age >= timedelta(days=15):
        mix = {"completed": 80, "delivered": 6, "refunded": 7, "cancelled": 7}
    elif age >= timedelta(days=4):
        mix = {"delivered": 50, "completed": 22, "shipped": 12, "refunded": 8, "cancelled": 8}
    elif age >= timedelta(days=1):
        mix = {"shipped": 50, "paid": 22, "delivered": 10, "cancelled": 10, "pending_payment": 8}
    else:
        mix = {"paid": 55, "pending_payment": 30, "cancelled": 15}
    return rng.choices(list(mix), list(mix.values()))[0]


def _placed_at(rng: random.Random, today: date) -> datetime:
    """An instant in the last six months, at the hours people shop (evenings peak)."""
    day = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
    hour = rng.choices(
        range(24),
        weights=[2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 7, 6, 6, 6, 6, 7, 9, 11, 12, 10, 5],
    )[0]
    local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), SHANGHAI)
    return local.astimezone(UTC)


def _lines(rng: random.Random, catalog: list[dict[str, Any]]) -> list[dict[str, Any]]:
    picked = rng.sample(catalog, k=rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0])
    return [
        {
            "sku": p["sku"],
            "title": p["title"],
            "quantity": rng.choices([1, 2, 3], weights=[82, 14, 4])[0],
            "unit_price_cents": p["price_cents"],
            "product_external_id": p["external_id"],
        }
        for p in picked
    ]


def _order(
    rng: random.Random, n: int, shopper: Shopper, catalog: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    placed_at = _placed_at(rng, now.astimezone(SHANGHAI).date())
    status = _status_for_age(rng, now - placed_at)
    unpaid = status == "pending_payment" or (status == "cancelled" and rng.random() < 0.7)
    pay_delay = min(timedelta(minutes=rng.randint(1, 30)), (now - placed_at) / 2)
    return {
        "external_id": f"XL{placed_at.astimezone(SHANGHAI):%Y%m%d}{n:05d}",
        "customer_external_id": shopper.external_id,
        "status": status,
        "currency": "CNY",
        "placed_at": placed_at,
        "paid_at": None if unpaid else placed_at + pay_delay,
        "address": geo.address(rng, shopper.city, shopper.name, shopper.phone),
        "note": rng.choice(ORDER_NOTES) if rng.random() < 0.15 else None,
        "lines": _lines(rng, catalog),
    }


def orders(
    rng: random.Random, shoppers: list[Shopper], catalog: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """``ORDERS`` orders; a third of the shoppers are regulars who place most of them."""
    regulars = shoppers[: len(shoppers) // 3]
    records = [
        _order(rng, n, rng.choice(regulars if rng.random() < 0.6 else shoppers), catalog, now)
        for n in range(1, ORDERS + 1)
    ]
    return sorted(records, key=lambda o: o["placed_at"])


def _tracking_no(rng: random.Random, prefix: str, digits: int) -> str:
    return prefix + "".join(rng.choices("0123456789", k=digits))


def _timeline(
    rng: random.Random, order: dict[str, Any], now: datetime, delivered: bool
) -> list[dict[str, Any]]:
    """已揽收 → 运输中 (through a hub) → 派送中 → 已签收, with city names, in time order,
    all before ``now``: the parcel leaves within a day or so of payment."""
    city, district = order["address"]["city"], order["address"]["district"]
    hub = rng.choice(geo.HUBS)
    steps = [
        ("in_transit", geo.WAREHOUSE.name, f"【{geo.WAREHOUSE.name}】快件已揽收"),
        ("in_transit", hub, f"快件已到达【{hub}】，正发往【{city}】"),
        ("in_transit", city, f"快件已到达【{city}{district}营业部】"),
    ]
    if delivered:
        steps.append(("out_for_delivery", city, f"快件派送中，快递员电话：{_phone(rng)}"))
        steps.append(("delivered", city, f"已签收，签收人：{rng.choice(SIGNERS)}"))
    budget = now - order["paid_at"]
    at = order["paid_at"] + min(timedelta(hours=30), budget * 0.3) * rng.uniform(0.2, 1.0)
    at = at.replace(microsecond=0)
    longest_gap = min(timedelta(hours=20), (now - at) / (len(steps) + 1))
    events = []
    for status, location, description in steps:
        events.append(
            {"at": at, "status": status, "location": location, "description": description}
        )
        at = (at + longest_gap * rng.uniform(0.4, 1.0)).replace(microsecond=0)
    return events


def shipments(
    rng: random.Random, order_records: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """One parcel per order that left the warehouse, with its tracking timeline."""
    records = []
    for order in order_records:
        status = order["status"]
        if status in ("pending_payment", "paid", "cancelled"):
            continue
        if status == "refunded" and rng.random() < 0.4:
            continue  # refunded before it was sent
        carrier, prefix, digits = rng.choice(CARRIERS)
        delivered = status != "shipped"
        events = _timeline(rng, order, now, delivered)
        records.append(
            {
                "external_id": f"S{order['external_id']}",
                "order_external_id": order["external_id"],
                "carrier": carrier,
                "tracking_no": _tracking_no(rng, prefix, digits),
                "status": events[-1]["status"],
                "shipped_at": events[0]["at"],
                "delivered_at": events[-1]["at"] if delivered else None,
                "events": events,
            }
        )
    return records


def coupons(today: date, regulars: list[Shopper]) -> list[dict[str, Any]]:
    """A few coupons: store-wide ones and a birthday gift for one regular."""
    start = datetime.combine(today - timedelta(days=30), time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=60), time(), SHANGHAI).astimezone(UTC)
    base = {"valid_from": start, "valid_until": end, "customer_external_id": None}
    return [
        {**base, "code": "XINREN20", "kind": "amount", "value": 2000, "min_spend_cents": 9900},
        {**base, "code": "MAN300JIAN50", "kind": "amount", "value": 5000, "min_spend_cents": 30000},
        {**base, "code": "VIP95", "kind": "percent", "value": 5, "min_spend_cents": 0},
        {
            **base,
            "code": "SHENGRI30",
            "kind": "amount",
            "value": 3000,
            "min_spend_cents": 19900,
            "customer_external_id": regulars[0].external_id,
        },
    ]


STALLED_FOR = timedelta(days=5)  # the demo's stalled parcel: no movement for this long


def stall_one_parcel(
    order_records: list[dict[str, Any]],
    shipment_records: list[dict[str, Any]],
    shopper: Shopper,
    now: datetime,
) -> str | None:
    """Make the newest parcel of ``shopper`` sent 8 to 60 days ago stop at the hub 5 days
    before ``now``, its order still shipped: asking the bot 我的快递到哪了 as her shows a
    stalled parcel and opens a logistics case. Returns the order's number."""
    parcels = {s["order_external_id"]: s for s in shipment_records}
    candidates = [
        o
        for o in order_records
        if o["customer_external_id"] == shopper.external_id
        and o["external_id"] in parcels
        and o["status"] in ("shipped", "delivered", "completed")
        and timedelta(days=8) <= now - o["placed_at"] <= timedelta(days=60)
    ]
    if not candidates:
        return None
    order = max(candidates, key=lambda o: o["placed_at"])
    parcel = parcels[order["external_id"]]
    picked_up, at_hub = parcel["events"][:2]
    picked_up = {**picked_up, "at": (order["paid_at"] + timedelta(hours=6)).replace(microsecond=0)}
    at_hub = {**at_hub, "at": (now - STALLED_FOR).replace(microsecond=0)}
    order["status"] = "shipped"
    parcel.update(
        status="in_transit",
        shipped_at=picked_up["at"],
        delivered_at=None,
        events=[picked_up, at_hub],
    )
    return str(order["external_id"])


def generate(today: date, seed: int = SEED) -> DemoRecords:
    """The whole demo shop's data for a refresh on ``today`` (in Asia/Shanghai); the
    history ends at the midnight that starts ``today``."""
    rng = random.Random(seed)
    now = datetime.combine(today, time(), SHANGHAI).astimezone(UTC)
    catalog = products()
    customer_records, shoppers = customers(rng)
    order_records = orders(rng, shoppers, catalog, now)
    shipment_records = shipments(rng, order_records, now)
    stall_one_parcel(order_records, shipment_records, shoppers[0], now)
    return DemoRecords(
        products=catalog,
        customers=customer_records,
        orders=order_records,
        shipments=shipment_records,
        coupons=coupons(today, shoppers[: len(shoppers) // 3]),
    )
