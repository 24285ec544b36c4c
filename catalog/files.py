"""Content-addressed file storage under ``<data_dir>/files``: attached documents and product
media that were given as local files.

A file is stored once under its SHA-256 (``files/ab/abcdef…``), whatever its name and however
many products link to it, and never changes afterwards: a link in the database names the
hash, so serving, caching and re-ingesting need no bookkeeping of their own. Writes go to a
temporary file in the same folder and are renamed into place, so a reader never sees half a
file and a crash leaves at most a ``.part`` file behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class FileTooLarge(ValueError):
    """The file is larger than the caller's limit (nothing was stored)."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def is_sha256(value: str) -> bool:
    return _SHA256.fullmatch(value) is not None


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return is_sha256(sha256) and self.path(sha256).is_file()

    def put(self, source: Path, max_bytes: int | None = None) -> StoredFile:
        """Copy ``source`` in (hashing while copying); an identical file already stored is
        kept as it is. Raises FileTooLarge beyond ``max_bytes``, OSError when unreadable."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(f"larger than {max_bytes / 1_000_000:g} MB")
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.is_file():
                tmp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
            return StoredFile(sha, size, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_bytes(self, data: bytes) -> StoredFile:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp_name, target)
        return StoredFile(sha, len(data), target)

    def remove(self, sha256: str) -> bool:
        try:
            self.path(sha256).unlink()
            return True
        except (FileNotFoundError, ValueError):
            return False

    def iter_hashes(self) -> list[str]:
        """Every stored file's hash (for garbage collection)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if is_sha256(p.name))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
