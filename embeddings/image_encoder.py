"""Image encoders for search by photo (S8): the ``ImageEncoder`` Protocol and the open_clip
implementation.

Why it looks the way it does:

* No model hub at run time. The weights come from ``DISCOVERY_CLIP_WEIGHTS``: a checkpoint
  file (``.pt``/``.bin``/``.safetensors``, as open_clip saves or publishes them) of the
  architecture named by ``DISCOVERY_CLIP_MODEL`` (default ViT-B-32), or an open_clip pretrained
  tag (``laion2b_s34b_b79k``) whose file is already in the local cache. A tag is resolved to
  that file here, with ``HF_HUB_OFFLINE=1`` and ``local_files_only``, and plain-URL tags are
  looked up in the cache folder only: nothing is downloaded, ever. Without weights the encoder
  is unavailable (a 503 that says how to configure it) and the rest of the product works.
* ``DISCOVERY_CLIP_WEIGHTS=random`` builds the architecture with random weights from a fixed
  seed. **For tests and benchmarks only**: the vectors are deterministic and near-duplicate
  images still land close together, but they mean nothing a buyer would call similar.
* torch and open_clip load lazily, on the first encode, once per process and configuration
  (like the text encoder), behind :func:`embeddings._torchcompat.ensure_torchvision`.
* ``model_id`` = architecture + a short hash of the checkpoint file (or the tag, or
  ``random<seed>``), so vectors of other weights are never mixed with these.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from catalog.errors import BackendUnavailable
from catalog.settings import Settings, get_settings

if TYPE_CHECKING:
    from PIL.Image import Image

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see embeddings.encoder

DEFAULT_CLIP_MODEL = "ViT-B-32"
DEFAULT_BATCH_SIZE = 32
RANDOM_WEIGHTS = "random"
"""``DISCOVERY_CLIP_WEIGHTS`` value for random-initialised weights: tests and benchmarks only."""
RANDOM_SEED = 0

INSTALL_HINT = ("install the embeddings extra (`make install`, or "
                "`pip install -c constraints.txt -e '.[embeddings]'`)")
CONFIGURE_HINT = (
    "set DISCOVERY_CLIP_WEIGHTS to an open_clip checkpoint file (.pt, .bin or .safetensors) of "
    "the architecture named by DISCOVERY_CLIP_MODEL (default ViT-B-32), or to an open_clip "
    "pretrained tag whose weights are already in the local cache (nothing is downloaded), "
    "then run `discovery embed` to embed the product images")

Progress = Callable[[int, int], None]


class ClipUnavailable(BackendUnavailable):
    """Search by photo cannot run here: no weights configured, a package missing, or the
    weights do not load."""


@runtime_checkable
class ImageEncoder(Protocol):
    """Turns RGB images into L2-normalised float32 vectors, one row per image.

    ``model_id`` names the model exactly enough that vectors of two encoders with the same
    ``model_id`` can be compared; ``dim`` is the row length; ``image_size`` the side the
    model looks at (images may be decoded at a reduced scale down to about that size).
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def image_size(self) -> int: ...

    def encode(self, images: Sequence[Image], *, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Progress | None = None) -> np.ndarray: ...


# -- loading -----------------------------------------------------------------------------

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str], tuple[Any, Any]] = {}  # (arch, weights): (tower, preprocess)
_PREPROCESS_KEYS = {"mean": "image_mean", "std": "image_std", "interpolation": "image_interpolation",
                    "resize_mode": "image_resize_mode"}
_FINGERPRINTS: dict[tuple[str, int, int], str] = {}


def file_fingerprint(path: Path) -> str:
    """blake2b of a checkpoint file, cached per (path, size, mtime): ~1 s per GB, once."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if key in _FINGERPRINTS:
            return _FINGERPRINTS[key]
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    value = digest.hexdigest()
    with _LOCK:
        _FINGERPRINTS[key] = value
    return value


def _import_open_clip() -> tuple[Any, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import torch
    except ImportError:
        raise ClipUnavailable(f"search by photo needs PyTorch: {INSTALL_HINT}") from None
    from embeddings._torchcompat import ensure_torchvision

    ensure_torchvision()
    try:
        import open_clip
    except ImportError as exc:
        raise ClipUnavailable(f"search by photo needs open_clip ({exc}): {INSTALL_HINT}") from None
    except Exception as exc:  # noqa: BLE001 - a broken torchvision or open_clip install
        raise ClipUnavailable(f"open_clip does not load here: {type(exc).__name__}: {exc}; "
                              f"{INSTALL_HINT}") from None
    return torch, open_clip


def resolve_pretrained_tag(open_clip: Any, arch: str, tag: str) -> Path:
    """The local file of an open_clip pretrained tag, from the Hugging Face cache or open_clip's
    cache folder, without any network access; :class:`ClipUnavailable` when it is not there."""
    cfg = open_clip.get_pretrained_cfg(arch, tag) if hasattr(open_clip, "get_pretrained_cfg") \
        else {}
    if not cfg:
        tags = [t for m, t in open_clip.list_pretrained() if m == arch]
        raise ClipUnavailable(
            f"DISCOVERY_CLIP_WEIGHTS={tag!r} is neither a file nor a pretrained tag of "
            f"{arch} (tags: {', '.join(tags) or 'none'}); {CONFIGURE_HINT}", field="clip_weights")
    hub = cfg.get("hf_hub") or ""
    if hub:  # "org/repo/" (open_clip's default file names) or "org/repo/file"
        from huggingface_hub import hf_hub_download

        parts = hub.split("/")
        repo_id, filename = "/".join(parts[:2]), "/".join(parts[2:])
        for name in [filename] if filename else ["open_clip_model.safetensors",
                                                 "open_clip_pytorch_model.bin"]:
            try:
                return Path(hf_hub_download(repo_id, name, local_files_only=True))
            except Exception:  # noqa: BLE001, S112 - not in the cache under this name
                continue
    url = cfg.get("url") or ""
    if url:
        cache = Path(os.path.expanduser("~/.cache/clip"))
        candidate = cache / os.path.basename(url)
        if candidate.is_file():
            return candidate
    raise ClipUnavailable(
        f"the weights of {arch} {tag!r} are not in the local cache and cannot be downloaded "
        f"here; {CONFIGURE_HINT}", field="clip_weights")


def _load(arch: str, weights: str, seed: int,
          preprocess_cfg: tuple[tuple[str, Any], ...] = (), threads: int = 0) -> tuple[Any, Any]:
    """(image tower, preprocess) for an architecture and a resolved weights file or "random";
    ``preprocess_cfg``: the image mean, std, interpolation and resize mode a pretrained tag
    was trained with (the architecture's defaults otherwise). ``threads`` > 0 sets torch's
    CPU threads (process-wide, like the text encoder's ``DISCOVERY_EMBEDDING_THREADS``)."""
    key = (arch, weights if weights != RANDOM_WEIGHTS else f"{RANDOM_WEIGHTS}{seed}")
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key]
        torch, open_clip = _import_open_clip()
        if threads > 0 and torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        if arch not in open_clip.list_models() and not arch.startswith("hf-hub:"):
            raise ClipUnavailable(
                f"unknown open_clip architecture {arch!r} (DISCOVERY_CLIP_MODEL); some that "
                "exist: ViT-B-32, ViT-B-16, ViT-L-14, convnext_base_w, ViT-S-32-alt",
                field="clip_model")
        try:
            if weights == RANDOM_WEIGHTS:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    model, _, preprocess = open_clip.create_model_and_transforms(
                        arch, pretrained=None, device="cpu")
            else:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    arch, pretrained=None, device="cpu", **dict(preprocess_cfg))
                open_clip.load_checkpoint(model, weights)
        except ClipUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a file of another architecture, corrupt...
            raise ClipUnavailable(
                f"cannot load {arch} with the weights {weights!r}: {type(exc).__name__}: "
                f"{str(exc)[:500]}; {CONFIGURE_HINT}", field="clip_weights") from None
        # only the image tower is kept: the text tower (a third of ViT-B-32's weights, more of
        # bigger ones) is never used here and its memory is freed with the rest of the model
        tower = model.visual if type(model).__name__ in ("CLIP", "CustomTextCLIP") else model
        tower.eval()
        _MODELS[key] = (tower, preprocess)
        return tower, preprocess


@dataclass(frozen=True)
class ClipConfig:
    arch: str
    weights: str  # a file path, or RANDOM_WEIGHTS
    model_id: str
    preprocess: tuple[tuple[str, Any], ...] = ()  # a pretrained tag's image preprocessing


class OpenClipEncoder:
    """An open_clip image tower on the CPU, loaded on first use.

    Constructing one is cheap and never fails; the configuration is checked when
    ``model_id`` is first read (:class:`ClipUnavailable` without weights) and the weights
    load on the first ``encode``/``dim``. Thread-safe: concurrent ``encode`` calls share one
    model.
    """

    def __init__(self, model: str | None = None, weights: str | Path | None = None, *,
                 batch_size: int | None = None, seed: int = RANDOM_SEED,
                 threads: int | None = None, settings: Settings | None = None) -> None:
        s = settings or get_settings()
        self._arch = model or s.clip_model
        self._weights_arg = str(weights) if weights is not None else s.clip_weights
        self.batch_size = batch_size or s.clip_batch_size
        self._seed = seed
        self._threads = s.embedding_threads if threads is None else threads
        self._config: ClipConfig | None = None
        self._dim: int | None = None
        self._size: int | None = None

    @property
    def configured(self) -> bool:
        return bool(self._weights_arg)

    @property
    def random_weights(self) -> bool:
        return (self._weights_arg or "").strip().lower() == RANDOM_WEIGHTS

    @property
    def config(self) -> ClipConfig:
        if self._config is None:
            self._config = self._resolve()
        return self._config

    def _resolve(self) -> ClipConfig:
        arch, raw = self._arch, (self._weights_arg or "").strip()
        if not raw:
            raise ClipUnavailable(f"search by photo is not configured: {CONFIGURE_HINT}",
                                  field="clip_weights")
        if raw.lower() == RANDOM_WEIGHTS:
            return ClipConfig(arch, RANDOM_WEIGHTS, f"{arch}-{RANDOM_WEIGHTS}{self._seed}")
        path = Path(raw).expanduser()
        if path.is_file():
            path = path.resolve()
            return ClipConfig(arch, str(path), f"{arch}-{file_fingerprint(path)[:12]}")
        if "/" in raw or raw.endswith((".pt", ".bin", ".safetensors", ".pth")):
            raise ClipUnavailable(f"DISCOVERY_CLIP_WEIGHTS={raw!r}: no such file; "
                                  f"{CONFIGURE_HINT}", field="clip_weights")
        _, open_clip = _import_open_clip()
        file = resolve_pretrained_tag(open_clip, arch, raw)
        cfg = open_clip.get_pretrained_cfg(arch, raw)
        preprocess = tuple((_PREPROCESS_KEYS[k], v) for k, v in cfg.items()
                           if k in _PREPROCESS_KEYS and v)
        return ClipConfig(arch, str(file), f"{arch}-{raw}-{file_fingerprint(file)[:12]}",
                          preprocess)

    @property
    def model_id(self) -> str:
        return self.config.model_id

    @property
    def arch(self) -> str:
        return self._arch

    def _model(self) -> tuple[Any, Any]:
        c = self.config
        return _load(c.arch, c.weights, self._seed, c.preprocess, self._threads)

    def load(self) -> OpenClipEncoder:
        """Load the weights now (a server does this at start, not on the first query)."""
        self._model()
        return self

    @property
    def dim(self) -> int:
        if self._dim is None:
            tower, _ = self._model()
            dim = getattr(tower, "output_dim", None)
            if not dim:
                size = self.image_size
                dim = self._forward(tower, [np.zeros((3, size, size), dtype=np.float32)]
                                    ).shape[-1]
            self._dim = int(dim)
        return self._dim

    @property
    def image_size(self) -> int:
        if self._size is None:
            tower, _ = self._model()
            size: Any = getattr(tower, "image_size", None) or getattr(
                getattr(tower, "visual", None), "image_size", None) or 224
            self._size = int(max(size) if isinstance(size, (tuple, list)) else size)
        return self._size

    def encode(self, images: Sequence[Image], *, batch_size: int | None = None,
               progress: Progress | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per image, in the order given."""
        size = max(1, batch_size or self.batch_size)
        n = len(images)
        out = np.empty((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        import torch

        tower, preprocess = self._model()
        for start in range(0, n, size):
            batch = torch.stack([preprocess(image) for image in images[start : start + size]])
            out[start : start + len(batch)] = self._forward(tower, batch)
            if progress is not None:
                progress(min(start + size, n), n)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    @staticmethod
    def _forward(tower: Any, batch: Any) -> np.ndarray:
        import torch

        if not isinstance(batch, torch.Tensor):
            batch = torch.from_numpy(np.stack(batch))
        with torch.inference_mode():
            # a whole model (kept when the image tower could not be told apart) or a tower
            features = (tower.encode_image(batch) if hasattr(tower, "encode_image")
                        else tower(batch))
        if isinstance(features, tuple):  # towers that also return their tokens
            features = features[0]
        return np.asarray(features.float().numpy(), dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """What health shows: the architecture, the weights file's name (not its path: health
        is public), the model id."""
        body: dict[str, Any] = {"model": self._arch, "model_id": self.model_id}
        body["weights"] = ("random (tests only: the vectors mean nothing visual)"
                           if self.random_weights else Path(self.config.weights).name)
        return body

    def __repr__(self) -> str:
        return f"OpenClipEncoder({self._arch}, {self._weights_arg!r})"


_DEFAULT: dict[tuple[Any, ...], OpenClipEncoder] = {}


def get_image_encoder(settings: Settings | None = None) -> OpenClipEncoder:
    """The process's image encoder for these settings (one per distinct configuration)."""
    s = settings or get_settings()
    key = (s.clip_model, s.clip_weights, s.clip_batch_size)
    with _LOCK:
        encoder = _DEFAULT.get(key)
        if encoder is None:
            encoder = _DEFAULT[key] = OpenClipEncoder(settings=s)
        return encoder

