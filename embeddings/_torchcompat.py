"""Make torchvision importable where its native operators cannot load.

The only torchvision wheel for this machine's torch is a CUDA build: its C++ extension
(``torchvision/_C.so``) fails to load without the CUDA libraries, and importing torchvision
then fails too, because its Python side registers fake (meta) implementations of operators
like ``torchvision::nms`` whose schemas the extension was meant to define. open_clip (and
transformers, through sentence-transformers) import torchvision, so both would break.

:func:`ensure_torchvision` runs before those imports: it tries to load the extension itself;
when that works torchvision is healthy and nothing else happens. When it fails, it defines
placeholder schemas for the operators torchvision's Python side refers to at import time,
so the import succeeds; the placeholders have no kernels (calling ``torchvision.ops.nms``
raises), which costs nothing here: the product uses torchvision's image transforms only.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("discovery")

PLACEHOLDER_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
"""The operators torchvision registers fake implementations of when its modules load."""

_LOCK = threading.Lock()
_state: dict[str, Any] = {}


def ensure_torchvision() -> str:
    """Prepare torch so that ``import torchvision`` works. Returns what was done: ``"absent"``
    (torchvision not installed), ``"imported"`` (already imported: too late to change
    anything), ``"native"`` (its extension loads: healthy) or ``"placeholders"``."""
    with _LOCK:
        if "result" in _state:
            return str(_state["result"])
        _state["result"] = result = _prepare()
        return result


def _prepare() -> str:
    if "torchvision" in sys.modules:
        return "imported"
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return "absent"
    import torch

    folder = Path(next(iter(spec.submodule_search_locations)))
    native = sorted(folder.glob("_C*.so")) + sorted(folder.glob("_C*.pyd"))
    error = "no _C extension"
    for library in native:
        try:
            torch.ops.load_library(str(library))
            return "native"
        except (OSError, RuntimeError) as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    missing = [name for name in PLACEHOLDER_SCHEMAS if not _has_op(torch, name)]
    if missing:
        lib = torch.library.Library("torchvision", "DEF")
        for name in missing:
            lib.define(PLACEHOLDER_SCHEMAS[name])
        _state["library"] = lib  # the schemas live as long as this object
    log.debug("torchvision's native operators are unavailable (%s); placeholders for %s",
              error, ", ".join(missing) or "nothing")
    return "placeholders"


def _has_op(torch: Any, name: str) -> bool:
    try:
        getattr(torch.ops.torchvision, name)
    except (AttributeError, RuntimeError):
        return False
    return True
