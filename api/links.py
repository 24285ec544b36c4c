"""Links to files this service stores, as clients need them: absolute (a storefront's widgets
run on another origin) and, for images in result lists, the thumbnail rather than the file."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request

_STORED_IMAGE = re.compile(r"/v1/media/([0-9a-f]{64})/file")
RESULT_THUMBNAIL = 200  # pixels: the image of a search result or suggestion


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def absolute(base: str, url: str | None) -> str | None:
    """A link of this service (``/v1/...``) with the request's scheme and host."""
    if url and url.startswith("/") and not url.startswith("//"):
        return base + url
    return url


def thumbnail_url(sha256: str, size: int = RESULT_THUMBNAIL) -> str:
    return f"/v1/media/{sha256}/thumbnail?size={size}"


def result_image(base: str, url: str | None) -> str | None:
    """The image of a search hit: a stored image's thumbnail, a remote image as it is."""
    if url:
        found = _STORED_IMAGE.fullmatch(url)
        if found:
            return base + thumbnail_url(found.group(1))
    return url


def absolute_hit_images(base: str, hits: list[dict[str, Any]], key: str = "image") -> None:
    for hit in hits:
        if hit.get(key):
            hit[key] = result_image(base, hit[key])
