"""Evaluations over HTTP: a judged set built here is uploaded against a few products of a real
server's catalog, and a draft synonym shows up as a per-query difference between ``live`` and
``draft``."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import import_headers, login

pytestmark = pytest.mark.integration

PRODUCTS = [
    {"sku": "EV-BOLT", "name": "Hex bolt DIN 933 M8x40 stainless", "brand": "Fastek"},
    {"sku": "EV-NUT", "name": "Hex nut DIN 934 M8 stainless", "brand": "Fastek"},
    {"sku": "EV-GLOVE", "name": "Nitrile disposable gloves size L", "brand": "SafeHands"},
]


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


@pytest.fixture(scope="module")
def console(console_server: str) -> Iterator[dict[str, httpx.Client]]:
    """The catalog, a draft synonym (not published), and signed-in clients."""
    resp = httpx.post(console_server + "/v1/catalog/imports",
                      headers=import_headers(console_server), files={"file": ("catalog.csv", _csv(PRODUCTS), "text/csv")}, timeout=60)
    assert resp.status_code == 200, resp.text
    clients = {role: login(console_server, role) for role in ("merchandiser", "analyst")}
    draft = clients["merchandiser"].put("/v1/merchandising/synonyms",
                                        json={"rules": ["gauntlets => gloves"]})
    assert draft.status_code == 200, draft.text
    yield clients
    clients["merchandiser"].put("/v1/merchandising/synonyms", json={"rules": []})
    for client in clients.values():
        client.close()


def _wait_done(client: httpx.Client, run_id: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/evaluations/{run_id}").json()
        if body["status"] != "running":
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


JUDGEMENTS = (b"query,sku,grade\n"
              b"gauntlets,EV-GLOVE,2\n"
              b"hex bolt,EV-BOLT,2\n"
              b"hex bolt,EV-NUT,0\n"
              b"hex bolt,EV-GONE,1\n")


def test_live_against_draft_shows_the_queries_a_draft_synonym_changes(
        console: dict[str, httpx.Client]) -> None:
    client = console["merchandiser"]
    resp = client.post("/v1/evaluations", data={"name": "gauntlets synonym"},
                       files={"judgements": ("judged.csv", JUDGEMENTS, "text/csv")})
    assert resp.status_code == 202, resp.text
    started = resp.json()
    assert started["status"] == "running" and started["progress"]["total"] == 4
    assert (started["config_a"], started["config_b"]) == ("live", "draft")
    assert started["unknown_skus"] == 1 and started["unknown_sku_examples"] == ["EV-GONE"]

    done = _wait_done(client, started["id"])
    assert done["status"] == "done", done
    assert done["progress"] == {"done": 4, "total": 4} and done["finished_at"]
    assert done["name"] == "gauntlets synonym" and done["created_by"] == "test-merch"
    assert done["metrics"] == ["ndcg@10", "recall@100", "mrr@10"]
    first = done["per_query"][0]
    assert first["query"] == "gauntlets" and first["delta"] == 1.0
    assert first["a"]["ndcg@10"] == 0.0 and first["b"]["ndcg@10"] == 1.0
    assert first["top_a"] == [] and first["top_b"] == ["EV-GLOVE"]
    bolt = done["per_query"][1]
    assert bolt["query"] == "hex bolt" and bolt["delta"] == 0.0
    assert bolt["top_a"] == bolt["top_b"] and bolt["top_a"][0] == "EV-BOLT"
    assert done["zero_results"] == {"a": 1, "b": 0}
    assert done["summary"]["b"]["ndcg@10"] > done["summary"]["a"]["ndcg@10"]
    comparison = {row["metric"]: row for row in done["comparison"]}
    assert set(comparison) == {"ndcg@10", "recall@100", "mrr@10"}
    assert comparison["ndcg@10"]["delta"] == pytest.approx(0.5)
    assert 0 < comparison["ndcg@10"]["p_value"] <= 1
    assert done["unknown_skus"] == 1 and done["judged"]["judgements"] == 4

    listed = client.get("/v1/evaluations").json()["evaluations"]
    assert listed[0]["id"] == started["id"] and "per_query" not in listed[0]
    assert listed[0]["summary"] == done["summary"]


def test_analysts_may_run_evaluations_from_trec_files(console: dict[str, httpx.Client]) -> None:
    client = console["analyst"]
    files = {"queries": ("queries.tsv", b"g1\tgauntlets\nb1\thex bolt\n", "text/plain"),
             "qrels": ("qrels.txt", b"g1 0 EV-GLOVE 2\nb1 0 EV-BOLT 1\n", "text/plain")}
    resp = client.post("/v1/evaluations", files=files,
                       data={"config_a": "draft", "config_b": "strict", "metrics": "mrr@10"})
    assert resp.status_code == 202, resp.text
    done = _wait_done(client, resp.json()["id"])
    assert done["status"] == "done" and done["created_by"] == "test-analyst"
    assert [row["metric"] for row in done["comparison"]] == ["mrr@10"]
    assert {row["query_id"] for row in done["per_query"]} == {"g1", "b1"}


@pytest.mark.parametrize("files, data, status, field, message", [
    ({"judgements": ("j.csv", b"query,sku,grade\nhex bolt,EV-BOLT,2\nnut,EV-NUT,lots\n",
                     "text/csv")}, {}, 400, "judgements",
     "judgements:3: column 'grade': 'lots' is not a number"),
    ({"judgements": ("j.csv", b"query,product\nhex bolt,EV-BOLT\n", "text/csv")}, {}, 400,
     "judgements", "judgements:1: the header has no column 'sku', 'grade'"),
    ({"judgements": ("j.csv", JUDGEMENTS, "text/csv")}, {"config_b": "shiny"}, 400, "config_b",
     "config_b: unknown configuration 'shiny'"),
    ({"judgements": ("j.csv", JUDGEMENTS, "text/csv")}, {"metrics": "ndcg@1000"}, 400,
     "metrics", "more than the page size limit"),
    ({"queries": ("q.tsv", b"1\thex bolt\n", "text/plain")}, {}, 400, "qrels", "qrels"),
    ({"queries": ("q.tsv", b"1 hex bolt\n", "text/plain"),
      "qrels": ("r.txt", b"1 0 EV-BOLT 1\n", "text/plain")}, {}, 400, "queries",
     "queries:1: expected 'query_id<TAB>query text'"),
    ({"judgements": ("j.csv", b"query,sku,grade\n" + b"".join(
        f"query {i},EV-BOLT,1\n".encode() for i in range(5001)), "text/csv")}, {}, 400,
     "judgements", "at most 5,000"),
])
def test_bad_uploads_are_400_naming_the_place(console: dict[str, httpx.Client], files: dict,
                                              data: dict, status: int, field: str,
                                              message: str) -> None:
    resp = console["merchandiser"].post("/v1/evaluations", files=files, data=data)
    assert resp.status_code == status, resp.text
    assert resp.json()["field"] == field and message in resp.json()["detail"]


def test_unknown_evaluation_is_404(console: dict[str, httpx.Client]) -> None:
    resp = console["analyst"].get("/v1/evaluations/999999")
    assert resp.status_code == 404 and resp.json()["error"] == "NotFound"
