"""Shared helpers for the benchmarks: a catalog on disk, a real server process, statistics."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DISCOVERY = str(Path(sys.executable).parent / "discovery")


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(p95, 3), "max_ms": round(ordered[-1], 3)}


def env_for(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DISCOVERY_DATA_DIR"] = str(data_dir)
    env.pop("DISCOVERY_DATABASE_URL", None)
    return env


def ensure_catalog(n: int, data_dir: Path) -> None:
    """Generate and ingest an n-product sample catalog into data_dir, once."""
    marker = data_dir / f".loaded-{n}"
    if marker.exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    csv = data_dir / f"sample-{n}.csv"
    env = env_for(data_dir)
    if not csv.exists():
        subprocess.run([DISCOVERY, "sample-catalog", "--products", str(n), "--out", str(csv)],
                       check=True, env=env)
    # embeddings are the business of the benchmarks that need them (ensure_embeddings)
    rc = subprocess.run([DISCOVERY, "ingest", str(csv), "--no-embed"], env=env).returncode
    if rc not in (0, 3):
        raise SystemExit(f"ingest failed with exit code {rc}")
    marker.touch()


def ensure_embeddings(data_dir: Path, log: Callable[[str], None] | None = None
                      ) -> dict[str, Any]:
    """Every product of data_dir embedded and the vector index saved under <data_dir>/vectors,
    by the product's own path (`discovery embed`, resumable) when anything is missing.
    Progress goes to stderr. Returns what was there and what the run did."""
    from catalog.settings import Settings
    from catalog.store import CatalogStore
    from embeddings import get_encoder, vectors_dir

    say = log or (lambda text: print(text, file=sys.stderr, flush=True))
    settings = Settings(data_dir=data_dir)
    store = CatalogStore(settings.resolved_database_url())
    model_id = get_encoder(settings).model_id
    products = store.count()
    stored = store.embedding_state(model_id)[0]
    saved = (vectors_dir(settings) / "meta.json").exists()
    out: dict[str, Any] = {"model_id": model_id, "products": products,
                           "embedded_before": stored, "vector_index_saved_before": saved}
    if stored >= products and saved:
        store.engine.dispose()
        return out
    say(f"embedding {products - stored:,} of {products:,} products in {data_dir} "
        "(`discovery embed`, resumable) ...")
    t0 = time.perf_counter()
    proc = subprocess.Popen([DISCOVERY, "embed", "--json"], env=env_for(data_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    last = (t0, stored)
    while proc.poll() is None:
        time.sleep(1)
        if time.perf_counter() - last[0] >= 15:
            now, done = time.perf_counter(), store.embedding_state(model_id)[0]
            say(f"  embedded {done:,}/{products:,} ({(done - last[1]) / (now - last[0]):,.0f}"
                f" products/s lately, {now - t0:,.0f} s)")
            last = (now, done)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"discovery embed failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    out["embed_run"] = orjson.loads(stdout.splitlines()[-1]) if stdout.strip() else {}
    out["embed_run"]["wall_seconds"] = round(time.perf_counter() - t0, 1)
    out["embedded_after"] = store.embedding_state(model_id)[0]
    store.engine.dispose()
    say(f"embedding done: {out['embedded_after']:,} vectors in {out['embed_run']['wall_seconds']} s")
    return out


def rss_mb(pid: int) -> dict[str, float]:
    """VmRSS of a process and its split into anonymous memory and mapped files, in MB."""
    with open(f"/proc/{pid}/status") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    return {key.lower(): round(int(fields[key].split()[0]) / 1024, 1)
            for key in ("VmRSS", "RssAnon", "RssFile")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`discovery serve` as a real uvicorn process."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [DISCOVERY, "serve", "--port", str(self.port)], env=env_for(data_dir) | (env or {}),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300  # a start may first rebuild a stale index
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode() if self.proc.stderr else "died")
            time.sleep(0.2)
        raise RuntimeError("server did not start within 300 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
