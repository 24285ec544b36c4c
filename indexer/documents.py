"""Search over the text of attached documents, page by page (S2): the Protocol every document
index implements, and its backend-neutral query and results.

The document index is derived from the catalog store like the product index (``documents``
and ``document_pages``; ``discovery reindex`` rebuilds it). It holds the text, never the
links to products: which products a document belongs to is read from the store for the hits
of a page of results, so relinking a certificate to other products never touches the index.
Every implementation runs ``tests/indexer/document_conformance.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class DocumentQuery:
    words: tuple[str, ...]  # the query's words as typed (the engine analyses them)
    every_word: bool = True  # False: any word may match, documents matching more rank first
    document_ids: tuple[int, ...] | None = None  # only these documents (None: all)
    limit: int = 10  # documents per page of results
    offset: int = 0
    snippet_chars: int = 240


@dataclass
class PageMatch:
    page: int  # 1-based
    score: float
    snippet: str  # plain text around the best match
    highlights: list[tuple[int, int]] = field(default_factory=list)  # character ranges in it


@dataclass
class DocumentHit:
    """A document whose pages match, best page first (at most a few pages per document)."""

    document_id: int
    title: str
    filename: str
    media_type: str
    score: float
    pages: list[PageMatch]


@dataclass
class DocumentResult:
    total: int  # matching documents
    total_pages: int  # matching pages
    hits: list[DocumentHit]
    engine_ms: float = 0.0


@runtime_checkable
class DocumentIndex(Protocol):
    name: str

    def search(self, query: DocumentQuery) -> DocumentResult:
        """Documents whose pages match, best first, each with its matching pages (best first)
        and a snippet per page."""

    def index_changed(self, documents: list[Any]) -> None:
        """Add or replace these documents (:class:`~catalog.store.DocumentPages`, all their
        pages); visible after :meth:`commit`."""

    def delete(self, ids: list[Any]) -> None:
        """Remove these documents (by id); visible after :meth:`commit`."""

    def commit(self) -> None: ...

    def rebuild(self, batches: Iterable[list[Any]],
                progress: Callable[[int], None] | None = None) -> int:
        """Build a fresh index from every document and swap it in atomically; returns the
        number of documents."""

    def count(self) -> int:
        """Number of indexed pages."""

    def health(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
