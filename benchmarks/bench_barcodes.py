"""Barcode reading (S10): decode rate and time on generated phone photos, as one JSON object.

    python benchmarks/bench_barcodes.py [--images 280] [--widths 200,240,320] [--info-widths 120,160]
                                        [--seed 1]

Each photo (1024 x 768 JPEG, ``tests/embeddings/barcode_scenes.py``) holds one code of the
mix EAN-13, EAN-8, UPC-A, UPC-E, Code 128 (a 10-11 character SKU such as ``FAS-77835-B``),
QR Code (a product URL) and Data Matrix (a SKU), in equal shares: printed on a label, tilted
by up to +-25 degrees, on a busy background, lit unevenly, blurred (Gaussian, radius up to
1 px), with sensor noise and JPEG quality 45-85. The code is ``width`` pixels wide, quiet zone
excluded (200 px: 2.1 px per module for EAN-13, 1.3 for the Code 128 SKUs).

Per width: ``rate`` (photos whose code was read with the right text), ``misread`` (photos
where some other text was reported: a wrong product could be found), by format, and the
decode time per photo (``embeddings.barcodes.read_codes``: JPEG decoding included), median
and p95. Target: rate >= 0.95 at 200 px and wider (``--widths``); ``--info-widths`` are
smaller codes, for information.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings.barcodes import read_codes  # noqa: E402
from tests.embeddings.barcode_scenes import MIX, photo, random_content  # noqa: E402

TARGET = 0.95


def run_width(width: int, n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    by_format: dict[str, list[int]] = {f: [0, 0] for f in MIX}
    times: list[float] = []
    read = misread = 0
    for i in range(n):
        fmt = MIX[i % len(MIX)]
        data, placed = photo([(fmt, random_content(fmt, rng))], seed=seed * 100_003 + i,
                             code_width=width)
        started = time.perf_counter()
        codes = read_codes(data)
        times.append((time.perf_counter() - started) * 1000)
        texts = [c.text for c in codes]
        ok = placed[0].text in texts
        read += ok
        misread += any(t != placed[0].text for t in texts)
        by_format[fmt][0] += ok
        by_format[fmt][1] += 1
    times.sort()
    return {
        "width_px": width, "images": n, "read": read, "rate": round(read / n, 4),
        "misread": misread,
        "by_format": {f: round(ok / total, 3) for f, (ok, total) in by_format.items() if total},
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(n - 1, round(0.95 * (n - 1)))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=280, help="photos per width (>= 200)")
    parser.add_argument("--widths", default="200,240,320", help="code widths of the target")
    parser.add_argument("--info-widths", default="120,160", help="smaller widths, for information")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    widths = [int(w) for w in args.widths.split(",") if w]
    info = [int(w) for w in args.info_widths.split(",") if w]
    started = time.perf_counter()
    results = [run_width(w, args.images, args.seed) for w in widths]
    smaller = [run_width(w, args.images, args.seed) for w in info]
    worst = min(results, key=lambda r: r["rate"]) if results else None
    body = {
        "benchmark": "barcodes",
        "formats": list(MIX),
        "photo": "1024x768 JPEG q45-85, tilt +-25 deg, blur <= 1 px, noise, uneven light",
        "target": {"rate": TARGET, "widths_px": widths,
                   "worst_rate": worst["rate"] if worst else None,
                   "met": bool(worst and worst["rate"] >= TARGET)},
        "results": results,
        "smaller_widths": smaller,
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "seconds": round(time.perf_counter() - started, 1),
    }
    sys.stdout.write(json.dumps(body) + "\n")


if __name__ == "__main__":
    main()
