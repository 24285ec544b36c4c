"""The document index on tantivy: one engine document per page of an attached document, under
``<data_dir>/documents-index`` (generations, atomic rebuilds and cross-process reloads as the
product index, see :mod:`indexer.tantivy_backend`)."""

from __future__ import annotations

import time
from typing import Any

import orjson
import tantivy

from catalog.store import DocumentPages
from indexer.documents import DocumentHit, DocumentQuery, DocumentResult, PageMatch
from indexer.tantivy_backend import STEM, TOKENIZERS, TantivyIndex

Q = tantivy.Query
Occur = tantivy.Occur

SCHEMA_VERSION = "d1"
_TITLE_WEIGHT = 2.0
_PAGES_PER_DOCUMENT = 3  # matching pages listed per document
_CANDIDATES = 1_000  # pages read to group into documents, at most


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("doc", stored=True, tokenizer_name="raw", fast=True)
    b.add_integer_field("page", stored=True, indexed=False)
    b.add_text_field("title", stored=True, tokenizer_name="b2b_stem", index_option="freq")
    b.add_text_field("filename", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("media_type", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("text", stored=True, tokenizer_name="b2b_stem", index_option="freq")
    return b.build()


SCHEMA = build_schema()


def _pages_json(doc: DocumentPages) -> list[str]:
    """A page without text is not indexed (a scan is reported at import, never found empty)."""
    return [orjson.dumps({"doc": str(doc.id), "page": number, "title": doc.title,
                          "filename": doc.filename, "media_type": doc.media_type,
                          "text": text}).decode()
            for number, text in enumerate(doc.pages, start=1) if text.strip()]


class TantivyDocumentIndex(TantivyIndex):
    name = "tantivy"
    schema = SCHEMA
    schema_version = SCHEMA_VERSION
    tokenizers = TOKENIZERS
    key_field = "doc"

    @staticmethod
    def key_of(item: Any) -> str:
        return str(item.id)

    @staticmethod
    def documents_of(item: Any) -> list[str]:
        return _pages_json(item)

    def search(self, query: DocumentQuery) -> DocumentResult:
        started = time.perf_counter()
        searcher = self._searcher()
        compiled = self._query(query)
        if compiled is None:
            return DocumentResult(0, 0, [])
        wanted = query.offset + query.limit
        depth = min(max(wanted * 4, 50), _CANDIDATES)
        found = searcher.search(compiled, limit=depth, count=True)
        total_pages = int(found.count)  # type: ignore[attr-defined]
        total = total_pages
        if total_pages:
            agg = searcher.aggregate(compiled, {"docs": {"cardinality": {"field": "doc"}}})
            total = int(round(agg.get("docs", {}).get("value") or 0))
        snippets = tantivy.SnippetGenerator.create(searcher, compiled, SCHEMA, "text")
        snippets.set_max_num_chars(query.snippet_chars)
        grouped: dict[str, DocumentHit] = {}
        for score, address in found.hits:
            doc = searcher.doc(address)
            key = doc.get_first("doc") or ""
            hit = grouped.get(key)
            if hit is None:
                if len(grouped) >= wanted:
                    continue  # pages of documents beyond this page of results
                hit = grouped[key] = DocumentHit(
                    document_id=int(key), title=doc.get_first("title") or "",
                    filename=doc.get_first("filename") or "",
                    media_type=doc.get_first("media_type") or "", score=float(score), pages=[])
            if len(hit.pages) < _PAGES_PER_DOCUMENT:
                hit.pages.append(_page_match(doc, float(score), snippets))
        hits = list(grouped.values())[query.offset : wanted]
        return DocumentResult(total=max(total, len(grouped)), total_pages=total_pages, hits=hits,
                              engine_ms=(time.perf_counter() - started) * 1000)

    @staticmethod
    def _query(query: DocumentQuery) -> tantivy.Query | None:
        clauses = []
        for word in query.words:
            stems = STEM.analyze(word)
            if not stems:
                continue
            subs = []
            for stem in stems:
                subs.append(Q.term_query(SCHEMA, "text", stem))
                subs.append(Q.boost_query(Q.term_query(SCHEMA, "title", stem), _TITLE_WEIGHT))
            clauses.append(Q.disjunction_max_query(subs, 0.1) if len(subs) > 1 else subs[0])
        if not clauses:
            return None
        occur = Occur.Must if query.every_word else Occur.Should
        text = Q.boolean_query([(occur, c) for c in clauses])
        if query.document_ids is None:
            return text
        if not query.document_ids:
            return Q.empty_query()
        only = Q.term_set_query(SCHEMA, "doc", [str(i) for i in query.document_ids])
        return Q.boolean_query([(Occur.Must, text),
                                (Occur.Must, Q.const_score_query(only, 0.0))])


def _page_match(doc: Any, score: float, snippets: Any) -> PageMatch:
    snippet = snippets.snippet_from_doc(doc)
    fragment: str = snippet.fragment().replace("\n", " ")  # one line (offsets unchanged)
    ranges: list[tuple[int, int]] = []
    if fragment:
        # tantivy gives byte offsets into the UTF-8 fragment; callers want characters
        raw = fragment.encode()
        for r in snippet.highlighted():
            start = len(raw[: r.start].decode(errors="ignore"))
            end = start + len(raw[r.start : r.end].decode(errors="ignore"))
            ranges.append((start, end))
    else:  # the match was in the title: show the page's start
        text = doc.get_first("text") or ""
        fragment = text[:240]
    return PageMatch(page=int(doc.get_first("page") or 0), score=score,
                     snippet=fragment, highlights=ranges)
