"""Synonyms and query rules stored as draft and live sets, on SQLite and PostgreSQL, and the
``discovery synonyms/rules import`` and ``publish`` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.errors import InvalidInput
from catalog.models import MerchandisingSet
from catalog.store import CatalogStore
from ranking.config import SearchConfig, load_config
from ranking.merchandising import MerchandisingStore

DISCOVERY = str(Path(sys.executable).parent / "discovery")
RULE = {"id": "promo-bolts", "query_equals": "Hex Bolt", "pin": [{"sku": "FAS-2", "position": 1}],
        "active_from": "2025-01-01"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def merch(store: CatalogStore) -> MerchandisingStore:
    store.migrate()
    return MerchandisingStore(store.engine)


def _rows(store: CatalogStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(MerchandisingSet)).scalar_one())


def test_put_draft_publish_and_versions(store: CatalogStore, merch: MerchandisingStore) -> None:
    assert merch.get("synonyms", "draft") is None and merch.get("rules", "live") is None
    assert merch.put_draft("synonyms", ["inox, stainless steel"]) == 1
    assert merch.put_draft("synonyms", ["inox, stainless steel", "gauntlets => gloves"]) == 2
    assert merch.get("synonyms", "draft") == (["inox, stainless steel", "gauntlets => gloves"], 2)
    assert merch.get("synonyms", "live") is None
    assert merch.publish() == {"synonyms": {"version": 1, "published": True},
                               "rules": {"version": None, "published": False}}
    assert merch.get("synonyms", "live") == (["inox, stainless steel", "gauntlets => gloves"], 1)
    assert merch.publish()["synonyms"] == {"version": 1, "published": False}  # nothing new
    merch.put_draft("synonyms", ["inox, a2"])
    merch.put_draft("rules", [RULE])
    assert merch.publish() == {"synonyms": {"version": 2, "published": True},
                               "rules": {"version": 1, "published": True}}
    assert merch.get("rules", "live") == ([RULE], 1)
    shown = merch.describe()
    assert shown["synonyms"]["live"]["rules"] == ["inox, a2"]
    assert shown["synonyms"]["unpublished"] is False
    assert shown["rules"]["live"]["published_at"] is not None
    assert _rows(store) == 4


@pytest.mark.parametrize("kind, body, field, detail", [
    ("synonyms", ["inox, a2", "a => b => c"], "synonyms", "synonyms:2: more than one '=>'"),
    ("synonyms", ["inox, a2", "lonely"], "synonyms", "synonyms:2: a two-way rule"),
    ("synonyms", ["inox, a2", 7], "rules[1]", "synonyms:2: a rule line must be text"),
    ("synonyms", "inox, a2", "rules", "expected a list"),
    ("rules", [RULE, {"id": "x", "pin": [{"sku": "A"}]}], "rules[1].pin", "rule 'x'"),
    ("rules", [{"id": "x", "colour": "red"}], "rules[0].colour", "unknown key 'colour'"),
    ("rules", [RULE, RULE], "rules[1].id", "used twice"),
    ("prices", [], "kind", "unknown kind"),
])
def test_invalid_drafts_write_nothing(store: CatalogStore, merch: MerchandisingStore, kind: str,
                                      body: object, field: str, detail: str) -> None:
    merch.put_draft("synonyms", ["kept, draft"])
    with pytest.raises(InvalidInput) as info:
        merch.put_draft(kind, body)
    assert info.value.field == field and detail in info.value.detail
    assert merch.get("synonyms", "draft") == (["kept, draft"], 1)
    assert _rows(store) == 1


def test_toml_dates_are_stored_as_iso_text(merch: MerchandisingStore) -> None:
    import tomllib

    items = tomllib.loads('[[rules]]\nid = "r"\nquery_contains = "bolt"\n'
                          'active_from = 2025-01-01\nactive_until = 2025-02-01T00:00:00Z\n')["rules"]
    merch.put_draft("rules", items)
    body, _ = merch.get("rules", "draft") or ([], 0)
    assert body[0]["active_from"] == "2025-01-01"
    assert body[0]["active_until"].startswith("2025-02-01T00:00:00")
    config = merch.overlay(load_config("default"), "draft")
    assert config.rules.rules[0].active_from is not None


def test_overlay_replaces_synonyms_and_rules_per_state(store: CatalogStore) -> None:
    store.migrate()
    clock = Clock()
    merch = MerchandisingStore(store.engine, clock=clock)
    base = SearchConfig.from_dict({"name": "base", "synonyms": {"rules": ["nut, bolt"]}})
    assert merch.overlay(base, "live") is base  # nothing stored: the configuration's own
    merch.put_draft("synonyms", ["inox, stainless steel"])
    draft = merch.overlay(base, "draft")
    assert draft.synonym_rules == ("inox, stainless steel",) and draft.name == "base"
    assert ("inox",) in draft.synonyms.rules
    assert merch.overlay(base, "live") is base
    assert merch.overlay(base, "draft") is draft  # cached
    merch.publish()
    live = merch.overlay(base, "live")
    assert live.synonym_rules == ("inox, stainless steel",) and not live.rules.rules
    merch.put_draft("rules", [RULE])
    assert [r.id for r in merch.overlay(base, "draft").rules.rules] == ["promo-bolts"]
    # the draft preview of a kind without a draft of its own is the live set
    assert merch.overlay(base, "draft").synonym_rules == ("inox, stainless steel",)
    with pytest.raises(InvalidInput):
        merch.overlay(base, "staging")


def test_other_processes_see_changes_after_the_check_interval(store: CatalogStore) -> None:
    """A second store on the same database (another API process) re-reads the sets only when
    the check interval has passed, and only with one cheap query in between."""
    store.migrate()
    clock = Clock()
    reader = MerchandisingStore(store.engine, clock=clock, check_interval_s=1.0)
    writer = MerchandisingStore(store.engine)
    base = load_config("default")
    assert reader.overlay(base) is base
    writer.put_draft("synonyms", ["inox, a2"])
    writer.publish()
    clock.now = 0.5
    assert reader.overlay(base) is base  # not checked again yet
    clock.now = 1.5
    assert reader.overlay(base).synonym_rules == ("inox, a2",)


def _discovery(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir))
    env.pop("DISCOVERY_DATABASE_URL", None)
    return subprocess.run([DISCOVERY, *args], env=env, capture_output=True, text=True, timeout=60)


def test_cli_import_and_publish(tmp_path: Path) -> None:
    data = tmp_path / "data"
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# fasteners\nstainless steel, inox, a2\ngauntlets => gloves\n")
    done = _discovery(data, "synonyms", "import", str(synonyms))
    assert done.returncode == 0, done.stderr
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nid = "promo"\nquery_equals = "hex bolt"\nhide = ["FAS-9"]\n'
                     'active_from = 2025-01-01\n')
    done = _discovery(data, "rules", "import", str(rules))
    assert done.returncode == 0, done.stderr
    shown = json.loads(_discovery(data, "merchandising", "show", "--json").stdout)
    assert shown["synonyms"]["draft"]["version"] == 1 and shown["synonyms"]["live"] is None
    assert shown["rules"]["draft"]["rules"][0]["active_from"] == "2025-01-01"
    done = _discovery(data, "publish")
    assert done.returncode == 0 and "synonyms: published, live version 1" in done.stderr
    shown = json.loads(_discovery(data, "merchandising", "show", "--json").stdout)
    assert shown["synonyms"]["live"]["rules"] == ["# fasteners", "stainless steel, inox, a2",
                                                 "gauntlets => gloves"]
    assert shown["rules"]["live"]["version"] == 1
    # a bad line: exit 2, the line named, nothing saved
    synonyms.write_text("inox, a2\nx => y => z\n")
    done = _discovery(data, "synonyms", "import", str(synonyms), "--publish")
    assert done.returncode == 2 and "synonyms:2" in done.stderr
    shown = json.loads(_discovery(data, "merchandising", "show", "--json").stdout)
    assert shown["synonyms"]["draft"]["version"] == 1
    rules_json = tmp_path / "rules.json"
    rules_json.write_text(json.dumps([{"id": "r2", "query_contains": "glove",
                                       "redirect": "/safety"}]))
    done = _discovery(data, "rules", "import", str(rules_json), "--publish")
    assert done.returncode == 0 and "rules: published, live version 2" in done.stderr
