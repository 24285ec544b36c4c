"""Browser tests: Debian's Chromium driven by Playwright against a real `discovery serve`
with the sample catalog. Never downloads a browser; a screenshot of the page goes to
tests/artifacts/ when a test fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import serve

DISCOVERY = str(Path(sys.executable).parent / "discovery")
CHROMIUM = os.environ.get("DISCOVERY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
WEB_DIST = Path(__file__).resolve().parents[2] / "api" / "web" / "dist"
SAMPLE_PRODUCTS = 3000
STAFF_USER, STAFF_PASSWORD = "console-admin", "browser-test-password"

pytestmark = [pytest.mark.browser, pytest.mark.integration]
_WEB_ENV: dict[str, str] = {}


def web_env() -> dict[str, str]:
    """The environment of the served catalog, for `discovery` commands against it."""
    assert _WEB_ENV, "the web_server fixture has not started"
    return dict(_WEB_ENV)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _run(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([DISCOVERY, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"discovery {' '.join(args)} failed: {done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served sample catalog (lexical search: deterministic, no model to load)."""
    if not (WEB_DIST / "widgets.js").is_file():
        pytest.fail("the web pages are not built: run `make web` (make test does it first)")
    data_dir = tmp_path_factory.mktemp("web-data")
    env = dict(os.environ, DISCOVERY_DATA_DIR=str(data_dir), DISCOVERY_SEARCH_CONFIG="lexical",
               DISCOVERY_SEMANTIC_SEARCH="false", DISCOVERY_INDEX_RELOAD_INTERVAL_S="0")
    env.pop("DISCOVERY_DATABASE_URL", None)
    env["DISCOVERY_CORS_ORIGINS"] = ""
    _WEB_ENV.update(env)
    sample = data_dir / "sample.csv"
    _run("sample-catalog", "--products", str(SAMPLE_PRODUCTS), "--out", str(sample), env=env)
    _run("ingest", str(sample), "--no-embed", env=env)
    _run("staff", "create", STAFF_USER, "--role", "admin",
         env=env | {"DISCOVERY_STAFF_PASSWORD": STAFF_PASSWORD})
    with serve(data_dir, **{k: v for k, v in env.items() if k.startswith("DISCOVERY_") and k != "DISCOVERY_DATA_DIR"}) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (.ci/run does) or set DISCOVERY_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (cookies, storage) per test; console errors are collected in
    ``page.errors`` and a failing test leaves a screenshot in tests/artifacts/."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    pg.errors = errors
    try:
        yield pg
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = request.node.nodeid.split("::")[-1].replace("/", "_")
            try:
                pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the failure
                pass
        context.close()
