"""The product data model and its store: the source of truth every search index derives from."""
