"""Fixtures shared across the test packages."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from catalog.store import CatalogStore

PG_URL = os.environ.get("DISCOVERY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_store() -> Iterator[CatalogStore]:
    """A fresh schema on the local PostgreSQL, dropped afterwards."""
    admin_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        admin = create_engine(admin_url)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection problem means: no server here
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    schema = f"discovery_test_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    store = CatalogStore(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CatalogStore]:
    """An empty catalog store (not migrated), once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        s = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
        yield s
        s.engine.dispose()
    else:
        yield from _postgres_store()


@pytest.fixture(autouse=True, scope="session")
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test writes into the checkout's ./data: commands and servers the tests start (and
    settings read in-process) use a data folder of the test session unless a test sets one."""
    before = os.environ.get("DISCOVERY_DATA_DIR")
    os.environ["DISCOVERY_DATA_DIR"] = str(tmp_path_factory.mktemp("discovery-data"))
    yield
    if before is None:
        os.environ.pop("DISCOVERY_DATA_DIR", None)
    else:
        os.environ["DISCOVERY_DATA_DIR"] = before
