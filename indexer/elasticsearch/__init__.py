"""Elasticsearch: the scale-out search backend (see README "Scaling out")."""

from indexer.elasticsearch.backend import ElasticsearchBackend, ElasticsearchConfig, IndexingFailed

__all__ = ["ElasticsearchBackend", "ElasticsearchConfig", "IndexingFailed"]
