"""Merchandiser query rules: pin, hide, boost, bury, filter or redirect when a query matches.

Rules live in the search configuration (``[[rules]]`` in TOML, ``"rules": [...]`` in JSON) and
apply at query time, without reindexing. Conditions compare the query's folded words
(:func:`catalog.text.words` joined by single spaces, so case, accents and punctuation do not
matter):

- ``query_equals``: the whole query is these words;
- ``query_contains``: these words appear in the query, in this order, next to each other;
- ``query_prefix``: the query text starts with this text (characters, not whole words, so
  that a rule fires while the buyer is still typing);

plus an optional time window (``active_from``/``active_until``, inclusive; a time without an
offset is UTC) and ``customer_groups``. Every condition given must hold; a rule without
conditions fires for every query. A request without a customer group fires only rules without
``customer_groups``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from catalog.errors import InvalidInput
from catalog.text import words
from indexer.plan import Filter
from ranking.filters import parse_filters

MAX_PIN_POSITION = 100
_KEYS = {"id", "description", "query_equals", "query_contains", "query_prefix", "active_from",
         "active_until", "customer_groups", "pin", "hide", "boost", "bury", "filter", "redirect"}


@dataclass(frozen=True)
class Pin:
    sku: str
    position: int  # 1-based position in the whole result list


@dataclass(frozen=True)
class Boost:
    """Scores of products matching ``filter`` change by ``weight`` (> 1 boosts, < 1 buries)."""

    filter: str
    weight: float
    parsed: Filter = field(compare=False)


@dataclass(frozen=True)
class QueryRule:
    id: str
    description: str = ""
    query_equals: str | None = None  # folded words joined by spaces
    query_contains: str | None = None
    query_prefix: str | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None
    customer_groups: tuple[str, ...] = ()
    pin: tuple[Pin, ...] = ()
    hide: tuple[str, ...] = ()
    boost: tuple[Boost, ...] = ()
    bury: tuple[Boost, ...] = ()
    filter: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = field(default=(), compare=False)  # ``filter`` parsed
    redirect: str | None = None

    def matches(self, query: str, now: datetime, customer_group: str | None) -> bool:
        """``query``: the folded words of the query joined by spaces (see :func:`query_key`)."""
        if self.query_equals is not None and query != self.query_equals:
            return False
        if self.query_contains is not None and \
                f" {self.query_contains} " not in f" {query} ":
            return False
        if self.query_prefix is not None and not query.startswith(self.query_prefix):
            return False
        if self.active_from is not None and now < self.active_from:
            return False
        if self.active_until is not None and now > self.active_until:
            return False
        return not self.customer_groups or customer_group in self.customer_groups

    def to_dict(self) -> dict[str, Any]:
        """The rule as written in a configuration (dates as ISO text), for ``to_dict``."""
        out: dict[str, Any] = {"id": self.id}
        if self.description:
            out["description"] = self.description
        for key in ("query_equals", "query_contains", "query_prefix", "redirect"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ("active_from", "active_until"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.isoformat()
        if self.customer_groups:
            out["customer_groups"] = list(self.customer_groups)
        if self.pin:
            out["pin"] = [{"sku": p.sku, "position": p.position} for p in self.pin]
        if self.hide:
            out["hide"] = list(self.hide)
        for key in ("boost", "bury"):
            if getattr(self, key):
                out[key] = [{"filter": b.filter, "weight": b.weight} for b in getattr(self, key)]
        if self.filter:
            out["filter"] = list(self.filter)
        return out


def query_key(text: str) -> str:
    """What rule conditions are compared with: the folded words joined by single spaces."""
    return " ".join(words(text))


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[QueryRule, ...] = ()

    @classmethod
    def parse(cls, items: Any, source: str = "configuration") -> RuleSet:
        if not isinstance(items, list):
            raise InvalidInput(f"{source}: rules must be a list of tables ([[rules]])",
                               field="rules")
        rules: list[QueryRule] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            rule = _parse_rule(item, f"rules[{index}]", source)
            if rule.id in seen:
                raise InvalidInput(f"{source}: rule id {rule.id!r} is used twice",
                                   field=f"rules[{index}].id")
            seen.add(rule.id)
            rules.append(rule)
        return cls(tuple(rules))

    def matching(self, text: str, now: datetime | None = None,
                 customer_group: str | None = None) -> list[QueryRule]:
        """The rules that fire for this query text, in configuration order."""
        if not self.rules:
            return []
        key = query_key(text)
        when = now or datetime.now(UTC)
        return [r for r in self.rules if r.matches(key, when, customer_group)]

    def to_list(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rules]


def _parse_rule(item: Any, at: str, source: str) -> QueryRule:
    if not isinstance(item, dict):
        raise InvalidInput(f"{source}: {at} must be a table", field=at)
    for key in item:
        if key not in _KEYS:
            raise InvalidInput(f"{source}: unknown key {key!r} in {at}; known: "
                               f"{', '.join(sorted(_KEYS))}", field=f"{at}.{key}")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise InvalidInput(f"{source}: {at} needs an id (text)", field=f"{at}.id")
    name = f"{source}: rule {rule_id!r} ({at})"

    def bad(key: str, why: str) -> InvalidInput:
        return InvalidInput(f"{name}: {key} {why}", field=f"{at}.{key}")

    conditions: dict[str, str] = {}
    for key in ("query_equals", "query_contains", "query_prefix"):
        if key in item:
            value = item[key]
            if not isinstance(value, str) or not words(value):
                raise bad(key, "must be text with at least one word")
            conditions[key] = query_key(value)
    window = {key: _datetime(item[key], bad, key) for key in ("active_from", "active_until")
              if key in item}
    if len(window) == 2 and window["active_from"] > window["active_until"]:
        raise bad("active_until", "is before active_from")
    groups = _strings(item.get("customer_groups", []), bad, "customer_groups")
    pins = _pins(item.get("pin", []), bad)
    hide = _strings(item.get("hide", []), bad, "hide")
    boosts = _boosts(item.get("boost", []), bad, "boost", name, at)
    buries = _boosts(item.get("bury", []), bad, "bury", name, at)
    filter_texts = _strings(item.get("filter", []), bad, "filter")
    try:
        filters = tuple(parse_filters(list(filter_texts)))
    except InvalidInput as exc:
        raise InvalidInput(f"{name}: filter: {exc.detail}", field=f"{at}.filter") from None
    redirect = item.get("redirect")
    if redirect is not None and (not isinstance(redirect, str) or not redirect.startswith(
            ("https://", "http://", "/"))):
        raise bad("redirect", "must be a URL (https://...) or a path starting with /")
    description = item.get("description", "")
    if not isinstance(description, str):
        raise bad("description", "must be text")
    return QueryRule(id=rule_id, description=description,
                     query_equals=conditions.get("query_equals"),
                     query_contains=conditions.get("query_contains"),
                     query_prefix=conditions.get("query_prefix"),
                     active_from=window.get("active_from"), active_until=window.get("active_until"),
                     customer_groups=groups, pin=pins, hide=hide, boost=boosts, bury=buries,
                     filter=filter_texts, filters=filters, redirect=redirect)


def _datetime(value: Any, bad: Any, key: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):  # a TOML date: the start of that day
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise bad(key, f"must be an ISO date-time like 2026-01-31T00:00:00Z, not {value!r}"
                      ) from None
    else:
        raise bad(key, "must be an ISO date-time like 2026-01-31T00:00:00Z")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _strings(value: Any, bad: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad(key, "must be a list of non-empty texts")
    return tuple(v.strip() for v in value)


def _pins(value: Any, bad: Any) -> tuple[Pin, ...]:
    if not isinstance(value, list):
        raise bad("pin", "must be a list like [{ sku = \"A-1\", position = 1 }]")
    pins: list[Pin] = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"sku", "position"}:
            raise bad("pin", "entries must be tables with exactly sku and position")
        sku, position = entry["sku"], entry["position"]
        if not isinstance(sku, str) or not sku.strip():
            raise bad("pin", "sku must be non-empty text")
        if not isinstance(position, int) or isinstance(position, bool) \
                or not 1 <= position <= MAX_PIN_POSITION:
            raise bad("pin", f"position must be a whole number from 1 to {MAX_PIN_POSITION}")
        if any(p.sku == sku.strip() or p.position == position for p in pins):
            raise bad("pin", f"pins the same SKU or position twice ({sku!r}, {position})")
        pins.append(Pin(sku.strip(), position))
    return tuple(pins)


def _boosts(value: Any, bad: Any, key: str, name: str, at: str) -> tuple[Boost, ...]:
    if not isinstance(value, list):
        raise bad(key, "must be a list like [{ filter = \"brand:Acme\", weight = 2.0 }]")
    out = []
    for entry in value:
        if not isinstance(entry, dict) or not set(entry) <= {"filter", "weight"} \
                or "filter" not in entry:
            raise bad(key, "entries must be tables with filter and an optional weight")
        text, weight = entry["filter"], entry.get("weight", 2.0 if key == "boost" else 0.5)
        if not isinstance(text, str):
            raise bad(key, "filter must be text like \"brand:Acme\"")
        try:
            (parsed,) = parse_filters([text])
        except InvalidInput as exc:
            raise InvalidInput(f"{name}: {key}: {exc.detail}", field=f"{at}.{key}") from None
        ok = isinstance(weight, int | float) and not isinstance(weight, bool) and (
            weight > 1 if key == "boost" else 0 < weight < 1)
        if not ok:
            raise bad(key, "weight must be a number above 1" if key == "boost"
                      else "weight must be a number between 0 and 1")
        out.append(Boost(text, float(weight), parsed))
    return tuple(out)


def merged(rules: Iterable[QueryRule]) -> tuple[list[Pin], set[str], list[tuple[Filter, float]],
                                                list[Filter], str | None]:
    """What the fired rules do together: pins (first rule wins a SKU; a taken position moves a
    later pin down), hidden SKUs, (filter, weight) pairs, added filters and the first redirect."""
    pins: list[Pin] = []
    hidden: set[str] = set()
    boosts: list[tuple[Filter, float]] = []
    filters: list[Filter] = []
    redirect = None
    for rule in rules:
        hidden.update(rule.hide)
        taken = {p.sku for p in pins}
        pins += [p for p in rule.pin if p.sku not in taken]
        boosts += [(b.parsed, b.weight) for b in rule.boost + rule.bury]
        filters += rule.filters
        redirect = redirect or rule.redirect
    return [p for p in pins if p.sku not in hidden], hidden, boosts, filters, redirect
