"""Search configuration: the knobs a merchandiser tunes (field weights, typo rules, boosts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.plan import DEFAULT_FIELD_WEIGHTS


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
    field_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_FIELD_WEIGHTS))
    typo: TypoRules = field(default_factory=TypoRules)
    fuzzy_weight: float = 0.3
    popularity_boost: bool = True
    relax_when_empty: bool = True  # retry with one word fewer required when nothing matches
    max_query_words: int = 16
