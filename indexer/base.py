"""The search backend Protocol. Every implementation runs ``tests/indexer/conformance.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from indexer.plan import SearchPlan, SearchResult

Record = dict[str, Any]


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def search(self, plan: SearchPlan) -> SearchResult:
        """Execute a plan. Facet counts are disjunctive: a facet's own filter is left out."""

    def index_changed(self, records: list[Record]) -> None:
        """Add or replace these products (by SKU); visible after :meth:`commit`."""

    def delete(self, skus: list[str]) -> None:
        """Remove these products; visible after :meth:`commit`."""

    def commit(self) -> None:
        """Make every change since the last commit visible to searches, durably."""

    def rebuild(
        self, batches: Iterable[list[Record]], progress: Callable[[int], None] | None = None
    ) -> int:
        """Build a fresh index from all records and swap it in atomically; returns the count.
        Until the swap, searches keep being served by the old index, also after a crash."""

    def count(self) -> int:
        """Number of searchable products."""

    def health(self) -> dict[str, Any]:
        """Backend status for ``/v1/health``."""

    def close(self) -> None:
        """Release files, locks and connections."""
