"""Semantic search (S11) and search by photo (S8): text and image encoders, stored product
embeddings, the query-embedding cache and the vector index of the embedded engine.

Importing this package loads neither torch nor a model; the first encode does (see
:mod:`embeddings.encoder`). What the rest of the product calls:

* :func:`get_encoder` / :class:`SentenceTransformerEncoder` (a :class:`TextEncoder`)
* :func:`embed_products`: store the embeddings of new or changed products (ingestion, reindex)
* :func:`encode_query`: a search query's vector, through the LRU cache
* :class:`VectorIndex`: exact top-k by cosine, with filters, kept in step with the store
* :class:`OpenClipEncoder` (an :class:`ImageEncoder`), :func:`embed_product_images` and
  :func:`open_image` (the one guarded image reader) for search by photo
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
from embeddings.image_encoder import ClipUnavailable, ImageEncoder, OpenClipEncoder
from embeddings.image_pipeline import ImageEmbedReport, embed_product_images
from embeddings.images import ImageTooLarge, InvalidImage, open_image
from embeddings.pipeline import EmbedReport, embed_products
from embeddings.vectors import Selection, VectorIndex, image_vectors_dir, vectors_dir

__all__ = [
    "ClipUnavailable",
    "EmbedReport",
    "EncoderUnavailable",
    "ImageEmbedReport",
    "ImageEncoder",
    "ImageTooLarge",
    "InvalidImage",
    "OpenClipEncoder",
    "QueryEmbeddingCache",
    "Selection",
    "SentenceTransformerEncoder",
    "TextEncoder",
    "VectorIndex",
    "embed_product_images",
    "embed_products",
    "encode_query",
    "get_encoder",
    "get_query_cache",
    "image_vectors_dir",
    "normalize_query",
    "open_image",
    "product_text",
    "text_hash",
    "vectors_dir",
]
