"""Typo budgets and query understanding, as tables."""

from __future__ import annotations

import pytest

from ranking.config import SearchConfig, TypoRules, load_config
from ranking.highlight import Matcher, edit_distance, highlight
from ranking.query import every_word, parse_text, relaxed


@pytest.mark.parametrize("word, budget", [
    ("hex", 0), ("nut", 0),                 # under 4 characters: exact
    ("bolt", 1), ("glove", 1), ("nitrile", 1),   # 4..7: one typo
    ("stainless", 2), ("screwdriver", 2),  # 8 and more: two
    ("m8x40", 0), ("din933", 0), ("12345678", 0),  # digits: never fuzzy
])
def test_typo_budget(word: str, budget: int) -> None:
    assert TypoRules().budget(word) == budget


def test_typo_thresholds_are_configurable() -> None:
    assert TypoRules(one_typo_from=5, two_typos_from=10).budget("bolt") == 0
    assert TypoRules(one_typo_from=5, two_typos_from=10).budget("stainless") == 1


def test_last_word_is_prefix_only_while_typing() -> None:
    typing = parse_text("hex bo", SearchConfig())
    assert typing is not None
    assert [t.prefix for t in typing.terms] == [False, True]
    done = parse_text("hex bo ", SearchConfig())
    assert done is not None and not any(t.prefix for t in done.terms)


@pytest.mark.parametrize("raw, part_number, phrase", [
    ("DIN 933-M8X40", "din933m8x40", ("din", "933", "m", "8", "x", "40")),
    ("fas.000/001", "fas000001", ("fas", "000", "001")),
    ("hex bolt", None, ()),
    ("a1", None, ("a", "1")),  # too short to be a part number
])
def test_part_number_detection(raw: str, part_number: str | None, phrase: tuple) -> None:
    text = parse_text(raw, SearchConfig())
    assert text is not None
    assert text.part_number == part_number
    assert text.code_phrase == phrase


def test_stop_words_optional_unless_alone() -> None:
    text = parse_text("gloves for welding", SearchConfig())
    assert text is not None
    assert [t.optional for t in text.terms] == [False, True, False]
    only = parse_text("for", SearchConfig())
    assert only is not None and not only.terms[0].optional


def test_accents_and_case_are_folded() -> None:
    text = parse_text("KÜHLMITTEL", SearchConfig())
    assert text is not None and text.terms[0].text == "kuhlmittel"


def test_nothing_searchable() -> None:
    assert parse_text("  -- / ", SearchConfig()) is None


def test_relaxed_needs_one_word_fewer() -> None:
    text = parse_text("red hex bolt", load_config("strict"))
    assert text is not None
    looser = relaxed(text)
    assert looser is not None and looser.min_should_match == 2
    single = parse_text("bolt", SearchConfig())
    assert single is not None and relaxed(single) is None


@pytest.mark.parametrize("a, b, d", [("glove", "glove", 0), ("glove", "golve", 1),
                                     ("nitrile", "nitril", 1), ("bolt", "nut", 3)])
def test_edit_distance(a: str, b: str, d: int) -> None:
    assert edit_distance(a, b, 3) == d


def test_highlight_escapes_html_and_marks_words() -> None:
    text = parse_text("bolt", SearchConfig())
    assert text is not None
    marked, matched = highlight("<b>Bolts</b> & nuts", text.terms)
    assert marked == "&lt;b&gt;<em>Bolts</em>&lt;/b&gt; &amp; nuts"
    assert matched == {"bolt": "exact"}  # plural of the typed word


def test_one_matcher_for_a_whole_response_marks_like_separate_calls() -> None:
    text = parse_text("hex bolt stainles", SearchConfig())  # a typo: fuzzy matching
    assert text is not None
    matcher = Matcher(text.terms)
    texts = ["Hex bolt DIN 933 stainless", "Bolts & nuts, 'stainless' <A2>", "Hex nut", "nothing"]
    for t in texts * 2:  # the second round is answered from the memo
        assert highlight(t, matcher) == highlight(t, text.terms)
    assert highlight(texts[1], matcher)[0] == ("<em>Bolts</em> &amp; nuts, "
                                               "&#x27;<em>stainless</em>&#x27; &lt;A2&gt;")
    assert highlight(texts[1], matcher, escape=False)[0] == ("<em>Bolts</em> & nuts, "
                                                             "'<em>stainless</em>' <A2>")


def test_minimum_should_match_share() -> None:
    from dataclasses import replace

    loose = replace(SearchConfig(), minimum_should_match=0.5)
    text = parse_text("red hex bolt zinc", loose)
    assert text is not None and text.min_should_match == 2
    strict = parse_text("red hex bolt zinc", load_config("strict"))
    assert strict is not None and strict.min_should_match is None
    broad = parse_text("red hex bolt zinc", SearchConfig())  # the default: any word
    assert broad is not None and broad.min_should_match == 1 and broad.all_words_bonus == 1.0
    assert every_word(broad).min_should_match is None
    looser = relaxed(text)
    assert looser is not None and looser.min_should_match == 1
    assert relaxed(looser) is None
