"""Shared helpers for the benchmarks: a catalog on disk, a real server process, statistics."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

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
    rc = subprocess.run([DISCOVERY, "ingest", str(csv)], env=env).returncode
    if rc not in (0, 3):
        raise SystemExit(f"ingest failed with exit code {rc}")
    marker.touch()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`discovery serve` as a real uvicorn process."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [DISCOVERY, "serve", "--port", str(self.port)], env=env_for(data_dir),
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
