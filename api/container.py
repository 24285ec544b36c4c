"""The composition root: the one place that picks concrete store and search backend."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from catalog.errors import InvalidInput
from catalog.settings import Settings
from catalog.store import CatalogStore
from indexer.base import SearchBackend
from ranking.analytics import QueryLog
from ranking.merchandising import MerchandisingStore
from ranking.service import SearchService

log = logging.getLogger("discovery")


@dataclass
class Services:
    settings: Settings
    store: CatalogStore
    backend: SearchBackend
    search: SearchService
    analytics: QueryLog = field(default_factory=lambda: QueryLog(None, enabled=False))
    merchandising: MerchandisingStore | None = None  # synonyms and rules: draft and live

    def close(self) -> None:
        self.analytics.close()  # before the engine goes: it writes what is still queued
        self.backend.close()
        self.store.engine.dispose()


def make_backend(settings: Settings) -> SearchBackend:
    if settings.search_backend == "tantivy":
        from indexer.tantivy_backend import TantivyBackend

        return TantivyBackend(settings.index_dir, heap_mb=settings.index_heap_mb,
                              reload_interval_s=settings.index_reload_interval_s)
    raise InvalidInput(
        f"unknown search backend {settings.search_backend!r}; supported: 'tantivy'",
        field="DISCOVERY_SEARCH_BACKEND",
    )


def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(settings.resolved_database_url())
    store.migrate()
    backend = make_backend(settings)
    heal_index(store, backend)
    analytics = QueryLog(store.engine, enabled=settings.analytics_enabled,
                         flush_interval_s=settings.analytics_flush_interval_s).start()
    merchandising = MerchandisingStore(store.engine)
    search = SearchService(backend, settings, merchandising=merchandising)
    return Services(settings, store, backend, search, analytics, merchandising)


def heal_index(store: CatalogStore, backend: SearchBackend) -> None:
    """The index is derived from the store: rebuild it when it was written by another version
    of the product, or lost (an empty index beside a store with products)."""
    stale = bool(getattr(backend, "needs_rebuild", False))
    if stale or (backend.count() == 0 and store.count() > 0):
        log.warning("search index is %s; rebuilding it from the catalog store",
                    "from another version" if stale else "empty")
        n = backend.rebuild(store.iter_records())
        log.warning("search index rebuilt: %d products", n)
