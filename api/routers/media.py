"""Product media stored here (P1): the files and image thumbnails. A media id is the SHA-256
of the file, so a URL always names the same bytes (cacheable for a year)."""

from __future__ import annotations

from pathlib import Path as FsPath

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse

from api.container import Services
from api.deps import reject_unknown_params, services
from api.schemas import ERRORS
from api.thumbnails import BadImage, check_size, sniff_image_type, thumbnail
from catalog.errors import NotFound

router = APIRouter(prefix="/v1/media", tags=["media"])

_YEAR = "public, max-age=31536000, immutable"
_INLINE_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
_SHA = Path(..., min_length=64, max_length=64, pattern="^[0-9a-f]{64}$",
            description="The media id: the SHA-256 of the file, as product cards give it.")


def _stored(svc: Services, media_id: str) -> tuple[FsPath, dict]:
    meta = svc.store.media_file(media_id)
    if meta is None or svc.files is None:
        raise NotFound(f"no stored media {media_id}", field="id")
    path = svc.files.path(media_id)
    if not path.is_file():
        raise NotFound(f"the file of media {media_id} is missing from the data folder; import "
                       "the catalog again", field="id")
    return path, meta


@router.get("/{media_id}/file", response_model=None, responses=ERRORS)
def media_file(request: Request, media_id: str = _SHA,
               svc: Services = Depends(services)) -> Response:
    """The file as it was given (images inline; videos, diagrams and CAD files as downloads)."""
    reject_unknown_params(request, set())
    path, meta = _stored(svc, media_id)
    content_type = meta.get("content_type")
    if not content_type:
        with path.open("rb") as fh:
            content_type = sniff_image_type(fh.read(16)) or "application/octet-stream"
    inline = content_type in _INLINE_IMAGES or content_type.startswith("video/")
    headers = {"Cache-Control": _YEAR, "X-Content-Type-Options": "nosniff"}
    if not inline:
        headers["Content-Security-Policy"] = "sandbox"  # an SVG or HTML never runs here
        headers["Content-Disposition"] = f'attachment; filename="{media_id[:16]}"'
    return FileResponse(path, media_type=content_type, headers=headers)


@router.get("/{media_id}/thumbnail", response_model=None,
            responses={415: {"description": "not a readable image"}, **ERRORS})
def media_thumbnail(request: Request, media_id: str = _SHA,
                    size: int = Query(200, description="Longest side in pixels: 64, 100, 128, "
                                      "200, 256, 320, 400, 512 or 800."),
                    svc: Services = Depends(services)) -> Response:
    """A JPEG (PNG when transparent) at most ``size`` pixels wide and high, made once and
    cached. A stored file that is not a readable image is a 415."""
    reject_unknown_params(request, {"size"})
    check_size(size)
    path, meta = _stored(svc, media_id)
    content_type = meta.get("content_type") or ""
    if meta.get("kind") != "image" and not content_type.startswith("image/"):
        raise BadImage(f"media {media_id} is a {meta.get('kind')} file, not an image")
    cached, thumb_type = thumbnail(path, svc.settings.data_dir / "thumbnails", media_id, size,
                                   svc.settings.max_image_pixels)
    return FileResponse(cached, media_type=thumb_type,
                        headers={"Cache-Control": _YEAR, "X-Content-Type-Options": "nosniff"})
