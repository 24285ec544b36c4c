"""The SearchBackend conformance suite. Every backend runs it by subclassing
:class:`BackendConformance` and providing an ``empty_backend`` fixture.

It goes through the same path as the API (``ranking.SearchService``), so a backend passes only
if buyers would see the same behaviour on it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from catalog.keys import product_key, product_keys
from catalog.settings import Settings
from indexer.plan import Assortment, CustomerPrices
from ranking.config import load_config
from ranking.service import SearchRequest, SearchService
from tests.factories import gtin13, make_record, random_catalog

GTIN = gtin13("400638133393")

FIXED = [
    make_record("FAS-000001", "Hex bolt DIN 933 M8x40 stainless A2, 100 pcs", brand="Fastek",
                category="Fasteners > Bolts > Hex bolts", mpn="933-0840-A2", gtin=GTIN,
                material="stainless steel", price_per_piece=0.12, popularity=50.0),
    make_record("FAS-000002", "Hex bolt DIN 933 M10x50 zinc plated, 50 pcs", brand="Fastek",
                category="Fasteners > Bolts > Hex bolts", mpn="933-1050-ZN", material="steel",
                price_per_piece=0.2, popularity=10.0),
    make_record("FAS-000003", "Hex nut DIN 934 M8 stainless A2, 200 pcs", brand="Boltronic",
                category="Fasteners > Nuts > Hex nuts", mpn="BN.934/08", material="stainless steel",
                price_per_piece=0.04, popularity=30.0),
    make_record("PPE-000004", "Nitrile disposable gloves size L, blue, box of 100", brand="SafeHands",
                category="Safety & PPE > Hand protection > Disposable gloves", color="blue",
                material="nitrile", price_per_piece=0.05, popularity=80.0),
    make_record("ELE-000005", "Cable tie 4.8x300 mm black, 100 pcs", brand="Voltix",
                category="Electrical > Cable management > Cable ties", color="black",
                mpn="CT-48300-BK", price_per_piece=0.03, popularity=60.0),
    make_record("ELE-000006", "Insulated screwdriver set VDE 1000V, 7 pieces", brand="Voltix",
                category="Electrical > Tools > Screwdrivers", price_per_piece=34.9, popularity=20.0),
    make_record("PLU-000007", "Copper press fitting elbow 90° 22 mm", brand="Aquaflow",
                category="Plumbing > Fittings > Press fittings", material="copper",
                price_per_piece=3.4, popularity=15.0),
]

# Matching rules are checked with every word required, so that a test names exactly the
# products a query must find; the default's any-word matching has its own test.
STRICT = load_config("strict")


class BackendConformance:
    """Subclasses provide ``empty_backend`` (a fresh, empty backend)."""

    @pytest.fixture
    def empty_backend(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def backend(self, empty_backend: Any) -> Any:
        empty_backend.rebuild([FIXED])
        return empty_backend

    @pytest.fixture
    def service(self, backend: Any) -> SearchService:
        return SearchService(backend, Settings(), STRICT)

    @staticmethod
    def skus(service: SearchService, q: str, **kw: Any) -> list[str]:
        body = service.search(SearchRequest(q=q, facets=[], **kw))
        return [h["sku"] for h in body["hits"]]

    # -- basic text ----------------------------------------------------------------------
    def test_count_after_rebuild(self, backend: Any) -> None:
        assert backend.count() == len(FIXED)

    def test_every_word_must_match(self, service: SearchService) -> None:
        assert set(self.skus(service, "hex bolt ")) == {"FAS-000001", "FAS-000002"}
        # while typing, "bolt" is also the start of the brand Boltronic
        assert "FAS-000003" in self.skus(service, "hex bolt")
        assert self.skus(service, "nitrile gloves") == ["PPE-000004"]

    def test_default_matches_any_word_and_ranks_full_matches_first(self, backend: Any) -> None:
        service = SearchService(backend, Settings())  # the shipped default configuration
        strict = set(self.skus(service, "hex bolt ", config="strict"))
        broad = self.skus(service, "hex bolt ", page_size=50)
        assert strict == {"FAS-000001", "FAS-000002"}
        assert set(broad[:2]) == strict             # every word matched: first
        assert len(broad) > 2                       # then products with one of the words
        assert self.skus(service, "nitrile gloves ")[0] == "PPE-000004"

    def test_broad_matching_counts_facets_over_full_matches_when_there_are_any(
            self, backend: Any) -> None:
        service = SearchService(backend, Settings())

        def brands(body: dict[str, Any]) -> int:
            return sum(v["count"] for f in body["facets"] if f["field"] == "brand"
                       for v in f["values"])

        full = service.search(SearchRequest(q="hex bolt ", facets=["brand"]))
        assert full["facets_match"] == "every_word" and full["total"] > 2
        assert brands(full) == 2                      # the two hex bolts, not the long tail
        assert full["total_every_word"] == 2          # what the counts add up to
        chosen = service.search(SearchRequest(q="hex bolt ", facets=["brand"],
                                              filters=[f"brand:{full['hits'][0]['brand']}"]))
        assert chosen["total_every_word"] == next(
            v["count"] for f in full["facets"] if f["field"] == "brand" for v in f["values"]
            if v["value"] == full["hits"][0]["brand"])  # a chosen value's count, as shown
        partial = service.search(SearchRequest(q="hex gloves ", facets=["brand"]))
        assert partial["facets_match"] == "any_word"  # nothing has both words: count all
        assert partial["total_every_word"] is None
        assert brands(partial) == partial["total"]

    def test_words_written_apart_find_the_compound(self, empty_backend: Any) -> None:
        empty_backend.rebuild([[
            make_record("K1", "Kwikset entry lever", brand="Kwikset"),
            make_record("D1", "Dishwasher drain hose"),
            make_record("S1", "Set screw kit"),
        ]])
        service = SearchService(empty_backend, Settings(), STRICT)
        assert self.skus(service, "kwik set ") == ["K1"]
        assert self.skus(service, "dish washer hose ") == ["D1"]
        assert self.skus(service, "dish wash") == ["D1"]        # the compound as it is typed
        off = SearchService(empty_backend, Settings(), replace(STRICT, compound_words=False))
        assert "K1" not in self.skus(off, "kwik set ")

    def test_a_word_written_together_finds_its_parts(self, empty_backend: Any) -> None:
        empty_backend.rebuild([[
            make_record("P1", "Deck paint slate grey 5 l"),
            make_record("T1", "Stair tread oak"),
            make_record("C1", "Carpet tile grey"),
            make_record("C2", "Car wash brush with pet hair comb"),
        ]])
        service = SearchService(empty_backend, Settings(), STRICT)
        assert self.skus(service, "deckpaint ") == ["P1"]
        assert self.skus(service, "stairtreads") == ["T1"]        # the plural of a part
        assert self.skus(service, "carpet ") == ["C1"]            # a word products hold stays whole
        off = SearchService(empty_backend, Settings(), replace(STRICT, compound_words=False))
        assert self.skus(off, "deckpaint ") == []

    def test_plural_and_singular_match(self, service: SearchService) -> None:
        assert "FAS-000001" in self.skus(service, "hex bolts ")
        assert "PPE-000004" in self.skus(service, "glove ")

    def test_field_weights_name_beats_description(self, service: SearchService, empty_backend: Any) -> None:
        empty_backend.rebuild([[
            make_record("A", "Drill bit set", description="Fits every impact driver"),
            make_record("B", "Impact driver 18V", description="Compact"),
        ]])
        assert self.skus(service, "impact driver")[0] == "B"

    def test_stop_words_are_optional(self, service: SearchService) -> None:
        assert "PPE-000004" in self.skus(service, "gloves for nitrile")

    def test_unknown_words_give_nothing(self, service: SearchService) -> None:
        assert self.skus(service, "xylophone") == []

    def test_empty_query_browses_everything(self, service: SearchService) -> None:
        assert service.search(SearchRequest(q="", facets=[]))["total"] == len(FIXED)

    # -- part numbers --------------------------------------------------------------------
    @pytest.mark.parametrize("query, first", [
        ("FAS-000001", "FAS-000001"),
        ("fas000001", "FAS-000001"),
        ("fas 000001", "FAS-000001"),
        ("933-0840-A2", "FAS-000001"),
        ("933 0840 a2", "FAS-000001"),
        ("9330840A2", "FAS-000001"),
        ("BN.934/08", "FAS-000003"),
        ("bn 934 08", "FAS-000003"),
        (GTIN, "FAS-000001"),
        ("0" + GTIN, "FAS-000001"),
        ("CT-48300-BK", "ELE-000005"),
        ("ct48300bk", "ELE-000005"),
    ])
    def test_exact_part_number_first(self, service: SearchService, query: str, first: str) -> None:
        body = service.search(SearchRequest(q=query, facets=[], explain=True))
        assert body["hits"], query
        assert body["hits"][0]["sku"] == first
        assert body["hits"][0]["explain"]["part_number_match"] is True

    @pytest.mark.parametrize("query, expected", [
        ("CT-483", "ELE-000005"),     # prefix of an MPN
        ("933-10", "FAS-000002"),     # prefix of an MPN with separators
        ("300BK", "ELE-000005"),      # last characters of an MPN
        ("0840-a2", "FAS-000001"),    # last characters, other separators
        ("000007", "PLU-000007"),     # last characters of a SKU
    ])
    def test_partial_part_numbers(self, service: SearchService, query: str, expected: str) -> None:
        assert self.skus(service, query)[:1] == [expected]

    @pytest.mark.parametrize("query", ["din933 m8x40", "DIN 933-M8X40", "din 933 m8x40",
                                       "Din933 M8X40", "m8x40 din 933"])
    def test_standard_and_size_with_any_separators(self, service: SearchService, query: str) -> None:
        assert self.skus(service, query)[:1] == ["FAS-000001"]

    # -- measurements ----------------------------------------------------------------------
    @pytest.mark.parametrize("query", ["steel tube 40 mm ", "steel tube 40mm ", "steel tube 4 cm ",
                                       "steel tube 4cm ", "steel tube 0,04 m ", "40 mm tube"])
    def test_measurements_match_in_any_unit(self, empty_backend: Any, query: str) -> None:
        empty_backend.rebuild([[
            make_record("T40", "Steel tube 40 mm x 2 m"),
            make_record("T50", "Steel tube 50 mm x 2 m"),
            make_record("P12", "Copper pipe 1/2 in, 3 m"),
        ]])
        service = SearchService(empty_backend, Settings(), STRICT)
        assert self.skus(service, query) == ["T40"]

    def test_inches_and_litres(self, empty_backend: Any) -> None:
        empty_backend.rebuild([[
            make_record("P12", "Copper pipe 1/2 in, 3 m"),
            make_record("C5", "Jerrycan 5 l, HDPE"),
        ]])
        service = SearchService(empty_backend, Settings(), STRICT)
        assert self.skus(service, "copper pipe 12.7 mm ") == ["P12"]
        assert self.skus(service, "jerrycan 5000 ml ") == ["C5"]
        assert self.skus(service, "jerrycan 5 l") == ["C5"]

    @pytest.mark.parametrize("query, expected", [
        ("lumber 2x4 ", "L24"), ("2 x 4 lumber", "L24"), ("lumber 2 in. x 4 in. ", "L24"),
        ("4x4 post ", "P44"), ("cable tie 4.8 x 300 mm ", "C48"),
    ])
    def test_sizes_match_whatever_the_spelling(self, empty_backend: Any, query: str,
                                               expected: str) -> None:
        empty_backend.rebuild([[
            make_record("L24", "Lumber stud 2 in. x 4 in. x 96 in."),
            make_record("L26", "Lumber stud 2 in. x 6 in. x 96 in."),
            make_record("P44", "Fence post 4 in. x 4 in. x 8 ft."),
            make_record("C48", "Cable tie 4.8x300 mm black"),
            make_record("M8", "Hex bolt M8x40"),
        ]])
        service = SearchService(empty_backend, Settings(), STRICT)
        assert self.skus(service, query) == [expected]

    # -- synonyms ----------------------------------------------------------------------------
    def test_synonyms_two_way_one_way_and_multi_word(self, empty_backend: Any) -> None:
        from ranking.config import SearchConfig

        empty_backend.rebuild([[
            make_record("S1", "Hex bolt M8x40 stainless steel"),
            make_record("S2", "Hex bolt M8x40 inox"),
            make_record("S3", "Hex bolt M8x40 zinc plated"),
            make_record("G1", "Work gauntlets leather"),
            make_record("G2", "Work gloves nitrile"),
        ]])
        config = SearchConfig.from_dict({"ranking": {"minimum_should_match": 1.0}, "synonyms": {"rules": [
            "stainless steel, inox", "gauntlets => gloves"]}})
        service = SearchService(empty_backend, Settings(), config)
        assert set(self.skus(service, "hex bolt inox ")) == {"S1", "S2"}
        assert set(self.skus(service, "stainless steel hex bolt ")) == {"S1", "S2"}
        assert set(self.skus(service, "gauntlets ")) == {"G1", "G2"}      # one way ...
        assert set(self.skus(service, "gloves ")) == {"G2"}               # ... not back
        assert set(self.skus(service, "gauntlet ")) == {"G1", "G2"}       # singular works too
        plain = SearchService(empty_backend, Settings(), STRICT)
        assert set(self.skus(plain, "hex bolt inox ")) == {"S2"}          # only with the rules

    # -- typo tolerance ------------------------------------------------------------------
    @pytest.mark.parametrize("query, expected", [
        ("nitril ", "PPE-000004"),         # 1 edit, 6 letters
        ("glovse ", "PPE-000004"),         # transposition counts as one edit
        ("screwdirver ", "ELE-000006"),    # 1 edit on 11 letters
        ("scrweidriver ", "ELE-000006"),   # 2 edits on 12 letters
        ("insulatd ", "ELE-000006"),       # 1 edit on 8 letters
    ])
    def test_typos_within_budget_match(self, service: SearchService, query: str, expected: str) -> None:
        assert expected in self.skus(service, query)

    @pytest.mark.parametrize("query", [
        "hwx ",           # 3 letters: no typo allowed ("hex")
        "glvse ",         # 5 letters, 2 edits: only 1 allowed
        "niitrle ",       # 7 letters, 2 edits: only 1 allowed
        "m9x40 ",         # contains a digit: must be exact
        "din 935 ",       # numbers never fuzzy
    ])
    def test_typos_beyond_budget_do_not_match(self, service: SearchService, query: str) -> None:
        body = service.search(SearchRequest(q=query, facets=[]))
        assert body["total"] == 0 or body["relaxed"], (query, [h["sku"] for h in body["hits"]])

    def test_last_word_is_a_prefix_while_typing(self, service: SearchService) -> None:
        assert "PPE-000004" in self.skus(service, "nitrile glo")
        finished = service.search(SearchRequest(q="nitrile glo ", facets=[]))
        assert finished["relaxed"] is True  # a finished word is not a prefix: not every word matched
        assert "FAS-000001" in self.skus(service, "m8x4")   # digits: prefix of the size

    def test_exact_match_ranks_above_typo(self, service: SearchService, empty_backend: Any) -> None:
        empty_backend.rebuild([[make_record("A", "Clamp rail"), make_record("B", "Clams bucket")]])
        assert self.skus(service, "clamp ") == ["A", "B"]

    # -- filters, facets, sorting, paging ------------------------------------------------
    def test_disjunctive_facet_counts_match_independent_counts(self, empty_backend: Any) -> None:
        records = random_catalog(300)
        empty_backend.rebuild([records[:150], records[150:]])
        service = SearchService(empty_backend, Settings(), STRICT)
        filters = {"brand": {"Fastek", "Voltix"}, "material": {"steel"}}
        body = service.search(SearchRequest(
            q="", filters=[f"{f}:{v}" for f, vs in filters.items() for v in sorted(vs)],
            facets=["brand", "material", "color", "availability", "shipping_methods"],
            page_size=100))

        def matches(rec: dict[str, Any], skip: str | None) -> bool:
            return all(rec.get(f) in vs for f, vs in filters.items() if f != skip)

        assert body["total"] == sum(matches(r, None) for r in records)
        facets = {f["field"]: {v["value"]: v["count"] for v in f["values"]} for f in body["facets"]}
        for field in ("brand", "material", "color", "availability"):
            expected = Counter(r[field] for r in records if matches(r, field) and r.get(field))
            assert facets[field] == dict(expected), field
        expected_ship = Counter(m["method"] for r in records if matches(r, None)
                                for m in r["shipping_methods"])
        assert facets["shipping_methods"] == dict(expected_ship)
        # selecting values does not zero the siblings' counts
        assert set(facets["brand"]) >= {"Fastek", "Voltix", "Boltronic"}

    def test_range_filter_and_buckets(self, empty_backend: Any) -> None:
        records = random_catalog(200, seed=3)
        empty_backend.rebuild([records])
        service = SearchService(empty_backend, Settings(), STRICT)
        body = service.search(SearchRequest(q="", filters=["price_per_piece:10..100"],
                                             facets=["price_per_piece", "weight_kg"]))
        inside = [r for r in records if 10 <= r["price_per_piece"] <= 100]
        assert body["total"] == len(inside)
        weight = next(f for f in body["facets"] if f["field"] == "weight_kg")
        assert weight["min"] == pytest.approx(min(r["weight_kg"] for r in inside))
        assert weight["max"] == pytest.approx(max(r["weight_kg"] for r in inside))
        for bucket in weight["buckets"]:
            lo = bucket["from"] if bucket["from"] is not None else float("-inf")
            hi = bucket["to"] if bucket["to"] is not None else float("inf")
            assert bucket["count"] == sum(lo <= r["weight_kg"] < hi for r in inside), bucket
        price = next(f for f in body["facets"] if f["field"] == "price_per_piece")
        assert sum(b["count"] for b in price["buckets"]) == len(records)  # own filter left out

    def test_hierarchical_categories(self, empty_backend: Any) -> None:
        records = random_catalog(120, seed=5)
        empty_backend.rebuild([records])
        service = SearchService(empty_backend, Settings(), STRICT)
        body = service.search(SearchRequest(q="", filters=["category:Fasteners > Bolts"],
                                             facets=["category"]))
        in_bolts = [r for r in records if r["category"].startswith("Fasteners > Bolts")]
        assert body["total"] == len(in_bolts)
        values = {v["value"]: v for v in body["facets"][0]["values"]}
        assert values["Fasteners"]["count"] == sum(r["category"].startswith("Fasteners") for r in records)
        assert values["Electrical"]["level"] == 0
        assert values["Fasteners > Bolts"]["selected"] is True
        leaf = "Fasteners > Bolts > Hex bolts"
        assert values[leaf]["count"] == sum(r["category"] == leaf for r in records)
        assert values[leaf]["level"] == 2
        assert "Fasteners > Nuts > Hex nuts" not in values  # only the open branch is expanded

    def test_conjunctive_facets_and_filter_groups(self, empty_backend: Any) -> None:
        """facet_mode=conjunctive (the Algolia protocol): every facet counts the products
        matching every filter and lists all values (every category level, the distinct numbers
        with sum and average); filter groups AND values of one field."""
        records = random_catalog(240, seed=7)
        empty_backend.rebuild([records])
        service = SearchService(empty_backend, Settings(), STRICT)
        body = service.search(SearchRequest(
            q="", filters=["brand:Fastek", "brand:Voltix"], filter_groups=[["category:Fasteners"]],
            facets=["brand", "category", "price_per_piece"], facet_mode="conjunctive",
            facet_size=1000, page_size=1))
        inside = [r for r in records if r["brand"] in ("Fastek", "Voltix")
                  and r["category"].startswith("Fasteners")]
        assert body["total"] == len(inside) > 0
        facets = {f["field"]: f for f in body["facets"]}
        brands = {v["value"]: v["count"] for v in facets["brand"]["values"]}
        assert brands == dict(Counter(r["brand"] for r in inside))  # own filter kept
        paths = {v["value"]: (v["level"], v["count"]) for v in facets["category"]["values"]}
        expected: Counter[tuple[int, str]] = Counter()
        for r in inside:
            parts = r["category"].split(" > ")
            for level in range(len(parts)):
                expected[(level, " > ".join(parts[: level + 1]))] += 1
        assert paths == {path: (level, n) for (level, path), n in expected.items()}
        outcome = service.execute(SearchRequest(
            q="", filters=["brand:Fastek", "brand:Voltix"], filter_groups=[["category:Fasteners"]],
            facets=["price_per_piece"], facet_mode="conjunctive", facet_size=1000))
        price = outcome.result.facets["price_per_piece"]
        prices = [r["price_per_piece"] for r in inside]
        assert price.sum == pytest.approx(sum(prices))
        assert price.avg == pytest.approx(sum(prices) / len(prices))
        assert sum(v.count for v in price.values) == len(prices)
        assert sorted(float(v.value) for v in price.values) == pytest.approx(sorted(set(prices)))
        both = service.search(SearchRequest(
            q="", filter_groups=[["brand:Fastek"], ["brand:Voltix"]], facets=[]))
        assert both["total"] == 0  # one brand each: AND of two brands finds nothing

    @pytest.mark.parametrize("sort, key, reverse", [
        ("price_asc", "price_per_piece", False),
        ("price_desc", "price_per_piece", True),
        ("delivery", "delivery_days", False),
    ])
    def test_sorting(self, empty_backend: Any, sort: str, key: str, reverse: bool) -> None:
        records = random_catalog(80, seed=11)
        empty_backend.rebuild([records])
        service = SearchService(empty_backend, Settings(), STRICT)
        body = service.search(SearchRequest(q="", sort=sort, page_size=100, facets=[]))
        values = [h[key] for h in body["hits"]]
        assert values == sorted(values, reverse=reverse)
        assert len(values) == 80

    def test_sort_by_availability(self, empty_backend: Any) -> None:
        records = random_catalog(60, seed=13)
        empty_backend.rebuild([records])
        service = SearchService(empty_backend, Settings(), STRICT)
        body = service.search(SearchRequest(q="", sort="availability", page_size=100, facets=[]))
        order = ["in_stock", "low_stock", "on_request", "out_of_stock"]
        ranks = [order.index(h["availability"]) for h in body["hits"]]
        assert ranks == sorted(ranks)

    def test_paging_is_consistent(self, empty_backend: Any) -> None:
        records = random_catalog(95, seed=17)
        empty_backend.rebuild([records])
        service = SearchService(empty_backend, Settings(), STRICT)
        seen: list[str] = []
        for page in range(1, 6):
            body = service.search(SearchRequest(q="item", page=page, page_size=20, facets=[]))
            assert body["total"] == 95 and body["pages"] == 5
            seen += [h["sku"] for h in body["hits"]]
        assert len(seen) == 95 and len(set(seen)) == 95

    # -- customer assortments (S13) ------------------------------------------------------
    def test_assortment_limits_hits_totals_facets_and_suggestions(self, service: SearchService
                                                                  ) -> None:
        fasteners = Assortment(include_categories=("Fasteners",), include_skus=("PPE-000004",),
                               exclude_brands=("Boltronic",), exclude_skus=("FAS-000002",))
        body = service.search(SearchRequest(q="", facets=["brand", "category"],
                                            assortment=fasteners, page_size=50))
        assert {h["sku"] for h in body["hits"]} == {"FAS-000001", "PPE-000004"}
        assert body["total"] == 2
        brands = {v["value"]: v["count"] for f in body["facets"] if f["field"] == "brand"
                  for v in f["values"]}
        assert brands == {"Fastek": 1, "SafeHands": 1}
        # a selected facet value still leaves the others out of reach
        chosen = service.search(SearchRequest(q="", facets=["brand"], assortment=fasteners,
                                              filters=["brand:Fastek"]))
        assert [h["sku"] for h in chosen["hits"]] == ["FAS-000001"]
        assert {v["value"]: v["count"] for v in chosen["facets"][0]["values"]} == brands
        # not by part number, GTIN or autocomplete either
        assert self.skus(service, "FAS-000002", assortment=fasteners) == []
        assert self.skus(service, "BN.934/08", assortment=fasteners) == []
        suggested = service.autocomplete("hex", assortment=fasteners)
        assert [p["sku"] for p in suggested["products"]] == ["FAS-000001"]
        assert "Boltronic" in [b["value"] for b in service.autocomplete("bolt")["brands"]]
        assert "Boltronic" not in [b["value"] for b in
                                   service.autocomplete("bolt", assortment=fasteners)["brands"]]
        # excludes only: everything else stays
        no_voltix = Assortment(exclude_brands=("Voltix",))
        assert self.skus(service, "", assortment=no_voltix, page_size=50) and not {
            "ELE-000005", "ELE-000006"} & set(self.skus(service, "", assortment=no_voltix,
                                                        page_size=50))
        assert len(self.skus(service, "", assortment=Assortment(), page_size=50)) == len(FIXED)

    def test_assortment_applies_to_pinned_products(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "pin", "pin": [{"sku": "N1", "position": 1}]})
        assert self.skus(service, "hex bolt ")[0] == "N1"
        limited = Assortment(exclude_skus=("N1",))
        assert "N1" not in self.skus(service, "hex bolt ", assortment=limited)

    # -- a buyer's own prices (P3, S13) --------------------------------------------------
    OWN_PRICES = {"FAS-000001": 0.10, "FAS-000002": 0.5, "ELE-000006": 1.0,
                  "PPE-000004": 0.05, "ELE-000005": 0.03, "PLU-000007": 3.4}  # FAS-000003: none

    @classmethod
    def own_prices(cls) -> CustomerPrices:
        by_key = {product_key(sku): price for sku, price in cls.OWN_PRICES.items()}

        def lookup(keys: np.ndarray) -> np.ndarray:
            return np.array([by_key.get(int(k), np.nan) for k in keys], dtype=np.float64)

        def everything() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            skus = np.array([r["sku"] for r in FIXED], dtype=object)
            listed = np.array([r["price_per_piece"] for r in FIXED], dtype=np.float64)
            return skus, lookup(product_keys(list(skus))), listed

        return CustomerPrices(lookup, everything)

    def test_own_prices_sort_with_missing_prices_last(self, service: SearchService) -> None:
        prices = self.own_prices()
        assert self.skus(service, "", sort="price_asc", customer_prices=prices, page_size=50) == [
            "ELE-000005", "PPE-000004", "FAS-000001", "FAS-000002", "ELE-000006", "PLU-000007",
            "FAS-000003"]
        assert self.skus(service, "", sort="price_desc", customer_prices=prices, page_size=3,
                         page=1) == ["PLU-000007", "ELE-000006", "FAS-000002"]
        assert self.skus(service, "", sort="price_desc", customer_prices=prices, page_size=3,
                         page=3) == ["FAS-000003"]
        # the catalog's own order differs: the buyer's prices decided the one above
        assert self.skus(service, "", sort="price_asc", page_size=3) == [
            "ELE-000005", "FAS-000003", "PPE-000004"]

    def test_own_prices_with_facets_over_full_matches(self, backend: Any) -> None:
        """A broad query counts facets over the products with every word; the buyer's price
        filter decides whether there are any, and the price facet is the buyer's."""
        service, prices = SearchService(backend, Settings()), self.own_prices()

        def search(**kw: Any) -> dict[str, Any]:
            return service.search(SearchRequest(q="hex bolt ", facets=["brand", "price_per_piece"],
                                                customer_prices=prices, page_size=50, **kw))

        def price(body: dict[str, Any]) -> tuple[float, float, int]:
            facet = next(f for f in body["facets"] if f["field"] == "price_per_piece")
            return facet["min"], facet["max"], sum(b["count"] for b in facet["buckets"])

        body = search()  # FAS-000003 (hex nut) has one word: a hit, not counted
        assert (body["total"], body["facets_match"], body["total_every_word"]) == (
            3, "every_word", 2)
        assert price(body) == (0.10, 0.5, 2)
        body = search(filters=["price_per_piece:..0.2"])
        assert [h["sku"] for h in body["hits"]] == ["FAS-000001"]
        assert (body["facets_match"], body["total_every_word"]) == ("every_word", 1)
        assert price(body) == (0.10, 0.5, 2)  # its own filter left out
        body = search(filters=["price_per_piece:1.."])  # no full match passes: all count
        assert (body["total"], body["facets_match"], body["total_every_word"]) == (
            0, "any_word", None)
        assert price(body) == (0.10, 0.5, 2)  # FAS-000003 has no price for this buyer
        for facets in (["brand", "price_per_piece"], []):
            body = service.search(SearchRequest(q="hex bolt ", facets=facets, sort="price_desc",
                                                customer_prices=prices, page_size=2))
            assert [h["sku"] for h in body["hits"]] == ["FAS-000002", "FAS-000001"]
            assert body["total"] == 3

    def test_own_prices_filter_and_count_facets(self, service: SearchService) -> None:
        prices = self.own_prices()
        body = service.search(SearchRequest(q="", filters=["price_per_piece:..0.2"],
                                            facets=["brand", "price_per_piece"],
                                            customer_prices=prices, page_size=50))
        assert {h["sku"] for h in body["hits"]} == {"ELE-000005", "PPE-000004", "FAS-000001"}
        assert body["total"] == 3
        facets = {f["field"]: f for f in body["facets"]}
        assert [f["field"] for f in body["facets"]] == ["brand", "price_per_piece"]
        assert {v["value"]: v["count"] for v in facets["brand"]["values"]} == {
            "Voltix": 1, "SafeHands": 1, "Fastek": 1}
        price = facets["price_per_piece"]  # its own filter left out: every priced product
        assert (price["min"], price["max"]) == (0.03, 3.4)
        assert sum(b["count"] for b in price["buckets"]) == 6
        hit = next(h for h in body["hits"] if h["sku"] == "FAS-000001")
        assert (hit["price_per_piece"], hit["list_price_per_piece"]) == (0.10, 0.12)
        # no price filter, relevance order: the hits as always, the price facet the buyer's
        body = service.search(SearchRequest(q="", facets=["price_per_piece", "brand"],
                                            customer_prices=prices, page_size=50))
        assert body["total"] == len(FIXED)
        price = body["facets"][0]
        assert (price["field"], price["min"], price["max"]) == ("price_per_piece", 0.03, 3.4)
        assert sum(b["count"] for b in price["buckets"]) == 6  # FAS-000003 has no price
        assert sum(v["count"] for v in body["facets"][1]["values"]) == len(FIXED)
        # with a text query and a brand filter too (disjunctive brand counts)
        body = service.search(SearchRequest(q="hex ", filters=["price_per_piece:..0.2",
                                                              "brand:Fastek"],
                                            facets=["brand"], customer_prices=prices))
        assert [h["sku"] for h in body["hits"]] == ["FAS-000001"]
        assert {v["value"]: v["count"] for v in body["facets"][0]["values"]} == {"Fastek": 1}

    def test_own_prices_are_shown_without_price_sorting_or_filters(
            self, service: SearchService) -> None:
        body = service.search(SearchRequest(q="hex nut ", facets=[],
                                            customer_prices=self.own_prices()))
        assert [(h["sku"], h["price_per_piece"], h["list_price_per_piece"])
                for h in body["hits"]] == [("FAS-000003", None, 0.04)]
        suggested = service.autocomplete("cable", customer_prices=self.own_prices())
        assert [(p["sku"], p["price_per_piece"]) for p in suggested["products"]] == [
            ("ELE-000005", 0.03)]

    # -- updates -------------------------------------------------------------------------
    def test_incremental_update_and_delete(self, backend: Any, service: SearchService) -> None:
        backend.index_changed([make_record("NEW-1", "Angle grinder 125 mm 1200 W")])
        backend.index_changed([dict(FIXED[0], name="Hex screw DIN 933 M8x40 stainless A2")])
        backend.delete(["ELE-000005"])
        backend.commit()
        assert self.skus(service, "angle grinder") == ["NEW-1"]
        assert "FAS-000001" in self.skus(service, "hex screw")
        changed = service.search(SearchRequest(q="FAS-000001", facets=[]))["hits"][0]
        assert changed["name"] == "Hex screw DIN 933 M8x40 stainless A2"
        assert self.skus(service, "CT-48300-BK") == []
        assert backend.count() == len(FIXED)

    def test_rebuild_replaces_everything(self, backend: Any, service: SearchService) -> None:
        assert backend.rebuild([[make_record("ONLY-1", "Ladder 3 steps")]]) == 1
        assert backend.count() == 1
        assert self.skus(service, "ladder") == ["ONLY-1"]
        assert self.skus(service, "hex bolt") == []

    def test_highlights_mark_matched_words(self, service: SearchService) -> None:
        body = service.search(SearchRequest(q="nitril glov", facets=[]))
        assert body["hits"][0]["highlights"]["name"].startswith(
            "<em>Nitrile</em> disposable <em>gloves</em>")

    def test_explain_names_fields_and_kinds(self, service: SearchService) -> None:
        body = service.search(SearchRequest(q="nitril gloves", facets=[], explain=True))
        explain = body["hits"][0]["explain"]
        assert explain["matched"]["name"] == {"nitril": "typo", "gloves": "exact"}
        assert explain["unmatched_words"] == []

    # -- query rules (merchandising) -------------------------------------------------------
    RULE_RECORDS = [  # the same text; popularity alone orders them: R1, R2, R4, R3
        make_record("R1", "Hex bolt alpha", brand="Boltronic", availability="in_stock",
                    popularity=90.0),
        make_record("R2", "Hex bolt beta", brand="Boltronic", availability="out_of_stock",
                    popularity=80.0),
        make_record("R3", "Hex bolt gamma", brand="Fastek", availability="in_stock", popularity=10.0),
        make_record("R4", "Hex bolt delta", brand="Boltronic", availability="in_stock",
                    popularity=50.0),
        make_record("N1", "Nitrile gloves", brand="SafeHands", availability="in_stock",
                    popularity=5.0),
    ]

    @staticmethod
    def ruled(backend: Any, *rules: dict[str, Any], **kw: Any) -> SearchService:
        from ranking.config import SearchConfig

        backend.rebuild([BackendConformance.RULE_RECORDS])
        config = SearchConfig.from_dict({"name": "merch", "rules": list(rules)})
        return SearchService(backend, Settings(), config, **kw)

    def test_rules_baseline_order(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend)
        body = service.search(SearchRequest(q="hex bolt ", facets=[]))
        assert [h["sku"] for h in body["hits"]] == ["R1", "R2", "R4", "R3"]
        assert body["rules"] == [] and body["redirect"] is None

    def test_rule_pins_at_positions_1_and_3_on_every_page(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "pins", "query_equals": "hex bolt", "pin": [
            {"sku": "R3", "position": 3}, {"sku": "N1", "position": 1}]})
        body = service.search(SearchRequest(q="hex bolt ", facets=[]))
        assert [h["sku"] for h in body["hits"]] == ["N1", "R1", "R3", "R2", "R4"]
        assert [h["pinned"] for h in body["hits"]] == [True, False, True, False, False]
        assert body["total"] == 5 and body["rules"] == ["pins"]
        pages = [service.search(SearchRequest(q="hex bolt ", facets=[], page=p, page_size=2))
                 for p in (1, 2, 3)]
        assert [[h["sku"] for h in b["hits"]] for b in pages] == [["N1", "R1"], ["R3", "R2"], ["R4"]]
        assert {(b["total"], b["pages"]) for b in pages} == {(5, 3)}

    def test_pins_past_the_end_close_the_list(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "late", "pin": [
            {"sku": "N1", "position": 40}, {"sku": "R1", "position": 50}]})
        assert self.skus(service, "hex bolt ") == ["R2", "R4", "R3", "N1", "R1"]
        last = service.search(SearchRequest(q="hex bolt ", facets=[], page=2, page_size=4))
        assert [h["sku"] for h in last["hits"]] == ["R1"] and last["total"] == 5

    def test_pins_respect_filters_and_hiding(self, empty_backend: Any) -> None:
        pin = {"id": "pin", "pin": [{"sku": "N1", "position": 1}, {"sku": "GONE", "position": 2}]}
        service = self.ruled(empty_backend, pin)
        filtered = service.search(SearchRequest(q="hex bolt ", facets=[],
                                                filters=["brand:Boltronic"]))
        assert [h["sku"] for h in filtered["hits"]] == ["R1", "R2", "R4"]  # N1 is not Boltronic
        assert filtered["total"] == 3
        hidden = self.ruled(empty_backend, pin, {"id": "hide", "hide": ["N1"]})
        assert self.skus(hidden, "hex bolt ") == ["R1", "R2", "R4", "R3"]

    def test_rule_hides_products_from_hits_totals_and_facets(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "hide", "hide": ["R1", "R3"]})
        body = service.search(SearchRequest(q="hex bolt ", facets=["brand"]))
        assert [h["sku"] for h in body["hits"]] == ["R2", "R4"] and body["total"] == 2
        assert {v["value"]: v["count"] for v in body["facets"][0]["values"]} == {"Boltronic": 2}
        assert self.skus(service, "R1") == []  # not even by its SKU

    def test_rule_boost_moves_a_brand_up(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "fastek", "query_contains": "bolt",
                                             "boost": [{"filter": "brand:Fastek", "weight": 3}]})
        body = service.search(SearchRequest(q="hex bolt ", facets=[]))
        assert [h["sku"] for h in body["hits"]] == ["R3", "R1", "R2", "R4"]
        assert body["total"] == 4  # boosting matches nothing new
        assert self.skus(service, "gloves ") == ["N1"]

    def test_rule_bury_moves_out_of_stock_down(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "oos", "bury": [
            {"filter": "availability:out_of_stock", "weight": 0.5}]})
        assert self.skus(service, "hex bolt ") == ["R1", "R4", "R3", "R2"]
        assert self.skus(service, "") == ["R1", "R4", "R3", "N1", "R2"]  # browsing too

    def test_rule_filter_narrows_and_binds_every_facet(self, empty_backend: Any) -> None:
        service = self.ruled(empty_backend, {"id": "stock", "filter": ["availability:in_stock"]})
        body = service.search(SearchRequest(q="hex bolt ", facets=["availability"],
                                            filters=["availability:out_of_stock"]))
        assert body["total"] == 0 and body["rules"] == ["stock"]  # the buyer cannot undo it
        body = service.search(SearchRequest(q="hex bolt ", facets=["availability", "brand"]))
        assert [h["sku"] for h in body["hits"]] == ["R1", "R4", "R3"]
        counts = {f["field"]: {v["value"]: v["count"] for v in f["values"]} for f in body["facets"]}
        assert counts == {"availability": {"in_stock": 3}, "brand": {"Boltronic": 2, "Fastek": 1}}

    def test_rule_redirect_and_fired_ids(self, empty_backend: Any) -> None:
        service = self.ruled(
            empty_backend,
            {"id": "gloves-page", "query_prefix": "nitrile", "redirect": "https://example.com/ppe"},
            {"id": "everywhere", "boost": [{"filter": "brand:Fastek"}]},
            {"id": "bolts-only", "query_equals": "hex bolt", "redirect": "/bolts"},
        )
        body = service.search(SearchRequest(q="Nitrile glo", facets=[]))
        assert body["rules"] == ["gloves-page", "everywhere"]
        assert body["redirect"] == "https://example.com/ppe"
        assert [h["sku"] for h in body["hits"]] == ["N1"]  # results still come with a redirect
        body = service.search(SearchRequest(q="HEX BOLT", facets=[]))
        assert body["rules"] == ["everywhere", "bolts-only"] and body["redirect"] == "/bolts"

    def test_rules_apply_to_autocomplete(self, empty_backend: Any) -> None:
        plain = self.ruled(empty_backend).autocomplete("hex bo", limit=5)
        assert [p["sku"] for p in plain["products"]] == ["R1", "R2", "R4", "R3"]
        assert plain["rules"] == [] and plain["redirect"] is None
        service = self.ruled(
            empty_backend,
            {"id": "tidy", "query_prefix": "hex", "hide": ["R1"], "filter": ["brand:Boltronic"],
             "pin": [{"sku": "R4", "position": 1}, {"sku": "N1", "position": 2}]},
            {"id": "vip", "customer_groups": ["vip"], "query_prefix": "hex", "redirect": "/vip"})
        body = service.autocomplete("hex bo", limit=5)
        assert body["rules"] == ["tidy"] and body["redirect"] is None
        # pinned first; the hidden one and other brands gone, a pinned one (N1) included
        assert [p["sku"] for p in body["products"]] == ["R4", "R2"]
        assert [b["value"] for b in body["brands"]] == ["Boltronic"]
        vip = service.autocomplete("hex bo", limit=5, customer_group="vip")
        assert vip["rules"] == ["tidy", "vip"] and vip["redirect"] == "/vip"

    def test_rules_outside_their_time_window_or_group_do_not_fire(self, empty_backend: Any) -> None:
        from datetime import UTC, datetime

        windowed = {"id": "june", "active_from": "2026-06-01T00:00:00Z",
                    "active_until": "2026-06-30T23:59:59Z", "hide": ["R1"]}
        grouped = {"id": "vip", "customer_groups": ["vip"], "pin": [{"sku": "N1", "position": 1}]}
        may = self.ruled(empty_backend, windowed, grouped,
                         clock=lambda: datetime(2026, 5, 31, 23, 0, tzinfo=UTC))
        body = may.search(SearchRequest(q="hex bolt ", facets=[]))
        assert body["rules"] == [] and [h["sku"] for h in body["hits"]] == ["R1", "R2", "R4", "R3"]
        june = self.ruled(empty_backend, windowed, grouped,
                          clock=lambda: datetime(2026, 6, 15, tzinfo=UTC))
        body = june.search(SearchRequest(q="hex bolt ", facets=[], customer_group="vip"))
        assert body["rules"] == ["june", "vip"]
        assert [h["sku"] for h in body["hits"]] == ["N1", "R2", "R4", "R3"]
        assert june.search(SearchRequest(q="hex bolt ", facets=[],
                                         customer_group="retail"))["rules"] == ["june"]
