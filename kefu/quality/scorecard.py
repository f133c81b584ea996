"""The scorecard of one closed conversation: the process checks of docs/quality.md
(greeting within 10 s, every shopper message answered in time, FIRE on complaints, 信息核对
before an address or item change, a closing line, a rating asked for), each passed, failed
or not applicable with a reason, and a 0–100 score weighted over the applicable ones, less
a penalty per quality finding on the agent's replies.

Pure: no database, no clock. Reasons never quote what was written: a shopper's erasure
(kefu.actions.personal_data) replaces their messages, and a scorecard must not keep a
copy. The phrase lists are small on purpose, written from the shop-training sources
(欢迎语 "您好！很高兴为您服务", 结束语 "感谢您的咨询，祝您生活愉快！",
FIRE: First impression, Inquiry, Reassurance, Empathy); text is matched after
:func:`kefu.quality.normalize.normalize`, so traditional characters and full-width
punctuation match too."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kefu.quality.normalize import normalize

Result = Literal["pass", "fail", "na"]
RESULTS: tuple[Result, ...] = ("pass", "fail", "na")

# Stable keys, in the order a scorecard lists them (docs/quality.md#scorecards).
GREETING, RESPONSE, FIRE, VERIFICATION, CLOSING, RATING = (
    "greeting",
    "response_time",
    "fire",
    "verification",
    "closing",
    "rating_ask",
)
KEYS = (GREETING, RESPONSE, FIRE, VERIFICATION, CLOSING, RATING)
# Criteria with a time limit, and the shop's default for it (seconds).
LIMITS = {GREETING: 10, RESPONSE: 180}
DEFAULT_WEIGHTS = {GREETING: 15, RESPONSE: 25, FIRE: 20, VERIFICATION: 20, CLOSING: 10, RATING: 10}
DEFAULT_PENALTY = 5  # points off per quality finding on the agent's replies
MAX_WEIGHT = 100
MAX_PENALTY = 50  # at most this many points off per finding

GREETINGS = ("您好", "你好", "欢迎光临", "很高兴为您服务", "在的", "亲,在", "有什么可以帮")
CLOSINGS = (
    "感谢您的咨询",
    "感谢您的耐心",
    "谢谢您的支持",
    "祝您生活愉快",
    "祝您购物愉快",
    "再见",
    "欢迎下次光临",
    "欢迎再来",
    "随时联系",
    "随时找我",
)
RATING_ASKS = ("评价", "打分", "满意度", "五星", "5星", "好评", "给个赞")
# FIRE on a complaint: each part is met by one of its phrases in the agent's replies.
FIRST_IMPRESSION = (*GREETINGS, "非常抱歉", "很抱歉", "抱歉", "不好意思", "对不起")
INQUIRY = ("请问", "麻烦您提供", "麻烦您发", "方便提供", "能否", "可以发一下", "具体是", "什么问题")
REASSURANCE = (
    "请放心",
    "您放心",
    "请您放心",
    "一定会",
    "马上为您",
    "马上帮您",
    "立即为您",
    "给您一个满意",
    "负责到底",
    "帮您处理",
)
EMPATHY = (
    "理解您的心情",
    "理解您",
    "能理解",
    "换作是我",
    "换做是我",
    "给您添麻烦",
    "让您久等",
    "给您带来不便",
    "影响了您",
    "非常抱歉",
    "真的很抱歉",
)
FIRE_PARTS = {
    "first_impression": FIRST_IMPRESSION,
    "inquiry": INQUIRY,
    "reassurance": REASSURANCE,
    "empathy": EMPATHY,
}
# A shopper or agent talking about changing the delivery address or the item ordered.
ADDRESS_CHANGES = (
    "改地址",
    "修改地址",
    "换地址",
    "地址改",
    "地址换",
    "更改地址",
    "地址写错",
    "改收货",
)
ITEM_CHANGES = ("换颜色", "换尺码", "换个码", "改尺码", "改颜色", "换规格", "改规格", "换成")
# Which verification checks a change needs (kefu.actions.workspace.VERIFICATION_ITEMS).
NEEDED = {"address": ("address", "phone"), "item": ("spec",)}


@dataclass(frozen=True, slots=True)
class Line:
    """One message: who sent it (visitor, agent, bot, system), when, what it said and
    the quality findings recorded on it (agents' text replies only)."""

    sender: str
    at: datetime
    body: str
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    weight: int
    enabled: bool = True
    limit_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str
    result: Result
    weight: int
    reason_zh: str
    reason_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "result": self.result,
            "weight": self.weight,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True, slots=True)
class Card:
    outcomes: list[Outcome]
    findings: dict[str, int]  # finding code → replies carrying it
    penalty: int  # points taken off for them
    score: int


@dataclass(frozen=True, slots=True)
class Facts:
    """What the checks read: the messages in order, the conversation's 信息核对 (the
    ``verification`` JSON: ``checks`` and ``at``) and whether it is a complaint."""

    lines: Sequence[Line]
    verification: Mapping[str, Any] | None = None
    complaint: bool = False
    agent_lines: list[Line] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "agent_lines", [li for li in self.lines if li.sender == "agent"])


def default_criteria() -> list[Criterion]:
    return [Criterion(key, DEFAULT_WEIGHTS[key], True, LIMITS.get(key)) for key in KEYS]


def has(text: str, phrases: Iterable[str]) -> bool:
    """Whether ``text`` (normalised) contains one of ``phrases``."""
    plain = normalize(text)
    return any(phrase in plain for phrase in phrases)


def _fmt(seconds: float) -> str:
    return f"{seconds:.0f}"


def check_greeting(facts: Facts, limit: int) -> tuple[Result, str, str]:
    """The agent's first reply greets, within ``limit`` seconds of the shopper's first
    message (or of the bot's last answer, when the bot handed the shopper over)."""
    if not facts.agent_lines:
        return "na", "没有客服回复", "no agent reply"
    first = facts.agent_lines[0]
    before = [li for li in facts.lines if li.at <= first.at and li is not first]
    shopper = [li for li in before if li.sender == "visitor"]
    if not shopper:
        return "na", "客服先开口，无需问候计时", "the agent spoke first"
    bot = [li for li in before if li.sender == "bot"]
    start = max(shopper[0].at, bot[-1].at) if bot else shopper[0].at
    waited = (first.at - start).total_seconds()
    if not has(first.body, GREETINGS):
        return "fail", "首句回复没有问候语", "the first reply has no greeting"
    if waited > limit:
        return (
            "fail",
            f"首次问候用了 {_fmt(waited)} 秒（要求 {limit} 秒内）",
            f"greeted after {_fmt(waited)} s (limit {limit} s)",
        )
    return "pass", f"{_fmt(waited)} 秒内问候", f"greeted within {_fmt(waited)} s"


def _waits(lines: Sequence[Line]) -> list[tuple[Line, Line | None]]:
    """Each shopper message that started a wait, with the agent reply that ended it."""
    waits: list[tuple[Line, Line | None]] = []
    waiting: Line | None = None
    for line in lines:
        if line.sender == "visitor" and waiting is None:
            waiting = line
        elif line.sender == "agent" and waiting is not None:
            waits.append((waiting, line))
            waiting = None
    if waiting is not None:
        waits.append((waiting, None))
    return waits


def check_response(facts: Facts, limit: int) -> tuple[Result, str, str]:
    """Every shopper message is answered within ``limit`` seconds (the 3-minute rule by
    default). A last message nobody answered ("好的，谢谢") is not held against the agent."""
    if not facts.agent_lines:
        return "na", "没有客服回复", "no agent reply"
    answered = [(asked, reply) for asked, reply in _waits(facts.lines) if reply is not None]
    late = [
        (asked, (reply.at - asked.at).total_seconds())
        for asked, reply in answered
        if (reply.at - asked.at).total_seconds() > limit
    ]
    if not answered:
        return "na", "顾客没有等待回复的消息", "no shopper message waited for a reply"
    if late:
        worst = max(seconds for _asked, seconds in late)
        return (
            "fail",
            f"{len(late)} 次回复超过 {limit} 秒，最慢 {_fmt(worst)} 秒",
            f"{len(late)} replies slower than {limit} s, the slowest {_fmt(worst)} s",
        )
    count = len(answered)
    return "pass", f"{count} 次回复都在 {limit} 秒内", f"all {count} replies within {limit} s"


def check_fire(facts: Facts) -> tuple[Result, str, str]:
    """On a complaint the agent's replies show all four parts of FIRE."""
    if not facts.complaint:
        return "na", "不是投诉", "not a complaint"
    if not facts.agent_lines:
        return "fail", "投诉没有客服回复", "a complaint without an agent reply"
    missing = [
        part
        for part, phrases in FIRE_PARTS.items()
        if not any(has(line.body, phrases) for line in facts.agent_lines)
    ]
    if missing:
        names = "、".join(FIRE_NAMES_ZH[part] for part in missing)
        return "fail", f"投诉处理缺少：{names}", f"missing on a complaint: {', '.join(missing)}"
    return "pass", "第一印象、主动询问、安抚情绪、情感共鸣俱全", "all four parts of FIRE"


FIRE_NAMES_ZH = {
    "first_impression": "第一印象",
    "inquiry": "主动询问",
    "reassurance": "安抚情绪",
    "empathy": "情感共鸣",
}


def _changes(facts: Facts) -> tuple[set[str], Line | None]:
    """What the conversation changes (address, item) and the agent's last message about
    it (the change being confirmed)."""
    kinds: set[str] = set()
    confirmed: Line | None = None
    for line in facts.lines:
        found = {kind for kind, words in CHANGE_WORDS.items() if has(line.body, words)}
        if found and line.sender in ("visitor", "agent"):
            kinds |= found
            if line.sender == "agent":
                confirmed = line
    return kinds, confirmed


CHANGE_WORDS = {"address": ADDRESS_CHANGES, "item": ITEM_CHANGES}


def _verified_at(verification: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(verification.get("at")))
    except ValueError:
        return None


def check_verification(facts: Facts) -> tuple[Result, str, str]:
    """Before an address or item change the agent recorded 信息核对 with the details the
    change needs (address and phone; the model/size), no later than confirming it."""
    kinds, confirmed = _changes(facts)
    if not kinds:
        return "na", "没有修改地址或商品", "no address or item change"
    verification = facts.verification or {}
    checks = verification.get("checks") or {}
    needed = [item for kind in sorted(kinds) for item in NEEDED[kind]]
    unconfirmed = [item for item in needed if checks.get(item) is not True]
    if unconfirmed:
        return (
            "fail",
            f"修改前未核对：{'、'.join(CHECK_NAMES_ZH[i] for i in unconfirmed)}",
            f"changed without verifying: {', '.join(unconfirmed)}",
        )
    at = _verified_at(verification)
    if confirmed is not None and (at is None or at > confirmed.at):
        return "fail", "信息核对晚于确认修改", "verified only after confirming the change"
    return "pass", "修改前已核对信息", "details verified before the change"


CHECK_NAMES_ZH = {"address": "地址", "phone": "电话", "spec": "型号/尺码"}


def check_closing(facts: Facts) -> tuple[Result, str, str]:
    """One of the agent's last two replies is a closing line."""
    if not facts.agent_lines:
        return "na", "没有客服回复", "no agent reply"
    if any(has(line.body, CLOSINGS) for line in facts.agent_lines[-2:]):
        return "pass", "有结束语", "a closing line"
    return "fail", "结束时没有结束语（如“感谢您的咨询，祝您生活愉快！”）", "no closing line"


def check_rating(facts: Facts) -> tuple[Result, str, str]:
    """The agent asked the shopper to rate the service."""
    if not facts.agent_lines:
        return "na", "没有客服回复", "no agent reply"
    if any(has(line.body, RATING_ASKS) for line in facts.agent_lines):
        return "pass", "邀请了评价", "asked for a rating"
    return "fail", "没有邀请顾客评价", "did not ask for a rating"


def _check(key: str, limit: int | None) -> Callable[[Facts], tuple[Result, str, str]]:
    checks: dict[str, Callable[[Facts], tuple[Result, str, str]]] = {
        GREETING: lambda f: check_greeting(f, limit or LIMITS[GREETING]),
        RESPONSE: lambda f: check_response(f, limit or LIMITS[RESPONSE]),
        FIRE: check_fire,
        VERIFICATION: check_verification,
        CLOSING: check_closing,
        RATING: check_rating,
    }
    return checks[key]


def weighted_score(outcomes: Iterable[Outcome], penalty: int) -> int:
    """Weights of the passed criteria over those of the applicable ones, as 0–100, less
    ``penalty``; 100 (less the penalty) when none applies."""
    applicable = [o for o in outcomes if o.result != "na"]
    total = sum(o.weight for o in applicable)
    passed = sum(o.weight for o in applicable if o.result == "pass")
    base = 100.0 if total == 0 else 100.0 * passed / total
    return max(0, min(100, round(base) - penalty))


def finding_counts(lines: Iterable[Line]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        for code in set(line.findings):
            counts[code] = counts.get(code, 0) + 1
    return counts


def score(facts: Facts, criteria: Sequence[Criterion], penalty: int = DEFAULT_PENALTY) -> Card:
    """The scorecard: every enabled criterion's outcome, in ``KEYS`` order, and the score."""
    outcomes = []
    for criterion in sorted(criteria, key=lambda c: KEYS.index(c.key)):
        if not criterion.enabled:
            continue
        result, zh, en = _check(criterion.key, criterion.limit_seconds)(facts)
        outcomes.append(Outcome(criterion.key, result, criterion.weight, zh, en))
    findings = finding_counts(facts.agent_lines)
    taken = penalty * sum(findings.values())
    return Card(outcomes, findings, taken, weighted_score(outcomes, taken))


def scorecard_settings(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """A shop's scorecard settings (``quality_settings["scorecard"]``) with the defaults
    filled in: every criterion with its weight, whether it is on and, for the timed
    ones, its limit in seconds; and the points taken off per finding."""
    stored = stored or {}
    given = stored.get("criteria") or {}
    criteria = {}
    for key in KEYS:
        entry: dict[str, Any] = {"weight": DEFAULT_WEIGHTS[key], "enabled": True}
        if key in LIMITS:
            entry["limit_seconds"] = LIMITS[key]
        criteria[key] = entry | {k: v for k, v in (given.get(key) or {}).items() if k in entry}
    return {"criteria": criteria, "finding_penalty": stored.get("finding_penalty", DEFAULT_PENALTY)}


def merged_settings(current: Mapping[str, Any], change: Any) -> dict[str, Any]:
    """``current`` with the criteria fields and penalty in ``change``, or ``ValueError``
    saying what is wrong (the action turns it into a 422)."""
    if not isinstance(change, Mapping):
        raise ValueError("scorecard must be an object with criteria and finding_penalty")
    unknown = sorted(set(change) - {"criteria", "finding_penalty"})
    if unknown:
        raise ValueError(f"{unknown[0]} is not a scorecard setting")
    after = scorecard_settings(current)
    criteria = change.get("criteria") or {}
    if not isinstance(criteria, Mapping):
        raise ValueError("criteria must map a criterion key to its settings")
    for key, fields in criteria.items():
        if key not in KEYS:
            raise ValueError(f"{key} is not a criterion; known: {', '.join(KEYS)}")
        if not isinstance(fields, Mapping):
            raise ValueError(f"criteria.{key} must be an object")
        for name, value in fields.items():
            after["criteria"][key][name] = _field(key, name, value, after["criteria"][key])
    if "finding_penalty" in change:
        after["finding_penalty"] = _bounded(
            change["finding_penalty"], "finding_penalty", 0, MAX_PENALTY
        )
    return after


def _field(key: str, name: str, value: Any, entry: Mapping[str, Any]) -> Any:
    if name not in entry:
        raise ValueError(f"criteria.{key}.{name} is not a setting of this criterion")
    if name == "enabled":
        if not isinstance(value, bool):
            raise ValueError(f"criteria.{key}.enabled must be true or false")
        return value
    if name == "weight":
        return _bounded(value, f"criteria.{key}.weight", 0, MAX_WEIGHT)
    return _bounded(value, f"criteria.{key}.limit_seconds", 1, 3600)


def _bounded(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return value


def criteria_of(settings: Mapping[str, Any]) -> list[Criterion]:
    """The shop's criteria for :func:`score`, from :func:`scorecard_settings`."""
    return [
        Criterion(key, entry["weight"], entry["enabled"], entry.get("limit_seconds"))
        for key, entry in settings["criteria"].items()
    ]
