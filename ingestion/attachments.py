"""Local files named by catalog rows and documents manifests: attached documents (PDF, HTML,
text) and product media (images, videos, diagrams, CAD files).

A file is hashed, copied into the data folder once (content-addressed, :mod:`catalog.files`)
and, for a document, its text extracted page by page and stored with it; the row's link then
names the stored file (``/v1/documents/{id}/file``, ``/v1/media/{sha256}/file``), so an
unchanged file changes nothing on the next ingest and a changed one changes the product.
A file that cannot be used (missing, unreadable, encrypted, not an image, too large) is a
problem of its row, which is rejected whole like any other bad cell; a document without a
text layer is accepted and reported as a notice (a scan: not searchable until it has text).

Links to http(s) URLs are kept as links: nothing is downloaded at ingestion.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from catalog.files import FileStore, FileTooLarge, sha256_of
from catalog.settings import Settings
from catalog.store import CatalogStore, DocumentInfo, DocumentPages
from ingestion.documents import (
    DocumentError,
    extract,
    guess_content_type,
    media_type_of,
)
from ingestion.report import IngestReport, Notice, ReportEntry, shown
from ingestion.values import CellError, is_local

Record = dict[str, Any]

_URL_PREFIXES = ("http://", "https://", "HTTP://", "HTTPS://")


@runtime_checkable
class DocumentSink(Protocol):
    """Where stored documents go to be searchable (the document index fits)."""

    def index_changed(self, documents: list[DocumentPages]) -> None: ...

    def delete(self, ids: list[Any]) -> None: ...

    def commit(self) -> None: ...


def document_url(document_id: int) -> str:
    return f"/v1/documents/{document_id}/file"


def media_url(sha256: str) -> str:
    return f"/v1/media/{sha256}/file"


def has_local_files(record: Record) -> bool:
    return (any(is_local(d["url"]) for d in record.get("documents") or ())
            or any(is_local(u) for u in record.get("images") or ())
            or any(is_local(m["url"]) for m in record.get("media") or ()))


def verify_image(path: Path, max_pixels: int) -> str:
    """The content type of a readable image; CellError for anything else (not an image,
    damaged, a decompression bomb)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise CellError(f"image of {width} x {height} pixels is larger than "
                                    f"{max_pixels:,} pixels (DISCOVERY_MAX_IMAGE_PIXELS)")
                kind = image.format or ""
                image.verify()
    except CellError:
        raise
    except UnidentifiedImageError:
        raise CellError("not an image Pillow can read (JPEG, PNG, WebP, GIF, TIFF...)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CellError(f"image refused as a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CellError(f"damaged image ({exc})") from None
    return Image.MIME.get(kind, "application/octet-stream")


@dataclass
class _NoText:
    row: int
    sku: str
    file: str
    info: DocumentInfo
    skus: set[str] = field(default_factory=set)


class Attachments:
    """Resolves the local files of one ingest (or manifest import) run.

    ``base_dir`` is where relative paths start (the catalog file's folder); None refuses
    local paths (an uploaded catalog cannot name files on the server)."""

    def __init__(self, store: CatalogStore, settings: Settings, report: IngestReport, *,
                 base_dir: Path | None, sink: DocumentSink | None = None,
                 files: FileStore | None = None) -> None:
        self.store, self.settings, self.report, self.sink = store, settings, report, sink
        self.base_dir = base_dir
        self.files = files or FileStore(settings.data_dir / "files")
        self.started = datetime.now(UTC).replace(tzinfo=None)
        self.any_documents = store.has_documents()
        self.max_bytes = int(settings.max_document_mb * 1_000_000)
        self._sha_by_stat: dict[tuple[str, int, int], str] = {}
        self._docs: dict[str, DocumentInfo] = {}
        self._media_types: dict[str, str] = {}
        self._created: list[int] = []
        self._pending: list[DocumentPages] = []
        self._no_text: dict[int, _NoText] = {}
        self.counts = report.documents
        for key in ("stored", "linked", "pages", "no_text", "remote", "media_stored"):
            self.counts.setdefault(key, 0)

    # -- rows --------------------------------------------------------------------------------
    def resolve(self, row: int, record: Record, columns: dict[str, str] | None = None
                ) -> list[ReportEntry]:
        """Store the local files of one accepted row and point its links at them; the problems
        that reject the row (nothing is changed in the record for a rejected row's links)."""
        columns = columns or {}
        problems: list[ReportEntry] = []
        sku = record["sku"]
        linked: list[tuple[DocumentInfo, Path]] = []
        for entry in record.get("documents") or ():
            link = entry["url"]
            if not is_local(link):
                if link.startswith(_URL_PREFIXES):
                    self.counts["remote"] += 1
                continue
            try:
                linked.append(self._document(entry))
            except CellError as exc:
                problems.append(ReportEntry(row, columns.get("documents", "documents"),
                                            shown(link), str(exc)))
        images = record.get("images")
        if images:
            resolved = []
            for link in images:
                if is_local(link):
                    try:
                        link = self.media(link, image=True)[0]
                    except CellError as exc:
                        problems.append(ReportEntry(row, columns.get("images", "images"),
                                                    shown(link), str(exc)))
                resolved.append(link)
            record["images"] = resolved
        for entry in record.get("media") or ():
            link = entry["url"]
            if is_local(link):
                try:
                    entry["url"], entry["content_type"] = self.media(
                        link, image=(entry.get("kind") or "").lower() == "image")
                except CellError as exc:
                    problems.append(ReportEntry(row, columns.get("media", "media"), shown(link),
                                                str(exc)))
        if not problems:  # a rejected row links nothing
            for info, path in linked:
                self._linked(row, sku, info, path)
        return problems

    def local_path(self, link: str) -> Path:
        if self.base_dir is None:
            raise CellError("a local file path: only files on this machine can be read, with "
                            "`discovery ingest` or `discovery documents import`; link documents "
                            "and media of an uploaded catalog by http(s) URL")
        path = Path(link).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        if not path.is_file():
            raise CellError("not a file" if path.exists() else "file not found")
        return path

    def _sha(self, path: Path) -> str:
        try:
            stat = path.stat()
            key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
            sha = self._sha_by_stat.get(key)
            if sha is None:
                if stat.st_size > self.max_bytes:
                    raise CellError(f"file larger than {self.settings.max_document_mb:g} MB "
                                    "(DISCOVERY_MAX_DOCUMENT_MB)")
                sha = self._sha_by_stat[key] = sha256_of(path)
            return sha
        except OSError as exc:
            raise CellError(f"cannot read the file ({exc.strerror or exc})") from None

    def _put(self, path: Path) -> str:
        try:
            return self.files.put(path, self.max_bytes).sha256
        except FileTooLarge:
            raise CellError(f"file larger than {self.settings.max_document_mb:g} MB "
                            "(DISCOVERY_MAX_DOCUMENT_MB)") from None
        except OSError as exc:
            raise CellError(f"cannot read the file ({exc.strerror or exc})") from None

    # -- documents ---------------------------------------------------------------------------
    def link_document(self, row: int, sku: str, entry: dict[str, Any]) -> DocumentInfo:
        """Store (once) the local document of an accepted link and point the link at it."""
        info, path = self._document(entry)
        self._linked(row, sku, info, path)
        return info

    def _document(self, entry: dict[str, Any]) -> tuple[DocumentInfo, Path]:
        path = self.local_path(entry["url"])
        sha = self._sha(path)
        info = self._docs.get(sha) or self.store.document_by_sha(sha)
        if info is None:
            info = self._store_document(path, entry)
        elif not self.files.exists(info.sha256):  # the data folder lost the file: put it back
            self._put(path)
        self._docs[info.sha256] = info
        entry["url"] = document_url(info.id)
        entry["document_id"] = info.id
        return info, path

    def _linked(self, row: int, sku: str, info: DocumentInfo, path: Path) -> None:
        self.counts["linked"] += 1
        if info.status == "no_text":
            seen = self._no_text.get(info.id)
            if seen is None:
                seen = self._no_text[info.id] = _NoText(
                    row, sku, _relative(path, self.base_dir) if self.base_dir else str(path), info)
            seen.skus.add(sku)

    def _store_document(self, path: Path, entry: dict[str, Any]) -> DocumentInfo:
        try:
            with path.open("rb") as fh:
                head = fh.read(8)
        except OSError as exc:
            raise CellError(f"cannot read the file ({exc.strerror or exc})") from None
        media_type = media_type_of(path, head)
        if media_type is None:
            raise CellError(f"unsupported document type '{path.suffix or path.name}': PDF, HTML "
                            "or text files have their text extracted")
        try:
            extracted = extract(path, media_type, self.settings.max_document_pages)
        except DocumentError as exc:
            raise CellError(str(exc)) from None
        except OSError as exc:
            raise CellError(f"cannot read the file ({exc.strerror or exc})") from None
        sha = self._put(path)
        info, new = self.store.add_document(
            sha256=sha, media_type=media_type, filename=path.name,
            size_bytes=path.stat().st_size, pages=extracted.pages,
            page_count=extracted.page_count, status=extracted.status,
            head_text=extracted.head())
        if new:
            self.any_documents = True
            self._created.append(info.id)
            self._pending.append(DocumentPages(info.id, entry.get("title") or path.name,
                                               path.name, media_type, extracted.pages))
            self.counts["stored"] += 1
            self.counts["pages"] += len(extracted.pages)
            if extracted.truncated or extracted.failed_pages:
                what = []
                if extracted.truncated:
                    what.append(f"only the first {len(extracted.pages)} of "
                                f"{extracted.page_count} pages were read "
                                "(DISCOVERY_MAX_DOCUMENT_PAGES)")
                if extracted.failed_pages:
                    what.append(f"{extracted.failed_pages} of {len(extracted.pages)} pages "
                                "could not be read")
                self.report.notices.append(Notice(0, "", path.name, "; ".join(what)))
        return info

    # -- media -------------------------------------------------------------------------------
    def media(self, link: str, *, image: bool) -> tuple[str, str]:
        """Store (once) a local media file; (its URL, its content type)."""
        path = self.local_path(link)
        sha = self._sha(path)
        content_type = self._media_types.get(sha)
        if content_type is None or (image and not content_type.startswith("image/")):
            if image:
                content_type = verify_image(path, self.settings.max_image_pixels)
            else:
                content_type = guess_content_type(path.name)
            if not self.files.exists(sha):
                sha = self._put(path)
                self.counts["media_stored"] += 1
            self._media_types[sha] = content_type
        return media_url(sha), content_type

    # -- the run -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Hand the documents stored so far to the document index."""
        if self._pending and self.sink is not None:
            self.sink.index_changed(self._pending)
        self._pending = []

    def finish(self, *, collect_orphans: bool = True) -> None:
        """End of the run: index what is pending, report scans, delete documents no product
        links to any more (older than the run, or stored by it), commit the index."""
        self.flush()
        for seen in self._no_text.values():
            more = len(seen.skus) - 1
            also = f"; linked to {more} more product{'s' if more != 1 else ''}" if more else ""
            self.report.notices.append(Notice(
                seen.row, seen.sku, seen.file,
                f"no text layer (a scanned document?): {seen.info.page_count} page"
                f"{'s' if seen.info.page_count != 1 else ''} listed on the product card but not "
                f"searchable{also}"))
        self.counts["no_text"] = len(self._no_text)
        if collect_orphans and self.any_documents:
            orphans = self.store.orphan_documents(created_before=self.started)
            orphans += self.store.orphan_documents(ids=self._created)
            self.remove(orphans)
        if self.sink is not None:
            self.sink.commit()

    def remove(self, documents: list[DocumentInfo]) -> int:
        if not documents:
            return 0
        ids = sorted({d.id for d in documents})
        self.store.delete_documents(ids)
        if self.sink is not None:
            self.sink.delete(ids)
        still = self.store.stored_hashes()
        for doc in documents:
            if doc.sha256 not in still:
                self.files.remove(doc.sha256)
        self.counts["removed"] = self.counts.get("removed", 0) + len(ids)
        return len(ids)


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
