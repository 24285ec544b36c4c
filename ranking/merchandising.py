"""Synonyms and query rules managed at run time (API and CLI), as a draft and a live set.

A merchandiser edits the *draft* (``put_draft``), previews it with ``config=draft`` and
``publish``\\ es it: every draft is copied to *live* in one transaction. Every search then uses
the live sets in place of the configuration's own ``[synonyms]`` and ``[[rules]]`` (a stored set
replaces them; a kind that was never stored leaves the configuration's untouched).

The sets live in the database (``merchandising_sets``), so every API process sees the same
ones. Searches must not pay a query each: ``overlay`` keeps the parsed sets in memory and asks
the database only whether a version changed, at most once per ``check_interval_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from catalog.errors import Conflict, InvalidInput
from catalog.models import MerchandisingSet
from ranking.config import SearchConfig
from ranking.rules import RuleSet
from ranking.synonyms import SynonymSet

KINDS = ("synonyms", "rules")
STATES = ("draft", "live")
MAX_SYNONYM_LINES = 20_000
MAX_RULES = 2_000
_COLUMNS = tuple(MerchandisingSet.__table__.columns)


@dataclass(frozen=True)
class _Parsed:
    """The stored sets of one state, parsed: what an overlay puts into a configuration."""

    synonyms: tuple[SynonymSet, tuple[str, ...]] | None = None
    rules: RuleSet | None = None


def validate(kind: str, body: Any) -> list[Any]:
    """The body as it will be stored (JSON-safe); InvalidInput naming the line or rule key."""
    if kind == "synonyms":
        if not isinstance(body, list):
            raise InvalidInput("synonyms: expected a list of rule lines", field="rules")
        if len(body) > MAX_SYNONYM_LINES:
            raise InvalidInput(f"synonyms: at most {MAX_SYNONYM_LINES:,} lines", field="rules")
        for index, line in enumerate(body):
            if not isinstance(line, str):
                raise InvalidInput(f"synonyms:{index + 1}: a rule line must be text",
                                   field=f"rules[{index}]")
            if "\n" in line or "\r" in line:
                raise InvalidInput(f"synonyms:{index + 1}: one rule per line (no line breaks)",
                                   field=f"rules[{index}]")
        SynonymSet.parse(body, "synonyms")  # "synonyms:<line>: why"
        return list(body)
    if kind == "rules":
        if isinstance(body, list) and len(body) > MAX_RULES:
            raise InvalidInput(f"rules: at most {MAX_RULES:,} rules", field="rules")
        RuleSet.parse(body, "rules")  # names the rule id and key: "rules[2].pin"
        return [_jsonable(item) for item in body]
    raise InvalidInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}", field="kind")


def _jsonable(value: Any) -> Any:
    """TOML dates and times as ISO text: the rule parser reads both the same way."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date | dtime):
        return value.isoformat()
    return value


class MerchandisingStore:
    def __init__(self, engine: Engine, *, check_interval_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.check_interval_s = check_interval_s
        self.clock = clock
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self.on_publish: list[Callable[[], None]] = []
        """Called after a publication that changed the live synonyms (Elasticsearch sends
        its synonym set); an error raised there reaches the publisher (the publication is
        stored)."""
        self._stamp: tuple[tuple[str, str, int], ...] | None = None
        # the parsed sets per state, and (id(config), state) -> (config, overlaid config);
        # replaced together (one assignment) when a version changes
        self._snapshot: tuple[dict[str, _Parsed],
                              dict[tuple[int, str], tuple[SearchConfig, SearchConfig]]] = (
            {state: _Parsed() for state in STATES}, {})

    # -- reads ---------------------------------------------------------------------------
    def get(self, kind: str, state: str) -> tuple[list[Any], int] | None:
        _check(kind, state)
        with self.engine.connect() as conn:
            row = conn.execute(select(MerchandisingSet.body, MerchandisingSet.version).where(
                MerchandisingSet.kind == kind, MerchandisingSet.state == state)).first()
        return None if row is None else (list(row.body), int(row.version))

    def describe(self) -> dict[str, Any]:
        """Draft and live of both kinds, with versions and times (None: never stored)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_COLUMNS)).all()
            found = {(r.kind, r.state): r for r in rows}
            out: dict[str, Any] = {}
            for kind in KINDS:
                out[kind] = {}
                for state in STATES:
                    r = found.get((kind, state))
                    out[kind][state] = None if r is None else {
                        "version": r.version, "rules": r.body,
                        "updated_at": _iso(r.updated_at), "published_at": _iso(r.published_at)}
                draft, live = out[kind]["draft"], out[kind]["live"]
                out[kind]["unpublished"] = draft is not None and (
                    live is None or draft["rules"] != live["rules"])
        return out

    # -- writes --------------------------------------------------------------------------
    def put_draft(self, kind: str, body: Any) -> int:
        """Replace the draft of ``kind``; returns its new version. Invalid: nothing written."""
        stored = validate(kind, body)
        now = _now()
        try:
            version = self._write_draft(kind, stored, now)
        except IntegrityError:  # another writer created the first draft at the same moment
            raise Conflict(f"the {kind} draft changed while saving; try again",
                           field=kind) from None
        self._checked_at = float("-inf")  # this process sees its own change at once
        return version

    def _write_draft(self, kind: str, stored: list[Any], now: datetime) -> int:
        with self.engine.begin() as conn:
            row = conn.execute(select(MerchandisingSet.id, MerchandisingSet.version).where(
                MerchandisingSet.kind == kind, MerchandisingSet.state == "draft")
                .with_for_update()).first()
            if row is None:
                conn.execute(insert(MerchandisingSet).values(
                    kind=kind, state="draft", body=stored, version=1, updated_at=now))
                version = 1
            else:
                version = int(row.version) + 1
                conn.execute(update(MerchandisingSet).where(MerchandisingSet.id == row.id).values(
                    body=stored, version=version, updated_at=now))
        return version

    def publish(self) -> dict[str, Any]:
        """Copy every draft to live in one transaction. A kind whose draft equals its live set
        keeps its live version. Returns, per kind, the live version and whether it changed."""
        now = _now()
        out: dict[str, Any] = {}
        with self.engine.begin() as conn:
            rows = conn.execute(select(*_COLUMNS).with_for_update()).all()
            found = {(r.kind, r.state): (r.id, r.body, r.version) for r in rows}
            for kind in KINDS:
                draft = found.get((kind, "draft"))
                live = found.get((kind, "live"))
                if draft is None:
                    out[kind] = {"version": live[2] if live else None, "published": False}
                    continue
                if live is None:
                    conn.execute(insert(MerchandisingSet).values(
                        kind=kind, state="live", body=draft[1], version=1, updated_at=now,
                        published_at=now))
                    out[kind] = {"version": 1, "published": True}
                elif live[1] != draft[1]:
                    conn.execute(update(MerchandisingSet).where(MerchandisingSet.id == live[0])
                                 .values(body=draft[1], version=live[2] + 1, updated_at=now,
                                         published_at=now))
                    out[kind] = {"version": live[2] + 1, "published": True}
                else:
                    out[kind] = {"version": live[2], "published": False}
        self._checked_at = float("-inf")
        if out["synonyms"]["published"]:
            for listener in self.on_publish:
                listener()
        return out

    # -- the search path -----------------------------------------------------------------
    def overlay(self, config: SearchConfig, state: str = "live") -> SearchConfig:
        """``config`` with the stored synonyms and rules of ``state`` in place of its own. The
        draft preview falls back to the live set of a kind that has no draft."""
        if state not in STATES:
            raise InvalidInput(f"unknown state {state!r}; one of: {', '.join(STATES)}",
                               field="state")
        self._refresh()
        by_state, overlays = self._snapshot
        key = (id(config), state)
        cached = overlays.get(key)
        if cached is not None and cached[0] is config:
            return cached[1]
        parsed = by_state[state]
        out = config
        if parsed.synonyms is not None:
            out = replace(out, synonyms=parsed.synonyms[0], synonym_rules=parsed.synonyms[1])
        if parsed.rules is not None:
            out = replace(out, rules=parsed.rules)
        overlays[key] = (config, out)
        return out

    def _refresh(self) -> None:
        now = self.clock()
        if now - self._checked_at < self.check_interval_s:
            return
        with self._lock:
            if now - self._checked_at < self.check_interval_s:
                return
            with self.engine.connect() as conn:
                stamp = tuple(sorted(
                    (str(r.kind), str(r.state), int(r.version)) for r in conn.execute(select(
                        MerchandisingSet.kind, MerchandisingSet.state, MerchandisingSet.version))))
                if stamp != self._stamp:
                    rows = conn.execute(select(MerchandisingSet.kind, MerchandisingSet.state,
                                               MerchandisingSet.body)).all()
                    bodies = {(r.kind, r.state): r.body for r in rows}
                    self._snapshot = ({state: self._parse(bodies, state) for state in STATES},
                                      {})
                    self._stamp = stamp
            self._checked_at = now

    @staticmethod
    def _parse(bodies: dict[tuple[str, str], Any], state: str) -> _Parsed:
        def body(kind: str) -> Any:
            found = bodies.get((kind, state))
            return bodies.get((kind, "live")) if found is None and state == "draft" else found

        lines, items = body("synonyms"), body("rules")
        return _Parsed(
            synonyms=None if lines is None else (SynonymSet.parse(lines, "synonyms"),
                                                 tuple(lines)),
            rules=None if items is None else RuleSet.parse(items, "rules"))


def _check(kind: str, state: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}", field="kind")
    if state not in STATES:
        raise InvalidInput(f"unknown state {state!r}; one of: {', '.join(STATES)}", field="state")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC, like server_default=now()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
