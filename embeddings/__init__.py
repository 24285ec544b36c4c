"""Semantic search (S11): text encoders, stored product embeddings, the query-embedding cache
and the vector index of the embedded engine.

Importing this package loads neither torch nor a model; the first encode does (see
:mod:`embeddings.encoder`). What the rest of the product calls:

* :func:`get_encoder` / :class:`SentenceTransformerEncoder` (a :class:`TextEncoder`)
* :func:`embed_products`: store the embeddings of new or changed products (ingestion, reindex)
* :func:`encode_query`: a search query's vector, through the LRU cache
* :class:`VectorIndex`: exact top-k by cosine, with filters, kept in step with the store
"""

from embeddings.cache import QueryEmbeddingCache, encode_query, get_query_cache, normalize_query
from embeddings.encoder import (
    EncoderUnavailable,
    SentenceTransformerEncoder,
    TextEncoder,
    get_encoder,
    product_text,
    text_hash,
)
from embeddings.pipeline import EmbedReport, embed_products
from embeddings.vectors import Selection, VectorIndex, vectors_dir

__all__ = [
    "EmbedReport",
    "EncoderUnavailable",
    "QueryEmbeddingCache",
    "Selection",
    "SentenceTransformerEncoder",
    "TextEncoder",
    "VectorIndex",
    "embed_products",
    "encode_query",
    "get_encoder",
    "get_query_cache",
    "normalize_query",
    "product_text",
    "text_hash",
    "vectors_dir",
]
