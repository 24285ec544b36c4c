"""Small uploads read into memory with a size limit (images, voice recordings)."""

from __future__ import annotations

from fastapi import Request, UploadFile

from catalog.errors import InvalidInput, PayloadTooLarge

_CHUNK = 1 << 20


def read_limited(request: Request, upload: UploadFile | None, *, limit_mb: float,
                 field: str) -> bytes:
    """The upload's bytes; 413 naming ``field`` beyond ``limit_mb``, 400 when it is missing
    or empty. A declared ``Content-Length`` far over the limit is refused before reading."""
    limit = int(limit_mb * 1_000_000)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64_000:  # + form overhead
        raise PayloadTooLarge(f"{field} is larger than the limit of {limit_mb:g} MB", field=field)
    if upload is None:
        raise InvalidInput(f"{field} is missing: send it as a multipart/form-data file field "
                           f"named {field!r}", field=field)
    parts: list[bytes] = []
    size = 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{field} is larger than the limit of {limit_mb:g} MB",
                                  field=field)
        parts.append(chunk)
    if size == 0:
        raise InvalidInput(f"{field} is empty", field=field)
    return b"".join(parts)
