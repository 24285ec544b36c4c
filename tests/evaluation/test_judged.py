"""Loading judged sets: errors name file and line, catalog lines become store records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from evaluation.judged import (
    JudgedSetError,
    iter_catalog_records,
    load_judged_dir,
    load_judged_set,
)
from tests.evaluation.factories import write_judged_set


def load(paths: dict[str, Path], **kwargs: object):
    return load_judged_set(paths["catalog"], paths["queries"], paths["qrels"], **kwargs)


def test_loads_queries_in_file_order_and_float_grades(tmp_path: Path) -> None:
    paths = write_judged_set(tmp_path, queries="q2\tcable tie\nq1\thex  bolt\tM8\n\n",
                             qrels="q1 0 P1 2\nq1 0 P2 0\nq2\t0\tP3\t1.33\n")
    judged = load(paths)
    assert list(judged.queries) == ["q2", "q1"]
    assert judged.queries["q1"] == "hex  bolt\tM8"  # text is everything after the first tab
    assert judged.qrels == {"q1": {"P1": 2.0, "P2": 0.0}, "q2": {"P3": 1.33}}
    assert judged.warnings == []
    assert judged.counts["products"] == 5
    assert judged.describe()["judgements"] == 3
    assert load_judged_dir(tmp_path).qrels == judged.qrels


@pytest.mark.parametrize(("which", "content", "line", "message"), [
    ("queries", "q1\thex bolt\nq2 cable tie\n", 2, "no tab"),
    ("queries", "q1\thex bolt\n\nq1\tnut\n", 3, "duplicate query id 'q1' (first on line 1)"),
    ("queries", "\tnut\n", 1, "empty query id"),
    ("queries", "q1\t  \n", 1, "has no text"),
    ("qrels", "q1 0 P1 2\nq1 0 P2\n", 2, "expected 4 fields"),
    ("qrels", "q1 0 P1 2 extra\n", 1, "found 5"),
    ("qrels", "q1 0 P1 high\n", 1, "grade 'high' is not a number"),
    ("qrels", "q1 0 P1 nan\n", 1, "not a finite number"),
    ("qrels", "q1 0 P1 2\nq1 0 P1 1\n", 2, "judges product 'P1' twice"),
])
def test_errors_name_file_and_line(tmp_path: Path, which: str, content: str, line: int,
                                   message: str) -> None:
    paths = write_judged_set(tmp_path, **{which: content})
    with pytest.raises(JudgedSetError) as info:
        load(paths)
    assert info.value.path == paths[which] and info.value.line == line
    assert f"{paths[which]}:{line}: " in str(info.value)
    assert message in str(info.value)
    assert info.value.status_code == 400


def test_missing_file_is_named(tmp_path: Path) -> None:
    paths = write_judged_set(tmp_path)
    paths["qrels"].unlink()
    with pytest.raises(JudgedSetError, match="qrels.txt: file not found"):
        load(paths)


def test_unknown_queries_and_missing_products_are_warnings(tmp_path: Path) -> None:
    paths = write_judged_set(
        tmp_path, queries="q1\thex bolt\nq2\tcable tie\nq3\tglove\n",
        qrels="q1 0 P1 2\nzz 0 P1 1\nzz 0 P2 1\nq2 0 NOPE 1\n")
    judged = load(paths)
    assert judged.qrels == {"q1": {"P1": 2.0}, "q2": {"NOPE": 1.0}}
    assert judged.counts["unknown_query_judgements"] == 2
    assert judged.counts["unjudged_queries"] == 1
    assert judged.counts["judged_products_not_in_catalog"] == 1
    text = "\n".join(judged.warnings)
    assert "2 judgements of 1 query ids" in text and "'zz'" in text
    assert "1 queries have no judgements" in text
    assert "'NOPE'" in text


def test_catalog_errors_are_checked_at_load(tmp_path: Path) -> None:
    paths = write_judged_set(tmp_path)
    paths["catalog"].write_text('{"sku": "P1", "name": "ok"}\n{"sku": "P2"}\n')
    with pytest.raises(JudgedSetError, match=r"catalog.jsonl:2: product has no 'name'"):
        load(paths)
    load(paths, check_catalog=False)  # the caller may validate while indexing instead


def test_catalog_records_in_store_format(tmp_path: Path) -> None:
    path = tmp_path / "catalog.jsonl"
    lines = [
        {"sku": 100001, "name": " Angle bracket ", "description": "", "brand": "Simpson",
         "colour_code": "RAL 9005", "pack": 10, "tags": ["a", "b"], "empty": None,
         "attributes": {"finish": "zinc"}},
        {"sku": "X2", "name": "Glove", "images": ["https://x/img.jpg"], "documents": None},
    ]
    path.write_text("\n".join(json.dumps(obj) for obj in lines) + "\n\n")
    records = list(iter_catalog_records(path))
    assert records[0] == {
        "sku": "100001", "name": "Angle bracket", "description": "", "brand": "Simpson",
        "documents": [], "images": [], "media": [],
        "attributes": {"finish": "zinc", "colour_code": "RAL 9005", "pack": "10",
                       "tags": '["a","b"]'},
    }
    assert records[1]["images"] == ["https://x/img.jpg"] and records[1]["documents"] == []
    assert "attributes" not in records[1]
    gz = tmp_path / "catalog.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert list(iter_catalog_records(gz)) == records


@pytest.mark.parametrize(("line", "message"), [
    ('{"name": "no sku"}', "product has no 'sku'"),
    ('{"sku": "  ", "name": "blank sku"}', "product has no 'sku'"),
    ('{"sku": "A", "name": null}', "product has no 'name'"),
    ('{"sku": "A", "name": "x"', "invalid JSON"),
    ('["sku", "name"]', "expected a JSON object, found list"),
    ('{"sku": "A", "name": "x", "attributes": [1]}', "'attributes' must be a JSON object"),
])
def test_catalog_line_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "catalog.jsonl"
    path.write_text('{"sku": "ok", "name": "fine"}\n\n' + line + "\n")
    with pytest.raises(JudgedSetError) as info:
        list(iter_catalog_records(path))
    assert info.value.line == 3
    assert message in str(info.value)


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    paths = write_judged_set(tmp_path)
    paths["queries"].write_bytes("q1\tb\xe9ton\n".encode("latin-1"))
    with pytest.raises(JudgedSetError, match="not UTF-8"):
        load(paths)


def test_split_keeps_catalog_and_partitions_queries(tmp_path: Path) -> None:
    queries = "".join(f"q{i}\tquery number {i}\n" for i in range(40))
    qrels = "".join(f"q{i} 0 P{i % 5 + 1} 1\n" for i in range(40))
    judged = load(write_judged_set(tmp_path, queries=queries, qrels=qrels))
    halves = [judged.split(0), judged.split(1)]
    assert {*halves[0].queries} | {*halves[1].queries} == {*judged.queries}
    assert not {*halves[0].queries} & {*halves[1].queries}
    assert all(h.catalog_path == judged.catalog_path for h in halves)
    assert all(set(h.qrels) == set(h.queries) for h in halves)
    with pytest.raises(ValueError):
        judged.split(2)
