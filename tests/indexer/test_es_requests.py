"""Request shapes of the Elasticsearch backend, checked without a cluster: for a table of
search plans (made by ``ranking`` from real queries, as the API makes them) the compiled bodies
equal reviewed golden files and pass a structural check against the client's DSL classes,
which are generated from the official Elasticsearch API specification."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from catalog.fields import BY_NAME
from indexer.elasticsearch.compile import (
    compile_doc_freqs,
    compile_facets,
    compile_journal_deletes,
    compile_knn,
    compile_search,
    compile_similarities,
    compile_text,
    compile_vector_skus,
    split,
    split_words,
)
from indexer.elasticsearch.mapping import (
    TEXT_FIELD_OF,
    analysis,
    index_template,
    mappings,
    synonym_rules,
    to_es_document,
)
from indexer.plan import Assortment, RangeFilter, SearchPlan, SortSpec, TermsFilter
from ranking.config import SearchConfig, load_config
from ranking.query import every_word, parse_text
from ranking.service import facet_requests
from tests.indexer.conformance import FIXED, GTIN
from tests.indexer.es_support import check_aggs, check_query, check_search_body, golden

STRICT = load_config("strict")
DEFAULT = load_config("default")
SYNONYMS = SearchConfig.from_dict({"ranking": {"minimum_should_match": 1.0}, "synonyms": {
    "rules": ["stainless steel, inox", "gauntlets => gloves"]}})
DOC_FREQ = {"deck": 3, "paint": 7, "carpet": 2, "car": 1, "pet": 1}.get


def text(q: str, config: SearchConfig = STRICT) -> Any:
    return parse_text(q, config)


def broad(q: str) -> SearchPlan:
    """The default configuration's plan: any word, facets over every word when possible."""
    t = text(q, DEFAULT)
    return SearchPlan(text=t, facets=facet_requests(["brand", "category"]),
                      facet_text=every_word(t))


PLANS: dict[str, SearchPlan] = {
    "text_typos_and_prefix": SearchPlan(text=text("nitril glov")),
    "text_two_typos": SearchPlan(text=text("scrweidriver ")),
    "text_broad_with_every_word_facets": broad("hex bolt "),
    "stop_word_optional": SearchPlan(text=text("gloves for nitrile")),
    "stop_word_optional_in_broad_matching": broad("gloves for nitrile "),
    "part_number_mpn": SearchPlan(text=text("933-0840-A2")),
    "part_number_gtin_leading_zero": SearchPlan(text=text("0" + GTIN + " ")),
    "part_number_partial": SearchPlan(text=text("CT-483")),
    "size_with_separators": SearchPlan(text=text("din933 m8x40 ")),
    "units_any_spelling": SearchPlan(text=text("steel tube 4 cm ")),
    "synonyms_alternatives": SearchPlan(text=text("hex bolt inox ", SYNONYMS)),
    "compound_written_apart": SearchPlan(text=text("kwik set ")),
    "compound_split": SearchPlan(text=text("deckpaint ")),
    "filters_terms_and_range": SearchPlan(
        text=text("bolt "),
        filters=[TermsFilter("brand", ("Fastek", "Voltix")), TermsFilter("material", ("steel",)),
                 RangeFilter("price_per_piece", 10, 100), RangeFilter("delivery_days", 0.5, 3.5),
                 TermsFilter("pieces_per_package", ("100",))]),
    "facets_every_kind_disjunctive": SearchPlan(
        filters=[TermsFilter("brand", ("Fastek",)), TermsFilter("category", ("Fasteners > Bolts",)),
                 RangeFilter("price_per_piece", gte=1)],
        facets=facet_requests(["brand", "material", "category", "price_per_piece",
                               "shipping_methods"])),
    "facets_conjunctive_values_and_levels": SearchPlan(
        fixed_filters=[TermsFilter("brand", ("Fastek",))],
        facets=facet_requests(["category", "price_per_piece"], size=1000, conjunctive=True)),
    "category_subtree": SearchPlan(filters=[TermsFilter("category", (
        "Fasteners > Bolts", "Electrical"))]),
    "range_open_and_empty": SearchPlan(filters=[RangeFilter("weight_kg", lte=5),
                                                RangeFilter("stock_level", 3.2, 3.8)]),
    "sort_price_desc": SearchPlan(text=text("bolt "), sort=SortSpec("price_per_piece", True)),
    "sort_availability": SearchPlan(sort=SortSpec("availability")),
    "paging": SearchPlan(text=text("item "), offset=40, limit=20),
    "browse_without_popularity": SearchPlan(popularity_boost=False, limit=5),
    "rule_boost_and_bury": SearchPlan(text=text("hex bolt "), boosts=[
        (TermsFilter("brand", ("Fastek",)), 3.0),
        (TermsFilter("availability", ("out_of_stock",)), 0.5)]),
    "rule_hide_pin_and_fixed_filter": SearchPlan(
        text=text("hex bolt "), exclude_skus=("R1", "R3"), skip_skus=("N1",),
        fixed_filters=[TermsFilter("availability", ("in_stock",))],
        filters=[TermsFilter("brand", ("Boltronic",))], facets=facet_requests(["brand"])),
    "rule_hide_pin_without_facets": SearchPlan(
        text=text("hex bolt "), exclude_skus=("R1",), skip_skus=("N1",)),
    "assortment": SearchPlan(
        assortment=Assortment(include_categories=("Fasteners",), include_skus=("PPE-000004",),
                              exclude_brands=("Boltronic",), exclude_skus=("FAS-000002",)),
        filters=[TermsFilter("brand", ("Fastek",))], facets=facet_requests(["brand"])),
    "assortment_excludes_only": SearchPlan(assortment=Assortment(exclude_brands=("Voltix",))),
    "explain": SearchPlan(text=text("nitril gloves"), explain=True),
}


def _compile(plan: SearchPlan) -> dict[str, Any]:
    return compile_search(plan, DOC_FREQ)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_request_body_matches_the_reviewed_golden_file(name: str) -> None:
    body = _compile(PLANS[name])
    check_search_body(body)
    assert body == golden(name, body)


def test_facet_recount_and_knn_and_doc_freq_bodies() -> None:
    facets = compile_facets(PLANS["text_broad_with_every_word_facets"], DOC_FREQ)
    check_search_body(facets)
    assert facets == golden("facets_over_any_word", facets)
    plan = SearchPlan(filters=[TermsFilter("brand", ("Fastek",))],
                      assortment=Assortment(exclude_brands=("Voltix",)),
                      exclude_skus=("H1",), skip_skus=("P1",))
    knn = compile_knn(plan, [0.1, -0.2, 0.3], k=10, num_candidates=40)
    check_search_body(knn)
    assert knn == golden("hybrid_knn", knn)
    sims = compile_similarities([0.1, -0.2, 0.3], ["A-1", "B-2"])
    check_search_body(sims)
    assert sims == golden("vector_similarities", sims)
    journal = compile_journal_deletes(1000, ["SKU-9"])
    check_search_body(journal)
    assert journal == golden("rebuild_journal_deletes", journal)
    freqs = compile_doc_freqs(["deck", "paint"])
    check_search_body(freqs)
    assert freqs == golden("doc_freqs", freqs)


# -- what the golden files hold, stated as rules (each would break without the code) ------
def test_typo_budget_and_prefix_follow_the_plan() -> None:
    body = _compile(PLANS["text_typos_and_prefix"])
    must = body["query"]["bool"]["must"][0]["function_score"]["query"]["bool"]["must"]
    nitril, glov = (q["dis_max"]["queries"] for q in must)
    fuzzy = nitril[2]["constant_score"]["filter"]["fuzzy"]["all_plain"]  # 1: "nitrilglov"
    assert fuzzy["fuzziness"] == 1 and fuzzy["transpositions"] is True
    # the word being typed: a typo anywhere in the start of a longer word
    assert glov[2]["constant_score"]["filter"]["fuzzy"]["all_plain.prefixes"]["value"] == "glov"
    exact_prefix = _compile(SearchPlan(text=text("nitrile gl")))
    assert "{'term': {'all_plain.prefixes': 'gl'}}" in str(exact_prefix)  # 2 letters: no typo
    weights = STRICT.field_weights
    assert nitril[0]["multi_match"]["fields"] == [
        f"{field}^{weights[logical]:g}" for logical, field in (
            ("name", "name"), ("brand", "brand_text"), ("category", "category_text"),
            ("attributes", "attributes_text"), ("description", "description"),
            ("documents", "document_text"))]
    assert nitril[2]["constant_score"]["boost"] == round(STRICT.fuzzy_weight * 3, 6) == 0.9
    two = _compile(PLANS["text_two_typos"])["query"]["bool"]["must"][0]
    assert '"fuzziness": 2' in str(two).replace("'", '"')


def test_stop_words_stay_optional_when_any_word_may_match() -> None:
    body = _compile(PLANS["stop_word_optional_in_broad_matching"])
    scored = body["query"]["bool"]["must"][0]["bool"]["should"][0]["function_score"]["query"]
    some, every = scored["bool"]["must"][0]["bool"], scored["bool"]["should"][0]["bool"]
    assert some["minimum_should_match"] == 1 and len(some["should"]) == 3
    every_words = every["must"][0]["bool"]
    assert len(every_words["must"]) == 2 and len(every_words["should"]) == 1  # "for"
    assert '"query": "for"' in json.dumps(every_words["should"])


def test_digits_are_never_fuzzy_and_part_numbers_score_first() -> None:
    body = _compile(PLANS["part_number_mpn"])
    flat = str(body)
    assert "fuzzy" not in flat
    should = body["query"]["bool"]["must"][0]["function_score"]["query"]["bool"]["should"]
    exact = [q for q in should if "constant_score" in q and "pn" in
             q["constant_score"]["filter"].get("term", {})]
    assert exact == [{"constant_score": {"filter": {"term": {"pn": "9330840a2"}}, "boost": 1000}}]
    gtin = str(_compile(PLANS["part_number_gtin_leading_zero"]))
    assert f"'pn': '0{GTIN}'" in gtin and f"'pn': '{GTIN}'" in gtin


def test_disjunctive_facets_leave_out_their_own_filter_only() -> None:
    body = _compile(PLANS["facets_every_kind_disjunctive"])
    post = body["post_filter"]["bool"]["filter"]
    assert len(post) == 3
    aggs = body["aggs"]
    assert set(aggs) == {"facets", "facets_without_brand", "facets_without_category",
                         "facets_without_price_per_piece"}
    without_brand = str(aggs["facets_without_brand"]["filter"])
    assert "Fastek" not in without_brand and "category_lvl1" in without_brand
    assert "price_per_piece" in without_brand
    assert "price_per_piece" not in str(aggs["facets_without_price_per_piece"]["filter"])
    assert set(aggs["facets"]["aggs"]) == {"material", "shipping_methods"}
    assert set(aggs["facets_without_price_per_piece"]["aggs"]) == {
        "price_per_piece__stats", "price_per_piece__ranges"}
    assert set(aggs["facets_without_category"]["aggs"]) == {
        f"category__lvl{n}" for n in range(5)}


def test_hidden_products_leave_every_count_and_pinned_ones_only_the_hits() -> None:
    body = _compile(PLANS["rule_hide_pin_and_fixed_filter"])
    assert body["query"]["bool"]["must_not"] == [{"terms": {"sku": ["R1", "R3"]}}]
    assert body["query"]["bool"]["filter"] == [{"terms": {"availability": ["in_stock"]}}]
    assert body["post_filter"]["bool"]["must_not"] == [{"terms": {"sku": ["N1"]}}]
    assert "N1" not in str(body["aggs"])


def test_split_compound_uses_the_index_word_frequencies() -> None:
    plan = PLANS["compound_split"]
    assert "deckpaint" in split_words(plan) and "paint" in split_words(plan)
    assert split("deckpaint", DOC_FREQ) == [["deck"], ["paint"]]
    assert split("carpet", DOC_FREQ) is None  # a word products hold stays whole
    assert "all_plain" in str(_compile(plan)) and "'paint'" in str(_compile(plan))
    assert "'paint'" not in str(compile_search(plan, None))


def test_boosts_multiply_and_are_left_out_of_sorted_results() -> None:
    body = _compile(PLANS["rule_boost_and_bury"])
    inner = body["query"]["bool"]["must"][0]["function_score"]["query"]["function_score"]
    assert inner["score_mode"] == "sum" and inner["boost_mode"] == "multiply"
    assert [f["weight"] for f in inner["functions"]] == [1, 2, 1]
    sorted_body = _compile(replace(PLANS["rule_boost_and_bury"], sort=SortSpec("price_per_piece")))
    assert "function_score" not in str(sorted_body)
    assert sorted_body["sort"] == [{"price_per_piece": {"order": "asc"}}, {"sku": "asc"}]


def test_each_dsl_check_catches_a_broken_body() -> None:
    with pytest.raises(Exception, match="mutli_match"):
        check_query({"mutli_match": {"query": "x"}})
    with pytest.raises(AssertionError, match="fuziness"):
        check_query({"fuzzy": {"all_plain": {"value": "x", "fuziness": 1}}})
    with pytest.raises(AssertionError, match="tiebreaker"):
        check_query({"dis_max": {"queries": [], "tiebreaker": 0.1}})
    with pytest.raises(AssertionError, match="sizes"):
        check_aggs({"brand": {"terms": {"field": "brand", "sizes": 5}}})
    with pytest.raises(AssertionError, match="post_filters"):
        check_search_body({"post_filters": {"match_all": {}}})


# -- mapping -------------------------------------------------------------------------------
def test_mapping_covers_every_document_field_and_catalog_kind() -> None:
    props = mappings(384, 512)["properties"]
    for record in FIXED:
        doc = to_es_document(record | {"text_embedding": [0.0] * 384}, 384, 512)
        assert set(doc) <= set(props), set(doc) - set(props)
    for spec in BY_NAME.values():
        if spec.facet == "range" or spec.numeric:
            assert props[spec.name]["type"] == ("double" if spec.kind == "float" else "long"), \
                spec.name
        elif spec.facet == "terms":
            assert props[spec.name]["type"] == "keyword", spec.name
    assert props["category"]["type"] == "keyword"
    assert [props[f"category_lvl{n}"]["type"] for n in range(5)] == ["keyword"] * 5
    assert props["text_vector"] == {"type": "dense_vector", "dims": 384, "index": True,
                                    "similarity": "cosine"}
    assert props["image_vector"]["dims"] == 512
    assert props["name"]["analyzer"] == "b2b_stem" and props["all_plain"]["analyzer"] == "b2b_plain"
    assert props["pn"]["normalizer"] == "b2b_pn"
    assert set(props["pn"]["fields"]) == {"prefix", "suffix"}


def test_a_vector_of_the_wrong_size_is_left_out() -> None:
    doc = to_es_document(FIXED[0] | {"text_embedding": [0.5] * 3}, 384, 512)
    assert "text_vector" not in doc


def test_analysis_and_template_golden() -> None:
    template = index_template("discovery-products-*", 1, 1, "1s", 384, 512, "discovery-synonyms")
    assert template["index_patterns"] == ["discovery-products-*"]
    assert template["template"]["settings"]["analysis"] == analysis("discovery-synonyms")
    assert template == golden("index_template", template)
    english = analysis()["filter"]["b2b_english"]
    assert english == {"type": "stemmer", "language": "porter2"}


def test_every_price_filter_facet_and_sort_goes_through_the_price_hook(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Price facets and price sorting read ``price_field`` (where buyers' own prices will plug
    in for them; price filters already take them through ``plan_filter``)."""
    import indexer.elasticsearch.compile as compile_module

    monkeypatch.setattr(compile_module, "price_field", lambda field: f"{field}_customer")
    body = compile_search(SearchPlan(
        filters=[RangeFilter("price_per_piece", 1, 5)], sort=SortSpec("price_per_piece"),
        facets=facet_requests(["price_per_piece", "price_per_package", "weight_kg"])))
    flat = json.dumps(body)
    assert '"price_per_piece": {' not in flat.replace('"price_per_piece_customer"', "")
    assert body["sort"][0] == {"price_per_piece_customer": {"order": "asc"}}
    assert body["post_filter"] == {"range": {"price_per_piece_customer": {"gte": 1, "lte": 5}}}
    package = body["aggs"]["facets"]["aggs"]["price_per_package__stats"]
    assert package == {"stats": {"field": "price_per_package_customer"}}
    assert body["aggs"]["facets"]["aggs"]["weight_kg__stats"] == {"stats": {"field": "weight_kg"}}


def test_every_mapped_field_has_a_known_type_and_known_parameters() -> None:
    """Checked against the client's field classes (generated from the API specification)."""
    import inspect

    from elasticsearch.dsl import field as dsl_field

    def check(name: str, spec: dict[str, Any]) -> None:
        cls = dsl_field.Field.get_dsl_class(spec["type"])  # unknown types raise
        allowed = set(inspect.signature(cls.__init__).parameters) - {"self", "args", "kwargs"}
        assert set(spec) - {"type"} <= allowed, (name, set(spec) - {"type"} - allowed)
        for sub, sub_spec in spec.get("fields", {}).items():
            check(f"{name}.{sub}", sub_spec)

    for name, spec in mappings(384, 512)["properties"].items():
        check(name, spec)
    with pytest.raises(AssertionError):
        check("x", {"type": "keyword", "analyzer": "b2b_stem"})  # keywords take no analyzer


def test_a_buyers_price_filter_is_the_list_price_filter_corrected_by_keys() -> None:
    import numpy as np

    from catalog.keys import product_keys
    from indexer.plan import CustomerPrices

    skus = [r["sku"] for r in FIXED]
    keys = product_keys(skus)
    listed = np.array([r["price_per_piece"] for r in FIXED], dtype=np.float64)
    own = listed.copy()
    own[skus.index("FAS-000002")] = 0.5   # list 0.2: the buyer pays more, out of ..0.3
    own[skus.index("ELE-000006")] = 0.25  # list 34.9: a contract price, into ..0.3
    by_key = dict(zip(keys.tolist(), own.tolist(), strict=True))
    prices = CustomerPrices(lambda k: np.array([by_key.get(int(x), np.nan) for x in k]),
                            lambda: (np.array(skus, dtype=object), own, listed))
    plan = SearchPlan(filters=[RangeFilter("price_per_piece", None, 0.3)], limit=20,
                      customer_prices=prices)
    body = compile_search(plan)
    check_search_body(body)
    text = json.dumps(body)
    price_filter = body["query"]["bool"]["filter"][0]["bool"]
    assert price_filter["should"][0]["bool"]["must_not"] == [
        {"terms": {"sku": ["FAS-000002"]}}]
    assert price_filter["should"][1] == {"terms": {"sku": ["ELE-000006"]}}
    assert '"lte": 0.3' in text
    # an anonymous plan: the list price filter alone
    plain = compile_search(replace(plan, customer_prices=None))
    assert "FAS-000002" not in json.dumps(plain)


def test_a_buyers_price_sort_and_facet_read_own_prices_through_a_script() -> None:
    import numpy as np

    from catalog.keys import product_keys
    from indexer.plan import CustomerPrices

    skus = [r["sku"] for r in FIXED]
    keys = product_keys(skus)
    listed = np.array([r["price_per_piece"] for r in FIXED], dtype=np.float64)
    own = listed.copy()
    own[skus.index("FAS-000002")] = 0.5
    own[skus.index("PLU-000007")] = np.nan  # no price for this buyer
    by_key = dict(zip(keys.tolist(), own.tolist(), strict=True))
    prices = CustomerPrices(lambda k: np.array([by_key.get(int(x), np.nan) for x in k]),
                            lambda: (np.array(skus, dtype=object), own, listed))
    for descending in (False, True):
        plan = SearchPlan(sort=SortSpec("price_per_piece", descending=descending),
                          facets=facet_requests(["price_per_piece", "brand"]), limit=20,
                          customer_prices=prices)
        body = compile_search(plan)
        check_search_body(body)
        sort = body["sort"][0]["_script"]
        assert sort["type"] == "number" and sort["order"] == ("desc" if descending else "asc")
        params = sort["script"]["params"]
        # only the products whose price differs for the buyer travel with the request
        assert params["own"] == {"FAS-000002": 0.5, "PLU-000007": None}
        assert params["none"] == (-1e300 if descending else 1e300)  # no price: last
        aggs = body["aggs"]["facets"]["aggs"]
        assert aggs["price_per_piece__stats"]["stats"]["script"]["params"]["own"] == params["own"]
        assert "script" in aggs["price_per_piece__ranges"]["range"]
        assert aggs["brand"] == {"terms": {"field": "brand", "size": 50}}


# -- vectors: the kNN request ---------------------------------------------------------------
def test_knn_filter_is_the_lexical_requests_filter() -> None:
    """The kNN search allows exactly what the lexical search allows: the buyer's filters,
    query-rule filters and the assortment, without hidden and pinned products."""
    plan = SearchPlan(text=text("hex bolt "), filters=[TermsFilter("brand", ("Fastek",)),
                                                       RangeFilter("price_per_piece", 1, 5)],
                      fixed_filters=[TermsFilter("category", ("Fasteners",))],
                      assortment=Assortment(include_brands=("Fastek", "Boltronic")),
                      exclude_skus=("H1",), skip_skus=("P1",))
    knn = compile_knn(plan, [0.25] * 4, k=100, num_candidates=400)
    check_search_body(knn)
    assert knn == golden("hybrid_knn_rules_and_assortment", knn)
    spec = knn["knn"]
    assert (spec["field"], spec["k"], spec["num_candidates"]) == ("text_vector", 100, 400)
    lexical = compile_search(plan)
    allowed = spec["filter"]["bool"]
    lexical_filters = lexical["query"]["bool"]["filter"]  # no facets: every filter in the query
    assert sorted(map(str, allowed["filter"])) == sorted(map(str, lexical_filters))
    assert allowed["must_not"] == [{"terms": {"sku": ["H1", "P1"]}}]
    assert knn["_source"] == ["source"] and knn["size"] == 100
    # k above num_candidates is refused by Elasticsearch: never sent
    assert compile_knn(SearchPlan(), [0.0], k=50, num_candidates=10)["knn"]["num_candidates"] == 50


def test_image_knn_narrows_by_the_words_filters_and_rules() -> None:
    """Search by photo on the cluster: the kNN search on ``image_vector`` allows what the
    engine's check of the neighbours allows (every word of the text, the buyer's filters,
    rule filters, hidden products left out); hybrid search's kNN leaves the text out."""
    plan = SearchPlan(text=every_word(text("hex bolt ")),
                      filters=[TermsFilter("brand", ("Fastek",))],
                      fixed_filters=[TermsFilter("category", ("Fasteners",))],
                      exclude_skus=("H1",), limit=200, popularity_boost=False)
    knn = compile_knn(plan, [0.5, -0.5, 0.5, -0.5], k=200, num_candidates=800,
                      field="image_vector", match_text=True)
    check_search_body(knn)
    assert knn == golden("image_knn_text_rules_and_hidden", knn)
    spec = knn["knn"]
    assert (spec["field"], spec["k"], spec["num_candidates"]) == ("image_vector", 200, 800)
    allowed = spec["filter"]["bool"]
    assert allowed["filter"][0] == compile_text(plan.text).to_dict()  # the words first
    lexical = compile_search(plan)["query"]["bool"]
    assert sorted(map(str, allowed["filter"][1:])) == sorted(map(str, lexical["filter"]))
    assert allowed["must_not"] == [{"terms": {"sku": ["H1"]}}]
    hybrid = compile_knn(plan, [0.5] * 4, k=200, num_candidates=800)
    assert len(hybrid["knn"]["filter"]["bool"]["filter"]) == len(allowed["filter"]) - 1


def test_the_vector_sync_lists_the_products_holding_a_vector() -> None:
    body = compile_vector_skus("image_vector", 1000, ["SKU-9"])
    check_search_body(body)
    assert body == golden("vector_skus", body)
    assert body["query"] == {"bool": {"filter": [{"exists": {"field": "image_vector"}}]}}
    assert body["_source"] is False and body["search_after"] == ["SKU-9"]


# -- synonyms: the cluster's synonym set ----------------------------------------------------
def test_synonym_lines_become_solr_rules_keeping_one_way_keys() -> None:
    rules = synonym_rules(["stainless steel, inox, A2  # comment", "gauntlets, mitts => gloves",
                           "", "# only a comment", "inox, stainless steel, a2"])
    assert [r["synonyms"] for r in rules] == [
        "stainless steel, inox, a2",  # two-way: equivalent terms
        "gauntlets => gauntlets, gloves",  # one-way: the key keeps finding itself
        "mitts => mitts, gloves",
        "inox, stainless steel, a2"]
    assert len({r["id"] for r in rules}) == 4  # ids: hashes of the rules, stable
    assert synonym_rules(["Stainless  Steel, INOX, a2"])[0]["id"] == rules[0]["id"]


def test_the_search_analyzer_reads_an_updateable_synonym_set() -> None:
    found = analysis("shop-synonyms")
    assert found["filter"]["b2b_synonyms"] == {"type": "synonym_graph",
                                               "synonyms_set": "shop-synonyms",
                                               "updateable": True}
    # after the stemmer (rules are analysed by the filters before it: "bolts" meets "bolt")
    assert found["analyzer"]["b2b_stem_synonyms"]["filter"][-2:] == ["b2b_english",
                                                                     "b2b_synonyms"]
    # an updateable filter may only be in a search analyzer: never the index analyzer
    props = mappings(384, 512, synonyms=True)["properties"]
    for field_name in TEXT_FIELD_OF.values():
        assert props[field_name]["analyzer"] == "b2b_stem"
        assert props[field_name]["search_analyzer"] == "b2b_stem_synonyms"
    assert "b2b_synonyms" not in analysis()["filter"]
    assert "search_analyzer" not in mappings(384, 512)["properties"]["name"]


def test_synonyms_apply_once_either_in_the_query_or_in_the_cluster() -> None:
    plan = SearchPlan(text=text("hex bolt stainless steel ", SYNONYMS))
    assert plan.text is not None and plan.text.alternatives  # ranking expanded "inox"
    query_time = compile_search(plan)
    in_index = compile_search(plan, index_synonyms=True)
    check_search_body(in_index)
    assert in_index == golden("synonyms_in_cluster_set", in_index)
    dumped_q, dumped_i = json.dumps(query_time), json.dumps(in_index)
    # query time: the alternatives are queries, analysed without the cluster's synonyms
    assert '"inox"' in dumped_q and '"analyzer": "b2b_stem"' in dumped_q
    # in the cluster: no alternative, the fields' search analyzer (with the set) applies,
    # and the whole text is matched too so that a rule of several words can fire
    assert '"inox"' not in dumped_i and '"analyzer"' not in dumped_i
    whole = in_index["query"]["bool"]["must"][0]["function_score"]["query"]["bool"]["should"][1]
    assert whole["multi_match"]["query"] == "hex bolt stainless steel"
    assert whole["multi_match"]["operator"] == "and"
