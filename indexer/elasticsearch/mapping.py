"""The Elasticsearch index: settings, analyzers and mappings generated from ``catalog.fields``,
and the document of a catalog record.

The document is the embedded engine's (``indexer.tantivy_backend.to_document``): both engines
search the same derived text (``name``, ``brand_text``, ``all_plain``, ``code``, ``pn``,
``units`` ...), so a query plan means the same thing on both. What tantivy does in Python
(part-number suffixes by a reversed field, prefixes by an automaton) Elasticsearch does with
analyzers: edge n-grams for prefixes of words and part numbers, reversed edge n-grams for the
last characters of part numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from catalog.fields import FIELDS
from catalog.text import words as text_words
from indexer.tantivy_backend import CATEGORY_DEPTH, to_document

SCHEMA_VERSION = "2"
"""Bump when the mapping, the analyzers or the document change: an index of another version
is rebuilt from the store (``needs_rebuild``)."""

TEXT_FIELD_OF = {  # logical text field of the plan -> stemmed field of the index
    "name": "name",
    "brand": "brand_text",
    "category": "category_text",
    "description": "description",
    "attributes": "attributes_text",
    "documents": "document_text",
}
TEXT_VECTOR = "text_vector"
IMAGE_VECTOR = "image_vector"
MAX_PART_NUMBER = 64
"""Longest part number whose prefixes and suffixes are indexed (SKU/MPN are at most 64)."""

PART_NUMBER_SEPARATORS = r"[\s\-./_,:;#]+"
"""What ``catalog.text.normalize_part_number`` strips; the ``pn`` normalizer strips the same."""

KEYWORD_FIELDS = [f.name for f in FIELDS
                  if (f.kind in ("keyword", "list") and f.facet) or f.name in
                  ("sku", "parent_sku", "mpn", "gtin")]
DOUBLE_FIELDS = [f.name for f in FIELDS if f.kind == "float"]
INTEGER_FIELDS = [f.name for f in FIELDS if f.kind == "int"]


STEM = "b2b_stem"
STEM_SYNONYMS = "b2b_stem_synonyms"
"""The search analyzer of the stemmed text fields: ``b2b_stem`` followed by the published
synonyms (an updateable ``synonym_graph`` filter reading the cluster's synonym set). A query
that brings its own synonym alternatives names ``b2b_stem`` instead, so nothing applies twice."""


def analysis(synonyms_set: str | None = None) -> dict[str, Any]:
    """Analyzers equal to the embedded engine's tokenizers: ``b2b_stem`` (words, lower-cased,
    accents folded, English Snowball stemming), ``b2b_plain`` (the same unstemmed, for typo
    and prefix matching), ``b2b_code`` (runs of letters and of digits, for part numbers);
    with a synonym set, ``b2b_stem_synonyms`` (search time only: an updateable filter may not
    be in an index analyzer). The synonym filter follows the stemmer: Elasticsearch analyses
    the rules with the filters before it, so "bolts" meets the rule written "bolt", as the
    embedded engine's singular keys do."""
    words = ["b2b_long", "lowercase", "asciifolding"]
    pn = ["lowercase", "asciifolding"]
    out: dict[str, Any] = {
        "char_filter": {
            "b2b_pn_strip": {"type": "pattern_replace", "pattern": PART_NUMBER_SEPARATORS,
                             "replacement": ""},
        },
        "tokenizer": {
            # tantivy's simple tokenizer: every run of letters and digits is a word
            "b2b_words": {"type": "pattern", "pattern": r"[^\p{L}\p{N}]+"},
            "b2b_code": {"type": "pattern", "pattern": r"\p{L}+|\p{Nd}+", "group": 0},
        },
        "filter": {
            "b2b_long": {"type": "length", "max": 39},  # tantivy's remove_long(40)
            "b2b_english": {"type": "stemmer", "language": "porter2"},  # Snowball English
            "b2b_prefixes": {"type": "edge_ngram", "min_gram": 1, "max_gram": 40},
            "b2b_pn_prefixes": {"type": "edge_ngram", "min_gram": 3, "max_gram": MAX_PART_NUMBER},
            "b2b_pn_suffixes": {"type": "edge_ngram", "min_gram": 4, "max_gram": MAX_PART_NUMBER},
        },
        "normalizer": {
            "b2b_pn": {"type": "custom", "char_filter": ["b2b_pn_strip"], "filter": pn},
        },
        "analyzer": {
            "b2b_stem": {"type": "custom", "tokenizer": "b2b_words",
                         "filter": [*words, "b2b_english"]},
            "b2b_plain": {"type": "custom", "tokenizer": "b2b_words", "filter": words},
            "b2b_prefixes": {"type": "custom", "tokenizer": "b2b_words",
                             "filter": [*words, "b2b_prefixes"]},
            "b2b_code": {"type": "custom", "tokenizer": "b2b_code",
                         "filter": ["lowercase", "asciifolding"]},
            "b2b_pn": {"type": "custom", "tokenizer": "keyword", "char_filter": ["b2b_pn_strip"],
                       "filter": pn},
            "b2b_pn_prefixes": {"type": "custom", "tokenizer": "keyword",
                                "char_filter": ["b2b_pn_strip"],
                                "filter": [*pn, "b2b_pn_prefixes"]},
            # every ending of 4+ characters: reverse, cut prefixes, reverse back
            "b2b_pn_suffixes": {"type": "custom", "tokenizer": "keyword",
                                "char_filter": ["b2b_pn_strip"],
                                "filter": [*pn, "reverse", "b2b_pn_suffixes", "reverse"]},
        },
    }
    if synonyms_set:
        out["filter"]["b2b_synonyms"] = {"type": "synonym_graph", "synonyms_set": synonyms_set,
                                         "updateable": True}
        out["analyzer"][STEM_SYNONYMS] = {"type": "custom", "tokenizer": "b2b_words",
                                          "filter": [*words, "b2b_english", "b2b_synonyms"]}
    return out


def mappings(text_dims: int, image_dims: int, synonyms: bool = False) -> dict[str, Any]:
    """Strict mappings: a document field the mapping does not know fails the bulk item
    (reported with its SKU) instead of being guessed. ``synonyms``: the stemmed text fields
    are searched through ``b2b_stem_synonyms``."""
    props: dict[str, Any] = {
        "sku": {"type": "keyword"},
        "source": {"type": "object", "enabled": False},  # what a hit shows, as stored
        "all_plain": {
            "type": "text", "analyzer": "b2b_plain", "index_options": "freqs", "norms": False,
            "fields": {"prefixes": {"type": "text", "analyzer": "b2b_prefixes",
                                    "search_analyzer": "b2b_plain", "index_options": "docs",
                                    "norms": False}},
        },
        "code": {"type": "text", "analyzer": "b2b_code"},
        "pn": {
            "type": "keyword", "normalizer": "b2b_pn",
            "fields": {
                "prefix": {"type": "text", "analyzer": "b2b_pn_prefixes",
                           "search_analyzer": "b2b_pn", "index_options": "docs", "norms": False},
                "suffix": {"type": "text", "analyzer": "b2b_pn_suffixes",
                           "search_analyzer": "b2b_pn", "index_options": "docs", "norms": False},
            },
        },
        "units": {"type": "keyword"},
        "category": {"type": "keyword"},
        "availability_rank": {"type": "integer"},
        "popularity_weight": {"type": "double"},
        "sku_key": {"type": "long"},  # catalog.keys (63-bit): buyers' prices by product
        TEXT_VECTOR: {"type": "dense_vector", "dims": text_dims, "index": True,
                      "similarity": "cosine"},
        IMAGE_VECTOR: {"type": "dense_vector", "dims": image_dims, "index": True,
                       "similarity": "cosine"},
    }
    for logical, name in TEXT_FIELD_OF.items():
        props[name] = {"type": "text", "analyzer": STEM}
        if synonyms:
            props[name]["search_analyzer"] = STEM_SYNONYMS
        if logical != "name":  # phrases are only asked of names
            props[name]["index_options"] = "freqs"
    for name in KEYWORD_FIELDS:
        props.setdefault(name, {"type": "keyword"})
    for level in range(CATEGORY_DEPTH):
        props[f"category_lvl{level}"] = {"type": "keyword"}
    for name in DOUBLE_FIELDS:
        props[name] = {"type": "double"}
    for name in INTEGER_FIELDS:
        props[name] = {"type": "long"}  # tantivy's are i64: a stock level never overflows
    # _source keeps only what hits show: the derived text and the vectors are searched from
    # their own index structures, and a rebuild reads the catalog store, never _source
    return {"dynamic": "strict", "_meta": {"schema_version": SCHEMA_VERSION},
            "_source": {"includes": ["sku", "source"]}, "properties": props}


def index_settings(shards: int, replicas: int, refresh_interval: str,
                   synonyms_set: str | None = None) -> dict[str, Any]:
    return {"number_of_shards": shards, "number_of_replicas": replicas,
            "refresh_interval": refresh_interval, "analysis": analysis(synonyms_set)}


def index_template(pattern: str, shards: int, replicas: int, refresh_interval: str,
                   text_dims: int, image_dims: int, synonyms_set: str | None = None
                   ) -> dict[str, Any]:
    """The composable index template (``PUT _index_template/<name>``) every product index
    of this deployment is created from."""
    return {"index_patterns": [pattern], "priority": 200,
            "template": {"settings": index_settings(shards, replicas, refresh_interval,
                                                    synonyms_set),
                         "mappings": mappings(text_dims, image_dims, bool(synonyms_set))},
            "_meta": {"managed_by": "b2b-discovery", "schema_version": SCHEMA_VERSION}}


def to_es_document(record: dict[str, Any], text_dims: int | None = None,
                   image_dims: int | None = None) -> dict[str, Any]:
    """The engine document of a record. Vectors (``text_embedding``, ``image_embedding`` as
    lists of floats) are indexed when a record carries them and their size fits the mapping."""
    doc = to_document(record)
    doc["source"] = orjson.loads(doc["source"])
    doc.pop("pn_reversed", None)  # suffixes come from the b2b_pn_suffixes analyzer
    for key, field, dims in (("text_embedding", TEXT_VECTOR, text_dims),
                             ("image_embedding", IMAGE_VECTOR, image_dims)):
        vector = record.get(key)
        if vector is not None and (dims is None or len(vector) == dims):
            doc[field] = [float(x) for x in vector]
    return doc


def synonym_rules(lines: Iterable[str]) -> list[dict[str, str]]:
    """The product's synonym lines (``ranking.synonyms`` syntax) as Synonyms API rules in
    Solr format, each with a stable id (a hash of the rule, so two processes agree).

    Two-way ``a, b, c`` stays as it is (equivalent terms, each finds all). One-way
    ``a, b => c`` means "a also finds c" (a keeps finding a), which in Solr format is one rule
    per key keeping the key among the targets: ``a => a, c`` and ``b => b, c`` (``a => c``
    would replace a). Words are written as ``catalog.text.words`` reads them (the analyzer
    lower-cases, folds and stems them the same way on both sides)."""
    out: dict[str, dict[str, str]] = {}

    def phrases(part: str) -> list[str]:
        return [p for p in (" ".join(text_words(x)) for x in part.split(",")) if p]

    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            targets = phrases(right)
            rules = [f"{key} => {', '.join(dict.fromkeys([key, *targets]))}"
                     for key in phrases(left)]
        else:
            terms = list(dict.fromkeys(phrases(line)))
            rules = [", ".join(terms)] if len(terms) > 1 else []
        for rule in rules:
            rule_id = hashlib.sha1(rule.encode()).hexdigest()[:16]
            out.setdefault(rule_id, {"id": rule_id, "synonyms": rule})
    return list(out.values())
