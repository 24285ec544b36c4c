"""The lean BERT runtime (embeddings.bert) against sentence-transformers on the real
all-MiniLM-L6-v2 weights, and the choice between the two."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings.bert import (
    FUSED_ATTENTION_ABOVE,
    PAD_TO_MULTIPLE_OF,
    BertMeanPooling,
    unsupported,
)
from embeddings.encoder import EncoderUnavailable, SentenceTransformerEncoder, default_model_path

LONG = ("Hex nut ISO 4032 M16 class 10, 100 pcs. Brand: Fixora. Category: Fasteners > Nuts. "
        "Material: steel class 10 (carbon steel, property class 10, plain). Colour: black. "
        "head type: hex; drive: external hex; standard: ISO 4032; thread: M16; pitch mm: 2. "
        "Hex nut made of carbon steel for bolted joints in steel and machine construction.")
TEXTS = [LONG, LONG.upper(), "hex nut m8", "a", "", "Ünïcödé Straße 10 mm² — ½\" NPT",
         "cordless drill 18 V " * 40, "safety gloves nitrile size 9, 100 pcs"]


@pytest.mark.parametrize("max_tokens", [64, 128])
@pytest.mark.parametrize("dtype, least", [("float32", 0.99999), ("bfloat16", 0.9995)])
def test_the_lean_runtime_computes_what_sentence_transformers_does(
        dtype: str, least: float, max_tokens: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    fused = torch.nn.functional.scaled_dot_product_attention
    lengths: list[int] = []

    def counted(q: Any, *args: Any, **kwargs: Any) -> Any:
        lengths.append(int(q.shape[2]))
        return fused(q, *args, **kwargs)

    # in one batch: padded (short texts beside long ones, cut at the limit), and each alone
    encoder = SentenceTransformerEncoder(dtype=dtype, max_tokens=max_tokens)
    library = SentenceTransformerEncoder(dtype=dtype, max_tokens=max_tokens,
                                         runtime="sentence-transformers").encode(TEXTS)
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", counted)
    lean = encoder.encode(TEXTS)
    # batches longer than 64 word pieces take the fused kernel, shorter ones do not
    assert set(lengths) == ({max_tokens} if max_tokens > FUSED_ATTENTION_ABOVE else set())
    cosines = (lean * library).sum(axis=1)
    assert cosines.min() > least, cosines
    alone = np.vstack([encoder.encode([t]) for t in TEXTS])  # no padding: the mask is skipped
    assert ((alone * library).sum(axis=1)).min() > least
    # the same text in a batch of equally long texts (no mask) and in a padded batch
    assert float(encoder.encode([LONG, LONG])[0] @ encoder.encode([LONG, "a"])[0]) > least


def test_one_model_id_for_both_runtimes() -> None:
    lean = SentenceTransformerEncoder()
    assert lean.model_id == SentenceTransformerEncoder(runtime="sentence-transformers").model_id


def test_the_text_is_cut_at_the_token_limit() -> None:
    encoder = SentenceTransformerEncoder(max_tokens=16)
    model = encoder._model()
    ids, mask = model.tokenize([LONG, "nut"])
    assert ids.shape == (2, 16) and int(mask[1].sum()) == 3  # [CLS] nut [SEP]
    assert float(encoder.encode([LONG])[0] @ encoder.encode([LONG + " and more words"])[0]) \
        > 0.9999  # words past the limit change nothing


def test_batches_group_texts_by_word_pieces_not_characters(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    # few characters but many word pieces (a size) against many characters in few pieces
    texts = ['1/2"x3/4"', "hello hello", '1/2"x3/4"x5/8"', "hello hello hello"]
    encoder = SentenceTransformerEncoder(max_tokens=64)
    model = encoder._model()
    counts = model.token_counts(texts)
    assert counts[0] > counts[1] and counts[2] > counts[3]  # the characters' order interleaves
    lengths: list[int] = []
    forward = model.forward
    monkeypatch.setattr(model, "forward", lambda ids, mask: (lengths.append(ids.shape[1]),
                                                             forward(ids, mask))[1])
    vectors = encoder.encode(texts, batch_size=2)
    pairs = [-(-n // PAD_TO_MULTIPLE_OF) * PAD_TO_MULTIPLE_OF for n in sorted(counts)]
    assert pairs[1] < pairs[2]  # (else the test could not tell the two orders apart)
    assert lengths == [pairs[1], pairs[3]]  # each pair padded to its own longest only
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert (vectors * alone).sum(axis=1).min() > 0.9995  # put back in the order given
    # texts that fit one batch (a query) are not counted: their order changes nothing
    monkeypatch.setattr(model, "token_counts", lambda texts: pytest.fail("counted"))
    assert encoder.encode(texts, batch_size=4).shape == (4, 384)


def _copy(tmp_path: Path, name: str = "model") -> Path:
    folder = tmp_path / name
    shutil.copytree(default_model_path(), folder)
    return folder


def _edit(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_the_default_folder_is_read_by_the_lean_runtime() -> None:
    assert unsupported(Path(default_model_path())) is None


@pytest.mark.parametrize("change, reason", [
    ("cls-pooling", "pooling"),
    ("dense-layer", "modules"),
    ("roberta", "model type"),
    ("relu", "activation"),
    ("no-tokenizer-json", "no tokenizer.json"),
    ("relative-positions", "position embeddings"),
])
def test_folders_it_cannot_read_exactly_go_to_sentence_transformers(
        tmp_path: Path, change: str, reason: str) -> None:
    folder = _copy(tmp_path)
    if change == "cls-pooling":
        _edit(folder / "1_Pooling" / "config.json", pooling_mode_mean_tokens=False,
              pooling_mode_cls_token=True)
    elif change == "dense-layer":
        modules = json.loads((folder / "modules.json").read_text())
        modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense",
                           "type": "sentence_transformers.models.Dense"})
        (folder / "modules.json").write_text(json.dumps(modules))
    elif change == "roberta":
        _edit(folder / "config.json", model_type="roberta")
    elif change == "relu":
        _edit(folder / "config.json", hidden_act="relu")
    elif change == "no-tokenizer-json":
        (folder / "tokenizer.json").unlink()
    else:
        _edit(folder / "config.json", position_embedding_type="relative_key")
    assert reason in (unsupported(folder) or "")
    if change == "cls-pooling":  # served, by the library, with the folder's own pooling
        encoder = SentenceTransformerEncoder(folder)
        assert not isinstance(encoder._model(), BertMeanPooling)
        cls = encoder.encode([LONG])[0]
        mean = SentenceTransformerEncoder().encode([LONG])[0]
        assert float(cls @ mean) < 0.99


def test_weights_saved_under_a_bert_prefix_are_read(tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    folder = _copy(tmp_path)
    weights = load_file(str(folder / "model.safetensors"))
    save_file({f"bert.{k}": v for k, v in weights.items()}, str(folder / "model.safetensors"))
    encoder = SentenceTransformerEncoder(folder)
    assert isinstance(encoder._model(), BertMeanPooling)
    assert float(encoder.encode([LONG])[0] @ SentenceTransformerEncoder().encode([LONG])[0]) \
        > 0.9999


def test_broken_weights_in_a_readable_folder_are_a_clear_error(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    assert unsupported(folder) is None
    with pytest.raises(EncoderUnavailable, match="cannot load the text encoder") as info:
        SentenceTransformerEncoder(folder).encode(["x"])
    assert info.value.to_dict()["field"] == "embedding_model_path"


def test_a_token_limit_beyond_the_model_is_a_clear_error(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "config.json", max_position_embeddings=32)
    with pytest.raises(EncoderUnavailable, match="at most 32 tokens, not 64"):
        SentenceTransformerEncoder(folder, max_tokens=64).encode(["x"])


def test_an_unknown_runtime_names_the_setting() -> None:
    with pytest.raises(EncoderUnavailable, match="unknown encoder runtime 'onnx'") as info:
        SentenceTransformerEncoder(runtime="onnx").encode(["x"])
    assert info.value.to_dict()["field"] == "embedding_runtime"


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_packed_weights_compute_what_plain_products_do(monkeypatch: pytest.MonkeyPatch,
                                                       dtype: str) -> None:
    import torch

    from embeddings import bert

    path = Path(default_model_path())
    packed = BertMeanPooling(path, dtype=dtype, max_tokens=64)
    if not packed.packed:  # oneDNN has no bfloat16 linear without AVX-512 (e.g. AVX2 only)
        from embeddings.encoder import native_bf16

        assert dtype == "bfloat16" and not native_bf16()
        pytest.skip("this CPU has no oneDNN bfloat16 linear to compare with plain products")
    monkeypatch.setitem(bert._PACKING, getattr(torch, dtype), False)
    plain = BertMeanPooling(path, dtype=dtype, max_tokens=64)
    assert not plain.packed
    a, b = packed.encode(TEXTS), plain.encode(TEXTS)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    assert (a * b).sum(axis=1).min() > (0.99999 if dtype == "float32" else 0.9995)


def test_without_the_packed_operators_plain_products_serve(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    import torch

    from embeddings import bert

    def missing(*args: object) -> None:
        raise RuntimeError("no such operator")

    monkeypatch.setattr(bert, "_PACKING", {})
    monkeypatch.setattr(torch.ops.mkldnn, "_reorder_linear_weight", missing)
    assert bert.packing_works(torch.float32) is False
    model = BertMeanPooling(Path(default_model_path()), dtype="float32", max_tokens=64)
    assert not model.packed
    assert model.encode(["cordless drill"]).shape == (1, 384)
