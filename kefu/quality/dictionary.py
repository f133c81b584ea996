"""The quality dictionary as data: phrases, patterns and exceptions per finding code.

The built-in dictionary is ``phrases.json`` beside this module; a shop adds its own
entries with files of the same shape, merged in by :func:`load_dictionary` (lists are
joined, numbers of the ``templated`` rule are taken from the last file that gives them).
Every entry is normalised like the replies it is matched against, so a shop may write
traditional characters or full-width letters. A file that does not fit is refused with
its name and the offending key, never half-loaded."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.errors import Invalid
from kefu.quality.normalize import normalize

CODES = (
    "contempt",
    "impatience",
    "negation",
    "quarrel",
    "emotion_denial",
    "templated",
    "deflection",
    "over_promise",
)
PHRASE_KINDS = ("phrases", "soft", "except")


def rule_name(kind: str, key: str) -> str:
    """How a span names the rule behind it ("phrase:别生气", "pattern:negation.refuse",
    "stacked:亲亲"): the inspector writes it, the dictionary knows which are soft or a
    shop's own by it."""
    return f"{kind}:{key}"


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression, tried only when one of its trigger words occurs; a ``soft``
    one counts only when the reply offers nothing, like a soft phrase."""

    name: str
    code: str
    regex: re.Pattern[str]
    triggers: tuple[str, ...]
    soft: bool = False


@dataclass(slots=True)
class Dictionary:
    """Everything the inspector matches, already normalised."""

    phrases: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: {code: {kind: set() for kind in PHRASE_KINDS} for code in CODES}
    )
    patterns: list[Pattern] = field(default_factory=list)
    offers: set[str] = field(default_factory=set)
    canned: dict[str, int] = field(default_factory=dict)
    threshold: int = 3
    max_substance: int = 10
    # rules as spans name them (rule_name), for the classifier's arbitration
    # (kefu.quality.checker): a shop's own, never overruled; (code, rule) of soft ones
    own_rules: set[str] = field(default_factory=set)
    soft_rules: set[tuple[str, str]] = field(default_factory=set)

    def merge(self, data: Any, source: str, *, own: bool = False) -> None:
        """Add one file's entries (``source`` names the file in error messages);
        ``own``: a shop's file, not the built-in dictionary."""
        if not isinstance(data, dict):
            raise Invalid(f"{source}: expected a JSON object")
        for code, entry in _object(data.get("codes", {}), f"{source}: codes").items():
            if code not in CODES:
                raise Invalid(f"{source}: unknown code {code!r} (known: {', '.join(CODES)})")
            self._merge_code(code, _object(entry, f"{source}: codes.{code}"), source, own)
        self.offers |= _words(data.get("offers", []), f"{source}: offers")
        templated = _object(data.get("templated", {}), f"{source}: templated")
        self._merge_templated(templated, source, own)

    def _merge_code(self, code: str, entry: dict[str, Any], source: str, own: bool) -> None:
        for kind in PHRASE_KINDS:
            words = _words(entry.get(kind, []), f"{source}: {code}.{kind}")
            self.phrases[code][kind] |= words
            rules = {rule_name("phrase", word) for word in words}
            if kind == "soft":
                self.soft_rules.update((code, rule) for rule in rules)
            if own and kind != "except":
                self.own_rules |= rules
        for raw in _list(entry.get("patterns", []), f"{source}: {code}.patterns"):
            pattern = _pattern(code, raw, f"{source}: {code}.patterns")
            self.patterns.append(pattern)
            rule = rule_name("pattern", pattern.name)
            if pattern.soft:
                self.soft_rules.add((code, rule))
            if own:
                self.own_rules.add(rule)

    def _merge_templated(self, entry: dict[str, Any], source: str, own: bool) -> None:
        for key in ("threshold", "max_substance"):
            if key in entry:
                value = entry[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise Invalid(f"{source}: templated.{key} must be a whole number ≥ 0")
                setattr(self, key, value)
        canned = _object(entry.get("canned", {}), f"{source}: templated.canned")
        for phrase, weight in canned.items():
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
                raise Invalid(f"{source}: templated.canned[{phrase!r}] must be a whole number ≥ 1")
            word = _word(phrase, f"{source}: templated.canned")
            self.canned[word] = weight
            if own:
                self.own_rules.add(rule_name("stacked", word))


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where} must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(f"{where} must be a list")
    return value


def _word(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{where}: entries must be non-empty text, got {value!r}")
    return normalize(value.strip())


def _words(value: Any, where: str) -> set[str]:
    return {_word(item, where) for item in _list(value, where)}


def _pattern(code: str, raw: Any, where: str) -> Pattern:
    entry = _object(raw, where)
    name, regex = entry.get("name"), entry.get("regex")
    if not isinstance(name, str) or not name or not isinstance(regex, str) or not regex:
        raise Invalid(f"{where}: each pattern needs a name and a regex")
    try:
        compiled = re.compile(normalize(regex))
    except re.error as exc:
        raise Invalid(
            f"{where}: pattern {name!r} is not a valid regular expression: {exc}"
        ) from None
    triggers = tuple(sorted(_words(entry.get("triggers", []), f"{where}.{name}.triggers")))
    if not triggers:
        raise Invalid(f"{where}: pattern {name!r} needs at least one trigger word")
    soft = entry.get("soft", False)
    if not isinstance(soft, bool):
        raise Invalid(f"{where}: pattern {name!r}: soft must be true or false")
    return Pattern(name, code, compiled, triggers, soft)


def builtin_data() -> Any:
    return json.loads(resources.files("kefu.quality").joinpath("phrases.json").read_text("utf-8"))


def load_dictionary(extra: list[Path] | tuple[Path, ...] = ()) -> Dictionary:
    """The built-in dictionary plus each extra file, in order."""
    dictionary = Dictionary()
    dictionary.merge(builtin_data(), "kefu/quality/phrases.json")
    for path in extra:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise Invalid(f"{path}: cannot read ({exc.strerror})") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid(f"{path}: not a UTF-8 JSON file ({exc})") from None
        dictionary.merge(data, str(path), own=True)
    return dictionary
