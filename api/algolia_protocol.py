"""The Algolia search protocol, translated to and from our search (S12).

Storefronts built with InstantSearch (``instantsearch.js``, React/Vue InstantSearch,
Autocomplete) talk to Algolia through the ``algoliasearch`` clients. Pointed at this server, they
send ``POST /1/indexes/*/queries`` with ``{"requests": [{"indexName": ..., ...}]}``: the v4
clients put each query's parameters in one URL-encoded ``params`` string (arrays as JSON), the v5
clients put them as JSON fields of the request. Both are read here into an :class:`AlgoliaQuery`,
run as a :class:`~ranking.service.SearchRequest` and answered in Algolia's result shape.

Facets follow Algolia's semantics, not ours: every facet counts the products matching every
filter (``facet_mode="conjunctive"``); InstantSearch gets disjunctive counts itself by sending
one more query per refined facet without that facet's filters. ``facetFilters`` are ANDed lists
of ORed ``attribute:value`` strings; since our filter strings OR the values of one field, each
list becomes one filter group (``SearchRequest.filter_groups``), so ``[["brand:A"],
["brand:B"]]`` (both brands, a conjunctive refinement) is answered correctly rather than as an
OR. The category path is exposed as ``category.lvl0``, ``category.lvl1``, ... ("A", "A > B"),
the attributes InstantSearch's ``hierarchicalMenu`` asks for.

Everything here is pure (no I/O): the router reads the body and the service runs the search.
What cannot be translated faithfully is a 400 naming the parameter: negated filters, OR across
attributes, tags, unknown parameters a client does not send by default.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from catalog.errors import DiscoveryError, InvalidInput, NotFound
from catalog.fields import BY_NAME, CATEGORY_SEPARATOR, DEFAULT_FACETS, FACETABLE, FILTERABLE
from catalog.text import fold, words
from indexer.plan import TermClause
from ranking.highlight import highlight
from ranking.service import SearchOutcome, SearchRequest

INDEXES: dict[str, str] = {
    "products": "relevance",
    "products_price_asc": "price_asc",
    "products_price_desc": "price_desc",
    "products_delivery": "delivery",
    "products_popularity": "popularity",
    "products_availability": "availability",
}
"""Index names and the sort each stands for: Algolia sorts with replica indexes, which
InstantSearch's ``sortBy`` widget switches between."""

HIERARCHY = "category"
_LEVEL = re.compile(r"^category\.lvl(\d)$")
DEFAULT_HITS_PER_PAGE = 20
DEFAULT_MAX_VALUES_PER_FACET = 100
MAX_VALUES_PER_FACET = 1000
DEFAULT_HIGHLIGHT = ("name", "brand", "description")
HIGHLIGHTABLE = ("name", "brand", "category", "description", "manufacturer", "model", "material",
                 "color")

SUPPORTED = frozenset({
    "query", "page", "hitsPerPage", "facets", "facetFilters", "numericFilters", "filters",
    "maxValuesPerFacet", "highlightPreTag", "highlightPostTag", "attributesToHighlight",
    "attributesToRetrieve", "attributesToSnippet", "snippetEllipsisText", "tagFilters",
    "facetQuery", "maxFacetHits", "facet", "type", "indexName", "params",
})
IGNORED = frozenset({
    "analytics", "clickAnalytics", "getRankingInfo", "distinct", "userToken", "analyticsTags",
    "enablePersonalization", "personalizationImpact", "enableABTest", "enableRules",
    "ruleContexts", "facetingAfterDistinct", "sortFacetValuesBy", "responseFields",
    "percentileComputation", "enableReRanking", "restrictHighlightAndSnippetArrays",
})
"""Parameters the clients send on their own (analytics switches, the InstantSearch insights
user token, ranking details): accepted and without effect here. Any other parameter is a 400
naming it, so that a storefront never silently gets results that ignore what it asked."""


class AlgoliaError(DiscoveryError):
    """An error in both shapes: ours (``error``, ``detail``, ``field``) and Algolia's
    (``message``, ``status``), which the JavaScript clients show."""


def error_body(exc: DiscoveryError) -> dict[str, Any]:
    body = exc.to_dict()
    body["message"] = str(exc.detail)
    body["status"] = exc.status_code
    return body


def _bad(param: str, message: str) -> InvalidInput:
    return InvalidInput(f"{param}: {message}", field=param)


# -- reading parameters ------------------------------------------------------------------
def params_from_string(params: str) -> dict[str, Any]:
    """A v4 ``params`` string (``query=bolt&facets=%5B%22brand%22%5D``) as a dict of strings
    (arrays stay JSON text; the readers below accept both forms)."""
    try:
        return dict(parse_qsl(params, keep_blank_values=True, strict_parsing=False))
    except ValueError as exc:  # pragma: no cover - parse_qsl is lenient
        raise _bad("params", f"not a URL-encoded parameter string: {exc}") from None


def _int(param: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise _bad(param, f"expected an integer, not {value!r}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _bad(param, f"expected an integer, not {value!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise _bad(param, f"expected an integer, not {value!r}")
    if not lo <= value <= hi:
        raise _bad(param, f"must be between {lo} and {hi}, not {value}")
    return value


def _bool(param: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
        return value.strip().lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    raise _bad(param, f"expected true or false, not {value!r}")


def _str(param: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _bad(param, f"expected a string, not {type(value).__name__}")


def _json_text(param: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise _bad(param, f"not valid JSON: {value[:80]!r}") from None


def _string_list(param: str, value: Any) -> list[str]:
    """A list of names: a JSON array (or its text), or comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = _json_text(param, text)
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(param, "expected a list of strings")
    return [v.strip() for v in value if v.strip()]


def _filter_list(param: str, value: Any) -> list[str | list[str]]:
    """``facetFilters``/``numericFilters``: a list whose items are strings (ANDed) or lists of
    strings (ORed); also as JSON text, or Algolia's legacy text ``a:1,(b:2,b:3)``."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            value = _json_text(param, text)
        else:
            return _legacy_filter_text(param, text)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _bad(param, "expected a list of filters like [\"brand:Fastek\"]")
    out: list[str | list[str]] = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list) and all(isinstance(v, str) for v in item):
            out.append(list(item))
        else:
            raise _bad(param, "items are strings (AND) or lists of strings (OR); "
                       "deeper nesting is not supported")
    return out


def _legacy_filter_text(param: str, text: str) -> list[str | list[str]]:
    out: list[str | list[str]] = []
    depth, start = 0, 0
    group: list[str] | None = None
    for i, ch in enumerate(text + ","):
        if ch == "(":
            if depth:
                raise _bad(param, "nested parentheses are not supported")
            depth, start, group = 1, i + 1, []
        elif ch == ")":
            if not depth or group is None:
                raise _bad(param, "unbalanced parentheses")
            group.append(text[start:i].strip())
            out.append([g for g in group if g])
            depth, start, group = 0, i + 1, None
        elif ch == ",":
            if depth and group is not None:
                group.append(text[start:i].strip())
            else:
                piece = text[start:i].strip()
                if piece:
                    out.append(piece)
            start = i + 1
    if depth:
        raise _bad(param, "unbalanced parentheses")
    return out


# -- filters -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Condition:
    field: str
    filter: str  # our filter string
    numeric: bool


def _attribute(param: str, attribute: str) -> tuple[str, int | None]:
    """Our field for an Algolia attribute, and the category level for ``category.lvlN``."""
    name = attribute.strip()
    if name == "objectID":
        return "sku", None
    level = _LEVEL.match(name)
    if level:
        return HIERARCHY, int(level.group(1))
    if name not in FILTERABLE:
        raise _bad(param, f"cannot filter on {name!r}; filterable attributes: "
                   f"{', '.join(FILTERABLE)}, category.lvl0..lvl4, objectID")
    return name, None


def _number(param: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(param, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _bad(param, f"{text!r} is not a finite number")
    return value


def _num(value: float) -> str:
    return repr(float(value))


def _facet_condition(param: str, raw: str) -> _Condition:
    attribute, sep, value = raw.partition(":")
    if not sep or not attribute.strip():
        raise _bad(param, f"{raw!r} must look like attribute:value")
    field_name, level = _attribute(param, attribute)
    value = value.strip()
    if value.startswith("-"):
        raise _bad(param, f"negative filters ({raw!r}) are not supported")
    if value.startswith("\\-"):  # Algolia's escape of a value that starts with '-'
        value = value[1:]
    if not value:
        raise _bad(param, f"{raw!r} has no value")
    if level is not None:
        parts = [p.strip() for p in value.split(CATEGORY_SEPARATOR.strip())]
        if len(parts) != level + 1 or not all(parts):
            raise _bad(param, f"{attribute.strip()} values are paths of {level + 1} level(s) "
                       f"like 'A{' > B' * level}', not {value!r}")
        value = CATEGORY_SEPARATOR.join(parts)
    spec = BY_NAME[field_name]
    if spec.numeric:
        return _Condition(field_name, f"{field_name}:{_num(_number(param, value))}", True)
    return _Condition(field_name, f"{field_name}:{value}", False)


_COMPARISON = re.compile(r"^\s*([\w.]+)\s*(<=|>=|!=|=|<|>)\s*(\S+)\s*$")
_RANGE = re.compile(r"^\s*([\w.]+)\s*:\s*(\S+)\s+TO\s+(\S+)\s*$")


def _numeric_field(param: str, attribute: str) -> str:
    name = attribute.strip()
    spec = BY_NAME.get(name)
    if spec is None or not spec.numeric or name not in FILTERABLE:
        numeric = [f for f in FILTERABLE if BY_NAME[f].numeric]
        raise _bad(param, f"{name!r} is not a numeric attribute; numeric attributes: "
                   f"{', '.join(numeric)}")
    return name


def _comparison(param: str, attribute: str, op: str, number: str) -> _Condition:
    name = _numeric_field(param, attribute)
    value = _number(param, number)
    integer = BY_NAME[name].kind == "int"
    lo: float | None = None
    hi: float | None = None
    if op == "=":
        return _Condition(name, f"{name}:{_num(value)}", True)
    if op == "!=":
        raise _bad(param, f"'!=' ({attribute}{op}{number}) is not supported")
    if op == ">=":
        lo = value
    elif op == "<=":
        hi = value
    elif op == ">":
        lo = math.floor(value) + 1 if integer else math.nextafter(value, math.inf)
    else:  # "<"
        hi = math.ceil(value) - 1 if integer else math.nextafter(value, -math.inf)
    return _Condition(name, f"{name}:{'' if lo is None else _num(lo)}.."
                            f"{'' if hi is None else _num(hi)}", True)


def _numeric_condition(param: str, raw: str) -> _Condition:
    found = _RANGE.match(raw)
    if found:
        name = _numeric_field(param, found.group(1))
        lo, hi = _number(param, found.group(2)), _number(param, found.group(3))
        return _Condition(name, f"{name}:{_num(lo)}..{_num(hi)}", True)
    found = _COMPARISON.match(raw)
    if not found:
        raise _bad(param, f"{raw!r} must look like attribute>=number, attribute=number or "
                   "attribute:lower TO upper")
    return _comparison(param, *found.groups())


def _group(param: str, conditions: list[_Condition]) -> list[str]:
    """One ORed group as a filter group: values of one field (our filters OR those)."""
    fields = sorted({c.field for c in conditions})
    if len(fields) > 1:
        raise _bad(param, f"OR across attributes ({', '.join(fields)}) is not supported; "
                   "OR values of one attribute")
    if len(conditions) > 1 and conditions[0].numeric:
        raise _bad(param, f"OR of numeric conditions on {fields[0]!r} is not supported")
    return [c.filter for c in conditions]


def facet_filter_groups(value: Any, param: str = "facetFilters") -> list[list[str]]:
    groups = []
    for item in _filter_list(param, value):
        items = [item] if isinstance(item, str) else item
        if items:
            groups.append(_group(param, [_facet_condition(param, raw) for raw in items]))
    return groups


def numeric_filter_groups(value: Any, param: str = "numericFilters") -> list[list[str]]:
    groups = []
    for item in _filter_list(param, value):
        items = [item] if isinstance(item, str) else item
        if items:
            groups.append(_group(param, [_numeric_condition(param, raw) for raw in items]))
    return groups


_TOKEN = re.compile(r'\s*(?:(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<paren>[()])|'
                    r"(?P<op><=|>=|!=|=|<|>|:)|(?P<word>[^\s()\"<>=!:]+))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _bad("filters", f"cannot read {text[pos:pos + 30]!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "quoted":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = m.end()
    return out


def filter_expression_groups(text: str) -> list[list[str]]:
    """Algolia's ``filters`` text, the subset that maps onto our filters:
    ``brand:Fastek AND (color:red OR color:blue) AND price_per_piece:1 TO 5 AND
    delivery_days<=3 AND category.lvl1:"Fasteners > Bolts"``. AND of conditions or of
    parenthesised OR groups of one attribute; values with spaces or symbols are quoted.
    NOT, tags and OR across attributes are a 400."""
    param = "filters"
    tokens = _tokens(text)
    pos = 0

    def peek(offset: int = 0) -> tuple[str, str] | None:
        return tokens[pos + offset] if pos + offset < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise _bad(param, "ends too early")
        pos += 1
        return tokens[pos - 1]

    def value_token() -> str:
        kind, value = take()
        if kind not in ("word", "quoted"):
            raise _bad(param, f"expected a value, found {value!r}")
        return value

    def predicate() -> _Condition:
        kind, attribute = take()
        if kind == "word" and attribute == "NOT":
            raise _bad(param, "NOT is not supported")
        if kind not in ("word", "quoted"):
            raise _bad(param, f"expected an attribute, found {attribute!r}")
        op_kind, op = take()
        if op_kind != "op":
            raise _bad(param, f"expected ':' or a comparison after {attribute!r}")
        if attribute == "_tags":
            raise _bad(param, "tags are not supported")
        value = value_token()
        if op == ":":
            nxt = peek()
            if nxt == ("word", "TO"):
                take()
                upper = value_token()
                return _numeric_condition(param, f"{attribute}:{value} TO {upper}")
            return _facet_condition(param, f"{attribute}:{value}")
        return _comparison(param, attribute, op, value)

    def or_group() -> tuple[list[_Condition], bool]:
        """Conditions ORed together, and whether they stood in parentheses."""
        if peek() == ("paren", "("):
            take()
            conditions, _ = or_group()
            if take() != ("paren", ")"):
                raise _bad(param, "AND inside parentheses is not supported; expected ')'")
            parenthesised = True
        else:
            conditions, parenthesised = [predicate()], False
        while peek() == ("word", "OR"):
            take()
            more, _ = or_group()
            conditions += more
            parenthesised = False
        return conditions, parenthesised

    groups: list[tuple[list[_Condition], bool]] = []
    if tokens:
        groups.append(or_group())
        while peek() == ("word", "AND"):
            take()
            groups.append(or_group())
        if peek() is not None:
            raise _bad(param, f"unexpected {peek()[1]!r}")  # type: ignore[index]
    if len(groups) > 1 and any(len(c) > 1 and not p for c, p in groups):
        raise _bad(param, "put OR groups in parentheses when combining them with AND")
    return [_group(param, conditions) for conditions, _ in groups]


# -- the query ---------------------------------------------------------------------------
@dataclass
class AlgoliaQuery:
    index_name: str
    sort: str
    kind: str = "default"  # "facet": a search for facet values
    query: str = ""
    page: int = 0
    hits_per_page: int = DEFAULT_HITS_PER_PAGE
    facets: list[str] = field(default_factory=list)  # Algolia attribute names, as asked
    filter_groups: list[list[str]] = field(default_factory=list)
    max_values_per_facet: int = DEFAULT_MAX_VALUES_PER_FACET
    pre_tag: str = "<em>"
    post_tag: str = "</em>"
    highlight_attributes: list[str] | None = None  # None: DEFAULT_HIGHLIGHT
    retrieve_attributes: list[str] | None = None  # None: all
    snippet_attributes: list[tuple[str, int]] = field(default_factory=list)
    snippet_ellipsis: str = "…"
    analytics: bool = True
    click_analytics: bool = False
    facet_name: str | None = None
    facet_query: str = ""
    max_facet_hits: int = 10
    params: str = ""  # echoed back as the response's ``params``

    @property
    def filters(self) -> list[str]:
        """The filter strings, flat (for the query log)."""
        return [f for group in self.filter_groups for f in group]


def _facet_fields(names: Iterable[str]) -> list[str]:
    """Our facet fields for Algolia facet attributes ('*': the default facets)."""
    out: list[str] = []
    for name in names:
        if name == "*":
            out += DEFAULT_FACETS
            continue
        if _LEVEL.match(name):
            out.append(HIERARCHY)
            continue
        if name not in FACETABLE:
            raise _bad("facets", f"{name!r} is not a facet; facet attributes: "
                       f"{', '.join(FACETABLE)}, category.lvl0..lvl4, '*'")
        out.append(name)
    return list(dict.fromkeys(out))


def _snippet_spec(value: Any) -> list[tuple[str, int]]:
    out = []
    for item in _string_list("attributesToSnippet", value):
        name, _, count = item.partition(":")
        out.append((name.strip(), _int("attributesToSnippet", count, 1, 1000) if count else 10))
    return out


def _echo(params: dict[str, Any]) -> str:
    return urlencode({k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                      for k, v in params.items()})


def parse_query(raw: Any, *, max_page_size: int, index_name: str | None = None,
                facet_name: str | None = None) -> AlgoliaQuery:
    """One entry of ``requests`` (or the body of a single-index request, with the index and
    facet from the path) as an :class:`AlgoliaQuery`."""
    if not isinstance(raw, dict):
        raise _bad("requests", "each request is an object with indexName and parameters")
    params: dict[str, Any] = {}
    if "params" in raw:
        given = raw["params"]
        if isinstance(given, str):
            params.update(params_from_string(given))
        elif isinstance(given, dict):
            params.update(given)
        else:
            raise _bad("params", "expected a URL-encoded string or an object")
    params.update({k: v for k, v in raw.items() if k != "params" and v is not None})
    name = index_name if index_name is not None else params.pop("indexName", None)
    params.pop("indexName", None)
    if not isinstance(name, str) or not name:
        raise _bad("indexName", "each request names its index")
    if name not in INDEXES:
        raise NotFound(f"index {name!r} does not exist; indexes: {', '.join(INDEXES)}",
                       field="indexName")
    kind = _str("type", params.pop("type", "default"))
    if kind not in ("default", "facet"):
        raise _bad("type", f"expected 'default' or 'facet', not {kind!r}")
    if facet_name is not None:
        kind, params["facet"] = "facet", facet_name
    echo = raw["params"] if isinstance(raw.get("params"), str) else _echo(
        {k: v for k, v in params.items() if k != "facet"})
    q = AlgoliaQuery(index_name=name, sort=INDEXES[name], kind=kind, params=echo)

    for param in params:
        if param not in SUPPORTED and param not in IGNORED:
            raise _bad(param, "unsupported parameter; supported: "
                       f"{', '.join(sorted(SUPPORTED - {'indexName', 'params', 'type'}))}")
    get = params.get
    if "query" in params:
        q.query = _str("query", get("query"))
    if "page" in params:
        q.page = _int("page", get("page"), 0, 1_000_000)
    if "hitsPerPage" in params:
        q.hits_per_page = _int("hitsPerPage", get("hitsPerPage"), 0, max_page_size)
    if "facets" in params:
        q.facets = _string_list("facets", get("facets"))
        _facet_fields(q.facets)  # a 400 for a name that is no facet
    if "maxValuesPerFacet" in params:
        q.max_values_per_facet = _int("maxValuesPerFacet", get("maxValuesPerFacet"), 1,
                                      MAX_VALUES_PER_FACET)
    if "highlightPreTag" in params:
        q.pre_tag = _str("highlightPreTag", get("highlightPreTag"))
    if "highlightPostTag" in params:
        q.post_tag = _str("highlightPostTag", get("highlightPostTag"))
    if "attributesToHighlight" in params:
        q.highlight_attributes = _string_list("attributesToHighlight",
                                              get("attributesToHighlight"))
    if "attributesToRetrieve" in params:
        q.retrieve_attributes = _string_list("attributesToRetrieve", get("attributesToRetrieve"))
    if "attributesToSnippet" in params:
        q.snippet_attributes = _snippet_spec(get("attributesToSnippet"))
    if "snippetEllipsisText" in params:
        q.snippet_ellipsis = _str("snippetEllipsisText", get("snippetEllipsisText"))
    if "analytics" in params:
        q.analytics = _bool("analytics", get("analytics"))
    if "clickAnalytics" in params:
        q.click_analytics = _bool("clickAnalytics", get("clickAnalytics"))
    tags = get("tagFilters")
    if tags not in (None, "", [], "[]"):
        raise _bad("tagFilters", "tags are not supported (filter on attributes instead)")
    groups: list[list[str]] = []
    if "facetFilters" in params:
        groups += facet_filter_groups(get("facetFilters"))
    if "numericFilters" in params:
        groups += numeric_filter_groups(get("numericFilters"))
    if "filters" in params:
        groups += filter_expression_groups(_str("filters", get("filters")))
    q.filter_groups = groups
    if kind == "facet":
        facet = params.get("facet")
        if not isinstance(facet, str) or not facet:
            raise _bad("facet", "a search for facet values names its facet")
        _facet_fields([facet])  # a 400 for a non-facet
        if facet == "*":
            raise _bad("facet", "search the values of one facet")
        q.facet_name = facet
        q.facet_query = _str("facetQuery", get("facetQuery", ""))
        if "maxFacetHits" in params:
            q.max_facet_hits = _int("maxFacetHits", get("maxFacetHits"), 1, 100)
    return q


def search_request(q: AlgoliaQuery, *, max_result_window: int) -> SearchRequest:
    """The search that answers ``q``. Algolia pages count from 0 and may ask for no hits
    (``hitsPerPage=0``, InstantSearch's facet-only queries) or for a page past the result
    window (an empty page): then one hit is fetched for the totals and dropped."""
    hpp = q.hits_per_page
    page, page_size = q.page + 1, hpp
    if hpp == 0 or page * hpp > max_result_window:
        page, page_size = 1, 1
    facets = [q.facet_name] if q.kind == "facet" and q.facet_name else q.facets
    return SearchRequest(
        q=q.query, sort=q.sort, page=page, page_size=page_size,
        facets=_facet_fields(facets), filter_groups=q.filter_groups, facet_mode="conjunctive",
        facet_size=MAX_VALUES_PER_FACET if q.kind == "facet" else q.max_values_per_facet,
        highlight=False)


_ERROR_FIELDS = {"q": "query", "page_size": "hitsPerPage", "page": "page", "sort": "indexName",
                 "facets": "facets", "filter": "facetFilters"}


def renamed(exc: InvalidInput) -> InvalidInput:
    """A search error named in Algolia's parameter names (``q`` -> ``query``)."""
    name = _ERROR_FIELDS.get(exc.field or "")
    if name is None:
        return exc
    return InvalidInput(str(exc.detail).replace("page_size", "hitsPerPage"), field=name)


# -- the result --------------------------------------------------------------------------
def _highlight_result(value: str, q: AlgoliaQuery, outcome: SearchOutcome) -> dict[str, Any]:
    terms = outcome.terms
    if not terms:
        return {"value": value, "matchLevel": "none", "matchedWords": []}
    marked, matched = highlight(value, terms, q.pre_tag, q.post_tag, escape=False)
    wanted = [t.text for t in outcome.query_terms]
    if not matched:
        level = "none"
    elif all(w in matched for w in wanted):
        level = "full"
    else:
        level = "partial"
    return {"value": marked, "matchLevel": level, "matchedWords": list(matched)}


def _snippet(marked: str, q: AlgoliaQuery, count: int) -> str:
    """At most ``count`` words around the first highlighted one."""
    parts = marked.split()
    if len(parts) <= count:
        return marked
    first = next((i for i, w in enumerate(parts) if q.pre_tag in w), 0)
    start = max(0, min(first - count // 3, len(parts) - count))
    text = " ".join(parts[start : start + count])
    return (q.snippet_ellipsis if start else "") + text + (
        q.snippet_ellipsis if start + count < len(parts) else "")


def _hit(source: dict[str, Any], q: AlgoliaQuery, outcome: SearchOutcome) -> dict[str, Any]:
    hit: dict[str, Any] = {"objectID": source["sku"]}
    retrieve = q.retrieve_attributes
    if retrieve is None or "*" in retrieve:
        excluded = {a[1:] for a in retrieve or () if a.startswith("-")}
        hit.update((k, v) for k, v in source.items() if k not in excluded and v is not None)
    else:
        hit.update((k, source[k]) for k in retrieve if source.get(k) is not None)
    hit["objectID"] = source["sku"]
    asked = q.highlight_attributes
    names = DEFAULT_HIGHLIGHT if asked is None else (
        HIGHLIGHTABLE if "*" in asked else [a for a in asked if a in HIGHLIGHTABLE])
    highlights = {name: _highlight_result(source[name], q, outcome) for name in names
                  if isinstance(source.get(name), str)}
    hit["_highlightResult"] = highlights
    if q.snippet_attributes:
        snippets = {}
        for name, count in q.snippet_attributes:
            attrs = HIGHLIGHTABLE if name == "*" else (name,) if name in HIGHLIGHTABLE else ()
            for attr in attrs:
                if isinstance(source.get(attr), str):
                    found = highlights.get(attr) or _highlight_result(source[attr], q, outcome)
                    snippets[attr] = {"value": _snippet(found["value"], q, count),
                                      "matchLevel": found["matchLevel"]}
        hit["_snippetResult"] = snippets
    return hit


def _capped(values: Iterable[tuple[str, int]], limit: int) -> dict[str, int]:
    ranked = sorted(values, key=lambda vc: (-vc[1], vc[0]))
    return dict(ranked[:limit])


def facets_and_stats(q: AlgoliaQuery, outcome: SearchOutcome, names: list[str]
                     ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """Algolia's ``facets`` ({attribute: {value: count}}) and ``facets_stats`` for the asked
    attribute names ('*' expands to the default facets and the category levels)."""
    results = outcome.result.facets
    wanted: list[str] = []
    for name in names:
        if name == "*":
            wanted += [f for f in DEFAULT_FACETS]
            category = results.get(HIERARCHY)
            depth = max((v.level for v in category.values), default=-1) if category else -1
            wanted += [f"{HIERARCHY}.lvl{lvl}" for lvl in range(depth + 1)]
        else:
            wanted.append(name)
    limit = q.max_values_per_facet
    facets: dict[str, dict[str, int]] = {}
    stats: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(wanted):
        level = _LEVEL.match(name)
        result = results.get(HIERARCHY if level else name)
        if result is None:
            continue
        if level:
            depth = int(level.group(1))
            facets[name] = _capped(((v.value, v.count) for v in result.values
                                    if v.level == depth), limit)
        elif result.kind == "hierarchy":  # the path itself: products with exactly this one
            below: dict[str, int] = {}
            for v in result.values:
                parent = v.value.rpartition(CATEGORY_SEPARATOR)[0]
                if v.level > 0:
                    below[parent] = below.get(parent, 0) + v.count
            facets[name] = _capped(((v.value, v.count - below.get(v.value, 0))
                                    for v in result.values
                                    if v.count - below.get(v.value, 0) > 0), limit)
        elif result.kind == "range":
            facets[name] = _capped(((v.value, v.count) for v in result.values), limit)
            if result.min is not None and result.max is not None:
                stats[name] = {"min": result.min, "max": result.max,
                               "avg": result.avg if result.avg is not None else result.min,
                               "sum": result.sum if result.sum is not None else 0.0}
        else:
            facets[name] = _capped(((v.value, v.count) for v in result.values), limit)
    return facets, stats


def search_result(q: AlgoliaQuery, outcome: SearchOutcome, *, max_result_window: int,
                  took_ms: float, search_id: str | None = None) -> dict[str, Any]:
    """One entry of ``results``."""
    total = outcome.result.total
    hpp = q.hits_per_page
    hits_fetched = hpp > 0 and (q.page + 1) * hpp <= max_result_window
    hits = [_hit(h.source, q, outcome) for h in outcome.result.hits] if hits_fetched else []
    pages = min(math.ceil(total / hpp), max_result_window // hpp) if hpp else 0
    facets, stats = facets_and_stats(q, outcome, q.facets)
    body: dict[str, Any] = {
        "hits": hits,
        "nbHits": total,
        "page": q.page,
        "nbPages": pages,
        "hitsPerPage": hpp,
        "facets": facets,
        "exhaustiveFacetsCount": True,
        "exhaustiveNbHits": True,
        "exhaustive": {"facetsCount": True, "nbHits": True, "typo": True},
        "processingTimeMS": max(1, round(took_ms)),
        "query": q.query,
        "params": q.params,
        "index": q.index_name,
        "renderingContent": {},
    }
    if stats:
        body["facets_stats"] = stats
    if q.click_analytics and search_id:
        body["queryID"] = search_id  # send it back with POST /v1/events as search_id
    return body


def _prefix_terms(text: str) -> list[TermClause]:
    return [TermClause(text=fold(w), prefix=True) for w in words(text)]


def facet_hits(q: AlgoliaQuery, outcome: SearchOutcome, took_ms: float) -> dict[str, Any]:
    """A search for facet values: the values of ``q.facet_name`` among the products matching
    the query and filters whose words start with the words of ``facetQuery``."""
    assert q.facet_name is not None
    facets, _ = facets_and_stats(
        AlgoliaQuery(q.index_name, q.sort, max_values_per_facet=MAX_VALUES_PER_FACET), outcome,
        [q.facet_name])
    terms = _prefix_terms(q.facet_query)
    found: list[dict[str, Any]] = []
    for value, count in facets.get(q.facet_name, {}).items():
        marked, matched = highlight(value, terms, q.pre_tag, q.post_tag, escape=False)
        if all(t.text in matched for t in terms):
            found.append({"value": value, "highlighted": marked, "count": count})
    found.sort(key=lambda v: (-v["count"], v["value"]))
    return {"facetHits": found[: q.max_facet_hits], "exhaustiveFacetsCount": True,
            "processingTimeMS": max(1, round(took_ms))}
