"""torchvision imports on this machine, whose only torchvision build has CUDA operators that
cannot load on the CPU: the compatibility shim makes open_clip and sentence-transformers work
here and does nothing where torchvision is healthy."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from embeddings._torchcompat import ensure_torchvision
first = ensure_torchvision()
import torchvision, open_clip, sentence_transformers
assert ensure_torchvision() == first
print(first)
"""


def test_torchvision_open_clip_and_sentence_transformers_import() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() in ("native", "placeholders")


def test_nothing_changes_once_torchvision_is_imported() -> None:
    script = ("import torch, sys; sys.modules['torchvision'] = object(); "
              "from embeddings._torchcompat import ensure_torchvision; print(ensure_torchvision())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "imported", done.stderr[-2000:]
