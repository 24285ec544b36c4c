"""Query understanding: words, typo budgets, the word being typed, part numbers."""

from __future__ import annotations

import math

from catalog.text import code_parts, has_digit, normalize_part_number, words
from indexer.plan import TermClause, TextQuery
from ranking.config import SearchConfig

STOP_WORDS = frozenset(
    "a an and are as at be by for from in into is of on or the to with without".split()
)
_MAX_PART_NUMBER = 40


def parse_text(raw: str, config: SearchConfig, *, as_you_type: bool = True) -> TextQuery | None:
    """A text query, or None when the text has no searchable word.

    The last word is matched as a prefix while the user is still typing it (no trailing space).
    Stop words are optional unless the query has nothing else.
    """
    tokens = words(raw)[: config.max_query_words]
    if not tokens:
        return None
    typing_last = as_you_type and not raw[-1:].isspace()
    only_stop_words = all(t in STOP_WORDS for t in tokens)
    terms = []
    for i, token in enumerate(tokens):
        is_last = i == len(tokens) - 1
        terms.append(TermClause(
            text=token,
            fuzzy=config.typo.budget(token),
            prefix=is_last and typing_last,
            code_parts=tuple(code_parts(token)) if has_digit(token) else (),
            optional=token in STOP_WORDS and not only_stop_words and not is_last,
        ))
    part_number = None
    phrase: tuple[str, ...] = ()
    if has_digit(raw):
        normalized = normalize_part_number(raw)
        if 3 <= len(normalized) <= _MAX_PART_NUMBER:
            part_number = normalized
        phrase = tuple(code_parts(raw))
    required = sum(not t.optional for t in terms)
    min_match = None
    if config.minimum_should_match < 1.0 and required > 1:
        min_match = max(1, math.floor(config.minimum_should_match * required))
    return TextQuery(
        raw=raw,
        terms=terms,
        min_should_match=min_match,
        field_weights=dict(config.field_weights),
        fuzzy_weight=config.fuzzy_weight,
        code_phrase=phrase,
        part_number=part_number,
    )


def relaxed(text: TextQuery) -> TextQuery | None:
    """The same query with one required word fewer, for a second try when nothing matched."""
    required = [t for t in text.terms if not t.optional]
    current = text.min_should_match or len(required)
    if current < 2:
        return None
    return TextQuery(
        raw=text.raw,
        terms=required,
        field_weights=text.field_weights,
        min_should_match=current - 1,
        fuzzy_weight=text.fuzzy_weight,
        code_phrase=text.code_phrase,
        part_number=text.part_number,
    )
