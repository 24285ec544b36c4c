"""Named, versioned search configurations: shipped ones by name, files by path, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.errors import InvalidInput
from ranking.config import SearchConfig, load_config, shipped_names


def test_default_is_shipped_and_the_code_defaults_are_lexical() -> None:
    assert {"default", "lexical", "hybrid", "strict"} <= set(shipped_names())
    shipped = load_config("default")
    assert load_config(None) == shipped and shipped.hybrid.enabled
    lexical = load_config("lexical").to_dict()
    for table in ("fields", "typo", "ranking", "hybrid"):  # a file without a base starts here
        assert lexical[table] == SearchConfig().to_dict()[table]


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    config = load_config("default")
    path = tmp_path / "tuned.json"
    body = config.to_dict() | {"name": "tuned", "version": 2}
    body["fields"]["description"] = 0.0
    path.write_text(json.dumps(body))
    tuned = load_config(path)
    assert (tuned.name, tuned.version, tuned.field_weights["description"]) == ("tuned", 2, 0.0)
    assert tuned.typo == config.typo


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "typos.toml"
    path.write_text('name = "strict"\n[typo]\none_typo_from = 6\ntwo_typos_from = 12\n')
    config = load_config(path)
    assert config.typo.budget("glove") == 0 and config.typo.budget("gloves") == 1


@pytest.mark.parametrize("body, field", [
    ({"fields": {"title": 2}}, "fields.title"),
    ({"fields": {"name": -1}}, "fields.name"),
    ({"typo": {"one_typo": 3}}, "typo.one_typo"),
    ({"typo": {"one_typo_from": 9, "two_typos_from": 8}}, "typo"),
    ({"ranking": {"fuzzy_weight": "high"}}, "ranking.fuzzy_weight"),
    ({"synonym": []}, "synonym"),
    ({"synonyms": {"rules": ["inox"]}}, "synonyms"),
    ({"synonyms": {"rules": "a, b"}}, "synonyms"),
])
def test_bad_configurations_name_the_key(tmp_path: Path, body: dict, field: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(body))
    with pytest.raises(InvalidInput) as err:
        load_config(path)
    assert err.value.field == field


def test_unknown_name_and_broken_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no configuration named 'nope'"):
        load_config("nope")
    broken = tmp_path / "broken.toml"
    broken.write_text("[fields\n")
    with pytest.raises(InvalidInput) as err:
        load_config(broken)
    assert err.value.field == "config"


def test_every_shipped_configuration_loads() -> None:
    for name in shipped_names():
        assert load_config(name).name == name


def test_a_configuration_can_start_from_a_base(tmp_path: Path) -> None:
    tuned = tmp_path / "tuned.toml"
    tuned.write_text('base = "strict"\nname = "tuned"\n[fields]\nname = 5.0\n')
    config, strict = load_config(tuned), load_config("strict")
    assert config.name == "tuned" and config.field_weights["name"] == 5.0
    assert config.field_weights["brand"] == strict.field_weights["brand"]  # from the base
    assert config.minimum_should_match == strict.minimum_should_match == 1.0
    child = tmp_path / "child.toml"
    child.write_text('base = "tuned.toml"\nname = "child"\n[ranking]\nfuzzy_weight = 0.5\n')
    assert load_config(child).field_weights["name"] == 5.0  # a relative path: next to the file
    loop = tmp_path / "loop.toml"
    loop.write_text('base = "loop.toml"\n')
    with pytest.raises(InvalidInput, match="loop"):
        load_config(loop)
    missing = tmp_path / "missing.toml"
    missing.write_text('base = "nope"\n')
    with pytest.raises(InvalidInput, match="no configuration named 'nope'"):
        load_config(missing)
