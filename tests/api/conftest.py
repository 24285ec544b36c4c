"""A real `discovery serve` process on a free port, with its own data folder and a console user
of each role (``staff_client`` signs one in)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

DISCOVERY = str(Path(sys.executable).parent / "discovery")

STAFF = {"admin": ("test-admin", "admin password 1"),
         "merchandiser": ("test-merch", "merchandiser password 1"),
         "analyst": ("test-analyst", "analyst password 1")}
LOCKOUT_USER = ("test-lockout", "lockout password 1")  # an analyst the lockout test locks
CONSOLE_HEADERS = {"X-Requested-With": "discovery-console"}


def seed_staff(data_dir: Path) -> None:
    """The console users of ``STAFF``, written into the server's store before it starts."""
    from catalog.store import CatalogStore
    from commerce.staff import StaffAccounts

    store = CatalogStore(f"sqlite:///{(data_dir / 'catalog.db').resolve()}")
    try:
        store.migrate()
        accounts = StaffAccounts(store.engine)
        for role, (username, password) in STAFF.items():
            accounts.create_user(username, password, role)
        accounts.create_user(*LOCKOUT_USER, "analyst")
    finally:
        store.engine.dispose()


def login(base_url: str, role: str) -> httpx.Client:
    """A client signed in as the test user of ``role`` (cookie), sending the console header."""
    client = httpx.Client(base_url=base_url, headers=CONSOLE_HEADERS, timeout=60)
    username, password = STAFF[role]
    resp = client.post("/v1/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return client


def import_headers(base_url: str) -> dict[str, str]:
    """Bearer headers of the seeded merchandiser: catalog imports need a console editor (or a
    seller administrator's account)."""
    username, password = STAFF["merchandiser"]
    resp = httpx.post(base_url + "/v1/auth/login",
                      json={"username": username, "password": password}, timeout=60)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.cookies['discovery_session']}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(data_dir: Path, **env_overrides: str) -> Iterator[str]:
    """``discovery serve`` on a free port over ``data_dir`` (console users seeded); its URL."""
    port = _free_port()
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir), **env_overrides)
    env.pop("DISCOVERY_DATABASE_URL", None)
    seed_staff(data_dir)
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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # lexical by default: the tests of matching name exact results; hybrid has its own test
    with serve(tmp_path_factory.mktemp("server-data"), DISCOVERY_INDEX_RELOAD_INTERVAL_S="0",
               DISCOVERY_MAX_UPLOAD_MB="1", DISCOVERY_SEARCH_CONFIG="lexical") as url:
        yield url


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own for the console tests (sign-in lockouts, drafts, evaluations), so
    that they change nothing the other API tests read. Lexical, without embeddings."""
    with serve(tmp_path_factory.mktemp("console-server-data"),
               DISCOVERY_INDEX_RELOAD_INTERVAL_S="0", DISCOVERY_SEARCH_CONFIG="lexical",
               DISCOVERY_SEMANTIC_SEARCH="false") as url:
        yield url


@pytest.fixture(scope="session")
def staff_client(server: str) -> Iterator[Callable[[str], httpx.Client]]:
    """``staff_client(role)``: a client of the shared server signed in as that role."""
    clients: dict[str, httpx.Client] = {}

    def get(role: str) -> httpx.Client:
        if role not in clients:
            clients[role] = login(server, role)
        return clients[role]

    yield get
    for client in clients.values():
        client.close()


@pytest.fixture(scope="session")
def admin(staff_client: Callable[[str], httpx.Client]) -> httpx.Client:
    return staff_client("admin")
