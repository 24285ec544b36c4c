"""Judged sets: a catalog, queries and graded judgements in one neutral format.

Three files, so that any source (Home Depot, BEIR, a customer's own judgements) reaches
the evaluation code the same way:

``catalog.jsonl``
    One product per line, a JSON object with at least ``sku`` and ``name``; any other
    catalog field may be present (keys that are not registry fields become attributes).
``queries.tsv``
    ``query_id<TAB>query text``, no header, one query per line. The text is everything
    after the first tab.
``qrels.txt``
    TREC qrels ``query_id 0 sku grade``, whitespace separated. ``grade`` may be a float
    (Home Depot grades are means of several raters, e.g. ``1.33``): 0 is irrelevant,
    higher is better, a product is *relevant* at grade >= 1 (see :mod:`evaluation.metrics`).

Errors name the file and line, because a judged set is usually produced by a script
somebody else wrote and the line is the fastest way to the bug.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from catalog.errors import InvalidInput
from catalog.fields import FIELD_NAMES

CATALOG_FILE = "catalog.jsonl"
QUERIES_FILE = "queries.tsv"
QRELS_FILE = "qrels.txt"

_LIST_DEFAULTS = ("documents", "images", "media")
_FIELDS = frozenset(FIELD_NAMES)


class JudgedSetError(InvalidInput):
    """A judged-set file is malformed; ``path`` and ``line`` say where (line is 1-based)."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}", field=str(path))
        self.path = Path(path)
        self.line = line


@dataclass
class JudgedSet:
    """A loaded judged set. The catalog stays on disk: it is streamed into an index once.

    ``queries`` keeps file order (runs and reports follow it). ``qrels`` holds only
    judgements of known queries; a query may have no judgements (it is still searched,
    so it counts for the zero-result rate, but no metric is defined for it).
    """

    catalog_path: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, float]]
    warnings: list[str] = field(default_factory=list)
    """Problems that do not stop an evaluation (judgements of unknown queries, ...)."""
    counts: dict[str, int] = field(default_factory=dict)
    """What the loader saw: ``judgements``, ``unknown_query_judgements``, ``products``, ..."""

    @property
    def judged_skus(self) -> set[str]:
        return {sku for grades in self.qrels.values() for sku in grades}

    def split(self, half: int) -> JudgedSet:
        """The queries (and their judgements) of one half; the catalog is shared.

        The half comes from :func:`evaluation.converters.split_half` on the query text, so
        the same text always lands in the same half whatever set it is in.
        """
        from evaluation.converters import split_half

        if half not in (0, 1):
            raise ValueError(f"half must be 0 or 1, not {half!r}")
        queries = {q: t for q, t in self.queries.items() if split_half(t) == half}
        qrels = {q: g for q, g in self.qrels.items() if q in queries}
        counts = {**self.counts, "queries": len(queries),
                  "judgements": sum(len(g) for g in qrels.values())}
        return JudgedSet(self.catalog_path, queries, qrels, list(self.warnings), counts)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary, stored with every experiment run on this set."""
        return {
            "catalog": str(self.catalog_path),
            "queries": len(self.queries),
            "judged_queries": sum(1 for q in self.queries if self.qrels.get(q)),
            "judgements": sum(len(g) for g in self.qrels.values()),
            **{k: v for k, v in self.counts.items() if k not in ("queries", "judgements")},
            "warnings": list(self.warnings),
        }


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its line break); blank lines are skipped but counted."""
    if not path.is_file():
        raise JudgedSetError(path, None, "file not found")
    try:
        with _open_text(path) as fh:
            for number, line in enumerate(fh, start=1):
                line = line.rstrip("\r\n")
                if line.strip():
                    yield number, line
    except UnicodeDecodeError as exc:
        raise JudgedSetError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
                             ) from None


def text_lines(data: bytes, name: str) -> Iterator[tuple[int, str]]:
    """``_lines`` of an uploaded file: ``name`` (the form field) stands for the path in errors.
    A UTF-8 byte order mark is dropped (spreadsheet exports write one)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JudgedSetError(name, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
                             ) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def read_queries(path: str | Path) -> dict[str, str]:
    return parse_queries(_lines(Path(path)), Path(path))


def parse_queries(lines: Iterable[tuple[int, str]], path: str | Path) -> dict[str, str]:
    """Queries from numbered lines (``_lines`` or ``text_lines``); errors name ``path``."""
    queries: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, line in lines:
        qid, tab, text = line.partition("\t")
        qid, text = qid.strip(), text.strip()
        if not tab:
            raise JudgedSetError(path, number, "expected 'query_id<TAB>query text', found no tab")
        if not qid:
            raise JudgedSetError(path, number, "empty query id")
        if not text:
            raise JudgedSetError(path, number, f"query {qid!r} has no text")
        if qid in queries:
            raise JudgedSetError(path, number, f"duplicate query id {qid!r} "
                                               f"(first on line {first_line[qid]})")
        queries[qid] = text
        first_line[qid] = number
    return queries


def read_qrels(path: str | Path) -> dict[str, dict[str, float]]:
    """TREC qrels as {query id: {sku: grade}}; a (query, sku) pair judged twice is an error
    (silently keeping one of two grades would hide a bug in whatever wrote the file)."""
    return parse_qrels(_lines(Path(path)), Path(path))


def parse_qrels(lines: Iterable[tuple[int, str]], path: str | Path
                ) -> dict[str, dict[str, float]]:
    """Qrels from numbered lines (``_lines`` or ``text_lines``); errors name ``path``."""
    qrels: dict[str, dict[str, float]] = {}
    for number, line in lines:
        parts = line.split()
        if len(parts) != 4:
            raise JudgedSetError(path, number, "expected 4 fields 'query_id 0 sku grade', "
                                               f"found {len(parts)}")
        qid, _iteration, sku, raw = parts
        try:
            grade = float(raw)
        except ValueError:
            raise JudgedSetError(path, number, f"grade {raw!r} is not a number") from None
        if not math.isfinite(grade):
            raise JudgedSetError(path, number, f"grade {raw!r} is not a finite number")
        grades = qrels.setdefault(qid, {})
        if sku in grades:
            raise JudgedSetError(path, number, f"query {qid!r} judges product {sku!r} twice")
        grades[sku] = grade
    return qrels


def catalog_record(obj: Any, *, path: str | Path = "<catalog>", line: int | None = None
                   ) -> dict[str, Any]:
    """One catalog line (a decoded JSON object) as a product record of the store.

    Registry field names are kept, everything else goes into ``attributes`` as text
    (the store and the index treat attributes as strings).
    """
    if not isinstance(obj, dict):
        raise JudgedSetError(path, line, f"expected a JSON object, found {type(obj).__name__}")
    record: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    extra = obj.get("attributes")
    if isinstance(extra, dict):
        for key, value in extra.items():
            if value is not None:
                attributes[str(key)] = _attribute_text(value)
    elif extra is not None:
        raise JudgedSetError(path, line, "'attributes' must be a JSON object")
    for key, value in obj.items():
        if key == "attributes":
            continue
        if key in _FIELDS:
            record[key] = value
        elif value is not None:
            attributes[key] = _attribute_text(value)
    for required in ("sku", "name"):
        value = record.get(required)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = record[required] = str(value)
        if not isinstance(value, str) or not value.strip():
            raise JudgedSetError(path, line, f"product has no {required!r}")
        record[required] = value.strip()
    for key in _LIST_DEFAULTS:
        if record.get(key) is None:
            record[key] = []
    if attributes:
        record["attributes"] = attributes
    return record


def _attribute_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)


def iter_catalog_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Stream the catalog as store records (``catalog.store`` format), in file order.

    ``.jsonl.gz`` is read transparently. A bad line stops the stream with its line number.
    """
    path = Path(path)
    for number, line in _lines(path):
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise JudgedSetError(path, number, f"invalid JSON ({exc})") from None
        yield catalog_record(obj, path=path, line=number)


def load_judged_set(catalog: str | Path, queries: str | Path, qrels: str | Path, *,
                    check_catalog: bool = True) -> JudgedSet:
    """Load and validate a judged set.

    Fatal: any malformed line (the error names file and line), a duplicate query id, a
    duplicate (query, product) judgement. Warnings (counted, reported in ``warnings``):
    judgements for query ids that are not in the queries file (dropped), queries without
    judgements, and with ``check_catalog`` judged products missing from the catalog
    (they can never be found, so they cap every metric) and duplicate catalog SKUs.
    ``check_catalog`` also validates every catalog line before an expensive indexing run
    starts; it reads the file once (about a second for 50,000 products).
    """
    catalog_path = Path(catalog)
    query_map = read_queries(queries)
    all_qrels = read_qrels(qrels)
    qrels_map = {q: g for q, g in all_qrels.items() if q in query_map}
    unknown = {q: g for q, g in all_qrels.items() if q not in query_map}
    counts: dict[str, int] = {
        "queries": len(query_map),
        "judgements": sum(len(g) for g in qrels_map.values()),
        "unknown_query_judgements": sum(len(g) for g in unknown.values()),
        "unjudged_queries": sum(1 for q in query_map if not qrels_map.get(q)),
    }
    warnings: list[str] = []
    if unknown:
        warnings.append(f"{qrels}: {counts['unknown_query_judgements']} judgements of "
                        f"{len(unknown)} query ids not in {queries} were ignored "
                        f"(e.g. {next(iter(unknown))!r})")
    if counts["unjudged_queries"]:
        warnings.append(f"{counts['unjudged_queries']} queries have no judgements: "
                        "they are searched but no metric is defined for them")
    if check_catalog:
        skus: set[str] = set()
        duplicates = 0
        for record in iter_catalog_records(catalog_path):
            if record["sku"] in skus:
                duplicates += 1
            skus.add(record["sku"])
        judged = {sku for grades in qrels_map.values() for sku in grades}
        missing = judged - skus
        counts.update(products=len(skus), duplicate_skus=duplicates,
                      judged_products=len(judged), judged_products_not_in_catalog=len(missing))
        if duplicates:
            warnings.append(f"{catalog_path}: {duplicates} lines repeat an earlier SKU "
                            "(the last one wins when indexed)")
        if missing:
            warnings.append(f"{len(missing)} judged products are not in the catalog "
                            f"(e.g. {min(missing)!r}): they can never be retrieved")
    elif not catalog_path.is_file():
        raise JudgedSetError(catalog_path, None, "file not found")
    return JudgedSet(catalog_path, query_map, qrels_map, warnings, counts)


def load_judged_dir(directory: str | Path, **kwargs: Any) -> JudgedSet:
    """``load_judged_set`` on the three standard file names inside one folder."""
    d = Path(directory)
    return load_judged_set(d / CATALOG_FILE, d / QUERIES_FILE, d / QRELS_FILE, **kwargs)
