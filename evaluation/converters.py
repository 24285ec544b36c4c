"""Converters from public judged data to the neutral judged-set format (:mod:`evaluation.judged`).

The sources are read where they lie (``../shared/data``) every time: their licences (Kaggle
competition rules, SciFact non-commercial) forbid copying them into the project, and a
conversion takes about a second.

Home Depot (``train.csv.zip``, latin-1 CSV ``id, product_uid, product_title, search_term,
relevance``): sku = ``product_uid``, name = ``product_title`` (the set has titles only, so
no description), one query per distinct ``search_term`` with id ``hd-`` + the first 12 hex
digits of the SHA-1 of the exact text, grade = relevance − 1 (a float: the relevance is the
mean of usually three 1–3 ratings, so grades are 0, 0.33, 0.67, 1, 1.33, 1.67, 2 and a few
quarters). Grades are written with up to four significant decimals as in the source
(``0.33``, ``1.67``); TREC tools that need integers can multiply by 100 (nDCG is
scale-invariant, the relevance threshold then is 100).

SciFact (BEIR layout): sku = doc id, name = title, description = text, grade = score.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from evaluation.judged import CATALOG_FILE, QRELS_FILE, QUERIES_FILE, JudgedSet

HOMEDEPOT_PREFIX = "hd-"
HOMEDEPOT_ZIP = Path("homedepot") / "train.csv.zip"
SCIFACT_DIR = Path("beir_scifact")


def shared_data_dir() -> Path:
    """``../shared/data`` beside the project checkout (where the judged sources live; they
    are read in place, never copied). It may not exist: callers say so and stop or skip."""
    return Path(__file__).resolve().parents[2] / "shared" / "data"

_LINE_BREAKS = str.maketrans("\t\r\n", "   ")
RELEVANT_GRADE = 1.0  # grade >= 1 is relevant; for Home Depot that is relevance >= 2


def split_half(query_text: str) -> int:
    """0 or 1, stable across runs, machines and Python versions (never ``hash()``).

    The text is normalised (lowercase, whitespace collapsed) first so that near-identical
    queries such as ``fence mesh`` and ``fence  mesh`` land in the same half and cannot
    leak tuning from one half into the other.
    """
    normal = " ".join(query_text.lower().split())
    return hashlib.sha1(normal.encode("utf-8")).digest()[0] & 1


def homedepot_query_id(text: str) -> str:
    return HOMEDEPOT_PREFIX + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def format_grade(grade: float) -> str:
    """``0.33000000000000007`` -> ``0.33``; ``2.0`` -> ``2``."""
    text = f"{round(grade, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clean_text(text: str) -> str:
    """One line, no tabs (the queries file is TSV); inner spaces are kept as they are, so
    that every distinct source text stays a distinct query."""
    return text.translate(_LINE_BREAKS).strip()


def write_judged_set(out_dir: str | Path, catalog: Iterable[dict[str, Any]] | Path | None,
                     queries: dict[str, str], qrels: dict[str, dict[str, float]]
                     ) -> dict[str, Path]:
    """Write the three files. ``catalog`` may be records, the path of a catalog file to copy,
    or None to leave an existing ``catalog.jsonl`` in place."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"catalog": out / CATALOG_FILE, "queries": out / QUERIES_FILE,
             "qrels": out / QRELS_FILE}
    if isinstance(catalog, Path):
        if catalog.resolve() != paths["catalog"].resolve():
            shutil.copyfile(catalog, paths["catalog"])
    elif catalog is not None:
        with paths["catalog"].open("wb") as fh:
            for record in catalog:
                fh.write(orjson.dumps(record) + b"\n")
    with paths["queries"].open("w", encoding="utf-8", newline="\n") as fh:
        for qid, text in queries.items():
            fh.write(f"{qid}\t{_clean_text(text)}\n")
    with paths["qrels"].open("w", encoding="utf-8", newline="\n") as fh:
        for qid in queries:
            for sku, grade in qrels.get(qid, {}).items():
                fh.write(f"{qid} 0 {sku} {format_grade(grade)}\n")
    return paths


def write_split(judged: JudgedSet, out_dir: str | Path, half: int) -> dict[str, Path]:
    """Write one half of a judged set as a complete judged set (the catalog is copied whole:
    every product stays retrievable, only the queries are split)."""
    part = judged.split(half)
    return write_judged_set(out_dir, part.catalog_path, part.queries, part.qrels)


def _csv_member(archive: zipfile.ZipFile, zip_path: Path) -> str:
    names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
    if "train.csv" in names:
        return "train.csv"
    if len(names) != 1:
        raise ValueError(f"{zip_path}: expected one CSV file (train.csv), found {names}")
    return names[0]


def read_homedepot(zip_path: str | Path) -> Iterator[dict[str, str]]:
    """The rows of the Home Depot ``train.csv`` inside the zip (or a plain CSV)."""
    path = Path(zip_path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data = archive.read(_csv_member(archive, path))
    else:
        data = path.read_bytes()
    reader = csv.DictReader(io.StringIO(data.decode("latin-1"), newline=""))
    missing = {"product_uid", "product_title", "search_term", "relevance"} - set(
        reader.fieldnames or ())
    if missing:
        raise ValueError(f"{path}: columns {sorted(missing)} missing "
                         f"(found {reader.fieldnames})")
    yield from reader


def convert_homedepot(zip_path: str | Path, out_dir: str | Path, *, half: int | None = None
                      ) -> dict[str, Any]:
    """Convert Home Depot judgements; ``half`` (0 or 1) keeps only that half's queries.

    Returns counts: ``rows`` read, ``queries``, ``products``, ``judgements`` written,
    ``duplicate_pairs_averaged`` (a (query, product) pair judged in several rows gets the
    mean grade), ``products_with_several_titles`` (the first title in file order is kept),
    ``grades`` {grade: judgements}, ``queries_with_relevant`` (some grade >= 1),
    ``queries_with_gain`` (some grade > 0, i.e. nDCG is defined) and ``halves``
    {"0": n, "1": n} over all queries.
    """
    if half not in (None, 0, 1):
        raise ValueError(f"half must be 0, 1 or None, not {half!r}")
    titles: dict[str, str] = {}
    several_titles: set[str] = set()
    queries: dict[str, str] = {}
    text_of_id: dict[str, str] = {}
    sums: dict[str, dict[str, list[float]]] = {}
    rows = 0
    for number, row in enumerate(read_homedepot(zip_path), start=2):
        rows += 1
        sku = row["product_uid"].strip()
        title = row["product_title"].strip()
        text = _clean_text(row["search_term"])
        try:
            relevance = float(row["relevance"])
        except ValueError:
            raise ValueError(f"{zip_path}: row {number}: relevance {row['relevance']!r} "
                             "is not a number") from None
        if not sku or not text:
            raise ValueError(f"{zip_path}: row {number}: empty product_uid or search_term")
        if sku not in titles:
            titles[sku] = title
        elif titles[sku] != title:
            several_titles.add(sku)
        qid = homedepot_query_id(text)
        if text_of_id.setdefault(qid, text) != text:
            raise ValueError(f"query id collision: {text!r} and {text_of_id[qid]!r}")
        queries.setdefault(qid, text)
        sums.setdefault(qid, {}).setdefault(sku, []).append(relevance - 1.0)
    qrels = {q: {s: sum(g) / len(g) for s, g in skus.items()} for q, skus in sums.items()}
    duplicates = sum(1 for skus in sums.values() for g in skus.values() if len(g) > 1)
    grades = Counter(format_grade(g) for skus in qrels.values() for g in skus.values())
    halves = Counter(split_half(t) for t in queries.values())
    counts: dict[str, Any] = {
        "rows": rows,
        "queries": len(queries),
        "products": len(titles),
        "judgements": sum(len(s) for s in qrels.values()),
        "duplicate_pairs_averaged": duplicates,
        "products_with_several_titles": len(several_titles),
        "grades": dict(sorted(grades.items(), key=lambda kv: float(kv[0]))),
        "queries_with_relevant": sum(1 for s in qrels.values()
                                     if max(s.values()) >= RELEVANT_GRADE),
        "queries_with_gain": sum(1 for s in qrels.values() if max(s.values()) > 0),
        "halves": {"0": halves[0], "1": halves[1]},
    }
    if half is not None:
        queries = {q: t for q, t in queries.items() if split_half(t) == half}
        qrels = {q: g for q, g in qrels.items() if q in queries}
        counts["half"] = half
        counts["written_queries"] = len(queries)
        counts["written_judgements"] = sum(len(s) for s in qrels.values())
    catalog = ({"sku": sku, "name": title, "description": ""} for sku, title in titles.items())
    write_judged_set(out_dir, catalog, queries, qrels)
    return counts


def _open_jsonl(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _find(src: Path, *names: str) -> Path:
    for name in names:
        if (src / name).is_file():
            return src / name
    raise FileNotFoundError(f"{src}: none of {', '.join(names)} found")


def convert_scifact(src_dir: str | Path, out_dir: str | Path, split: str = "test"
                    ) -> dict[str, Any]:
    """Convert a BEIR dataset folder (``corpus.jsonl[.gz]``, ``queries.jsonl``,
    ``qrels/<split>.tsv``). Only the queries judged in ``split`` are written, in the
    order of ``queries.jsonl``; query and doc ids are kept so that numbers stay comparable
    with published BEIR results."""
    src = Path(src_dir)
    corpus_path = _find(src, "corpus.jsonl.gz", "corpus.jsonl")
    qrels_path = _find(src / "qrels", f"{split}.tsv")
    qrels: dict[str, dict[str, float]] = {}
    with qrels_path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            parts = line.rstrip("\r\n").split("\t")
            if not line.strip() or (number == 1 and parts[0] == "query-id"):
                continue
            if len(parts) != 3:
                raise ValueError(f"{qrels_path}:{number}: expected 'query-id<TAB>corpus-id"
                                 f"<TAB>score', found {len(parts)} fields")
            qid, doc, score = parts
            qrels.setdefault(qid, {})[doc] = float(score)
    queries: dict[str, str] = {}
    with _open_jsonl(_find(src, "queries.jsonl")) as qfh:
        for raw in qfh:
            if raw.strip():
                obj = orjson.loads(raw)
                if str(obj["_id"]) in qrels:
                    queries[str(obj["_id"])] = obj["text"]
    unknown = [q for q in qrels if q not in queries]
    if unknown:
        raise ValueError(f"{qrels_path}: {len(unknown)} query ids not in queries.jsonl "
                         f"(e.g. {unknown[0]!r})")
    products = 0
    doc_ids: set[str] = set()

    def catalog() -> Iterator[dict[str, Any]]:
        nonlocal products
        with _open_jsonl(corpus_path) as fh:
            for line in fh:
                if not line.strip():
                    continue
                obj = orjson.loads(line)
                doc_id, title, text = str(obj["_id"]), obj.get("title") or "", obj.get("text") or ""
                # name is required: a BEIR doc without a title is named by its first words
                name = " ".join(title.split()) or " ".join(text.split()[:12]) or doc_id
                products += 1
                doc_ids.add(doc_id)
                yield {"sku": doc_id, "name": name, "description": text}

    write_judged_set(out_dir, catalog(), queries, qrels)
    judged_docs = {d for docs in qrels.values() for d in docs}
    return {
        "split": split,
        "products": products,
        "queries": len(queries),
        "judgements": sum(len(d) for d in qrels.values()),
        "judged_products_not_in_catalog": len(judged_docs - doc_ids),
        "grades": dict(Counter(format_grade(g) for d in qrels.values() for g in d.values())),
    }
