"""A real `discovery serve` process on a free port, with its own data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

DISCOVERY = str(Path(sys.executable).parent / "discovery")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("server-data")
    port = _free_port()
    # lexical by default: the tests of matching name exact results; hybrid has its own test
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir), DISCOVERY_INDEX_RELOAD_INTERVAL_S="0",
               DISCOVERY_MAX_UPLOAD_MB="1", DISCOVERY_SEARCH_CONFIG="lexical")
    env.pop("DISCOVERY_DATABASE_URL", None)
    proc = subprocess.Popen([DISCOVERY, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"server did not start: {err}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
