"""Query understanding: words, typo budgets, the word being typed, part numbers."""

from __future__ import annotations

import math
from dataclasses import replace

from catalog.text import (
    canonical_spans,
    code_parts,
    fold,
    has_digit,
    normalize_part_number,
    word_spans,
)
from indexer.plan import TermClause, TextQuery
from ranking.config import SearchConfig

STOP_WORDS = frozenset(
    "a an and are as at be by for from in into is of on or the to with without".split()
)
_MAX_PART_NUMBER = 40


def parse_text(raw: str, config: SearchConfig, *, as_you_type: bool = True,
               synonyms: bool = True) -> TextQuery | None:
    """A text query, or None when the text has no searchable word.

    The last word is matched as a prefix while the user is still typing it (no trailing space).
    Stop words are optional unless the query has nothing else. Synonyms of the configuration
    add alternative queries (``alternatives``); a product matching any of them matches.
    """
    folded = fold(raw)
    spans = word_spans(folded)
    spans = spans[: config.max_query_words]
    if not spans:
        return None
    tokens = [t for _, _, t in spans]
    typing_last = as_you_type and not raw[-1:].isspace()
    only_stop_words = all(t in STOP_WORDS for t in tokens)
    units = _units_by_first_word(folded, spans)
    terms = []
    skip_until = -1
    for i, token in enumerate(tokens):
        if i <= skip_until:
            continue
        is_last = i == len(tokens) - 1
        if i in units:  # a measurement: its words become one clause
            last, canonical = units[i]
            if not (last == len(tokens) - 1 and typing_last):  # "4 c" may still become "4 cm"
                parts = tuple(p for t in tokens[i : last + 1] for p in code_parts(t))
                terms.append(TermClause(text=" ".join(tokens[i : last + 1]), code_parts=parts,
                                        unit=canonical))
                skip_until = last
                continue
        terms.append(TermClause(
            text=token,
            fuzzy=config.typo.budget(token),
            prefix=is_last and typing_last,
            code_parts=tuple(code_parts(token)) if has_digit(token) else (),
            optional=token in STOP_WORDS and not only_stop_words and not is_last,
        ))
    if config.compound_words:
        _join_compounds(terms)
        terms = [replace(t, split_compound=True) if t.text.isalpha() else t for t in terms]
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
    query = TextQuery(
        raw=raw,
        terms=terms,
        min_should_match=min_match,
        all_words_bonus=config.all_words_bonus,
        field_weights=dict(config.field_weights),
        fuzzy_weight=config.fuzzy_weight,
        code_phrase=phrase,
        part_number=part_number,
    )
    if synonyms and config.synonyms.rules:
        tail = "" if typing_last else " "
        for variant in config.synonyms.variants(tokens):
            alternative = parse_text(" ".join(variant) + tail, config, as_you_type=as_you_type,
                                     synonyms=False)
            if alternative is not None:
                alternative.part_number, alternative.code_phrase = None, ()
                query.alternatives.append(alternative)
    return query


def _join_compounds(terms: list[TermClause]) -> None:
    """Two neighbouring words may be one word in the catalog ("kwik set" / "Kwikset", "dish
    washer" / "dishwasher"): each of the two also matches the compound, so a product holding
    it matches both words. Only plain words of six letters together or more."""
    for i in range(len(terms) - 1):
        a, b = terms[i], terms[i + 1]
        if not (a.text.isalpha() and b.text.isalpha()) or a.optional or b.optional:
            continue
        if len(a.text) + len(b.text) < 6:
            continue
        joined = a.text + b.text
        terms[i] = replace(terms[i], compounds=terms[i].compounds + (joined,))
        terms[i + 1] = replace(b, compounds=b.compounds + (joined,))


def _units_by_first_word(folded: str, spans: list[tuple[int, int, str]]
                         ) -> dict[int, tuple[int, str]]:
    """{index of a measurement's first word: (index of its last word, canonical form)}, for
    measurements made of whole words only ("4.8x300 mm" is a size code, not "300 mm")."""
    out: dict[int, tuple[int, str]] = {}
    for start, end, canonical in canonical_spans(folded):
        inside = [i for i, (s, e, _) in enumerate(spans) if s >= start and e <= end]
        partial = [i for i, (s, e, _) in enumerate(spans) if s < end and e > start]
        if inside and inside == partial:
            out[inside[0]] = (inside[-1], canonical)
    return out


def every_word(text: TextQuery) -> TextQuery:
    """The same query with every word required (autocomplete suggests only full matches)."""
    return replace(text, min_should_match=None,
                   alternatives=[every_word(alt) for alt in text.alternatives])


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
        all_words_bonus=text.all_words_bonus,
        fuzzy_weight=text.fuzzy_weight,
        code_phrase=text.code_phrase,
        part_number=text.part_number,
        alternatives=[looser for alt in text.alternatives if (looser := relaxed(alt)) is not None],
    )
