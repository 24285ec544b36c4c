"""Search configuration: the knobs a merchandiser tunes (field weights, typo rules, boosts).

A configuration is a named, versioned TOML or JSON file. ``load_config`` takes a path or the
name of one shipped in ``ranking/configs/`` (``default`` is what the API uses).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from catalog.errors import InvalidInput
from indexer.plan import DEFAULT_FIELD_WEIGHTS, TEXT_FIELDS
from ranking.hybrid import HybridConfig
from ranking.rules import RuleSet
from ranking.synonyms import SynonymSet

SHIPPED = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class TypoRules:
    """Edits allowed per word: none under ``one_typo_from`` characters, one from it, two from
    ``two_typos_from``. Words containing a digit never get typos: part numbers and sizes
    must match exactly or as a prefix."""

    one_typo_from: int = 4
    two_typos_from: int = 8

    def budget(self, word: str) -> int:
        if any(c.isdigit() for c in word):
            return 0
        if len(word) >= self.two_typos_from:
            return 2
        if len(word) >= self.one_typo_from:
            return 1
        return 0


@dataclass(frozen=True)
class SearchConfig:
    name: str = "default"
    version: int = 1
    description: str = ""
    field_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_FIELD_WEIGHTS))
    typo: TypoRules = field(default_factory=TypoRules)
    # The defaults are those of the shipped ``lexical`` configuration (configs/lexical.toml);
    # ``default`` is that plus [hybrid].
    fuzzy_weight: float = 1.0
    minimum_should_match: float = 0.01  # share of the query's words a product must match
    all_words_bonus: float = 1.0  # with minimum_should_match < 1: products matching every
    # word score (1 + all_words_bonus) times as much
    popularity_boost: bool = True
    compound_words: bool = True  # "kwik set" finds "kwikset", "deckpaint" finds "deck paint"
    relax_when_empty: bool = True  # retry with one word fewer required when nothing matches
    max_query_words: int = 16
    synonyms: SynonymSet = field(default_factory=SynonymSet)
    synonym_rules: tuple[str, ...] = ()
    rules: RuleSet = field(default_factory=RuleSet)  # merchandiser query rules ([[rules]])
    hybrid: HybridConfig = field(default_factory=HybridConfig)  # semantic retrieval ([hybrid])

    def to_dict(self) -> dict[str, Any]:
        """The configuration as stored beside evaluation results."""
        body = asdict(self)
        del body["rules"]
        return {
            "name": body["name"], "version": body["version"], "description": body["description"],
            "fields": body["field_weights"], "typo": body["typo"],
            "synonyms": {"rules": list(self.synonym_rules)},
            "rules": self.rules.to_list(),
            "ranking": {k: body[k] for k in ("fuzzy_weight", "minimum_should_match", "all_words_bonus",
                                             "popularity_boost", "compound_words",
                                             "relax_when_empty", "max_query_words")},
            "hybrid": body["hybrid"],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "configuration") -> SearchConfig:
        known = {"name", "version", "description", "fields", "typo", "ranking", "synonyms",
                 "rules", "hybrid"}
        for key in data:
            if key not in known:
                raise InvalidInput(f"{source}: unknown key {key!r}; known: {', '.join(sorted(known))}",
                                   field=key)
        fields = dict(data.get("fields", DEFAULT_FIELD_WEIGHTS))
        for name, weight in fields.items():
            if name not in TEXT_FIELDS:
                raise InvalidInput(f"{source}: unknown field {name!r} in [fields]; fields: "
                                   f"{', '.join(TEXT_FIELDS)}", field=f"fields.{name}")
            if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
                raise InvalidInput(f"{source}: [fields] {name} must be a number >= 0",
                                   field=f"fields.{name}")
        typo = _section(data, "typo", {"one_typo_from": int, "two_typos_from": int}, source)
        ranking = _section(data, "ranking", {"fuzzy_weight": float, "minimum_should_match": float,
                                             "all_words_bonus": float, "compound_words": bool,
                                             "popularity_boost": bool, "relax_when_empty": bool,
                                             "max_query_words": int}, source)
        if not 0.0 < ranking.get("minimum_should_match", 1.0) <= 1.0:
            raise InvalidInput(f"{source}: [ranking] minimum_should_match must be in (0, 1]",
                               field="ranking.minimum_should_match")
        if ranking.get("all_words_bonus", 0.0) < 0:
            raise InvalidInput(f"{source}: [ranking] all_words_bonus must be >= 0",
                               field="ranking.all_words_bonus")
        hybrid = _section(data, "hybrid", {"enabled": bool, "fusion": str, "rrf_k": float,
                                           "semantic_weight": float, "candidates": int,
                                           "min_similarity": float, "feedback": int,
                                           "feedback_weight": float}, source)
        rules = TypoRules(**typo)
        if not 1 <= rules.one_typo_from <= rules.two_typos_from:
            raise InvalidInput(f"{source}: [typo] needs 1 <= one_typo_from <= two_typos_from",
                               field="typo")
        name = data.get("name", "custom")
        version = data.get("version", 1)
        if not isinstance(name, str) or not isinstance(version, int):
            raise InvalidInput(f"{source}: name must be text and version a whole number",
                               field="name")
        synonyms = data.get("synonyms", {})
        if not isinstance(synonyms, dict) or set(synonyms) - {"rules"} or not all(
                isinstance(r, str) for r in synonyms.get("rules", [])):
            raise InvalidInput(f"{source}: [synonyms] takes rules = [\"a, b\", \"c => d\"]",
                               field="synonyms")
        lines = tuple(synonyms.get("rules", []))
        return cls(name=name, version=version, description=str(data.get("description", "")),
                   field_weights={k: float(v) for k, v in fields.items()}, typo=rules,
                   synonyms=SynonymSet.parse(lines, f"{source} [synonyms]"),
                   synonym_rules=lines, rules=RuleSet.parse(data.get("rules", []), source),
                   hybrid=_hybrid(hybrid, source), **ranking)


def _hybrid(values: dict[str, Any], source: str) -> HybridConfig:
    try:
        return HybridConfig(**values)
    except InvalidInput as exc:
        raise InvalidInput(f"{source}: {exc.detail}", field=exc.field) from None


def _section(data: dict[str, Any], name: str, types: dict[str, type], source: str
             ) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise InvalidInput(f"{source}: [{name}] must be a table", field=name)
    out = {}
    for key, value in section.items():
        want = types.get(key)
        if want is None:
            raise InvalidInput(f"{source}: unknown key {key!r} in [{name}]; known: "
                               f"{', '.join(types)}", field=f"{name}.{key}")
        ok = isinstance(value, bool) if want is bool else (
            isinstance(value, want) or (want is float and isinstance(value, int))
        ) and not isinstance(value, bool)
        if not ok:
            raise InvalidInput(f"{source}: [{name}] {key} must be {want.__name__}",
                               field=f"{name}.{key}")
        out[key] = float(value) if want is float else value
    return out


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.toml"))


def load_config(name_or_path: str | Path | None) -> SearchConfig:
    """A shipped configuration by name, or a TOML/JSON file by path. A file may start from
    another configuration with ``base = "<shipped name or path>"``: its tables are laid over
    the base's key by key (``[[rules]]`` and ``[synonyms]`` replace the base's)."""
    data, path = _read_config(name_or_path, ())
    return SearchConfig.from_dict(data, source=str(path))


_TABLES = ("fields", "typo", "ranking", "hybrid")


def _read_config(name_or_path: str | Path | None, seen: tuple[Path, ...]
                 ) -> tuple[dict[str, Any], Path]:
    if name_or_path is None:
        name_or_path = "default"
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = SHIPPED / f"{name_or_path}.toml"
        if not path.exists():
            raise InvalidInput(f"no configuration named {name_or_path!r}; shipped: "
                               f"{', '.join(shipped_names())}, or give a .toml/.json path",
                               field="config")
    if not path.is_file():
        raise InvalidInput(f"configuration file {str(path)!r} does not exist", field="config")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"{path}: {exc}", field="config") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected a table of settings", field="config")
    base = data.pop("base", None)
    if base is None:
        return data, path
    if not isinstance(base, str) or not base:
        raise InvalidInput(f"{path}: base is the name or path of a configuration", field="base")
    if path.resolve() in seen:
        raise InvalidInput(f"{path}: base configurations form a loop", field="base")
    if not Path(base).suffix:  # a shipped name; a relative path is relative to this file
        target: str | Path = base
    else:
        target = path.parent / base
    merged, _ = _read_config(target, (*seen, path.resolve()))
    for key, value in data.items():
        if key in _TABLES and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged, path
