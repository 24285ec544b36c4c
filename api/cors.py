"""Cross-origin access for storefronts: configured origins and per-key allowed origins."""

from __future__ import annotations

from fastapi import FastAPI

from catalog.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Filled in by issue 5."""
