"""Query rules in the search configuration: parsing, validation naming the key, conditions."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from catalog.errors import InvalidInput
from indexer.plan import RangeFilter, TermsFilter
from ranking.config import SearchConfig, load_config
from ranking.rules import Pin, RuleSet, merged

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

TOML = '''
name = "merch"

[[rules]]
id = "promo-bolts"
query_equals = "Hex Bolt"
active_from = "2026-01-01T00:00:00Z"
active_until = 2026-12-31T23:59:59Z
customer_groups = ["wholesale"]
pin = [{ sku = "FAS-000123", position = 1 }]
hide = ["FAS-000999"]
boost = [{ filter = "brand:Fastek", weight = 2.0 }]
bury = [{ filter = "availability:out_of_stock", weight = 0.5 }]
filter = ["availability:in_stock", "price_per_piece:..10"]
redirect = "https://example.com/bolts"

[[rules]]
id = "gloves-page"
query_contains = "gloves"
redirect = "/pages/gloves"
'''


def test_toml_rules_parse_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "merch.toml"
    path.write_text(TOML)
    config = load_config(path)
    first, second = config.rules.rules
    assert first.id == "promo-bolts" and first.query_equals == "hex bolt"
    assert first.active_until == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)  # TOML datetime
    assert first.pin == (Pin("FAS-000123", 1),)
    assert first.filters == (TermsFilter("availability", ("in_stock",)),
                             RangeFilter("price_per_piece", None, 10.0))
    assert [(b.parsed, b.weight) for b in first.boost + first.bury] == [
        (TermsFilter("brand", ("Fastek",)), 2.0), (TermsFilter("availability", ("out_of_stock",)), 0.5)]
    assert second.redirect == "/pages/gloves"
    again = tmp_path / "again.json"
    again.write_text(json.dumps(config.to_dict()))
    assert load_config(again).rules == config.rules


def test_merged_effects_of_fired_rules() -> None:
    rules = RuleSet.parse([
        {"id": "a", "pin": [{"sku": "X", "position": 2}, {"sku": "H", "position": 1}],
         "redirect": "/a", "filter": ["brand:Fastek"]},
        {"id": "b", "pin": [{"sku": "X", "position": 5}, {"sku": "Y", "position": 2}],
         "hide": ["H"], "redirect": "/b", "boost": [{"filter": "color:red"}]},
    ])
    pins, hidden, boosts, filters, redirect = merged(rules.rules)
    assert pins == [Pin("X", 2), Pin("Y", 2)]  # the first rule wins X; hidden H is not pinned
    assert hidden == {"H"}
    assert boosts == [(TermsFilter("color", ("red",)), 2.0)]  # default boost weight
    assert filters == [TermsFilter("brand", ("Fastek",))]
    assert redirect == "/a"


def rule(**kw: Any) -> RuleSet:
    return RuleSet.parse([{"id": "r", **kw}])


@pytest.mark.parametrize("conditions, query, group, fires", [
    ({}, "", None, True),                                          # no condition: every query
    ({}, "anything", "wholesale", True),
    ({"query_equals": "hex bolt"}, "Hex  BOLT", None, True),        # folded words
    ({"query_equals": "hex bolt"}, "hex-bolt!", None, True),        # punctuation ignored
    ({"query_equals": "hex bolt"}, "hex bolts", None, False),
    ({"query_equals": "Kühlmittel"}, "kuhlmittel", None, True),    # accents folded
    ({"query_contains": "hex bolt"}, "din 933 hex bolt m8", None, True),
    ({"query_contains": "bolt"}, "hex bolts", None, False),         # whole words only
    ({"query_contains": "hex bolt"}, "bolt hex", None, False),      # in this order
    ({"query_prefix": "hex bo"}, "Hex Bolt M8", None, True),        # characters, while typing
    ({"query_prefix": "hex bo"}, "hex", None, False),
    ({"query_prefix": "hex", "query_contains": "m8"}, "hex bolt m8", None, True),  # all hold
    ({"query_prefix": "hex", "query_contains": "m10"}, "hex bolt m8", None, False),
    ({"active_from": "2026-06-01T12:00:00Z"}, "x", None, True),    # inclusive
    ({"active_from": "2026-06-01T12:00:01Z"}, "x", None, False),
    ({"active_until": "2026-06-01T12:00:00+00:00"}, "x", None, True),
    ({"active_until": "2026-06-01T11:59:59"}, "x", None, False),    # no offset: UTC
    ({"active_from": "2026-06-01T13:00:00+02:00"}, "x", None, True),  # 11:00 UTC
    ({"active_from": "2026-01-01", "active_until": "2026-05-31"}, "x", None, False),
    ({"customer_groups": ["wholesale", "vip"]}, "x", "vip", True),
    ({"customer_groups": ["wholesale"]}, "x", "retail", False),
    ({"customer_groups": ["wholesale"]}, "x", None, False),         # no group: only rules without
])
def test_conditions(conditions: dict, query: str, group: str | None, fires: bool) -> None:
    assert bool(rule(**conditions).matching(query, NOW, group)) is fires


def test_toml_date_is_the_start_of_the_day() -> None:
    data = tomllib.loads('[[rules]]\nid = "r"\nactive_from = 2026-06-02\n')
    config = SearchConfig.from_dict(data)
    assert config.rules.matching("x", NOW) == []
    assert config.rules.matching("x", datetime(2026, 6, 2, tzinfo=UTC))


@pytest.mark.parametrize("rules, field, message", [
    ("promo", "rules", "list of tables"),
    ([{"id": "a"}, "b"], "rules[1]", "must be a table"),
    ([{"query_equals": "x"}], "rules[0].id", "needs an id"),
    ([{"id": "a"}, {"id": "a"}], "rules[1].id", "used twice"),
    ([{"id": "a", "pinned": []}], "rules[0].pinned", "unknown key 'pinned'"),
    ([{"id": "a", "pin": [{"sku": "X", "position": 0}]}], "rules[0].pin", "from 1 to 100"),
    ([{"id": "a", "pin": [{"sku": "X", "position": 101}]}], "rules[0].pin", "from 1 to 100"),
    ([{"id": "a", "pin": [{"sku": "X", "position": "1"}]}], "rules[0].pin", "whole number"),
    ([{"id": "a", "pin": [{"sku": "X"}]}], "rules[0].pin", "sku and position"),
    ([{"id": "a", "pin": [{"sku": "X", "position": 1}, {"sku": "Y", "position": 1}]}],
     "rules[0].pin", "twice"),
    ([{"id": "a", "hide": "X"}], "rules[0].hide", "list of non-empty texts"),
    ([{"id": "a", "boost": [{"filter": "title:x"}]}], "rules[0].boost", "unknown filter field 'title'"),
    ([{"id": "a", "boost": [{"filter": "brand"}]}], "rules[0].boost", "field:value"),
    ([{"id": "a", "boost": [{"filter": "brand:A", "weight": 0.5}]}], "rules[0].boost", "above 1"),
    ([{"id": "a", "bury": [{"filter": "brand:A", "weight": 0}]}], "rules[0].bury", "between 0 and 1"),
    ([{"id": "a", "bury": [{"filter": "brand:A", "weight": 1.5}]}], "rules[0].bury", "between 0 and 1"),
    ([{"id": "a", "bury": [{"filter": "brand:A", "wieght": 0.5}]}], "rules[0].bury", "entries"),
    ([{"id": "a", "filter": ["price_per_piece:cheap"]}], "rules[0].filter", "needs a number"),
    ([{"id": "a", "filter": "brand:A"}], "rules[0].filter", "list of non-empty texts"),
    ([{"id": "a", "active_from": "next monday"}], "rules[0].active_from", "ISO date-time"),
    ([{"id": "a", "active_from": "2026-02-01", "active_until": "2026-01-01"}],
     "rules[0].active_until", "before active_from"),
    ([{"id": "a", "customer_groups": "vip"}], "rules[0].customer_groups", "list"),
    ([{"id": "a", "query_equals": "  ,, "}], "rules[0].query_equals", "at least one word"),
    ([{"id": "a", "redirect": "example.com"}], "rules[0].redirect", "URL"),
])
def test_bad_rules_name_the_key(rules: Any, field: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        SearchConfig.from_dict({"rules": rules}, source="merch.toml")
    assert err.value.field == field
    assert str(err.value).startswith("merch.toml")


def test_the_message_names_the_rule() -> None:
    with pytest.raises(InvalidInput, match=r"rule 'promo' \(rules\[0\]\): boost: unknown filter"):
        SearchConfig.from_dict({"rules": [{"id": "promo", "boost": [{"filter": "title:x"}]}]})


def test_default_configuration_has_no_rules() -> None:
    assert load_config("default").rules.rules == ()
    assert load_config("default").to_dict()["rules"] == []
