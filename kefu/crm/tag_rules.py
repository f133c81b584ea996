"""Tags a shop's rules give customers: e.g. 高价值 to everyone with ¥2,000 paid, 沉睡召回
to the sleeping segment, 爱砍价 to bargainers. Rule tags sit among the customer's tags,
so the customer list, campaigns and journeys filter by them like any other tag.

Rules are kept in the shop's CRM settings and applied to every customer with each daily
RFM snapshot, on ``POST /rfm/refresh`` and when the rules change. A customer keeps a rule
tag only while a rule gives it: ``rule_tags`` remembers which of their tags came from
rules, so a tag an agent typed is never taken away."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, String, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.crm.profile import Behaviour, Habits, habit_counts
from kefu.crm.segments import BY_SLUG
from kefu.crm.snapshots import latest_day, segments_on
from kefu.errors import Invalid
from kefu.models import Customer

MAX_RULES = 20
MAX_TAG = 20  # characters, as for the tags agents type
CONDITIONS = ("segment", "behaviour", "min_paid_orders", "min_lifetime_value_cents")
MAX_NUMBER = 10**12
PAGE = 1000  # customers read and written at a time


@dataclass(frozen=True, slots=True)
class TagRule:
    """Give ``tag`` to customers meeting every condition set."""

    tag: str
    segment: str | None = None
    behaviour: Behaviour | None = None
    min_paid_orders: int | None = None
    min_lifetime_value_cents: int | None = None

    def holds(self, habits: Habits, segment: str | None) -> bool:
        return (
            (self.segment is None or segment == self.segment)
            and (self.behaviour is None or self.behaviour in habits.behaviours())
            and (self.min_paid_orders is None or habits.paid_orders >= self.min_paid_orders)
            and (
                self.min_lifetime_value_cents is None
                or habits.lifetime_value_cents >= self.min_lifetime_value_cents
            )
        )


def _number(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NUMBER:
        raise Invalid(
            f"{field.rsplit('.', 1)[-1]} must be a whole number of 0 or more", field=field
        )
    return value


def _rule(index: int, given: Any) -> dict[str, Any]:
    """One rule, checked: a short tag and at least one known condition."""
    where = f"tag_rules.{index}"
    if not isinstance(given, dict):
        raise Invalid("each tag rule is an object with a tag and conditions", field=where)
    unknown = sorted(set(given) - {"tag", *CONDITIONS})
    if unknown:
        raise Invalid(f"a tag rule has no condition {unknown[0]}", field=f"{where}.{unknown[0]}")
    tag = given.get("tag")
    if not isinstance(tag, str) or not tag.strip() or len(tag.strip()) > MAX_TAG:
        raise Invalid(f"a rule's tag has 1 to {MAX_TAG} characters", field=f"{where}.tag")
    rule: dict[str, Any] = {"tag": tag.strip()}
    segment, behaviour = given.get("segment"), given.get("behaviour")
    if segment is not None:
        if segment not in BY_SLUG:
            raise Invalid(f"segment must be one of {', '.join(BY_SLUG)}", field=f"{where}.segment")
        rule["segment"] = segment
    if behaviour is not None:
        if behaviour not in {b.value for b in Behaviour}:
            known = ", ".join(b.value for b in Behaviour)
            raise Invalid(f"behaviour must be one of {known}", field=f"{where}.behaviour")
        rule["behaviour"] = behaviour
    for name in ("min_paid_orders", "min_lifetime_value_cents"):
        number = _number(given.get(name), f"{where}.{name}")
        if number is not None:
            rule[name] = number
    if len(rule) == 1:
        raise Invalid("a tag rule needs at least one condition", field=where)
    return rule


def validated_rules(value: Any) -> list[dict[str, Any]]:
    """The rules as stored: each checked, at most ``MAX_RULES``."""
    if not isinstance(value, list):
        raise Invalid("tag_rules must be a list of rules", field="tag_rules")
    if len(value) > MAX_RULES:
        raise Invalid(f"a shop has at most {MAX_RULES} tag rules", field="tag_rules")
    return [_rule(i, given) for i, given in enumerate(value)]


def rules_of(stored: Sequence[Mapping[str, Any]]) -> list[TagRule]:
    return [
        TagRule(**{**r, "behaviour": Behaviour(r["behaviour"]) if r.get("behaviour") else None})
        for r in stored
    ]


async def apply_tag_rules(
    session: AsyncSession, shop_id: int, stored: Sequence[Mapping[str, Any]]
) -> int:
    """Give and take the shop's rule tags; returns how many customers changed.

    The customers are read a page at a time, three columns each, and only the changed
    ones written (one statement a page): a shop of a million customers must not become a
    million objects in the worker's memory every night."""
    rules = rules_of(stored)
    habits: dict[int, Habits] = {}
    segments: dict[int, str] = {}
    if rules:
        habits = await habit_counts(session, shop_id)
        segments = await segments_on(session, shop_id, await latest_day(session, shop_id))
    page = select(Customer.id, Customer.tags, Customer.rule_tags).where(Customer.shop_id == shop_id)
    if not rules:  # only take back what earlier rules gave
        page = page.where(cast(Customer.rule_tags, String) != "[]")
    changed, after = 0, 0
    while rows := (
        await session.execute(page.where(Customer.id > after).order_by(Customer.id).limit(PAGE))
    ).all():
        updates = [
            {"id": row.id, **retagged}
            for row in rows
            if (retagged := _retagged(row, rules, habits, segments)) is not None
        ]
        if updates:  # by primary key: sets updated_at, and objects the session holds
            await session.execute(update(Customer), updates)
        changed += len(updates)
        after = rows[-1].id
    return changed


def _retagged(
    row: Row[Any], rules: list[TagRule], habits: dict[int, Habits], segments: dict[int, str]
) -> dict[str, list[str]] | None:
    """A customer's new tags and rule tags, or None when the rules change nothing."""
    wanted = list(
        dict.fromkeys(
            rule.tag
            for rule in rules
            if rule.holds(habits.get(row.id, Habits()), segments.get(row.id))
        )
    )
    before = list(row.rule_tags or [])
    tags = list(row.tags or [])
    if wanted == before and set(wanted) <= set(tags):
        return None  # an import that replaced the tags gets the rule tags back
    own = [t for t in tags if t not in before]
    return {"tags": list(dict.fromkeys([*own, *wanted])), "rule_tags": wanted}
