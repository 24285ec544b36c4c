"""Time to first results in the storefront page, measured in a real browser (issue 5).

A buyer types realistic queries into the search box of ``/`` (Chromium driven by Playwright,
one keystroke every ``--delay-ms``); the page records, for every keystroke whose results
reach the screen, the time from the keystroke to the results drawn (``window.discoveryTimings``,
kept by the widgets). Keystrokes whose search was overtaken by the next one never draw and
are counted apart. Also: page load to first results, and the gzip sizes of the bundles.

    python benchmarks/bench_browser.py --runs 3          # JSON on stdout, progress on stderr
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from _common import RESULTS, Server, ensure_catalog, ensure_embeddings, summary

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "api" / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
QUERIES = ["hex bolt m8", "safety gloves", "cordless drill", "cable tie black", "ball valve 1/2",
           "wood screw", "nitrile gloves", "led panel", "angle grinder", "stainless washer"]


def bundle_sizes() -> dict[str, dict[str, int]]:
    out = {}
    files = {"widgets.js": DIST / "widgets.js"}
    for path in sorted((DIST / "assets").glob("*.js")) + sorted((DIST / "assets").glob("*.css")):
        files[path.name.split("-")[0] + path.suffix] = path
    for name, path in files.items():
        data = path.read_bytes()
        out[name] = {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, 9))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--delay-ms", type=int, default=120, help="between keystrokes")
    ap.add_argument("--lexical", action="store_true",
                    help="serve DISCOVERY_SEARCH_CONFIG=lexical (default: the shipped default)")
    args = ap.parse_args()
    if not (DIST / "widgets.js").is_file():
        raise SystemExit("the web pages are not built: run `make web`")
    from playwright.sync_api import sync_playwright

    data_dir = RESULTS / f"data-{args.products}"
    ensure_catalog(args.products, data_dir)
    env = {"DISCOVERY_SEARCH_CONFIG": "lexical"} if args.lexical else {}
    if not args.lexical:
        ensure_embeddings(data_dir)
    server = Server(data_dir, env=env)
    runs = []
    try:
        if not args.lexical:
            from bench_search import wait_until_semantic_ready

            wait_until_semantic_ready(server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            for run in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(server.url + "/")
                page.wait_for_function("(window.discoveryTimings || []).length > 0")
                load = page.evaluate("window.discoveryTimings[0].at")
                box = page.locator("input[type=search]")
                typed = 0
                for q in QUERIES:
                    box.fill("")
                    page.wait_for_function("(window.discoveryTimings || []).at(-1).q === ''")
                    box.press_sequentially(q, delay=args.delay_ms)
                    typed += len(q)
                    page.wait_for_function("q => window.discoveryTimings.at(-1).q === q", arg=q)
                timings = page.evaluate("window.discoveryTimings.filter(t => t.cause === 'type' && t.q)")
                context.close()
                ms = [t["ms"] for t in timings]
                runs.append({"page_load_to_first_results_ms": load,
                             "keystrokes": typed, "drawn": len(ms),
                             "keystroke_to_results": summary(ms),
                             "server_median_ms": round(statistics.median(t["server_ms"] for t in timings), 3)})
                print(f"run {run + 1}: {runs[-1]}", file=sys.stderr)
            browser.close()
    finally:
        server.stop()
    result = {
        "benchmark": "browser", "products": args.products, "delay_ms": args.delay_ms,
        "config": "lexical" if args.lexical else "default",
        "runs": runs,
        "keystroke_to_results_median_ms": statistics.median(r["keystroke_to_results"]["median_ms"] for r in runs),
        "keystroke_to_results_p95_ms": statistics.median(r["keystroke_to_results"]["p95_ms"] for r in runs),
        "page_load_to_first_results_ms": statistics.median(r["page_load_to_first_results_ms"] for r in runs),
        "bundles": bundle_sizes(),
        "widgets_gzip_target_bytes": 60 * 1024,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
