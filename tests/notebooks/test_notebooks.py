"""The merchandiser notebook runs end to end on a judged set the test builds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tools are in the test extra")
nbclient = pytest.importorskip("nbclient", reason="notebook tools are in the test extra")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "compare_configurations.ipynb"


def test_compare_configurations_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    judged = tmp_path / "judged"
    judged.mkdir()
    products = [("P1", "Hex bolt DIN 933 M8x40"), ("P2", "Hex nut M8"),
                ("P3", "Nitrile gloves size L"), ("P4", "Cut resistant gloves")]
    (judged / "catalog.jsonl").write_text("".join(
        json.dumps({"sku": s, "name": n, "description": ""}) + "\n" for s, n in products))
    (judged / "queries.tsv").write_text("q1\thex bolt\nq2\tnitrile gloves\nq3\tgloves cut\n")
    (judged / "qrels.txt").write_text("q1 0 P1 2\nq2 0 P3 2\nq2 0 P4 1\nq3 0 P4 2\n")
    monkeypatch.setenv("DISCOVERY_NOTEBOOK_JUDGED", str(judged))
    monkeypatch.setenv("DISCOVERY_NOTEBOOK_HALF", "")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=dict(os.environ))
    outputs = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for o in cell.get("outputs", []))
    assert "queries: 3" in outputs
    assert "ndcg@10" in outputs and "strict" in outputs
    assert (tmp_path / "experiment.json").exists()
