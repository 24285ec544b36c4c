"""Loads every commerce package's ``models.py`` so that ``catalog.models.Base.metadata``
knows all commerce tables (Alembic comparisons, ``create_all`` in tests). Packages are found
by walking ``commerce``: a new package's models need no registration here."""

from __future__ import annotations

import importlib
import pkgutil

import commerce


def load_all() -> list[str]:
    """Import ``commerce.<package>.models`` for every package that has one; their names."""
    loaded = []
    for info in sorted(pkgutil.iter_modules(commerce.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        name = f"commerce.{info.name}.models"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        loaded.append(name)
    return loaded


load_all()
