"""Text extraction from attached documents: PDF page by page (pypdf), HTML (the standard
library's parser, scripts and styles dropped) and plain text (encoding detected).

What comes out is the text of each page as a buyer would read it, whitespace tidied. A PDF
whose pages carry (almost) no text is a scan without a text layer: it is extracted as
``no_text`` so that the import reports it instead of indexing an empty document. Unreadable,
encrypted or unsupported files raise :class:`DocumentError`, whose message is the reason a
seller reads in the row report.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

PDF = "application/pdf"
HTML = "text/html"
TEXT = "text/plain"

DOCUMENT_TYPES: dict[str, str] = {
    ".pdf": PDF, ".html": HTML, ".htm": HTML, ".xhtml": HTML, ".txt": TEXT, ".text": TEXT,
    ".md": TEXT,
}
"""What text is extracted from, by file suffix (a file starting with ``%PDF-`` is a PDF
whatever its name)."""

HEAD_CHARS = 10_000
"""Text of a document kept beside its pages for product search (the start of the text)."""

MIN_CHARS_PER_PAGE = 16
"""Fewer letters and digits than this per page on average: a scan without a text layer."""

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ALNUM = re.compile(r"\w", re.UNICODE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported, not logged


class DocumentError(ValueError):
    """The file cannot be accepted; ``str(error)`` is the reason for the report."""


@dataclass
class Extracted:
    media_type: str
    pages: list[str]  # the text of each extracted page, page 1 first
    page_count: int  # pages of the file (more than ``pages`` when the page limit cut it)
    failed_pages: int = 0  # pages whose text could not be read (counted as empty)

    @property
    def text_chars(self) -> int:
        return sum(len(p) for p in self.pages)

    @property
    def has_text(self) -> bool:
        """A PDF needs a few words per page on average (a scan often carries a stray page
        number or stamp); an HTML or text file any word at all."""
        letters = sum(len(_ALNUM.findall(p)) for p in self.pages)
        if self.media_type != PDF:
            return letters > 0
        return letters >= MIN_CHARS_PER_PAGE * max(len(self.pages), 1)

    @property
    def status(self) -> str:
        return "ok" if self.has_text else "no_text"

    @property
    def truncated(self) -> bool:
        return len(self.pages) < self.page_count

    def head(self, limit: int = HEAD_CHARS) -> str:
        """The start of the text across pages (one line per page), for product search."""
        out: list[str] = []
        size = 0
        for page in self.pages:
            if size >= limit:
                break
            flat = " ".join(page.split())
            out.append(flat[: limit - size])
            size += len(out[-1]) + 1
        return "\n".join(p for p in out if p)


def media_type_of(path: Path, head: bytes = b"") -> str | None:
    """The document type by content (PDF magic) or suffix; None when unsupported."""
    if head.startswith(b"%PDF-"):
        return PDF
    return DOCUMENT_TYPES.get(path.suffix.lower())


def guess_content_type(name: str) -> str:
    """A content type for serving a media file by its name (CAD files and such get the
    generic binary type)."""
    suffix = Path(name).suffix.lower()
    extra = {".step": "model/step", ".stp": "model/step", ".stl": "model/stl",
             ".glb": "model/gltf-binary", ".gltf": "model/gltf+json", ".obj": "model/obj",
             ".dwg": "image/vnd.dwg", ".dxf": "image/vnd.dxf", ".webp": "image/webp",
             ".svg": "image/svg+xml", ".mp4": "video/mp4", ".webm": "video/webm"}
    if suffix in extra:
        return extra[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def tidy(text: str) -> str:
    """Whitespace as a reader sees it: runs of spaces collapsed, at most one blank line."""
    text = _CONTROL.sub(" ", text.replace("\u00ad", ""))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def extract(path: Path, media_type: str, max_pages: int = 2_000) -> Extracted:
    if media_type == PDF:
        return _pdf(path, max_pages)
    data = path.read_bytes()
    if media_type == HTML:
        text = html_text(decode_text(data, html=True))
    elif media_type == TEXT:
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DocumentError("binary data, not a text file")
        text = decode_text(data)
    else:
        raise DocumentError(f"unsupported document type {media_type!r}")
    pages = [tidy(p) for p in text.split("\f")] if "\f" in text else [tidy(text)]
    while len(pages) > 1 and not pages[-1]:
        pages.pop()
    return Extracted(media_type, pages[:max_pages], len(pages))


def _pdf(path: Path, max_pages: int) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" only to restrict printing, with an empty password.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise DocumentError(f"encrypted PDF that cannot be opened here ({exc})") from None
            if not opened:
                raise DocumentError("password-protected PDF: its text cannot be read; attach "
                                    "an unprotected copy")
        count = len(reader.pages)
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise DocumentError("password-protected PDF: its text cannot be read; attach an "
                            "unprotected copy") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AssertionError, OSError,
            IndexError, AttributeError, RecursionError) as exc:
        raise DocumentError(f"not a readable PDF ({_short(exc)})") from None
    if count == 0:
        raise DocumentError("a PDF without pages")
    pages: list[str] = []
    failed = 0
    for number in range(min(count, max_pages)):
        try:
            text = reader.pages[number].extract_text() or ""
        except FileNotDecryptedError:
            raise DocumentError("password-protected PDF: its text cannot be read") from None
        except Exception:  # noqa: BLE001 - one damaged page must not lose the others
            failed += 1
            text = ""
        pages.append(tidy(text))
    if failed == len(pages):
        raise DocumentError(f"not a readable PDF (no page of {count} could be read)")
    return Extracted(PDF, pages, count, failed_pages=failed)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


# -- text and HTML -----------------------------------------------------------------------
def decode_text(data: bytes, *, html: bool = False) -> str:
    """Bytes as text: a BOM or (HTML) a declared charset wins, then UTF-8, then detection."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            try:
                return data.decode(declared.group(1).decode("ascii"), errors="replace")
            except LookupError:
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:1_000_000]))
    if not matches:
        raise DocumentError("cannot tell the text's encoding; save it as UTF-8")
    # Short Western text fits several code pages equally well; Windows-1252 is the one such
    # files are written in (cp1250 would turn "±" into "ą"). Central European or Cyrillic
    # text does not fit cp1252 and keeps its own.
    least = min(m.chaos for m in matches)
    plausible = [m for m in matches if m.chaos <= least]
    if any("cp1252" in m.could_be_from_charset for m in plausible):
        return data.decode("cp1252", errors="replace")
    return data.decode(plausible[0].encoding, errors="replace")


_BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
    "th", "thead", "title", "tr", "ul",
))
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "head"))


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.skip:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The visible text of an HTML document (its title first), tags stripped."""
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser is lenient; anything left is damage
        raise DocumentError(f"cannot parse the HTML ({_short(exc)})") from None
    title = " ".join("".join(parser.title).split())
    body = "".join(parser.parts)
    # <head> is skipped as a whole; its <title> was collected on its own
    return f"{title}\n\n{body}" if title else body
