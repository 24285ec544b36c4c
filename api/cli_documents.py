"""``discovery documents``: attached documents (S2): import a manifest, search their text,
collect files no product uses. A sub-app of :mod:`api.cli` in its own module."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from catalog.errors import DiscoveryError
from catalog.settings import get_settings

if TYPE_CHECKING:
    from api.container import Services
    from ingestion.report import IngestReport

documents_app = typer.Typer(help="Documents attached to products (datasheets, certificates, "
                            "manuals...): import a manifest, search their text, clean up.",
                            no_args_is_help=True)
_err = Console(stderr=True, soft_wrap=True)  # errors stay one line: logs and scripts read them
_out = Console()
_SHOWN_NOTICES = 20


def _fail(exc: DiscoveryError, code: int = 2) -> None:
    where = f" ({exc.field})" if exc.field else ""
    _err.print(f"[red]error{where}:[/red] {exc.detail}", highlight=False, markup=True)
    raise typer.Exit(code)


@contextmanager
def _services() -> Iterator[Services]:
    from api.container import build_services

    svc = build_services(get_settings())
    try:
        yield svc
    finally:
        svc.close()


def print_documents(report: IngestReport) -> None:
    """The attached files of an import, and its notices (scans without text...)."""
    counts = report.documents
    if any(counts.values()):
        _err.print("documents: " + " ".join(f"{k}={v:,}" for k, v in counts.items()),
                   highlight=False)
    for notice in report.notices[:_SHOWN_NOTICES]:
        where = f"row {notice.row}, SKU {notice.sku}, " if notice.row else ""
        _err.print(f"  notice: {where}{notice.file}: {notice.reason}", highlight=False,
                   markup=False)
    if len(report.notices) > _SHOWN_NOTICES:
        _err.print(f"  ... {len(report.notices) - _SHOWN_NOTICES:,} more notices")


@documents_app.command("import")
def import_(
    manifest: Annotated[Path, typer.Argument(help="CSV (or XLSX, JSON, JSONL) with the columns "
                                             "sku, kind, title, path (or url); paths relative "
                                             "to the manifest's folder.")],
    report: Annotated[Path | None, typer.Option(help="Write every rejected row to this CSV.")
                      ] = None,
) -> None:
    """Attach documents to products: for every SKU in the manifest, its documents become the
    manifest's rows (the catalog file's own documents stay).

    Exit code 0: every row accepted; 3: some rows rejected (the rest imported); 2: fatal."""
    from ingestion.manifest import import_manifest

    try:
        with _services() as svc:
            result = import_manifest(manifest, svc.store, svc.backend,
                                     document_sink=svc.documents, settings=svc.settings,
                                     files=svc.files, report_path=report)
    except DiscoveryError as exc:
        _fail(exc)
    if result.fatal is not None:
        _fail(result.fatal)
    _err.print(f"rows_read={result.rows_read:,} accepted={result.accepted:,} "
               f"rejected={result.rejected:,} products_changed={result.updated:,} "
               f"({result.seconds:.1f} s)", highlight=False)
    for entry in result.entries[:20]:
        _err.print(f"  row {entry.row}, {entry.column}: {entry.reason} ({entry.value!r})",
                   highlight=False, markup=False)
    if result.entries_total > 20:
        _err.print(f"  ... {result.entries_total - 20:,} more problems"
                   + (f"; all in {report}" if report else "; use --report FILE for all"))
    print_documents(result)
    raise typer.Exit(result.exit_code)


@documents_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find in the documents' text.")],
    sku: Annotated[str | None, typer.Option(help="Only documents of this product.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only documents of this kind.")] = None,
    page_size: Annotated[int, typer.Option(help="Documents to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON response.")] = False,
) -> None:
    """Search the text of attached documents: documents, their products, the matching page."""
    try:
        with _services() as svc:
            assert svc.document_search is not None
            body = svc.document_search.search(query, page_size=page_size, sku=sku, kind=kind)
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
        return
    _out.print(f"{body['total']:,} documents ({body['total_pages']:,} pages) in "
               f"{body['took_ms']:.1f} ms" + (" (relaxed: not every word matched)"
                                                if body["relaxed"] else ""), highlight=False)
    for i, hit in enumerate(body["hits"], start=1):
        products = ", ".join(p["sku"] for p in hit["products"]) + (
            ", ..." if hit["more_products"] else "")
        _out.print(f"{i:>3}. {hit['title']} (p. {hit['page']} of {hit['page_count']}) "
                   f"[{products}]", highlight=False, markup=False)
        _out.print(f"     {_plain(hit['snippet'])}", highlight=False, markup=False)


def _plain(snippet: str) -> str:
    import html

    return " ".join(html.unescape(snippet.replace("<em>", "«").replace("</em>", "»")).split())


@documents_app.command("gc")
def gc(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Delete documents no product links to, stored files nothing refers to (documents,
    images, media) and their thumbnails. Imports remove orphaned documents themselves; this
    also collects media files that products no longer use."""
    from datetime import UTC, datetime

    from ingestion.attachments import Attachments
    from ingestion.report import IngestReport

    try:
        with _services() as svc:
            assert svc.files is not None
            report = IngestReport()
            attachments = Attachments(svc.store, svc.settings, report, base_dir=None,
                                      sink=svc.documents, files=svc.files)
            orphans = svc.store.orphan_documents(
                created_before=datetime.now(UTC).replace(tzinfo=None))
            documents = attachments.remove(orphans)
            if svc.documents is not None:
                svc.documents.commit()
            used = svc.store.stored_hashes()
            files = 0
            for sha in svc.files.iter_hashes():
                if sha not in used:
                    files += svc.files.remove(sha)
                    for thumb in (svc.settings.data_dir / "thumbnails" / sha[:2]).glob(f"{sha}-*"):
                        thumb.unlink(missing_ok=True)
    except DiscoveryError as exc:
        _fail(exc)
    body: dict[str, Any] = {"documents_removed": documents, "files_removed": files}
    if as_json:
        sys.stdout.write(json.dumps(body) + "\n")
    else:
        _err.print(f"removed {documents:,} orphaned documents and {files:,} unused files")
