"""Helpers of the Elasticsearch tests: a structural check of request bodies against the
client's DSL classes (generated from the official API specification), and golden files."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.dsl import Search
from elasticsearch.dsl import aggs as dsl_aggs
from elasticsearch.dsl import query as dsl_query
from elasticsearch.dsl import types as dsl_types

from indexer.elasticsearch.compile import search_kwargs

GOLDEN = Path(__file__).parent / "golden" / "elasticsearch"
UPDATE = os.environ.get("DISCOVERY_UPDATE_GOLDEN") == "1"
"""``DISCOVERY_UPDATE_GOLDEN=1 pytest tests/indexer/test_es_requests.py`` rewrites the golden
files from the compiler's output; review the diff before committing it."""

RANGE_KEYS = {"gte", "gt", "lte", "lt", "boost", "format", "relation", "time_zone", "_name"}
FVF_MODIFIERS = {"none", "log", "log1p", "log2p", "ln", "ln1p", "ln2p", "square", "sqrt",
                 "reciprocal"}
FUNCTION_KEYS = {"filter", "weight", "field_value_factor", "script_score", "random_score",
                 "exp", "gauss", "linear"}


def _params(cls: Any) -> set[str]:
    return {name for name, p in inspect.signature(cls.__init__).parameters.items()
            if name not in ("self", "kwargs", "_field", "_value") and p.kind != p.VAR_KEYWORD}


def _value_type(cls: Any) -> Any:
    """The spec type of a field-keyed query's value (``term: {field: TermQuery}``)."""
    annotation = str(inspect.signature(cls.__init__).parameters["_value"].annotation)
    for token in annotation.replace("'", " ").replace(",", " ").replace("]", " ").split():
        if token.startswith("types."):
            return getattr(dsl_types, token.removeprefix("types."))
    return None


def check_query(node: Any, path: str = "query") -> None:
    assert isinstance(node, dict) and len(node) == 1, f"{path}: one query type per object"
    ((name, params),) = node.items()
    cls = dsl_query.Query.get_dsl_class(name)  # unknown query types raise
    where = f"{path}.{name}"
    if "_field" in inspect.signature(cls.__init__).parameters:  # {field: value}
        fields = {k: v for k, v in params.items() if k not in _params(cls)}
        assert len(fields) == 1, f"{where}: one field"
        ((_, value),) = fields.items()
        if isinstance(value, dict):
            allowed = RANGE_KEYS if name == "range" else _params(_value_type(cls))
            assert set(value) <= allowed, f"{where}: unknown {set(value) - allowed}"
        return
    allowed = _params(cls)
    assert set(params) <= allowed, f"{where}: unknown parameters {set(params) - allowed}"
    for key in ("must", "should", "filter", "must_not", "queries"):
        value = params.get(key)
        for i, sub in enumerate(value if isinstance(value, list) else [value] if value else []):
            check_query(sub, f"{where}.{key}[{i}]")
    if "query" in params and isinstance(params["query"], dict):
        check_query(params["query"], f"{where}.query")
    for i, function in enumerate(params.get("functions", [])):
        assert set(function) <= FUNCTION_KEYS, f"{where}.functions[{i}]: {set(function)}"
        if "filter" in function:
            check_query(function["filter"], f"{where}.functions[{i}].filter")
        if "field_value_factor" in function:
            fvf = function["field_value_factor"]  # FieldValueFactorScoreFunction of the spec
            assert set(fvf) <= {"field", "factor", "missing", "modifier"}, f"{where}: {set(fvf)}"
            assert fvf.get("modifier", "none") in FVF_MODIFIERS, f"{where}: {fvf['modifier']}"


def check_aggs(aggs: dict[str, Any], path: str = "aggs") -> None:
    for agg_name, body in aggs.items():
        assert not set("[]>") & set(agg_name), f"{path}.{agg_name}: not a valid name"
        kinds = {k: v for k, v in body.items() if k not in ("aggs", "aggregations", "meta")}
        assert len(kinds) == 1, f"{path}.{agg_name}: one aggregation type"
        ((kind, params),) = kinds.items()
        cls = dsl_aggs.Agg.get_dsl_class(kind)
        where = f"{path}.{agg_name}.{kind}"
        if kind == "filter":
            check_query(params, where)
        elif kind == "filters":
            assert set(params) <= _params(cls), where
            for key, sub in params["filters"].items():
                check_query(sub, f"{where}.{key}")
        else:
            assert set(params) <= _params(cls), f"{where}: unknown {set(params) - _params(cls)}"
        if "aggs" in body:
            check_aggs(body["aggs"], f"{path}.{agg_name}")


def check_search_body(body: dict[str, Any]) -> None:
    """Every key a parameter of ``Elasticsearch.search`` (generated from the spec), every query
    and aggregation known with known parameters, and the DSL reads the body back unchanged."""
    allowed = set(inspect.signature(Elasticsearch.search).parameters)
    kwargs = search_kwargs(body)
    assert set(kwargs) <= allowed, f"unknown body keys {set(kwargs) - allowed}"
    for key in ("query", "post_filter"):
        if key in body:
            check_query(body[key], key)
    if "knn" in body:
        knn_allowed = _params_of(Search.knn)
        assert set(body["knn"]) <= knn_allowed, set(body["knn"]) - knn_allowed
        if "filter" in body["knn"]:
            check_query(body["knn"]["filter"], "knn.filter")
    if "aggs" in body:
        check_aggs(body["aggs"])
    assert Search.from_dict(json.loads(json.dumps(body))).to_dict() == body


def _params_of(fn: Any) -> set[str]:
    return {n for n, p in inspect.signature(fn).parameters.items()
            if n not in ("self", "kwargs") and p.kind != p.VAR_KEYWORD}


def golden(name: str, actual: dict[str, Any]) -> dict[str, Any]:
    """The reviewed body stored as ``golden/elasticsearch/<name>.json`` (written when
    DISCOVERY_UPDATE_GOLDEN=1)."""
    path = GOLDEN / f"{name}.json"
    text = json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with DISCOVERY_UPDATE_GOLDEN=1 and review it"
    expected: dict[str, Any] = json.loads(path.read_text())
    return expected
