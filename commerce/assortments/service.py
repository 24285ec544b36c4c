"""Assortments (S13): which products a customer company may see.

Rules: a company's assortment combines its own rules and its customer group's. Include rules:
the company's own when it has any, otherwise its group's (a company's includes narrow or
replace what its group sees). Exclude rules: the company's and the group's together. A
product is allowed when it matches some include rule (or there are none) and no exclude rule.
Categories take their whole subtree (``Fasteners`` includes ``Fasteners > Bolts``); brands and
SKUs match exactly as written in the catalog. A company with no rules anywhere, and anonymous
buyers, see everything (:meth:`AssortmentService.for_company` returns None).

Caching: like the price book, each write bumps the ``assortments`` version counter in its
transaction (and this process's generation after the commit), which empties the cache of this
process at once and of other processes within ``refresh_s`` seconds; a company's entry is
re-read after ``refresh_s`` anyway (a change of its customer group shows within that time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound
from catalog.fields import category_levels
from commerce.assortments import repository as repo
from commerce.audit import service as audit
from commerce.prices import repository as prices_repo
from commerce.prices.book import UNKNOWN_GROUP, local_generation, notify_local_change
from commerce.prices.engine import normalize_category, now_utc

VERSION = "assortments"
MAX_VALUES = 10_000
_FIELDS = ("include_categories", "include_brands", "include_skus", "exclude_categories",
           "exclude_brands", "exclude_skus")
_KIND = {"categories": "category", "brands": "brand", "skus": "sku"}


@dataclass(frozen=True)
class AssortmentRules:
    """The same fields as ``indexer.plan.Assortment``."""

    include_categories: tuple[str, ...] = ()
    include_brands: tuple[str, ...] = ()
    include_skus: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    exclude_skus: tuple[str, ...] = ()

    @property
    def includes(self) -> bool:
        return bool(self.include_categories or self.include_brands or self.include_skus)

    def to_dict(self) -> dict[str, list[str]]:
        return {f: list(getattr(self, f)) for f in _FIELDS}


def _get(product: Any, name: str) -> Any:
    if isinstance(product, Mapping):
        return product.get(name)
    return getattr(product, name, None)


def allows(rules: AssortmentRules | None, product: Any) -> bool:
    """Whether the assortment lets the customer see ``product`` (a mapping or an object with
    ``sku``, ``brand`` and ``category``); None allows everything."""
    if rules is None:
        return True
    sku, brand = _get(product, "sku"), _get(product, "brand")
    levels = set(category_levels(_get(product, "category")))

    def hit(categories: tuple[str, ...], brands: tuple[str, ...], skus: tuple[str, ...]) -> bool:
        return (sku in skus or (brand is not None and brand in brands)
                or any(c in levels for c in categories))

    if rules.includes and not hit(rules.include_categories, rules.include_brands,
                                  rules.include_skus):
        return False
    return not hit(rules.exclude_categories, rules.exclude_brands, rules.exclude_skus)


def _rules_of(rows: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {f: [] for f in _FIELDS}
    plural = {v: k for k, v in _KIND.items()}
    for r in rows:
        out[f"{r.effect}_{plural[r.kind]}"].append(r.value)
    return {k: tuple(v) for k, v in out.items()}


def combine(company_rows: list[Any], group_rows: list[Any]) -> AssortmentRules | None:
    """The rules of the module docstring."""
    own, group = _rules_of(company_rows), _rules_of(group_rows)
    own_includes = any(own[f] for f in _FIELDS[:3])
    merged = {f: (own if own_includes else group)[f] for f in _FIELDS[:3]}
    for f in _FIELDS[3:]:
        merged[f] = tuple(dict.fromkeys(own[f] + group[f]))
    result = AssortmentRules(**merged)
    return result if any(merged.values()) else None


class AssortmentService:
    """Reads (cached, for search and product cards) and management of assortments."""

    def __init__(self, *, refresh_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.refresh_s = refresh_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[AssortmentRules | None, float]] = {}
        self._by_group: dict[tuple[int, object], tuple[AssortmentRules | None]] = {}
        self._version = -1
        self._generation = -1
        self._checked_at = float("-inf")
        self.reads = 0

    # -- reading -------------------------------------------------------------------------------
    def for_company(self, db: Session | Connection | Engine, company_id: int | None,
                    group: str | None | object = UNKNOWN_GROUP) -> AssortmentRules | None:
        """The company's assortment, None when it sees everything (or is anonymous). Cached;
        re-read at once after a change (this process) or a version bump (any process, seen
        within ``refresh_s``). ``group``: the company's customer group when the caller has
        just read it (the search path: its buyer context); the entry is then kept for that
        group until the version moves, with no database round trip. Without it the group is
        read again at most every ``refresh_s`` seconds."""
        if company_id is None:
            return None
        if isinstance(db, Engine):
            return self._for_company(db, company_id, group)
        return self._for_company(lambda: nullcontext(db), company_id, group)

    def _for_company(self, db: Engine | Callable[[], Any], company_id: int,
                     group: str | None | object) -> AssortmentRules | None:
        connect = db.connect if isinstance(db, Engine) else db
        now = self._clock()
        generation = local_generation(VERSION)
        if generation != self._generation or now - self._checked_at >= self.refresh_s:
            with connect() as conn:
                version = prices_repo.read_version(conn, VERSION)
            with self._lock:
                if version != self._version or generation != self._generation:
                    self._cache.clear()
                    self._by_group.clear()
                self._version, self._generation, self._checked_at = version, generation, now
        known_group = group is not UNKNOWN_GROUP
        if known_group:
            hit = self._by_group.get((company_id, group))
            if hit is not None:
                return hit[0]
        else:
            cached = self._cache.get(company_id)
            if cached is not None and now - cached[1] < self.refresh_s:
                return cached[0]
        with connect() as conn:
            exists, read_group = prices_repo.company_group(conn, company_id)
            if not exists:
                raise NotFound(f"no company {company_id}", field="company_id")
            rows = repo.rows_for(conn, company_id=company_id, group=read_group)
        rules = combine([r for r in rows if r.company_id is not None],
                        [r for r in rows if r.company_id is None])
        self.reads += 1
        with self._lock:
            self._cache[company_id] = (rules, now)
            self._by_group[(company_id, read_group)] = (rules,)
            while len(self._by_group) > 100_000:
                self._by_group.pop(next(iter(self._by_group)))
        return rules

    # -- management ----------------------------------------------------------------------------
    def _audience(self, tx: Session, company_id: int | None, group: str | None
                  ) -> tuple[int | None, str | None]:
        if company_id is not None:
            if not prices_repo.company_group(tx, company_id)[0]:
                raise NotFound(f"no company {company_id}", field="company_id")
            return company_id, None
        if not isinstance(group, str) or not 1 <= len(group.strip()) <= 64:
            raise InvalidInput("customer_group must be a name of 1-64 characters",
                               field="customer_group")
        return None, group.strip()

    def get(self, tx: Session, *, company_id: int | None = None,
            customer_group: str | None = None) -> dict[str, Any]:
        company_id, group = self._audience(tx, company_id, customer_group)
        rows = repo.rows_for(tx, company_id=company_id, group=group)
        return {"company_id": company_id, "customer_group": group, **{
            k: list(v) for k, v in _rules_of(rows).items()}}

    def put(self, tx: Session, actor: Any, data: Mapping[str, Any], *,
            company_id: int | None = None, customer_group: str | None = None
            ) -> dict[str, Any]:
        """The audience's rules become exactly ``data`` (the six lists; missing ones empty)."""
        company_id, group = self._audience(tx, company_id, customer_group)
        unknown_fields = set(data) - set(_FIELDS)
        if unknown_fields:
            name = sorted(unknown_fields)[0]
            raise InvalidInput(f"unknown field {name!r}; the fields are {', '.join(_FIELDS)}",
                               field=name)
        values: list[tuple[str, str, str]] = []
        for f in _FIELDS:
            raw = data.get(f) or []
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise InvalidInput(f"{f} must be a list of strings", field=f)
            if len(raw) > MAX_VALUES:
                raise InvalidInput(f"at most {MAX_VALUES} values in {f}", field=f)
            effect, plural = f.split("_", 1)
            cleaned = []
            for v in raw:
                v = normalize_category(v) if plural == "categories" else v.strip()
                if not v or len(v) > 300:
                    raise InvalidInput(f"{f} has an empty or too long value", field=f)
                cleaned.append(v)
            cleaned = list(dict.fromkeys(cleaned))
            if plural == "skus":
                known = prices_repo.existing_skus(tx, cleaned)
                missing = [s for s in cleaned if s not in known]
                if missing:
                    raise InvalidInput(f"unknown SKU(s) in {f}: {', '.join(missing[:20])}",
                                       field=f)
            values += [(effect, _KIND[plural], v) for v in cleaned]
        before = self.get(tx, company_id=company_id, customer_group=group)
        repo.replace(tx, company_id=company_id, group=group, values=values, now=now_utc())
        self._changed(tx)
        after = self.get(tx, company_id=company_id, customer_group=group)
        audit.record(tx, actor, "assortment.put",
                     ("assortment", f"company/{company_id}" if company_id else f"group/{group}"),
                     {"before": before, "after": after}, company_id=company_id,
                     permission="assortments.manage")
        return after

    def delete(self, tx: Session, actor: Any, *, company_id: int | None = None,
               customer_group: str | None = None) -> None:
        company_id, group = self._audience(tx, company_id, customer_group)
        before = self.get(tx, company_id=company_id, customer_group=group)
        repo.replace(tx, company_id=company_id, group=group, values=[], now=now_utc())
        self._changed(tx)
        audit.record(tx, actor, "assortment.delete",
                     ("assortment", f"company/{company_id}" if company_id else f"group/{group}"),
                     {"before": before}, company_id=company_id, permission="assortments.manage")

    def audiences(self, tx: Session) -> list[dict[str, Any]]:
        return [{"company_id": r.company_id, "customer_group": r.customer_group,
                 "rules": r.rules} for r in repo.audiences(tx)]

    def _changed(self, tx: Session) -> None:
        prices_repo.bump_version(tx, VERSION)
        notify_local_change(tx, VERSION)
