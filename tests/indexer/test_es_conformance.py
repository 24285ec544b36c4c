"""The backend conformance suite against a live Elasticsearch cluster.

Runs only when ``DISCOVERY_ES_URL`` points at a cluster (``deploy/docker-compose.yml`` starts
one); credentials come from ``DISCOVERY_ES_API_KEY`` or ``DISCOVERY_ES_USERNAME``/``_PASSWORD``.
Each test works under its own index prefix and deletes its indices and template afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from catalog.settings import Settings
from indexer.elasticsearch import ElasticsearchBackend, ElasticsearchConfig
from tests.indexer.conformance import BackendConformance

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("DISCOVERY_ES_URL"),
                       reason="no Elasticsearch cluster: set DISCOVERY_ES_URL to run the "
                              "conformance suite against one (deploy/docker-compose.yml)"),
]


class TestElasticsearchConformance(BackendConformance):
    @pytest.fixture
    def empty_backend(self) -> Iterator[Any]:
        settings = Settings()
        config = ElasticsearchConfig.from_settings(settings)
        config.index_prefix = f"conformance-{uuid.uuid4().hex[:8]}"
        config.replicas = 0
        backend = ElasticsearchBackend(config)
        backend.rebuild([[]])
        yield backend
        client = backend.client
        for index in backend._alias_indices():
            client.indices.delete(index=index)
        client.indices.delete_index_template(name=config.template)
        backend.close()
