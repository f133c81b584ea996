"""Checking a shop's changes to its proactive-exception rules (kefu.lib.proactive): the
rules and fields it may set, each value in range, notices with known variables only."""

from __future__ import annotations

from typing import Any

from kefu.errors import Invalid
from kefu.lib.phrases import unknown_variables
from kefu.lib.proactive import MAX_NOTICE, SPECS, Rule, RuleSpec


def checked_rules(value: Any) -> dict[str, dict[str, Any]]:
    """A change of the rules (rule → any of enabled, threshold, notice), checked: a clear
    422 names the field that is wrong."""
    if not isinstance(value, dict):
        raise Invalid("proactive must be an object of rule → settings", field="proactive")
    cleaned: dict[str, dict[str, Any]] = {}
    for name, change in value.items():
        field = f"proactive.{name}"
        if name not in Rule.__members__.values():
            known = ", ".join(rule.value for rule in Rule)
            raise Invalid(f"unknown proactive rule {name!r} (known: {known})", field=field)
        if not isinstance(change, dict):
            raise Invalid("a rule's settings must be an object", field=field)
        unknown = set(change) - {"enabled", "threshold", "notice"}
        if unknown:
            raise Invalid(f"unknown setting {sorted(unknown)[0]!r}", field=field)
        cleaned[name] = _rule(SPECS[Rule(name)], change, field)
    return cleaned


def _rule(spec: RuleSpec, change: dict[str, Any], field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "enabled" in change:
        if not isinstance(change["enabled"], bool):
            raise Invalid("enabled must be true or false", field=f"{field}.enabled")
        out["enabled"] = change["enabled"]
    if "threshold" in change:
        value = change["threshold"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(
                f"threshold must be a whole number ({spec.unit})", field=f"{field}.threshold"
            )
        if not spec.low <= value <= spec.high:
            raise Invalid(
                f"threshold must be {spec.low} to {spec.high} ({spec.unit})",
                field=f"{field}.threshold",
            )
        out["threshold"] = value
    if "notice" in change:
        notice = change["notice"]
        if not isinstance(notice, str) or len(notice) > MAX_NOTICE:
            raise Invalid(
                f"notice must be text of at most {MAX_NOTICE} characters", field=f"{field}.notice"
            )
        unknown = unknown_variables(notice)
        if unknown:
            raise Invalid(
                f"unknown variable {{{unknown[0]}}} in the notice", field=f"{field}.notice"
            )
        out["notice"] = notice.strip()
    return out
