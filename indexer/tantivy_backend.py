"""The embedded search backend: tantivy on disk under ``<data_dir>/index``.

Layout: every full rebuild writes a new *generation* folder and then replaces the ``CURRENT``
pointer file atomically (write + rename), so a crash mid-rebuild leaves the old generation
serving. Incremental updates go to the current generation. One process writes at a time
(``write.lock``); any number of processes read, and notice new commits and swaps within
``reload_interval_s``.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import fcntl
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import tantivy

from catalog.errors import BackendUnavailable, Conflict
from catalog.fields import BY_NAME, FIELDS, availability_rank, category_levels
from catalog.keys import product_key, product_keys
from catalog.text import (
    canonical_tokens,
    part_numbers,
    same_part_number,
    singular,
)
from indexer.plan import (
    Assortment,
    CustomerPrices,
    FacetRequest,
    FacetResult,
    FacetValue,
    Filter,
    Hit,
    RangeBucket,
    RangeFilter,
    SearchPlan,
    SearchResult,
    TermClause,
    TermsFilter,
    TextQuery,
    values_passing,
)

Record = dict[str, Any]
Occur = tantivy.Occur

FIRST_PRICE_ORDER_READ = 500
"""Sorting by a buyer's prices first reads this many products of the catalog's price order (at
least 8 pages' worth): a longer read costs less than a second run of the text query."""
SCHEMA_VERSION = "6"  # 6: sku_key (indexed)
"""Bump when the schema, the analyzers or what a document holds change: an index written by
another version is then rebuilt from the store instead of being opened."""
Q = tantivy.Query

CATEGORY_DEPTH = 5
_TEXT_FIELD_OF = {  # logical text field -> stemmed tantivy field
    "name": "name",
    "brand": "brand_text",
    "category": "category_text",
    "description": "description",
    "attributes": "attributes_text",
    "documents": "document_text",  # titles and the start of the text of attached documents
}
_KEYWORD_FIELDS = [f.name for f in FIELDS if f.kind in ("keyword", "list") and f.facet or f.name in
                   ("sku", "parent_sku", "mpn", "gtin")]
_FLOAT_FIELDS = [f.name for f in FIELDS if f.kind == "float"]
_INT_FIELDS = [f.name for f in FIELDS if f.kind == "int"] + ["availability_rank"]
_SOURCE_FIELDS = (
    "sku", "parent_sku", "name", "brand", "manufacturer", "mpn", "gtin", "category", "color",
    "material", "model", "price_per_piece", "price_per_package", "currency", "pieces_per_package",
    "availability", "stock_level", "delivery_days", "order_type", "popularity",
)
_DESCRIPTION_IN_SOURCE = 400


def _release_memory() -> None:
    """Hand memory freed by the index writer back to the OS. glibc keeps freed heap in its
    arenas; after each commit of a long ingest that would look like (and count as) growth."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # pragma: no cover - not glibc
        return None


_LIBC = _load_libc()


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    b = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
         .filter(tantivy.Filter.remove_long(40))
         .filter(tantivy.Filter.lowercase())
         .filter(tantivy.Filter.ascii_fold()))
    if stem:
        b = b.filter(tantivy.Filter.stemmer("english"))
    return b.build()


def _code_analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"\p{L}+|\d+"))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build())


STEM = _analyzer(stem=True)
TOKENIZERS = {"b2b_stem": STEM, "b2b_plain": _analyzer(stem=False), "b2b_code": _code_analyzer()}


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("sku", stored=True, tokenizer_name="raw")
    b.add_bytes_field("source", stored=True, indexed=False, fast=False)
    for logical, name in _TEXT_FIELD_OF.items():
        b.add_text_field(name, tokenizer_name="b2b_stem", index_option="freq" if logical != "name"
                         else "position")
    b.add_text_field("all_plain", tokenizer_name="b2b_plain", index_option="basic")
    b.add_text_field("code", tokenizer_name="b2b_code", index_option="position")
    b.add_text_field("pn", tokenizer_name="raw", index_option="basic")
    b.add_text_field("pn_reversed", tokenizer_name="raw", index_option="basic")
    b.add_text_field("units", tokenizer_name="raw", index_option="basic")
    for name in _KEYWORD_FIELDS:
        if name != "sku":  # identifiers are only filtered on: no column store needed
            b.add_text_field(name, fast=BY_NAME[name].facet is not None, tokenizer_name="raw",
                             index_option="basic")
    for level in range(CATEGORY_DEPTH):
        b.add_text_field(f"category_lvl{level}", fast=True, tokenizer_name="raw", index_option="basic")
    for name in _FLOAT_FIELDS:
        b.add_float_field(name, fast=True, indexed=True)
    for name in _INT_FIELDS:
        b.add_integer_field(name, fast=True, indexed=True)
    b.add_float_field("popularity_weight", fast=True)
    b.add_unsigned_field("sku_key", fast=True, indexed=True)  # catalog.keys: buyers' prices
    return b.build()


SCHEMA = build_schema()


_KEYWORD_DOC_FIELDS = [k for k in _KEYWORD_FIELDS if k not in ("sku", "shipping_methods")]
_INT_DOC_FIELDS = [k for k in _INT_FIELDS if k != "availability_rank"]


def to_document(record: Record) -> dict[str, Any]:
    """The engine document of a catalog record (a dict for ``Document.from_dict``)."""
    get = record.get
    name = get("name") or ""
    brand = " ".join(v for v in (get("brand"), get("manufacturer")) if v)
    category = get("category") or ""
    attr_values = [v for v in (get("model"), get("material"), get("color"), get("composition")) if v]
    variant = get("variant_attributes")
    if variant:
        attr_values += map(str, variant.values())
    extra = get("attributes")
    if extra:
        attr_values += map(str, extra.values())
    attributes = " ".join(attr_values)
    description = get("description") or ""
    document_text = get("document_text")
    if document_text is None:  # a record that was never stored: its documents' titles
        document_text = " ".join(d.get("title") or "" for d in get("documents") or ())
    pns = part_numbers(record)
    popularity = get("popularity") or 0.0
    doc: dict[str, Any] = {
        "sku": record["sku"],
        "sku_key": product_key(record["sku"]),
        "name": name,
        "brand_text": brand,
        "category_text": category,
        "description": description,
        "attributes_text": attributes,
        "document_text": document_text,
        "all_plain": f"{name} {brand} {category} {attributes}",
        "code": " ".join(v for v in (name, record["sku"], get("mpn"), get("model")) if v),
        "pn": pns,
        "pn_reversed": [pn[::-1] for pn in pns],  # the last characters, by prefix
        "units": canonical_tokens(f"{name} {attributes}"),
        "availability_rank": availability_rank(get("availability")),
        "popularity_weight": (popularity if 0.0 <= popularity <= 100.0 else
                              (0.0 if popularity < 0 else 100.0)) / 100.0,
    }
    for key in _KEYWORD_DOC_FIELDS:
        value = get(key)
        if value:
            doc[key] = value
    shipping = get("shipping_methods")
    if shipping:
        doc["shipping_methods"] = [m["method"] for m in shipping if m.get("method")]
    for level, path in enumerate(category_levels(category)[:CATEGORY_DEPTH]):
        doc[f"category_lvl{level}"] = path
    for key in _FLOAT_FIELDS:
        value = get(key)
        if value is not None:
            doc[key] = float(value)
    for key in _INT_DOC_FIELDS:
        value = get(key)
        if value is not None:
            doc[key] = int(value)
    source = {k: get(k) for k in _SOURCE_FIELDS}
    source["description"] = (get("description") or "")[:_DESCRIPTION_IN_SOURCE]
    images = get("images")
    source["image"] = images[0] if images else None
    doc["source"] = orjson.dumps(source)
    return doc


def to_json(record: Record) -> str:
    """The document as tantivy's JSON (bytes as base64): cheaper to hand over than a
    ``Document`` built field by field from Python."""
    doc = to_document(record)
    doc["source"] = base64.b64encode(doc["source"]).decode()
    return orjson.dumps(doc).decode()


class _WriteLock:
    """An exclusive lock across processes on one index root."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def acquire(self, timeout_s: float = 30.0) -> None:
        fh = open(self.path, "a+")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fh = fh
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fh.close()
                    raise Conflict(
                        f"another process is writing the search index at {self.path.parent}; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.05)

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None


class TantivyIndex:
    """A tantivy index on disk in generations (see the module docstring): writes, commits,
    atomic rebuilds and reloads. Subclasses say what they hold: ``schema``,
    ``schema_version``, ``tokenizers``, ``key_field`` (the term that replaces or deletes an
    item) and :meth:`documents_of` (the engine documents of one item, as JSON)."""

    name = "tantivy"
    schema: tantivy.Schema = SCHEMA
    schema_version = SCHEMA_VERSION
    tokenizers: dict[str, tantivy.TextAnalyzer] = TOKENIZERS
    key_field = "sku"

    @staticmethod
    def key_of(item: Any) -> str:
        return str(item["sku"])

    @staticmethod
    def documents_of(item: Any) -> list[str]:
        return [to_json(item)]

    def __init__(self, root: Path, *, heap_mb: int = 128, reload_interval_s: float = 1.0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.heap_bytes = max(heap_mb, 16) * 1_000_000
        self.reload_interval_s = reload_interval_s
        self._lock = _WriteLock(self.root / "write.lock")
        self._lock_timeout_s = 30.0
        self._writer: Any = None
        self._pending = 0
        self._mutex = threading.RLock()
        self._last_check = 0.0
        self._generation = ""
        self._index: tantivy.Index | None = None
        self.needs_rebuild = False
        self._open_current()

    # -- generations ---------------------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _read_pointer(self) -> str | None:
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def _write_pointer(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name + "\n")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self._pointer)
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _open(self, path: Path) -> tantivy.Index:
        version_file = path / "schema-version"
        if not path.exists():
            path.mkdir(parents=True)
            version_file.write_text(self.schema_version)
        index = tantivy.Index(self.schema, path=str(path), reuse=True)
        for name, analyzer in self.tokenizers.items():
            index.register_tokenizer(name, analyzer)
        return index

    def _new_generation_name(self) -> str:
        return f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"

    @staticmethod
    def _version_of(path: Path) -> str | None:
        try:
            return (path / "schema-version").read_text().strip()
        except FileNotFoundError:
            return None

    def _open_current(self) -> None:
        name = self._read_pointer()
        if name is not None and self._version_of(self.root / name) != self.schema_version:
            # Written by another version of the product: not readable with this schema. Start
            # an empty generation; the caller rebuilds it from the store (needs_rebuild).
            self.needs_rebuild = True
            name = None
        if name is None:
            self._lock.acquire()
            try:
                name = self._read_pointer()
                if name is None or self.needs_rebuild:
                    name = self._new_generation_name()
                    self._open(self.root / name)
                    self._write_pointer(name)
            finally:
                self._lock.release()
        self._index = self._open(self.root / name)
        self._generation = name
        self._last_check = time.monotonic()

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._last_check < self.reload_interval_s:
            return
        with self._mutex:
            self._last_check = now
            name = self._read_pointer()
            if name and name != self._generation and self._writer is None:
                self._index = self._open(self.root / name)
                self._generation = name
            else:
                assert self._index is not None
                self._index.reload()

    def _searcher(self) -> tantivy.Searcher:
        self._maybe_reload()
        assert self._index is not None
        return self._index.searcher()

    # -- writes --------------------------------------------------------------------------
    def _ensure_writer(self) -> Any:
        if self._writer is None:
            self._lock.acquire(self._lock_timeout_s)
            # Another process may have swapped in a new generation meanwhile: write to it.
            name = self._read_pointer()
            if name and name != self._generation:
                self._index = self._open(self.root / name)
                self._generation = name
            assert self._index is not None
            self._writer = self._index.writer(self.heap_bytes, 1)
        return self._writer

    def index_changed(self, records: list[Record]) -> None:
        if not records:
            return
        with self._mutex:
            writer = self._ensure_writer()
            for record in records:
                writer.delete_documents_by_term(self.key_field, self.key_of(record))
                for doc in self.documents_of(record):
                    writer.add_json(doc)
            self._pending += len(records)

    def delete(self, skus: list[str]) -> None:
        if not skus:
            return
        with self._mutex:
            writer = self._ensure_writer()
            for sku in skus:
                writer.delete_documents_by_term(self.key_field, str(sku))
            self._pending += len(skus)

    def commit(self) -> None:
        with self._mutex:
            if self._writer is None:
                return
            try:
                self._writer.commit()
                self._writer.wait_merging_threads()
            finally:
                self._writer = None
                self._pending = 0
                self._lock.release()
            assert self._index is not None
            self._index.reload()
            _release_memory()

    def rollback(self) -> None:
        with self._mutex:
            if self._writer is None:
                return
            try:
                self._writer.rollback()
            finally:
                self._writer = None
                self._pending = 0
                self._lock.release()

    def rebuild(
        self, batches: Iterable[list[Record]], progress: Callable[[int], None] | None = None
    ) -> int:
        with self._mutex:
            if self._writer is not None:
                raise Conflict("uncommitted index changes; commit them before a rebuild")
            self._lock.acquire(self._lock_timeout_s)
            try:
                self._remove_generations(keep={self._generation})  # debris of crashed rebuilds
                name = self._new_generation_name()
                index = self._open(self.root / name)
                writer = index.writer(self.heap_bytes, 2)
                count = 0
                try:
                    for batch in batches:
                        for record in batch:
                            for doc in self.documents_of(record):
                                writer.add_json(doc)
                        count += len(batch)
                        if progress:
                            progress(count)
                    writer.commit()
                    writer.wait_merging_threads()
                except BaseException:
                    try:
                        writer.rollback()
                    finally:
                        del writer, index  # the writer's threads must stop before the files go
                        shutil.rmtree(self.root / name, ignore_errors=True)
                    raise
                del writer
                _release_memory()
                previous = self._generation
                self._write_pointer(name)
                index.reload()
                self._index = index
                self._generation = name
                self.needs_rebuild = False
                self._remove_generations(keep={name, previous})
                return count
            finally:
                self._lock.release()

    def _remove_generations(self, keep: set[str]) -> None:
        """Old generations go; the previous one stays for readers that still have it open."""
        for path in self.root.glob("gen-*"):
            if path.is_dir() and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- reads ---------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._searcher().num_docs)

    def health(self) -> dict[str, Any]:
        try:
            searcher = self._searcher()
            return {"backend": self.name, "status": "ok", "documents": searcher.num_docs,
                    "segments": searcher.num_segments, "generation": self._generation}
        except Exception as exc:  # pragma: no cover - reported, not raised
            return {"backend": self.name, "status": "error", "detail": str(exc)}

    def close(self) -> None:
        self.rollback()
        self._index = None


class TantivyBackend(TantivyIndex):
    """The product search backend (``indexer.base.SearchBackend``)."""

    name = "tantivy"

    def search(self, plan: SearchPlan) -> SearchResult:
        started = time.perf_counter()
        try:
            searcher = self._searcher()
        except ValueError as exc:  # pragma: no cover - corrupted or missing index files
            raise BackendUnavailable(f"search index cannot be opened: {exc}") from exc
        text_query = self._text_query(plan.text, searcher) if plan.text else None
        if plan.customer_prices is not None and plan.customer_prices.applies_to(plan):
            return self._personal_search(searcher, plan, plan.customer_prices, text_query,
                                         started)
        return self._search(searcher, plan, text_query, started)

    def _search(self, searcher: tantivy.Searcher, plan: SearchPlan,
                text_query: tantivy.Query | None, started: float,
                extra_fixed: Sequence[tantivy.Query] = (), *, hits: bool = True,
                strict_total: int | None = None) -> SearchResult:
        """``extra_fixed``: compiled filters applied like ``plan.fixed_filters``; without
        ``hits`` only the facets are counted (total 0: the caller counts); ``strict_total``:
        how many products match ``plan.facet_text`` with the filters, when the caller
        counted them."""
        filter_queries = [(f.field, self._filter_query(f)) for f in plan.filters]
        fixed: list[tantivy.Query | None] = [self._filter_query(f) for f in plan.fixed_filters]
        if plan.assortment is not None:
            fixed.append(self._assortment_query(plan.assortment))
        fixed += extra_fixed
        scored = text_query
        if plan.boosts and plan.sort is None:
            scored = self._boosted(text_query, plan.boosts)
        query = _without(_and([scored] + [q for _, q in filter_queries] + fixed),
                         plan.exclude_skus + plan.skip_skus)
        found = self._hits(searcher, query, plan) if hits else (0, [])
        facet_text, strict = text_query, False
        if plan.facet_text is not None and (plan.facets or strict_total is not None):
            narrow = self._text_query(plan.facet_text, searcher)
            if strict_total is None:
                matching = _without(_and([narrow] + [q for _, q in filter_queries] + fixed),
                                    plan.exclude_skus)
                strict_total = searcher.search(matching, limit=1, count=True).count  # type: ignore[attr-defined]
            if strict_total > 0:
                facet_text, strict = narrow, True
        facets = self._facets(searcher, plan, _and([facet_text] + fixed), filter_queries)
        return SearchResult(total=found[0], hits=found[1], facets=facets,
                            engine_ms=(time.perf_counter() - started) * 1000,
                            facets_strict=strict, strict_total=strict_total)

    def _personal_search(self, searcher: tantivy.Searcher, plan: SearchPlan,
                         prices: CustomerPrices, text_query: tantivy.Query | None,
                         started: float) -> SearchResult:
        """A search that sorts, filters or facets on the buyer's own prices, which the index
        does not hold. Price filters become the same filters on the catalog's prices,
        corrected by the few SKUs the buyer's prices decide otherwise (kept with the buyer's
        prices for the next page); the price facet reads the buyer's price of every product
        it counts; sorting by price reads the start of the catalog's price order as far as
        the buyer's prices can reach (or orders the matches the facet read, when they are
        the same)."""
        pf = prices.field

        def is_price(f: Filter) -> bool:
            return f.field == pf

        user_price = [f for f in plan.filters if is_price(f)]
        rule_price = [f for f in plan.fixed_filters if is_price(f)]
        extra = [self._price_restriction(prices, user_price + rule_price)] if (
            user_price or rule_price) else []
        base = replace(plan, customer_prices=None,
                       filters=[f for f in plan.filters if not is_price(f)],
                       fixed_filters=[f for f in plan.fixed_filters if not is_price(f)],
                       facets=[r for r in plan.facets if r.field != pf])
        own_sort = plan.sort is not None and plan.sort.field == pf
        fixed: list[tantivy.Query | None] = [self._filter_query(f) for f in base.fixed_filters]
        if plan.assortment is not None:
            fixed.append(self._assortment_query(plan.assortment))
        rule = [self._price_restriction(prices, rule_price)] if rule_price else []

        def counted_with(text: tantivy.Query | None) -> tuple[np.ndarray, list[Any], np.ndarray]:
            """The price facet's matches with ``text``: every match of the other filters
            (disjunctive: the buyer's own price filter is left out), as (the buyer's prices,
            addresses, product keys)."""
            keys, addresses = _every_match(searcher, _without(_and(
                [text, *(self._filter_query(f) for f in base.filters), *fixed, *rule]),
                plan.exclude_skus))
            return np.asarray(prices.lookup(keys), dtype=np.float64), addresses, keys

        counted: tuple[np.ndarray, list[Any], np.ndarray] | None = None
        price_facet = any(r.field == pf for r in plan.facets)
        strict_total = None
        if price_facet and plan.facet_text is not None:
            # the stricter text's matches: the price facet's when there are any, and their
            # number with the buyer's price filter is the count that decides
            narrow = counted_with(self._text_query(plan.facet_text, searcher))
            strict_total = int(values_passing(narrow[0], user_price).sum()) if user_price \
                else len(narrow[1])
            counted = narrow if strict_total > 0 else None
        if own_sort:
            result = self._search(searcher, replace(base, sort=None, limit=0, offset=0),
                                  text_query, started, extra, hits=False,
                                  strict_total=strict_total)
        else:
            result = self._search(searcher, base, text_query, started, extra,
                                  strict_total=strict_total)
        strict = result.facets_strict and plan.facet_text is not None
        if price_facet and counted is None:
            counted = counted_with(text_query)
        if own_sort:
            assert plan.sort is not None
            wanted = plan.offset + max(plan.limit, 0)
            if counted is not None and not strict:
                # the facet read the hits' matches, but for the buyer's price filter and the
                # pinned products (placed by ranking)
                values, addresses, keys = counted
                keep = values_passing(values, user_price)
                if plan.skip_skus:
                    keep &= ~np.isin(keys, product_keys(plan.skip_skus))
                values, addresses = values[keep], [addresses[i] for i in np.flatnonzero(keep)]
                result.total = len(addresses)
            else:
                query = _without(_and([text_query, *(self._filter_query(f) for f in
                                                     base.filters), *fixed, *extra]),
                                 plan.exclude_skus + plan.skip_skus)
                values, addresses, result.total = self._by_own_price(
                    searcher, query, prices, wanted, plan.sort.descending)
            result.hits = [self._hit(searcher, address, 0.0, plan, None, scored=False)
                           for address in _page(values, addresses, plan.offset, wanted,
                                                plan.sort.descending)]
        own = {r.field: _numeric_facet(r, counted[0][~np.isnan(counted[0])])
               for r in plan.facets if r.field == pf and counted is not None}
        result.facets = {r.field: own.get(r.field) or result.facets[r.field]
                         for r in plan.facets if r.field in own or r.field in result.facets}
        result.engine_ms = (time.perf_counter() - started) * 1000
        return result

    def _by_own_price(self, searcher: tantivy.Searcher, query: tantivy.Query,
                      prices: CustomerPrices, wanted: int, descending: bool
                      ) -> tuple[np.ndarray, list[Any], int]:
        """Candidates for the first ``wanted`` of ``query``'s matches by the buyer's prices:
        (those prices, their addresses, how many matches there are).

        The start of the catalog's price order (the engine's own top-k) holds the matches the
        buyer pays the catalog's price for, in order; the ``wanted``-th of them bounds what
        the page's products cost the buyer, and that bounds their catalog prices (a buyer's
        price lies between ``low`` and ``high`` times the catalog's but for a few listed
        exceptions, looked up by SKU): when the first read stops short of that catalog price,
        a second one takes the matches up to it, in no order. Buyers whose prices stray far
        from the catalog's end up reading every match."""
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        differing = prices.differing()
        fetch = max(8 * wanted, FIRST_PRICE_ORDER_READ)
        found = searcher.search(query, limit=fetch, count=True, order_by_field=prices.field,
                                order=order)
        top, total = found.hits, found.count  # type: ignore[attr-defined]
        addresses = [a for _, a in top]
        own = np.asarray(prices.lookup(np.asarray(searcher.fast_field_values(
            "sku_key", addresses), dtype=np.uint64)), dtype=np.float64)
        if len(top) >= total:
            return own, addresses, total  # every match read
        listed = np.array([np.nan if v is None else v for v, _ in top], dtype=np.float64)
        plain = np.flatnonzero(own == listed)  # priced as in the catalog
        if len(plain) < wanted or differing.low <= 0:
            keys, addresses = _every_match(searcher, query, total)
            return np.asarray(prices.lookup(keys), dtype=np.float64), addresses, total
        bound = float(listed[plain[wanted - 1]])  # ``wanted`` matches cost the buyer this
        slack = 1e-9 * max(abs(bound), 1.0)  # ratios are rounded: keep equal prices
        edge = (bound - slack) / differing.high if descending else (
            (bound + slack) / differing.low)
        last = listed[-1]  # NaN: every match with a catalog price was read
        if not (np.isnan(last) or (last < edge if descending else last > edge)):
            # the rest of the matches up to the edge, in no order
            keys, addresses = _every_match(searcher, Q.boolean_query([
                (Occur.Must, query),
                (Occur.Must, _range(prices.field, edge, None) if descending else
                 _range(prices.field, None, edge))]), total)
            own = np.asarray(prices.lookup(keys), dtype=np.float64)
        if descending:
            at = int(np.searchsorted(differing.high_prices, bound - slack, side="left"))
            exceptions = differing.high_skus[at:]
        else:
            at = int(np.searchsorted(differing.low_prices, bound + slack, side="right"))
            exceptions = differing.low_skus[:at]
        if exceptions.size:  # those whose catalog price may lie anywhere
            keys, more = _every_match(searcher, Q.boolean_query([
                (Occur.Must, query),
                (Occur.Must, Q.term_set_query(SCHEMA, "sku", exceptions.tolist()))]),
                int(exceptions.size))
            seen = {(a.segment_ord, a.doc) for a in addresses}
            new = [i for i, a in enumerate(more) if (a.segment_ord, a.doc) not in seen]
            if new:
                own = np.concatenate([own, np.asarray(prices.lookup(keys[new]),
                                                      dtype=np.float64)])
                addresses += [more[i] for i in new]
        return own, addresses, total

    def _price_restriction(self, prices: CustomerPrices, price_filters: list[Filter]
                           ) -> tantivy.Query:
        """The products whose price for this buyer passes ``price_filters``, as a query: the
        same filters on the catalog's price column, corrected by product keys where the
        buyer's price decides otherwise (a contract price below the range's top while the
        list price is above it, and so on). Buyers' prices differ from list prices for some
        products, and change the decision for fewer still (those near the range's ends), so
        the key lists stay short. A product without a price for the buyer passes no price
        filter. Kept on ``prices`` (one object per buyer view, which ``ranking.personal``
        reuses until a price or product changes) for the buyer's next searches."""
        memo_key = ("tantivy", tuple(price_filters))
        hit = prices.memo.get(memo_key)
        if hit is not None:
            return hit
        wrongly_in, wrongly_out = prices.corrections(price_filters)
        query = _and([self._filter_query(f) for f in price_filters])
        if wrongly_in.size:  # SKUs: a term set on the raw text field is ~5x faster than on
            # the numeric key column
            query = Q.boolean_query([(Occur.Must, query), (Occur.MustNot, Q.term_set_query(
                SCHEMA, "sku", wrongly_in.tolist()))])
        if wrongly_out.size:
            query = _or([query, Q.term_set_query(SCHEMA, "sku", wrongly_out.tolist())])
        if len(prices.memo) >= 32:
            prices.memo.pop(next(iter(prices.memo)))
        prices.memo[memo_key] = query
        return query

    def _hit(self, searcher: tantivy.Searcher, address: Any, score: Any, plan: SearchPlan,
             query: tantivy.Query | None, *, scored: bool) -> Hit:
        doc = searcher.doc(address)
        source = orjson.loads(doc.get_first("source") or b"{}")
        part_number = plan.text.part_number if plan.text else None
        exact = part_number is not None and same_part_number(part_number, source)
        explanation = None
        if plan.explain and query is not None:
            explanation = orjson.loads(query.explain(searcher, address).to_json())
        return Hit(sku=source["sku"], score=float(score) if scored else 0.0, source=source,
                   part_number_match=exact, explanation=explanation)

    def _hits(self, searcher: tantivy.Searcher, query: tantivy.Query, plan: SearchPlan
              ) -> tuple[int, list[Hit]]:
        kwargs: dict[str, Any] = {"limit": max(plan.limit, 1), "offset": plan.offset, "count": True}
        if plan.sort is None:
            if plan.popularity_boost:
                kwargs["weight_by_field"] = "popularity_weight"
        else:
            field = "availability_rank" if plan.sort.field == "availability" else plan.sort.field
            kwargs["order_by_field"] = field
            kwargs["order"] = tantivy.Order.Desc if plan.sort.descending else tantivy.Order.Asc
        result = searcher.search(query, **kwargs)
        if plan.limit == 0:
            return result.count, []  # type: ignore[attr-defined]
        part_number = plan.text.part_number if plan.text else None
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            source = orjson.loads(doc.get_first("source") or b"{}")
            exact = part_number is not None and same_part_number(part_number, source)
            explanation = None
            if plan.explain:
                explanation = orjson.loads(query.explain(searcher, address).to_json())
            hits.append(Hit(sku=source["sku"], score=float(score) if plan.sort is None else 0.0,
                            source=source, part_number_match=exact, explanation=explanation))
        return result.count, hits  # type: ignore[attr-defined]

    # -- query compilation ---------------------------------------------------------------
    def _boosted(self, text_query: tantivy.Query | None, boosts: list[tuple[Filter, float]]
                 ) -> tantivy.Query:
        """Query-rule factors as extra SHOULD clauses that repeat the text query: a product in a
        boost's filter gets its text score once more times (weight - 1), so it scores ``weight``
        times as much; a bury by ``weight`` < 1 gives every product *outside* the filter
        (1/weight - 1) more instead (the same order, and no negative scores). Matching is
        unchanged: the extra clauses are optional."""
        base = text_query if text_query is not None else Q.all_query()
        clauses = [(Occur.Must, base)]
        for flt, weight in boosts:
            inside = Q.const_score_query(self._filter_query(flt), 0.0)
            if weight > 1.0:
                clauses.append((Occur.Should, Q.boost_query(
                    Q.boolean_query([(Occur.Must, base), (Occur.Must, inside)]), weight - 1.0)))
            elif 0.0 < weight < 1.0:
                clauses.append((Occur.Should, Q.boost_query(
                    Q.boolean_query([(Occur.Must, base), (Occur.MustNot, inside)]),
                    1.0 / weight - 1.0)))
        return Q.boolean_query(clauses)

    def _text_query(self, text: TextQuery, searcher: tantivy.Searcher) -> tantivy.Query:
        if text.alternatives:
            return Q.boolean_query([(Occur.Should, self._text_query(t, searcher))
                                    for t in [replace(text, alternatives=[])] + text.alternatives])
        clauses = [(Occur.Should if t.optional else Occur.Must,
                     self._term_query(t, text, searcher))
                   for t in text.terms]
        alternatives = []
        if clauses:
            if text.min_should_match is not None:
                every = Q.boolean_query(clauses)
                clauses = [(Occur.Should, q) for _, q in clauses]
                some = Q.boolean_query(clauses, text.min_should_match)
                if text.all_words_bonus > 0 and len(clauses) > 1:
                    # coordination: a product matching every word scores (1 + bonus) times
                    some = Q.boolean_query([(Occur.Must, some), (Occur.Should, Q.boost_query(
                        every, text.all_words_bonus))])
                alternatives.append(some)
            else:
                alternatives.append(Q.boolean_query(clauses))
        if len(text.code_phrase) > 1:
            alternatives.append(Q.boost_query(
                Q.phrase_query(SCHEMA, "code", list(text.code_phrase)), text.code_phrase_weight))
        pn = text.part_number
        if pn:
            exact = [Q.term_query(SCHEMA, "pn", pn)]
            if pn.isdigit() and pn.startswith("0"):
                exact.append(Q.term_query(SCHEMA, "pn", pn.lstrip("0")))
            alternatives += [Q.const_score_query(q, text.part_number_weight) for q in exact]
            if len(pn) >= 3:
                alternatives.append(Q.const_score_query(
                    Q.fuzzy_term_query(SCHEMA, "pn", pn, 0, True, True),
                    text.partial_part_number_weight))
            if len(pn) >= 4:
                alternatives.append(Q.const_score_query(
                    Q.fuzzy_term_query(SCHEMA, "pn_reversed", pn[::-1], 0, True, True),
                    text.partial_part_number_weight * 0.8))
        if not alternatives:
            return Q.empty_query()
        if len(alternatives) == 1:
            return alternatives[0]
        return Q.boolean_query([(Occur.Should, q) for q in alternatives])

    def _term_query(self, term: TermClause, text: TextQuery, searcher: tantivy.Searcher
                    ) -> tantivy.Query:
        top_weight = max(text.field_weights.values(), default=1.0)
        if term.unit:  # the measurement in any spelling, or the words exactly as typed
            literal: list[str | tuple[int, str]] = list(term.code_parts)
            return Q.disjunction_max_query([
                Q.boost_query(Q.term_query(SCHEMA, "units", term.unit), top_weight),
                Q.boost_query(Q.phrase_query(SCHEMA, "code", literal) if len(literal) > 1
                              else Q.term_query(SCHEMA, "code", term.code_parts[0]), top_weight),
            ], 0.1)
        subs = []
        stems = STEM.analyze(term.text)
        for logical, weight in text.field_weights.items():
            field = _TEXT_FIELD_OF.get(logical)
            if field is None or weight <= 0:
                continue
            for stem in stems:
                subs.append(Q.boost_query(Q.term_query(SCHEMA, field, stem), weight))
        for compound in term.compounds:  # "kwik set" finds "Kwikset" (as a prefix while typing)
            if term.prefix:
                subs.append(Q.boost_query(
                    Q.fuzzy_term_query(SCHEMA, "all_plain", compound, 0, True, True), top_weight))
            elif searcher.doc_freq("all_plain", compound) > 0:  # no clause for a non-word
                subs.append(Q.boost_query(Q.term_query(SCHEMA, "all_plain", compound), top_weight))
        if term.split_compound and (halves := _split(term.text, searcher)):
            # "deckpaint" is no word of the catalog, "deck" and "paint" are: match both
            subs.append(Q.boost_query(Q.boolean_query(
                [(Occur.Must, _or([Q.term_query(SCHEMA, "all_plain", form) for form in half]))
                 for half in halves]), top_weight))
        if term.fuzzy or term.prefix:
            subs.append(Q.boost_query(
                Q.fuzzy_term_query(SCHEMA, "all_plain", term.text, term.fuzzy, True, term.prefix),
                text.fuzzy_weight * top_weight))
        parts: list[str | tuple[int, str]] = list(term.code_parts)
        if term.has_digits and parts:
            if len(parts) > 1:
                phrase = (Q.phrase_prefix_query(SCHEMA, "code", parts) if term.prefix
                          else Q.phrase_query(SCHEMA, "code", parts))
            elif term.prefix:
                phrase = Q.fuzzy_term_query(SCHEMA, "code", term.code_parts[0], 0, True, True)
            else:
                phrase = Q.term_query(SCHEMA, "code", term.code_parts[0])
            subs.append(Q.boost_query(phrase, top_weight))
        if not subs:
            return Q.empty_query()
        return Q.disjunction_max_query(subs, 0.1)

    @staticmethod
    def _filter_query(flt: Filter) -> tantivy.Query:
        spec = BY_NAME[flt.field]
        if isinstance(flt, TermsFilter):
            if spec.kind == "path":
                terms = []
                for path in flt.values:
                    levels = category_levels(path)
                    if levels and len(levels) <= CATEGORY_DEPTH:
                        terms.append(Q.term_query(SCHEMA, f"category_lvl{len(levels) - 1}", levels[-1]))
                return _or(terms)
            if spec.numeric:
                return _or([_range(flt.field, float(v), float(v)) for v in flt.values])
            return Q.term_set_query(SCHEMA, flt.field, list(flt.values))
        assert isinstance(flt, RangeFilter)
        return _range(flt.field, flt.gte, flt.lte)

    def _assortment_query(self, assortment: Assortment) -> tantivy.Query | None:
        def rules(categories: tuple[str, ...], brands: tuple[str, ...], skus: tuple[str, ...]
                  ) -> list[tantivy.Query]:
            out = []
            if categories:
                out.append(self._filter_query(TermsFilter("category", categories)))
            if brands:
                out.append(Q.term_set_query(SCHEMA, "brand", list(brands)))
            if skus:
                out.append(Q.term_set_query(SCHEMA, "sku", list(skus)))
            return out

        include = rules(assortment.include_categories, assortment.include_brands,
                        assortment.include_skus)
        exclude = rules(assortment.exclude_categories, assortment.exclude_brands,
                        assortment.exclude_skus)
        if not include and not exclude:
            return None
        clauses = [(Occur.Must, _or(include) if include else Q.all_query())]
        clauses += [(Occur.MustNot, q) for q in exclude]
        return Q.boolean_query(clauses)

    # -- facets --------------------------------------------------------------------------
    def _facets(self, searcher: tantivy.Searcher, plan: SearchPlan, base: tantivy.Query,
                filter_queries: list[tuple[str, tantivy.Query]]) -> dict[str, FacetResult]:
        """``base``: the text and the fixed filters, which every facet count keeps."""
        if not plan.facets:
            return {}
        filtered = {f for f, _ in filter_queries}
        groups: dict[str | None, list[FacetRequest]] = {}
        for request in plan.facets:
            key = request.field if request.field in filtered else None
            groups.setdefault(key, []).append(request)
        selected: dict[str, set[str]] = {}
        for flt in plan.filters:
            if isinstance(flt, TermsFilter):
                selected.setdefault(flt.field, set()).update(flt.values)
        out: dict[str, FacetResult] = {}
        for excluded, requests in groups.items():
            query = _without(_and([base] + [q for f, q in filter_queries if f != excluded]),
                             plan.exclude_skus)
            aggs: dict[str, Any] = {}
            for request in requests:
                aggs.update(_aggregations(request))
            raw = searcher.aggregate(query, aggs)
            for request in requests:
                out[request.field] = _facet_result(request, raw, selected.get(request.field, set()))
        return {r.field: out[r.field] for r in plan.facets}


def _split(word: str, searcher: tantivy.Searcher) -> list[list[str]] | None:
    """A word no product holds, cut in two words that products do hold (each of 3 letters or
    more, either as written or in the singular), where the rarer of the two is most common;
    each half is returned with the forms products hold. None when there is no such cut."""
    if len(word) < 6 or not word.isalpha() or searcher.doc_freq("all_plain", word) > 0:
        return None

    def held(part: str) -> tuple[int, list[str]]:
        forms = [f for f in dict.fromkeys((part, singular(part)))
                 if searcher.doc_freq("all_plain", f) > 0]
        return sum(searcher.doc_freq("all_plain", f) for f in forms), forms

    best, best_df = None, 0
    for cut in range(3, len(word) - 2):
        (left_df, left), (right_df, right) = held(word[:cut]), held(word[cut:])
        if min(left_df, right_df) > best_df:
            best, best_df = [left, right], min(left_df, right_df)
    return best


def _every_match(searcher: tantivy.Searcher, query: tantivy.Query, limit: int | None = None
                 ) -> tuple[np.ndarray, list[Any]]:
    """Every match's product key and address, unscored (at most ``limit``)."""
    rows = searcher.search(query, limit=max(limit or int(searcher.num_docs), 1),  # type: ignore[attr-defined]
                           count=False, order_by_field="sku_key").hits
    return (np.fromiter((k for k, _ in rows), dtype=np.uint64, count=len(rows)),
            [a for _, a in rows])


def _page(values: np.ndarray, addresses: list[Any], offset: int, stop: int, descending: bool
          ) -> list[Any]:
    """``addresses[offset:stop]`` once ordered by ``values`` (descending or not; NaN last),
    ties in index order. Only the ties that reach into the page are ordered by address."""
    if not addresses:
        return []
    key = np.where(np.isnan(values), np.inf, -values if descending else values)
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    last = min(stop, len(order)) - 1
    if offset > last:
        return []
    lo = int(np.searchsorted(ranked, ranked[offset], side="left"))
    hi = int(np.searchsorted(ranked, ranked[last], side="right"))
    span = sorted(order[lo:hi].tolist(), key=lambda i: (
        key[i], addresses[i].segment_ord, addresses[i].doc))
    return [addresses[i] for i in span[offset - lo: stop - lo]]


def _numeric_facet(request: FacetRequest, values: np.ndarray) -> FacetResult:
    """A range facet computed from values in hand (the buyer's prices), shaped like the
    engine's: stats, the request's buckets (half-open [from, to)), distinct values."""
    result = FacetResult(field=request.field, kind="range")
    if values.size:
        result.min, result.max = float(values.min()), float(values.max())
        result.sum = float(values.sum())
        result.avg = result.sum / values.size
    edges = list(request.ranges)
    if edges:
        bounds: list[tuple[float | None, float | None]] = [(None, edges[0])]
        bounds += list(zip(edges, edges[1:], strict=False))
        bounds.append((edges[-1], None))
        for lo, hi in bounds:
            inside = np.ones(values.shape, dtype=bool)
            if lo is not None:
                inside &= values >= lo
            if hi is not None:
                inside &= values < hi
            result.buckets.append(RangeBucket(lo, hi, int(inside.sum())))
    if request.values and values.size:
        distinct, counts = np.unique(values, return_counts=True)
        top = np.argsort(-counts, kind="stable")[: request.size]
        result.values = [FacetValue(_number_key(float(distinct[i])), int(counts[i])) for i in top]
    return result


def _and(queries: Sequence[tantivy.Query | None]) -> tantivy.Query:
    present = [q for q in queries if q is not None]
    if not present:
        return Q.all_query()
    if len(present) == 1:
        return present[0]
    return Q.boolean_query([(Occur.Must, q) for q in present])


def _without(query: tantivy.Query, skus: tuple[str, ...]) -> tantivy.Query:
    if not skus:
        return query
    return Q.boolean_query([(Occur.Must, query),
                            (Occur.MustNot, Q.term_set_query(SCHEMA, "sku", list(skus)))])


def _or(queries: list[tantivy.Query]) -> tantivy.Query:
    if not queries:
        return Q.empty_query()
    if len(queries) == 1:
        return queries[0]
    return Q.boolean_query([(Occur.Should, q) for q in queries])


def _range(field: str, gte: float | None, lte: float | None) -> tantivy.Query:
    lo: float | int | None
    hi: float | int | None
    if BY_NAME[field].kind == "int":
        lo = None if gte is None else math.ceil(gte)
        hi = None if lte is None else math.floor(lte)
        ftype = tantivy.FieldType.Integer
    else:
        lo, hi = gte, lte
        ftype = tantivy.FieldType.Float
    if lo is None and hi is None:
        return Q.exists_query(field)
    if lo is not None and hi is not None and lo > hi:
        return Q.empty_query()
    return Q.const_score_query(Q.range_query(SCHEMA, field, ftype, lo, hi), 0.0)


def _aggregations(request: FacetRequest) -> dict[str, Any]:
    f = request.field
    if request.kind == "hierarchy":
        return {f"{f}#{level}": {"terms": {"field": f"category_lvl{level}", "size": 10_000}}
                for level in range(CATEGORY_DEPTH)}
    if request.kind == "range":
        edges = list(request.ranges)
        ranges: list[dict[str, float]] = []
        if edges:
            ranges.append({"to": edges[0]})
            ranges += [{"from": a, "to": b} for a, b in zip(edges, edges[1:], strict=False)]
            ranges.append({"from": edges[-1]})
        aggs: dict[str, Any] = {f"{f}#stats": {"stats": {"field": f}}}
        if ranges:
            aggs[f"{f}#ranges"] = {"range": {"field": f, "ranges": ranges}}
        if request.values:
            aggs[f"{f}#values"] = {"terms": {"field": f, "size": request.size,
                                             "segment_size": 10_000}}
        return aggs
    return {f: {"terms": {"field": f, "size": request.size, "segment_size": 10_000}}}


def _facet_result(request: FacetRequest, raw: dict[str, Any], selected: set[str]) -> FacetResult:
    f = request.field
    result = FacetResult(field=f, kind=request.kind)
    if request.kind == "terms":
        result.values = [FacetValue(str(b["key"]), int(b["doc_count"]), selected=str(b["key"]) in selected)
                         for b in raw.get(f, {}).get("buckets", [])]
    elif request.kind == "range":
        stats = raw.get(f"{f}#stats", {})
        if stats.get("count"):
            result.min, result.max = stats.get("min"), stats.get("max")
            result.sum, result.avg = stats.get("sum"), stats.get("avg")
        for b in raw.get(f"{f}#ranges", {}).get("buckets", []):
            result.buckets.append(RangeBucket(b.get("from"), b.get("to"), int(b["doc_count"])))
        result.values = [FacetValue(_number_key(b["key"]), int(b["doc_count"]))
                         for b in raw.get(f"{f}#values", {}).get("buckets", [])]
    else:
        result.values = _hierarchy(f, raw, selected, request.size, request.expand)
    return result


def _number_key(key: Any) -> str:
    """A numeric facet value as text: 5.0 -> '5', 0.12 -> '0.12'."""
    number = float(key)
    return str(int(number)) if number.is_integer() else repr(number)


def _hierarchy(f: str, raw: dict[str, Any], selected: set[str], size: int,
               expand: bool = False) -> list[FacetValue]:
    """Top level always; below it, the children of every selected path and of its ancestors.
    ``expand``: every value of every level instead."""
    counts: list[dict[str, int]] = [
        {str(b["key"]): int(b["doc_count"]) for b in raw.get(f"{f}#{lvl}", {}).get("buckets", [])}
        for lvl in range(CATEGORY_DEPTH)
    ]
    if expand:  # level by level, each by count
        return [FacetValue(path, count, level=level, selected=path in selected)
                for level, found in enumerate(counts)
                for path, count in sorted(found.items(), key=lambda pc: (-pc[1], pc[0]))]
    open_paths = {p for path in selected for p in category_levels(path)}
    out: list[FacetValue] = []

    def walk(level: int, parent: str | None) -> None:
        if level >= CATEGORY_DEPTH:
            return
        prefix = parent + " > " if parent else ""
        children = [(p, c) for p, c in counts[level].items() if p.startswith(prefix)]
        children.sort(key=lambda pc: (-pc[1], pc[0]))
        for path, count in children[:size] if level == 0 else children:
            out.append(FacetValue(path, count, level=level, selected=path in selected))
            if path in open_paths:
                walk(level + 1, path)

    walk(0, None)
    return out
