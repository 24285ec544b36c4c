"""Fixtures of the Elasticsearch tests that run against the stand-in cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.indexer.fake_es import FakeCluster, running


@pytest.fixture
def cluster() -> FakeCluster:
    """A stand-in cluster (``tests/indexer/fake_es.py``), fresh for each test."""
    return FakeCluster()


@pytest.fixture
def url(cluster: FakeCluster) -> Iterator[str]:
    """The stand-in cluster served on a local port while the test runs."""
    with running(cluster) as address:
        yield address
