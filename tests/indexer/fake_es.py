"""A stand-in Elasticsearch cluster on a local port, speaking the few REST endpoints the
backend uses (info, index templates, create/delete index, aliases, settings, refresh, bulk,
count, mapping, search, cluster health, synonym sets) in the documented request and response
formats.

It is not a mock of our code: the real ``elasticsearch`` client talks HTTP to it, so request
paths, headers (product check, compatibility), NDJSON bulk bodies and error bodies go through
the client as they would against a cluster. It does not search: ``/_search`` answers with the
response a test queued (and records the body), except the word counts and the rebuild
journal's page of deletes and the page of SKUs holding a vector, which it answers from its
documents. Bulk items follow the documented semantics of ``index``, ``create`` (409 when the
document exists), ``update`` (a partial ``doc`` merged into the stored ``_source``, which the
mapping's ``_source.includes`` pruned, as Elasticsearch rebuilds an updated document; 404 when
missing) and ``delete``, and ``require_alias``; a bulk write to a missing index creates it
from the index template whose pattern matches (Elasticsearch's automatic index creation).
Alias removals honour ``must_exist``. Failures are scripted per test: whole bulk
requests answered 429/503, bulk items failing by SKU, a refused alias swap, an 8.x version, a
required API key.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import elasticsearch

CLIENT_MAJOR = int(elasticsearch.__versionstr__.split(".")[0])


@dataclass
class FakeCluster:
    version: str = field(default_factory=lambda: f"{CLIENT_MAJOR}.1.0")  # the client's major
    api_key: str | None = None  # required "Authorization: ApiKey <key>" when set
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {docs, settings}
    aliases: dict[str, set[str]] = field(default_factory=dict)  # alias -> indices
    templates: dict[str, Any] = field(default_factory=dict)
    bulk_request_statuses: list[int] = field(default_factory=list)  # next whole-request answers
    item_statuses: dict[str, list[int]] = field(default_factory=dict)  # sku -> next item answers
    fail_alias_swap: bool = False  # an _aliases call that removes an alias (a swap) fails
    search_responses: list[dict[str, Any]] = field(default_factory=list)
    knn_responses: list[dict[str, Any]] = field(default_factory=list)  # for bodies with "knn"
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # method, path, body
    health_status: str = "green"
    synonym_sets: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    on_bulk: Any = None  # called with (target, lines) before a bulk is applied (test hooks)

    # -- helpers -------------------------------------------------------------------------
    def resolve(self, name: str) -> list[str]:
        if name in self.aliases:
            return sorted(self.aliases[name])
        return [name] if name in self.indices else []

    def docs(self, alias: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for index in self.resolve(alias):
            out.update(self.indices[index]["docs"])
        return out

    def doc_freqs(self, alias: str, filters: dict[str, Any]) -> dict[str, Any]:
        """A ``filters`` aggregation of ``term`` queries on ``all_plain`` (lower-cased words)."""
        words = [set(re.findall(r"[^\W_]+", (d.get("all_plain") or "").lower()))
                 for d in self.docs(alias).values()]
        buckets = {key: {"doc_count": sum(q["term"]["all_plain"] in w for w in words)}
                   for key, q in filters.items()}
        return {"took": 1, "timed_out": False, "hits": {"total": {"value": len(words),
                "relation": "eq"}, "hits": []}, "aggregations": {"doc_freq": {"buckets": buckets}}}

    def stored_source(self, index: str, doc: dict[str, Any]) -> dict[str, Any]:
        """What ``_source`` keeps of an indexed document (the mapping's top-level
        ``_source.includes``): all an update can start from."""
        includes = ((self.indices[index]["mappings"].get("_source") or {}).get("includes"))
        return dict(doc) if not includes else {k: v for k, v in doc.items() if k in includes}

    def vector_skus(self, name: str, field_name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A page of ``compile_vector_skus``: documents holding ``field_name``, by SKU."""
        after = (body.get("search_after") or [""])[0]
        skus = sorted(sku for sku, d in self.docs(name).items()
                      if d.get(field_name) is not None and sku > after)[: body.get("size", 10)]
        return {"took": 1, "timed_out": False, "hits": {
            "total": {"value": len(skus), "relation": "eq"},
            "hits": [{"_index": name, "_id": sku, "_score": None, "sort": [sku]}
                     for sku in skus]}}

    def journal_deletes(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A page of ``compile_journal_deletes``: documents with op "delete", by SKU."""
        after = (body.get("search_after") or [""])[0]
        skus = sorted(sku for sku, d in self.docs(name).items()
                      if d.get("op") == "delete" and sku > after)[: body.get("size", 10)]
        return {"took": 1, "timed_out": False, "hits": {
            "total": {"value": len(skus), "relation": "eq"},
            "hits": [{"_index": name, "_id": sku, "_score": None, "sort": [sku]}
                     for sku in skus]}}

    def calls(self, method: str, fragment: str) -> list[tuple[str, str, Any]]:
        """Requests by method ("*": any) whose path holds ``fragment``."""
        return [r for r in self.requests if method in ("*", r[0]) and fragment in r[1]]


def _error(status: int, kind: str, reason: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind,
                              "reason": reason}, "status": status}


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        if "ndjson" in (self.headers.get("content-type") or ""):
            return [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
        return json.loads(raw)

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-elastic-product", "Elasticsearch")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self) -> None:
        c = self.cluster
        path = unquote(urlsplit(self.path).path)
        body = self._body()
        c.requests.append((self.command, path, body))
        if c.api_key and self.headers.get("authorization") != f"ApiKey {c.api_key}":
            self._send(*_error(401, "security_exception", "missing authentication credentials"))
            return
        accept = self.headers.get("accept") or ""
        major = c.version.split(".")[0]
        if "compatible-with=" in accept and f"compatible-with={major}" not in accept:
            self._send(*_error(400, "media_type_header_exception",
                               f"Invalid media-type value on headers [Accept]: Accept version "
                               f"must be either version {major} or {int(major) - 1}"))
            return
        self._send(*self._route(self.command, path.strip("/").split("/"), body))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    def _route(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        c = self.cluster
        if parts == [""]:
            return 200, {"name": "fake", "cluster_name": "fake",
                         "version": {"number": c.version}, "tagline": "You Know, for Search"}
        if parts[0] == "_synonyms":
            if method == "PUT":
                created = parts[1] not in c.synonym_sets
                c.synonym_sets[parts[1]] = list(body["synonyms_set"])
                return 200, {"result": "created" if created else "updated",
                             "reload_analyzers_details": {"_shards": {"total": 1,
                                                                      "successful": 1,
                                                                      "failed": 0}}}
            if parts[1] not in c.synonym_sets:
                return _error(404, "resource_not_found_exception",
                              f"synonyms set [{parts[1]}] not found")
            rules = c.synonym_sets[parts[1]]
            query = dict(p.split("=", 1) for p in (urlsplit(self.path).query or "").split("&")
                         if "=" in p)
            start, size = int(query.get("from", 0)), int(query.get("size", 10))
            return 200, {"count": len(rules), "synonyms_set": rules[start:start + size]}
        if parts[0] == "_index_template":
            c.templates[parts[1]] = body
            return 200, {"acknowledged": True}
        if parts[0] == "_alias":
            found = c.resolve(parts[1]) if parts[1] in c.aliases else []
            if not found:
                return _error(404, "aliases_not_found_exception", f"alias [{parts[1]}] missing")
            return 200, {i: {"aliases": {parts[1]: {}}} for i in found}
        if parts[0] == "_aliases":
            if c.fail_alias_swap and any("remove" in a for a in body["actions"]):
                return _error(503, "process_cluster_event_timeout_exception", "timed out")
            for action in body["actions"]:  # all or nothing: checked first
                ((kind, spec),) = action.items()
                if spec["index"] not in c.indices:
                    return _error(404, "index_not_found_exception", spec["index"])
                if kind == "remove" and spec.get("must_exist") and \
                        spec["index"] not in c.aliases.get(spec["alias"], set()):
                    return _error(404, "aliases_not_found_exception",
                                  f"aliases [{spec['alias']}] missing")
            for action in body["actions"]:
                ((kind, spec),) = action.items()
                members = c.aliases.setdefault(spec["alias"], set())
                (members.discard if kind == "remove" else members.add)(spec["index"])
            return 200, {"acknowledged": True}
        if parts[0] == "_cluster":
            return 200, {"cluster_name": "fake", "status": c.health_status, "number_of_nodes": 1}
        if parts[0] == "_bulk" or (len(parts) > 1 and parts[1] == "_bulk"):
            require_alias = "require_alias=true" in (urlsplit(self.path).query or "")
            return self._bulk(parts[0], body, require_alias)
        name = parts[0]
        targets = c.resolve(name)
        if len(parts) == 1:
            if method == "PUT":
                c.indices[name] = {"docs": {}, "settings": dict(body["settings"]),
                                   "mappings": json.loads(json.dumps(body["mappings"]))}
                return 200, {"acknowledged": True, "index": name}
            if method == "DELETE":
                if name not in c.indices:
                    return _error(404, "index_not_found_exception", name)
                del c.indices[name]
                for members in c.aliases.values():  # an index's aliases go with it
                    members.discard(name)
                c.aliases = {a: m for a, m in c.aliases.items() if m}
                return 200, {"acknowledged": True}
        if not targets:
            return _error(404, "index_not_found_exception", f"no such index [{name}]")
        action = parts[1]
        if action == "_settings":
            for index in targets:
                c.indices[index]["settings"].update(body["index"])
            return 200, {"acknowledged": True}
        if action == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if action == "_count":
            docs: list[Any] = list(c.docs(name).values())
            if body and "exists" in (body.get("query") or {}):
                field_name = body["query"]["exists"]["field"]
                docs = [d for d in docs if d.get(field_name) is not None]
            return 200, {"count": len(docs)}
        if action == "_mapping":
            if method == "PUT":  # _meta replaces the old _meta, as Elasticsearch does
                for index in targets:
                    c.indices[index]["mappings"]["_meta"] = body["_meta"]
                return 200, {"acknowledged": True}
            return 200, {i: {"mappings": c.indices[i]["mappings"]} for i in targets}
        if action == "_search":
            if body and body.get("query") == {"bool": {"filter": [{"term": {"op": "delete"}}]}}:
                return 200, c.journal_deletes(name, body)
            exists = ((body or {}).get("query") or {}).get("bool", {}).get("filter") or [{}]
            if len(exists) == 1 and "exists" in exists[0] and "knn" not in body:
                return 200, c.vector_skus(name, exists[0]["exists"]["field"], body)
            if body and "doc_freq" in body.get("aggs", {}):  # term counts: answered for real
                return 200, c.doc_freqs(name, body["aggs"]["doc_freq"]["filters"]["filters"])
            if body and "knn" in body and c.knn_responses:
                return 200, c.knn_responses.pop(0)
            if not c.search_responses:
                return _error(500, "fake_exception", "no search response queued")
            return 200, c.search_responses.pop(0)
        return _error(400, "fake_exception", f"not implemented: {method} {'/'.join(parts)}")

    def _template_for(self, name: str) -> dict[str, Any] | None:
        for body in self.cluster.templates.values():
            if any(re.fullmatch(re.escape(p).replace(r"\*", ".*"), name)
                   for p in body.get("index_patterns", [])):
                return dict(body.get("template") or {})
        return None

    def _bulk(self, name: str, lines: list[dict[str, Any]], require_alias: bool = False
              ) -> tuple[int, Any]:
        c = self.cluster
        if c.on_bulk is not None:
            c.on_bulk(name, lines)
        if require_alias and name not in c.aliases:
            return 200, {"took": 1, "errors": True, "items": [
                {kind: {"_index": name, "_id": meta["_id"], "status": 404, "error": {
                    "type": "index_not_found_exception",
                    "reason": f"no such index [{name}] and [require_alias] request flag is "
                              "[true] and [" + name + "] is not an alias"}}}
                for line in lines if not set(line) & {"doc"} and len(line) == 1
                for kind, meta in line.items() if kind in ("index", "create", "update",
                                                            "delete")]}
        if c.bulk_request_statuses:
            status = c.bulk_request_statuses.pop(0)
            return _error(status, "es_rejected_execution_exception" if status == 429 else
                          "unavailable_shards_exception", "rejected execution")
        targets = c.resolve(name)
        if not targets and not require_alias and (template := self._template_for(name)):
            c.indices[name] = {"docs": {}, "settings": dict(template.get("settings") or {}),
                               "mappings": json.loads(json.dumps(
                                   template.get("mappings") or {}))}
            targets = [name]
        if len(targets) != 1:
            return _error(400, "illegal_argument_exception", f"no write index for [{name}]")
        docs = c.indices[targets[0]]["docs"]
        items, i = [], 0
        while i < len(lines):
            ((kind, meta),) = lines[i].items()
            sku = meta["_id"]
            doc = lines[i + 1] if kind != "delete" else None
            i += 1 if kind == "delete" else 2
            planned = c.item_statuses.get(sku)
            if planned:
                status = planned.pop(0)
            elif kind in ("delete", "update"):
                status = 200 if sku in docs else 404
            elif kind == "create" and sku in docs:
                status = 409
            else:
                status = 201
            result: dict[str, Any] = {"_index": targets[0], "_id": sku, "status": status}
            if status >= 400 and not (status == 404 and kind == "delete"):
                kind_name = ("es_rejected_execution_exception" if status == 429 else
                             "version_conflict_engine_exception" if status == 409 else
                             "document_missing_exception" if status == 404 else
                             "document_parsing_exception")
                result["error"] = {"type": kind_name, "reason": f"failed to index [{sku}]"}
            elif kind in ("index", "create"):
                docs[sku] = doc
            elif kind == "update":
                docs[sku] = {**c.stored_source(targets[0], docs[sku]),
                             **(doc or {}).get("doc", {})}
            elif kind == "delete":
                docs.pop(sku, None)
            items.append({kind: result})
        return 200, {"took": 1, "errors": any(it[k]["status"] >= 300 for it in items for k in it),
                     "items": items}


@contextmanager
def running(cluster: FakeCluster) -> Iterator[str]:
    """The cluster served on a free local port; yields its URL."""
    handler = type("Handler", (_Handler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
