"""Synonym rules: parsing with clear errors, and the query variants they make."""

from __future__ import annotations

import pytest

from catalog.errors import InvalidInput
from ranking.synonyms import MAX_VARIANTS, SynonymSet


def test_two_way_one_way_and_comments() -> None:
    rules = SynonymSet.parse([
        "# fasteners",
        "stainless steel, inox, a2   # grades",
        "m8 => m8 metric thread",
        "",
    ]).rules
    assert rules[("stainless", "steel")] == (("inox",), ("a2",))
    assert rules[("inox",)] == (("stainless", "steel"), ("a2",))
    assert rules[("m8",)] == (("m8", "metric", "thread"),)
    assert ("metric", "thread") not in rules and ("m8", "metric", "thread") not in rules


def test_variants_replace_the_longest_match() -> None:
    synonyms = SynonymSet.parse(["stainless steel, inox", "steel, metal"])
    variants = synonyms.variants(["stainless", "steel", "bolt"])
    assert ["inox", "bolt"] in variants
    assert ["stainless", "metal", "bolt"] not in variants  # "stainless steel" wins as a whole
    assert synonyms.variants(["zinc", "bolt"]) == []


def test_variants_are_capped() -> None:
    synonyms = SynonymSet.parse(["a1, b1, c1", "a2, b2, c2", "a3, b3, c3"])
    assert len(synonyms.variants(["a1", "a2", "a3"])) == MAX_VARIANTS


@pytest.mark.parametrize("line, message", [
    ("inox", "two-way rule needs at least two"),
    ("a => b => c", "more than one '=>'"),
    ("a, , b", "empty term"),
    ("a, --, b", "has no searchable word"),
])
def test_bad_rules_name_the_line(line: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        SynonymSet.parse(["ok, fine", line], source="rules.txt")
    assert "rules.txt:2" in str(err.value.detail)
