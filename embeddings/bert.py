"""A lean runtime for BERT sentence encoders with mean pooling (all-MiniLM-L6-v2 and its
kind): the product's default text encoder, without sentence-transformers on the hot path.

Why it exists (``python benchmarks/bench_embed_ingest.py``, the sweep's
``sentence_transformers`` line against the default):

* Loading: ``import sentence_transformers`` pulls in transformers, scikit-learn, SciPy and
  torch's compiler stack, ~3.3 s of a ~4 s model load; this runtime needs torch, safetensors
  and tokenizers only (~1 s). An ingest of 10,000 products with embeddings takes ~32 s.
* Encoding: the weights are packed once for oneDNN and the GELU is fused into its product
  (:func:`packing_works`; plain ``F.linear`` where torch lacks those operators), the three
  attention projections are one product, and a batch without padding skips the mask: ~30 %
  more texts per second than sentence-transformers. Attention up to 64 word pieces is two
  batched products and a softmax (with 32-wide heads as fast as the fused kernel or faster
  in float32); longer texts use torch's fused kernel, which never holds a batch's whole
  length x length score matrix (at 128 word pieces: 25 MB per layer for 64 texts, far
  past the cache): +22 % texts per second in bfloat16 at 128 (5 interleaved rounds, 3,000
  sample-catalog texts, Xeon with AMX), while at 64 the two differ by less than the noise.

It computes what sentence-transformers computes for such a folder (word-piece tokens cut
at the token limit, [CLS]/[SEP], BERT layers, the mean over the real tokens): vectors agree
to a cosine above 0.9998 in bfloat16 (the arithmetic's own noise; mean 0.99997) and above
0.999999 in float32, so both share one ``model_id`` and a store's vectors stay valid. ``tests/embeddings/
test_bert.py`` holds it to sentence-transformers on the real weights.

A folder this runtime cannot read exactly (another architecture, pooling, extra layers,
weights not in safetensors) is served by sentence-transformers: :func:`unsupported` says why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

_LAYER = ("attention.self.query", "attention.self.key", "attention.self.value",
          "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
          "output.dense", "output.LayerNorm")


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def unsupported(path: Path) -> str | None:
    """None when the folder is a BERT encoder with mean pooling that this runtime reads
    exactly; otherwise the reason (sentence-transformers serves it)."""
    modules = _json(path / "modules.json")
    if not isinstance(modules, list) or not modules:
        return "no modules.json"
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return f"modules {kinds}"
    if modules[0].get("path", "") not in ("", "."):
        return "the transformer is in a subfolder"
    pooling = _json(path / str(modules[1].get("path", "")) / "config.json") or {}
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v is True}
    if modes != {"pooling_mode_mean_tokens"}:
        return f"pooling {sorted(modes)}"
    config = _json(path / "config.json") or {}
    if config.get("model_type") != "bert":
        return f"model type {config.get('model_type')!r}"
    if config.get("hidden_act") != "gelu":
        return f"activation {config.get('hidden_act')!r}"
    if config.get("position_embedding_type", "absolute") != "absolute":
        return f"position embeddings {config.get('position_embedding_type')!r}"
    for name in ("model.safetensors", "tokenizer.json"):
        if not (path / name).is_file():
            return f"no {name}"
    return None


FUSED_ATTENTION_ABOVE = 64
"""Batches longer than this many word pieces use the fused attention kernel (module docstring)."""

PAD_TO_MULTIPLE_OF = 8
"""A batch is padded to a multiple of this many word pieces. Every distinct batch length
makes buffers of new sizes (the products' outputs, up to 25 MB each at 64 x 128 rows), which
the allocator keeps apart: encoding 4,000 sample texts at 128 word pieces peaked at 1.8 GB
with 45 distinct lengths, 0.76 GB with multiples of 8 (16 lengths at most) and a few padding
pieces more per batch (~3 %)."""

_PACKING: dict[Any, bool] = {}
_ROWS_HINT = 4096
"""Rows per product the packed weights are laid out for (64 texts x 64 word pieces); any
other count works, a query's few rows too."""


def packing_works(dtype: Any) -> bool:
    """Whether this torch has oneDNN's linear with weights packed once and GELU fused (the
    operators ``torch.compile`` uses on the CPU: ~12 % faster products, ~27 % with the GELU,
    3x in float32) and it computes what ``F.linear`` does; checked once per dtype."""
    if dtype not in _PACKING:
        import torch

        functional = torch.nn.functional
        try:
            generator = torch.Generator().manual_seed(0)
            weight = torch.randn(24, 16, generator=generator).to(dtype)
            bias = torch.randn(24, generator=generator).to(dtype)
            x = torch.randn(5, 16, generator=generator).to(dtype)
            packed = torch.ops.mkldnn._reorder_linear_weight(weight, _ROWS_HINT)
            plain = torch.ops.mkldnn._linear_pointwise(x, packed, bias, "none", [], "")
            fused = torch.ops.mkldnn._linear_pointwise(x, packed, bias, "gelu", [], "none")
            expected = functional.linear(x, weight, bias)
            tolerance = 0.05 if dtype == torch.bfloat16 else 1e-4
            _PACKING[dtype] = bool(
                torch.allclose(plain.float(), expected.float(), atol=tolerance, rtol=tolerance)
                and torch.allclose(fused.float(), functional.gelu(expected).float(),
                                   atol=tolerance, rtol=tolerance))
        except (AttributeError, RuntimeError, NotImplementedError):
            _PACKING[dtype] = False
    return _PACKING[dtype]


class _Dense:
    """``x Wᵀ + b`` (then GELU where asked): oneDNN with the weight packed once where
    :func:`packing_works`, ``F.linear`` otherwise."""

    def __init__(self, weight: Any, bias: Any, packed: bool) -> None:
        import torch

        self._ops = torch.ops.mkldnn if packed else None
        self._functional = torch.nn.functional
        self.weight = torch.ops.mkldnn._reorder_linear_weight(weight, _ROWS_HINT) if packed \
            else weight
        self.bias = bias

    def __call__(self, x: Any, *, gelu: bool = False) -> Any:
        if self._ops is not None:
            return self._ops._linear_pointwise(x, self.weight, self.bias,
                                               "gelu" if gelu else "none", [],
                                               "none" if gelu else "")
        y = self._functional.linear(x, self.weight, self.bias)
        return self._functional.gelu(y) if gelu else y


class BertMeanPooling:
    """BERT + mean pooling on the CPU, inference only; thread-safe (no state changes after
    loading). ``encode(texts)`` returns float32 rows, not yet normalised."""

    def __init__(self, path: Path, *, dtype: str, max_tokens: int) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self._torch = torch
        config = _json(path / "config.json")
        self.dim = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        positions = int(config.get("max_position_embeddings", 512))
        if max_tokens > positions:
            raise ValueError(f"the model reads at most {positions} tokens, not {max_tokens}")
        self.dtype = torch.bfloat16 if dtype == "bfloat16" else torch.float32
        weights = load_file(str(path / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

        def w(name: str) -> Any:
            return weights[prefix + name].to(self.dtype).contiguous()

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")[0]
        self.norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.packed = packing_works(self.dtype)
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            q, k, v, out, norm1, inner, down, norm2 = (p + n for n in _LAYER)
            self.layers.append((
                _Dense(torch.cat([w(q + ".weight"), w(k + ".weight"), w(v + ".weight")]),
                       torch.cat([w(q + ".bias"), w(k + ".bias"), w(v + ".bias")]),
                       self.packed),
                _Dense(w(out + ".weight"), w(out + ".bias"), self.packed),
                (w(norm1 + ".weight"), w(norm1 + ".bias")),
                _Dense(w(inner + ".weight"), w(inner + ".bias"), self.packed),
                _Dense(w(down + ".weight"), w(down + ".bias"), self.packed),
                (w(norm2 + ".weight"), w(norm2 + ".bias"))))
        self.lowercase = bool((_json(path / "sentence_bert_config.json") or {})
                              .get("do_lower_case", False))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self._counter = Tokenizer.from_str(self.tokenizer.to_str())  # unpadded: true lengths
        self._counter.no_padding()
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0) if pad is None
                                                 else pad), pad_token="[PAD]",
                                      pad_to_multiple_of=PAD_TO_MULTIPLE_OF)

    def token_counts(self, texts: list[str]) -> list[int]:
        """Word pieces each text is read as (after the cut at the token limit): the encoder
        batches texts of similar counts, so that little of a batch is padding."""
        return [len(e.ids) for e in self._counter.encode_batch(self._cased(texts))]

    def _cased(self, texts: list[str]) -> list[str]:
        return [t.lower() for t in texts] if self.lowercase else texts

    def tokenize(self, texts: list[str]) -> tuple[Any, Any]:
        """Token ids and attention mask, padded to the batch's longest text (rounded up to a
        multiple of ``PAD_TO_MULTIPLE_OF``)."""
        torch = self._torch
        encoded = self.tokenizer.encode_batch(self._cased(texts))
        ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
        return ids, mask

    def encode(self, texts: list[str]) -> np.ndarray:
        ids, mask = self.tokenize(texts)
        return self.forward(ids, mask)

    def forward(self, ids: Any, mask: Any) -> np.ndarray:
        torch = self._torch
        functional = torch.nn.functional
        with torch.inference_mode():
            batch, length = ids.shape
            width, heads = self.dim, self.heads
            head = width // heads
            x = functional.embedding(ids, self.word) + self.position[:length] + self.token_type
            x = functional.layer_norm(x, (width,), *self.norm, self.eps).view(batch * length,
                                                                               width)
            fused = length > FUSED_ATTENTION_ABOVE
            padding = None
            if not bool(mask.all()):  # a batch of equally long texts needs no mask
                padding = ((1 - mask).to(self.dtype) * torch.finfo(self.dtype).min).view(
                    batch, 1, 1, length)
                if not fused:
                    padding = padding.expand(batch, heads, 1, length).reshape(
                        batch * heads, 1, length)
            scale = head ** -0.5
            for attend, out, norm1, inner, down, norm2 in self.layers:
                qkv = attend(x).view(batch, length, 3, heads, head).permute(2, 0, 3, 1, 4)
                if fused:
                    context = functional.scaled_dot_product_attention(
                        qkv[0], qkv[1], qkv[2], attn_mask=padding)
                else:
                    q, k, v = (qkv[i].reshape(batch * heads, length, head) for i in range(3))
                    if padding is None:
                        scores = torch.bmm(q, k.transpose(1, 2)).mul_(scale)
                    else:
                        scores = torch.baddbmm(padding, q, k.transpose(1, 2), alpha=scale)
                    context = torch.bmm(torch.softmax(scores, dim=-1), v).view(
                        batch, heads, length, head)
                context = context.permute(0, 2, 1, 3).reshape(batch * length, width)
                x = functional.layer_norm(out(context).add_(x), (width,), *norm1, self.eps)
                x = functional.layer_norm(down(inner(x, gelu=True)).add_(x), (width,), *norm2,
                                          self.eps)
            tokens = x.view(batch, length, width).float()
            weights = mask.unsqueeze(-1).float()
            pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return pooled.numpy()
