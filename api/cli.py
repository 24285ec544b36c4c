"""The ``discovery`` command line."""

from __future__ import annotations

import os

# Before numpy loads OpenBLAS: an idle BLAS thread otherwise spins ~0.1 s of CPU after each
# vector search, taking a core from the next request on a small machine.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import json  # noqa: E402
import sys  # noqa: E402
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli_documents import documents_app, print_documents
from api.cli_keys import keys_app
from catalog.errors import DiscoveryError, InvalidInput
from catalog.settings import get_settings

app = typer.Typer(help="B2B Discovery: catalog search for B2B sellers.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
err = Console(stderr=True, soft_wrap=True)  # errors stay one line: logs and scripts read them
out = Console()


def _fail(exc: DiscoveryError, code: int = 2) -> None:
    where = f" ({exc.field})" if exc.field else ""
    err.print(f"[red]error{where}:[/red] {exc.detail}", highlight=False, markup=True)
    raise typer.Exit(code)


@contextmanager
def _services() -> Iterator[Any]:
    from api.container import build_services

    svc = build_services(get_settings())
    try:
        yield svc
    finally:
        svc.close()


@contextmanager
def _progress(label: str, total: int | None, unit: str) -> Iterator[Callable[..., None]]:
    """A progress bar with a rate when stderr is a terminal; silent otherwise.

    ``update(count)`` advances by items; ``update(count, done, total)`` draws the bar over
    ``done`` of ``total`` (bytes of a file) while the rate stays in items per second."""
    if not err.is_terminal:
        yield lambda *a, **k: None
        return
    started = time.monotonic()
    columns = (TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               TextColumn("{task.fields[count]}"), TextColumn("{task.fields[rate]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err) as bar:
        task = bar.add_task(label, total=total, count="", rate="")

        def update(count: int, done: int | None = None, total_now: int | None = None) -> None:
            rate = count / max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=count if done is None else done,
                       total=total_now or total, count=f"{count:,} {unit}",
                       rate=f"{rate:,.0f} {unit}/s")

        yield update


@app.command("sample-catalog")
def sample_catalog(
    products: Annotated[int, typer.Option(help="How many products.", min=1)] = 20_000,
    out_file: Annotated[Path, typer.Option("--out", help="Output file: .csv, .jsonl or .xlsx.")] = Path(
        "sample.csv"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same catalog.")] = 42,
    files: Annotated[bool, typer.Option(
        help="Also write PDF datasheets, certificates, HTML/text documents, a scanned PDF, "
        "photos and drawings for every 50th product (at most 400) into <out>-files/ and link "
        "them.")] = True,
) -> None:
    """Generate a realistic B2B sample catalog."""
    from catalog.sample import files_dir, write_catalog

    written: dict[str, int] = {}
    try:
        with _progress("generating", products, "products") as update:
            n = write_catalog(out_file, products, seed=seed, progress=update, files=files,
                              files_written=written)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"wrote {n:,} products to {out_file}")
    if files:
        err.print(f"wrote {sum(written.values()):,} files to {files_dir(out_file)}: "
                  + ", ".join(f"{v:,} {k}" for k, v in written.items()), highlight=False)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="Catalog file: CSV, XLSX, XLS, JSON or JSONL.")],
    mapping: Annotated[Path | None, typer.Option(help="Column mapping (TOML).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write every rejected row to this CSV.")] = None,
    delete_missing: Annotated[bool, typer.Option(
        help="Delete products that are not in the file.")] = False,
    embed: Annotated[bool, typer.Option(
        help="Compute the text embeddings of new and changed products for semantic search "
        "(when DISCOVERY_SEMANTIC_SEARCH is on).")] = True,
) -> None:
    """Ingest a catalog file into the store and the search index.

    Exit code 0: every row accepted; 3: some rows rejected (the rest ingested); 2: fatal error
    (nothing written)."""
    from ingestion import ingest_file, load_mapping

    settings = get_settings()
    try:
        mapping_obj = load_mapping(mapping) if mapping else None
        with _services() as svc, _progress("ingesting", None, "rows") as update:
            result = ingest_file(file, svc.store, svc.backend, mapping=mapping_obj, settings=settings,
                                 delete_missing=delete_missing, report_path=report,
                                 progress=update, files_base=file.resolve().parent,
                                 document_sink=svc.documents, files=svc.files)
    except DiscoveryError as exc:
        _fail(exc)
    if result.fatal is not None:
        if result.stopped_at_row:
            err.print(f"stopped at row {result.stopped_at_row:,}; rows before it are stored")
        _fail(result.fatal)
    counts = {k: getattr(result, k) for k in ("rows_read", "accepted", "rejected", "created",
                                             "updated", "unchanged", "deleted")}
    rate = result.rows_read / result.seconds if result.seconds else 0.0
    err.print(" ".join(f"{k}={v:,}" for k, v in counts.items()) + f" ({rate:,.0f} rows/s)")
    for entry in result.entries[:20]:
        err.print(f"  row {entry.row}, {entry.column}: {entry.reason} ({entry.value!r})",
                  highlight=False, markup=False)
    if result.entries_total > 20:
        err.print(f"  ... {result.entries_total - 20:,} more problems"
                  + (f"; all in {report}" if report else "; use --report FILE for all"))
    print_documents(result)
    if embed and settings.semantic_search and (result.created or result.updated):
        _embed_catalog()
    if embed and (result.created or result.updated):
        _embed_images(quiet=True)
    raise typer.Exit(result.exit_code)


def _embed_catalog() -> dict[str, Any]:
    """Embeddings of every product whose embedded text is new or changed (resumable: what
    was stored stays stored), then the saved vector index brought in step."""
    from embeddings import VectorIndex, embed_products, get_encoder, vectors_dir

    try:
        with _services() as svc:
            encoder = get_encoder(svc.settings)
            with _progress("embedding", svc.store.count(), "products") as update:
                done = embed_products(svc.store, encoder,
                                      progress=lambda seen, total: update(seen, seen, total))
            # the saved index, in step with the store: a server starts without reading it all
            VectorIndex.open(vectors_dir(svc.settings), svc.store, encoder.model_id, encoder.dim)
    except DiscoveryError as exc:
        _fail(exc)
    body = done.to_dict()
    err.print(f"embedded {body['encoded']:,} products ({body['unchanged']:,} unchanged) "
              f"at {body['products_per_s']:,.0f}/s")
    return body


def _embed_images(*, quiet: bool = False) -> dict[str, Any] | None:
    """Image embeddings (search by photo) of every product whose image is new or changed,
    then the saved image vector index brought in step; None when search by photo is not
    configured (``quiet``: without saying so)."""
    from api.images import embed_images
    from catalog.image_embeddings import ImageEmbeddingStore
    from embeddings.image_encoder import CONFIGURE_HINT, OpenClipEncoder
    from embeddings.vectors import VectorIndex, image_vectors_dir

    encoder = OpenClipEncoder(settings=get_settings())
    if not encoder.configured:
        if not quiet:
            err.print(f"product images not embedded: search by photo is not configured; "
                      f"{CONFIGURE_HINT}", highlight=False)
        return None
    try:
        with _services() as svc:
            with _progress("embedding images", svc.store.count(), "products") as update:
                report = embed_images(svc.settings, svc.store, encoder,
                                      progress=lambda seen, total: update(seen, seen, total))
            VectorIndex.open(image_vectors_dir(svc.settings), ImageEmbeddingStore(svc.store.engine),
                             encoder.model_id, encoder.dim)
    except DiscoveryError as exc:
        _fail(exc)
    body = report.to_dict()
    skipped = ", ".join(f"{n:,} {reason}" for reason, n in sorted(report.skipped.items()))
    err.print(f"embedded {body['encoded']:,} product images ({body['unchanged']:,} unchanged"
              + (f"; skipped: {skipped}" if skipped else "") + f") at {body['images_per_s']:,.0f}/s",
              highlight=False)
    for reason, examples in report.examples.items():
        for example in examples[:3]:
            err.print(f"  {reason}: {example}", highlight=False, markup=False)
    return body


@app.command()
def embed(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    text: Annotated[bool, typer.Option(help="Text embeddings (semantic search).")] = True,
    images: Annotated[bool, typer.Option(
        help="Image embeddings (search by photo), when DISCOVERY_CLIP_WEIGHTS is set.")] = True,
) -> None:
    """Compute the text embeddings of products that have none or whose text changed (semantic
    search), and the image embeddings of products whose image is new or changed (search by
    photo). Safe to interrupt and run again: only what is missing is computed."""
    body: dict[str, Any] = _embed_catalog() if text else {}
    if images:
        body["images"] = _embed_images(quiet=False)
    if as_json:
        sys.stdout.write(json.dumps(body) + "\n")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to search for.")] = "",
    filter: Annotated[list[str] | None, typer.Option(  # noqa: A002
        "--filter", "-f", help="field=value, repeatable; numbers: field=min..max")] = None,
    sort: Annotated[str, typer.Option(help="relevance, price_asc, price_desc, delivery, "
                                      "availability, popularity")] = "relevance",
    page: Annotated[int, typer.Option(help="1-based page.")] = 1,
    page_size: Annotated[int, typer.Option(help="Hits per page.")] = 10,
    explain: Annotated[bool, typer.Option(help="Explain why each hit matched.")] = False,
    config: Annotated[str | None, typer.Option(help="A shipped search configuration by name, "
                                               "or 'draft' to preview draft synonyms and rules."
                                               )] = None,
    customer_group: Annotated[str | None, typer.Option(help="The buyer's customer group, for "
                                                       "query rules limited to groups.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full JSON response.")] = False,
    barcode: Annotated[Path | None, typer.Option(
        help="A photo of barcodes or QR codes: find the products they name (EAN/UPC, "
        "Code 128, QR, DataMatrix).", dir_okay=False)] = None,
    voice: Annotated[Path | None, typer.Option(
        help="A recording (WAV, OGG/Opus, WebM/Opus): search for the words spoken "
        "(needs DISCOVERY_VOSK_MODEL).", dir_okay=False)] = None,
) -> None:
    """Search the catalog: by text, by a photo of a barcode (--barcode) or by voice (--voice)."""
    from ranking.service import SearchRequest

    if barcode is not None:
        _search_barcode(barcode, filter or [], customer_group, as_json)
        return
    request = SearchRequest(
        q=query, filters=filter or [], sort=sort, page=page, page_size=page_size,
        explain=explain, highlight=False, facets=None if as_json else [],
        config=config, customer_group=customer_group)
    try:
        with _services() as svc:
            if voice is not None:
                from api.capture import check_voice, voice_search

                check_voice(svc)
                body = voice_search(svc, _read_file(voice, svc.settings.max_audio_mb, "voice"),
                                    request, field="voice")
            else:
                body = svc.search.search(request)
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(body, ensure_ascii=False, default=str) + "\n")
        return
    if voice is not None:
        out.print(f"heard: {body['transcript']}  (searched: {body['query']}, "
                  f"{body['transcribe_ms']:.0f} ms)", highlight=False)
    out.print(f"{body['total']:,} hits in {body['took_ms']:.1f} ms"
              + (" (relaxed: not every word matched)" if body["relaxed"] else ""))
    if body["rules"]:
        out.print(f"rules fired: {', '.join(body['rules'])}", highlight=False)
    if body["redirect"]:
        out.print(f"redirect: {body['redirect']}", highlight=False)
    for i, hit in enumerate(body["hits"], start=(page - 1) * page_size + 1):
        price = hit.get("price_per_piece")
        price_text = f"{price:.2f} {hit.get('currency') or ''}" if price is not None else ""
        out.print(f"{i:>3}. {hit['sku']:<14} {hit['name']}  [dim]{hit.get('brand') or ''} "
                  f"{price_text} {hit.get('availability') or ''}[/dim]", highlight=False)
        if explain:
            out.print(f"     {json.dumps({k: v for k, v in hit['explain'].items() if k != 'engine'})}",
                      highlight=False)


def _read_file(path: Path, limit_mb: float, field: str) -> bytes:
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file", field=field)
    if path.stat().st_size > limit_mb * 1_000_000:
        raise InvalidInput(f"{path} is larger than the limit of {limit_mb:g} MB", field=field)
    return path.read_bytes()


def _search_barcode(photo: Path, filters: list[str], customer_group: str | None,
                    as_json: bool) -> None:
    from api.capture import barcode_search

    try:
        with _services() as svc:
            data = _read_file(photo, svc.settings.max_image_mb, "barcode")
            body = barcode_search(svc, data, filters=filters, customer_group=customer_group,
                                  field="barcode")
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(body, ensure_ascii=False, default=str) + "\n")
        return
    if not body["codes"]:
        err.print(f"no barcode or QR code found in {photo}", highlight=False)
        raise typer.Exit(1)
    for code in body["codes"]:
        found = ", ".join(code["skus"]) or "no product"
        out.print(f"{code['format']}: {code['text']} -> {found}", highlight=False)
    for i, hit in enumerate(body["hits"], start=1):
        out.print(f"{i:>3}. {hit['sku']:<14} {hit['name']}  [dim]{hit.get('brand') or ''} "
                  f"{hit.get('availability') or ''}[/dim]", highlight=False)


@app.command()
def autocomplete(
    text: Annotated[str, typer.Argument(help="The text typed so far.")],
    customer_group: Annotated[str | None, typer.Option(help="The buyer's customer group, for "
                                                       "query rules limited to groups.")] = None,
) -> None:
    """Show autocomplete suggestions."""
    try:
        with _services() as svc:
            body = svc.search.autocomplete(text, customer_group=customer_group)
    except DiscoveryError as exc:
        _fail(exc)
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")


@app.command()
def reindex() -> None:
    """Rebuild the search indexes (products, document pages) from the store and swap them in
    atomically."""
    try:
        with _services() as svc:
            total = svc.store.count()
            with _progress("indexing", total, "products") as update:
                n = svc.backend.rebuild(svc.store.iter_records(), progress=update)
            documents = 0
            if svc.documents is not None:
                with _progress("indexing documents", None, "documents") as update:
                    documents = svc.documents.rebuild(svc.store.iter_document_pages(),
                                                      progress=update)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"indexed {n:,} products and {documents:,} documents")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default DISCOVERY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default DISCOVERY_PORT).")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level="info", access_log=False)


@app.command()
def demo(
    products: Annotated[int | None, typer.Option(
        help="Sample catalog size (default DISCOVERY_SAMPLE_PRODUCTS).")] = None,
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Generate and load the sample catalog (once), then serve the product."""
    settings = get_settings()
    n = products or settings.sample_products
    sample = settings.data_dir / f"sample-{n}.csv"
    with _services() as svc:
        loaded = svc.store.count()
    if loaded == 0:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not sample.exists():
            sample_catalog(products=n, out_file=sample, seed=42)
        try:
            # the server embeds the products in the background once it is up
            ingest(sample, mapping=None, report=None, delete_missing=False, embed=False)
        except typer.Exit as done:
            if done.exit_code not in (0, None):
                raise
    else:
        err.print(f"catalog already has {loaded:,} products; serving it")
    _demo_console_user()
    h, p = host or settings.host, port or settings.port
    err.print(f"serving on http://{h}:{p}  (API docs: http://{h}:{p}/docs)")
    serve(host=h, port=p)


@app.command("judged-set")
def judged_set(
    source: Annotated[str, typer.Argument(help="homedepot or scifact.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for catalog.jsonl, queries.tsv, "
                                          "qrels.txt.")],
    src: Annotated[Path | None, typer.Option(help="Source file or folder (default: the shared "
                                             "data next to the checkout).")] = None,
    half: Annotated[int | None, typer.Option(help="Home Depot: keep only half 0 or 1 of the "
                                             "queries (stable split by query text).")] = None,
) -> None:
    """Convert a public judged data set into the neutral judged-set format."""
    from evaluation import converters

    try:
        if source == "homedepot":
            counts = converters.convert_homedepot(
                src or converters.shared_data_dir() / converters.HOMEDEPOT_ZIP, out_dir, half=half)
        elif source == "scifact":
            if half is not None:
                raise InvalidInput("--half applies to homedepot only", field="half")
            counts = converters.convert_scifact(
                src or converters.shared_data_dir() / converters.SCIFACT_DIR, out_dir)
        else:
            raise InvalidInput(f"unknown judged set {source!r}; one of: homedepot, scifact",
                               field="source")
    except DiscoveryError as exc:
        _fail(exc)
    except FileNotFoundError as exc:
        _fail(InvalidInput(f"source data not found: {exc.filename}", field="src"))
    err.print(json.dumps(counts, default=str))


@app.command("eval")
def eval_(
    catalog: Annotated[Path, typer.Option(help="catalog.jsonl of the judged set.")],
    queries: Annotated[Path, typer.Option(help="queries.tsv: query_id TAB text.")],
    qrels: Annotated[Path, typer.Option(help="qrels.txt: query_id 0 sku grade.")],
    config: Annotated[str, typer.Option(help="Search configuration: a shipped name or a "
                                        ".toml/.json path.")] = "default",
    compare: Annotated[str | None, typer.Option(help="A second configuration to compare with "
                                                "the first.")] = None,
    half: Annotated[int | None, typer.Option(help="Evaluate only half 0 or 1 of the queries "
                                             "(stable split by query text).")] = None,
    metrics: Annotated[str, typer.Option(help="Comma-separated metric names.")] = (
        "ndcg@10,ndcg@10_std,recall@100,mrr@10"),
    out: Annotated[Path | None, typer.Option(help="Write the experiment (configs, results, "
                                             "per-query values) as JSON.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line of figures.")
                       ] = False,
) -> None:
    """Index a judged set's catalog into a fresh embedded index, run every query through the
    API's search path and report ranking metrics (and a comparison with --compare)."""
    import tempfile

    from catalog.settings import Settings
    from evaluation.harness import headline, index_catalog, search_function, semantic_index
    from evaluation.judged import load_judged_set
    from evaluation.metrics import check_metric_names, required_depth
    from evaluation.runner import Experiment
    from evaluation.runner import compare as compare_runs
    from indexer.tantivy_backend import TantivyBackend
    from ranking.config import load_config
    from ranking.service import SearchService

    try:
        names = check_metric_names([m.strip() for m in metrics.split(",") if m.strip()])
        configs = [load_config(config)] + ([load_config(compare)] if compare else [])
        judged = load_judged_set(catalog, queries, qrels)
        if half is not None:
            if half not in (0, 1):
                raise InvalidInput("--half is 0 or 1", field="half")
            judged = judged.split(half)
        for warning in judged.warnings:
            err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
        settings = Settings(max_query_length=100_000)
        semantic = None
        if any(cfg.hybrid.enabled for cfg in configs):
            with _progress("embedding products", None, "products") as update:
                semantic = semantic_index(str(catalog), get_settings(),
                                          lambda done, total: update(done, done, total or None))
        with tempfile.TemporaryDirectory(prefix="discovery-eval-") as tmp:
            backend = TantivyBackend(Path(tmp) / "index", reload_interval_s=3600)
            try:
                with _progress("indexing", None, "products") as update:
                    products = index_catalog(backend, str(catalog), update)
                err.print(f"indexed {products:,} products; {len(judged.queries):,} queries")
                experiment = Experiment(judged_set=judged.describe(), metrics=names)
                runs = []
                for label, cfg in zip(("a", "b"), configs, strict=False):
                    service = SearchService(backend, settings, cfg, semantic=semantic)
                    with _progress(f"searching ({cfg.name})", len(judged.queries),
                                   "queries") as update:
                        runs.append(experiment.run(
                            label, cfg.to_dict(), judged.queries,
                            search_function(service, required_depth(names)), judged.qrels,
                            progress=lambda done, total: update(done)))
            finally:
                backend.close()
        if len(runs) == 2:
            experiment.comparison = compare_runs(
                runs[0], runs[1], judged.qrels, names, queries=judged.queries,
                results=(experiment.results["a"], experiment.results["b"]))
    except DiscoveryError as exc:
        _fail(exc)
    _print_eval(experiment, configs, names)
    if out:
        out.write_bytes(experiment.to_json(per_query=True))
        err.print(f"experiment written to {out}")
    if as_json:
        figures: dict[str, Any] = {"config": configs[0].name,
                                   **headline(experiment.results["a"])}
        if len(configs) == 2:
            figures = {"a": figures, "b": {"config": configs[1].name,
                                           **headline(experiment.results["b"])},
                       "comparison": {
                           m: {k: v for k, v in c.items() if k != "top_differences"}
                           for m, c in (experiment.comparison or {})["metrics"].items()}}
        sys.stdout.write(orjson.dumps(figures).decode() + "\n")  # NaN becomes null


def _print_eval(experiment: Any, configs: list[Any], names: list[str]) -> None:
    from rich.table import Table

    results = [experiment.results[label] for label in ("a", "b")[: len(configs)]]
    table = Table(title="evaluation", show_lines=False)
    table.add_column("metric")
    for cfg in configs:
        table.add_column(cfg.name, justify="right")
    if len(configs) == 2:
        for col in ("delta", "wins/losses", "p"):
            table.add_column(col, justify="right")
    for name in names:
        cells = [f"{r.means[name]:.4f}" for r in results]
        if len(configs) == 2 and experiment.comparison:
            c = experiment.comparison["metrics"][name]
            cells += [f"{c['delta']:+.4f}", f"{c['wins']}/{c['losses']}",
                      f"{c['p_permutation']:.4f}"]
        table.add_row(f"{name} ({results[0].evaluated(name):,} q)", *cells)
    table.add_row("zero-result rate", *[f"{r.zero_result_rate:.4f}" for r in results])
    out.print(table)


_ANALYTICS_REPORTS = {"top-queries": "top-queries", "zero-results": "zero-result-queries",
                      "click-through": "click-through", "slowest": "slowest-queries"}


@app.command()
def analytics(
    report: Annotated[str, typer.Argument(help="top-queries, zero-results, click-through or "
                                          "slowest.")],
    since: Annotated[str | None, typer.Option(help="Only searches at or after this ISO date or "
                                              "date-time (UTC unless it has an offset).")] = None,
    limit: Annotated[int, typer.Option(help="Rows (1-1000).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Search analytics reports over the query log (S14)."""
    from datetime import datetime

    from rich.table import Table
    from rich.text import Text

    from catalog.store import CatalogStore
    from ranking.analytics import REPORTS

    try:
        name = _ANALYTICS_REPORTS.get(report)
        if name is None:
            raise InvalidInput(f"unknown report {report!r}; one of: "
                               f"{', '.join(_ANALYTICS_REPORTS)}", field="report")
        try:
            since_dt = datetime.fromisoformat(since) if since else None
        except ValueError:
            raise InvalidInput(f"since must be an ISO date or date-time, not {since!r}",
                               field="since") from None
        store = CatalogStore(get_settings().resolved_database_url())
        try:
            store.migrate()
            rows = REPORTS[name](store.engine, since_dt, limit)
        finally:
            store.engine.dispose()
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, default=str) + "\n")
        return
    if not rows:
        err.print("no searches logged in this window")
        return
    table = Table(title=name)
    for column in rows[0]:
        table.add_column(column, justify="left" if column == "query" else "right")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row.values()))  # no markup
    out.print(table)


# -- merchandising: synonyms and query rules as draft and live sets ---------------------

synonyms_app = typer.Typer(help="Synonyms managed in the database (draft and live).",
                           no_args_is_help=True)
rules_app = typer.Typer(help="Query rules managed in the database (draft and live).",
                        no_args_is_help=True)
merchandising_app = typer.Typer(help="Draft and live synonyms and rules.", no_args_is_help=True)
app.add_typer(synonyms_app, name="synonyms")
app.add_typer(rules_app, name="rules")
app.add_typer(merchandising_app, name="merchandising")
app.add_typer(keys_app, name="keys")  # public keys of storefronts (api/cli_keys.py)
app.add_typer(documents_app, name="documents")  # attached documents (api/cli_documents.py)


@contextmanager
def _merchandising() -> Iterator[Any]:
    """The store alone: managing sets needs neither the search index nor the query log."""
    from catalog.store import CatalogStore
    from ranking.merchandising import MerchandisingStore

    store = CatalogStore(get_settings().resolved_database_url())
    try:
        store.migrate()
        yield MerchandisingStore(store.engine)
    finally:
        store.engine.dispose()


def _import_set(kind: str, body: Any, publish_too: bool) -> None:
    try:
        with _merchandising() as merch:
            version = merch.put_draft(kind, body)
            err.print(f"{kind} draft saved: {len(body):,} entries, version {version}")
            if publish_too:
                _print_published(merch.publish())
            else:
                err.print("preview with config=draft; make it live with `discovery publish`")
    except DiscoveryError as exc:
        _fail(exc)


def _print_published(result: dict[str, Any]) -> None:
    for kind, state in result.items():
        what = "published" if state["published"] else "unchanged"
        err.print(f"{kind}: {what}, live version {state['version']}")


@synonyms_app.command("import")
def synonyms_import(
    file: Annotated[Path, typer.Argument(help="Text file: one synonym rule per line "
                                         "('a, b, c' or 'a => b'; '#' starts a comment).")],
    publish_too: Annotated[bool, typer.Option("--publish", help="Make it live at once.")
                           ] = False,
) -> None:
    """Replace the draft synonyms with the rules in FILE (nothing saved when a line is bad)."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(InvalidInput(f"cannot read {file}: {exc}", field="file"))
    _import_set("synonyms", lines, publish_too)


@rules_app.command("import")
def rules_import(
    file: Annotated[Path, typer.Argument(help="TOML with [[rules]] tables, or a JSON list of "
                                         "rules (or an object with a 'rules' list).")],
    publish_too: Annotated[bool, typer.Option("--publish", help="Make it live at once.")
                           ] = False,
) -> None:
    """Replace the draft query rules with those in FILE (nothing saved when one is bad)."""
    import tomllib

    try:
        text = file.read_text(encoding="utf-8")
        data: Any = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        _fail(InvalidInput(f"cannot read {file}: {exc}", field="file"))
    if isinstance(data, dict):
        unknown = set(data) - {"rules"}
        if unknown:
            _fail(InvalidInput(f"{file}: only [[rules]] tables belong here, not "
                               f"{', '.join(sorted(unknown))}", field=sorted(unknown)[0]))
        data = data.get("rules", [])
    _import_set("rules", data, publish_too)


@app.command()
def publish() -> None:
    """Make the draft synonyms and rules live (one transaction; searches follow within ~1 s)."""
    try:
        with _merchandising() as merch:
            _print_published(merch.publish())
    except DiscoveryError as exc:
        _fail(exc)


@merchandising_app.command("show")
def merchandising_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
) -> None:
    """Show the draft and live synonyms and rules with their versions."""
    try:
        with _merchandising() as merch:
            body = merch.describe()
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
        return
    for kind, states in body.items():
        for state in ("draft", "live"):
            found = states[state]
            if found is None:
                out.print(f"{kind} {state}: none", highlight=False)
                continue
            out.print(f"{kind} {state}: version {found['version']}, {len(found['rules']):,} "
                      f"entries, updated {found['updated_at']}", highlight=False, markup=False)
            for entry in found["rules"]:
                line = entry if isinstance(entry, str) else json.dumps(entry, ensure_ascii=False)
                out.print(f"  {line}", highlight=False, markup=False)
        if states["unpublished"]:
            out.print(f"{kind}: the draft has unpublished changes", highlight=False)


# -- console users (staff) --------------------------------------------------------------

from api.cli_staff import DEMO_PASSWORD, DEMO_USERNAME, seed_demo_admin, staff_app  # noqa: E402

app.add_typer(staff_app, name="staff")

from api.cli_accounts import companies_app, users_app  # noqa: E402

app.add_typer(users_app, name="users")  # company accounts (api/cli_accounts.py)
app.add_typer(companies_app, name="companies")

from api.cli_prices import assortments_app, prices_app  # noqa: E402

app.add_typer(prices_app, name="prices")  # price lists and assortments (api/cli_prices.py)
app.add_typer(assortments_app, name="assortments")


def _demo_console_user() -> None:
    """The demo's console sign-in, only while no staff user exists (never beside real ones)."""
    try:
        created = seed_demo_admin()
    except DiscoveryError as exc:
        _fail(exc)
    if created:
        err.print(f"[yellow]console sign-in for this demo only:[/yellow] username "
                  f"[bold]{DEMO_USERNAME}[/bold], password [bold]{DEMO_PASSWORD}[/bold]  "
                  f"(a well-known password: change it with `discovery staff set-password "
                  f"{DEMO_USERNAME}` before anyone else can reach this server)",
                  highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
