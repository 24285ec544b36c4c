"""The open_clip image encoder: conformance with random ViT-S-32-alt weights, checkpoint files,
and clear failures when nothing (or something wrong) is configured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog.settings import Settings
from embeddings.image_encoder import ClipUnavailable, OpenClipEncoder, get_image_encoder
from tests.embeddings.clip import ARCH, random_clip
from tests.embeddings.conformance import check_image_encoder
from tests.embeddings.image_factory import product_photo


def test_conforms_to_the_image_encoder_protocol() -> None:
    encoder = random_clip()
    check_image_encoder(encoder)
    assert encoder.dim == 256 and encoder.image_size == 224
    tower, _ = encoder._model()
    assert type(tower).__name__ == "VisionTransformer"  # the text tower was let go
    assert encoder.model_id == f"{ARCH}-random0"
    assert "tests only" in encoder.describe()["weights"]


def test_random_weights_are_the_same_in_every_process_and_instance() -> None:
    again = OpenClipEncoder(model=ARCH, weights="random", seed=0)
    other = OpenClipEncoder(model=ARCH, weights="random", seed=1)
    photo = [product_photo(1)]
    assert np.array_equal(again.encode(photo), random_clip().encode(photo))
    assert other.model_id != again.model_id
    assert float(other.encode(photo)[0] @ again.encode(photo)[0]) < 0.999


def test_a_checkpoint_file_loads_with_its_own_model_id(tmp_path: Path) -> None:
    import open_clip
    import torch

    with torch.random.fork_rng(devices=[]):  # the random encoder's weights, as a whole model
        torch.manual_seed(0)
        model = open_clip.create_model(ARCH, pretrained=None)
    checkpoint = tmp_path / "clip-small.pt"
    torch.save({"state_dict": model.state_dict()}, checkpoint)
    loaded = OpenClipEncoder(settings=Settings(clip_model=ARCH, clip_weights=str(checkpoint)))
    assert loaded.model_id.startswith(f"{ARCH}-") and "random" not in loaded.model_id
    assert loaded.describe()["weights"] == "clip-small.pt"  # no server path in public health
    photos = [product_photo(i) for i in range(3)]
    assert np.allclose(loaded.encode(photos), random_clip().encode(photos), atol=1e-5)


def test_without_weights_search_by_photo_says_how_to_configure_it() -> None:
    encoder = get_image_encoder(Settings(clip_weights=None))
    assert not encoder.configured
    with pytest.raises(ClipUnavailable) as info:
        encoder.load()
    message = str(info.value.detail)
    assert info.value.status_code == 503
    assert "DISCOVERY_CLIP_WEIGHTS" in message and "DISCOVERY_CLIP_MODEL" in message


@pytest.mark.parametrize("settings, words, field", [
    (Settings(clip_weights="/nowhere/clip.pt"), "no such file", "clip_weights"),
    (Settings(clip_model="ViT-B-32", clip_weights="laion2b_s34b_b79k"),
     "not in the local cache", "clip_weights"),
    (Settings(clip_model="ViT-B-32", clip_weights="no_such_tag"), "pretrained tag",
     "clip_weights"),
    (Settings(clip_model="ViT-Q-99", clip_weights="random"), "unknown open_clip architecture",
     "clip_model"),
])
def test_bad_configurations_fail_clearly_without_any_download(
        settings: Settings, words: str, field: str) -> None:
    with pytest.raises(ClipUnavailable) as info:
        OpenClipEncoder(settings=settings).load()
    assert words in str(info.value.detail) and info.value.field == field
    assert "DISCOVERY_CLIP" in str(info.value.detail)


def test_a_file_that_is_no_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "weights.pt"
    bad.write_bytes(b"these are not weights")
    with pytest.raises(ClipUnavailable, match="cannot load ViT-S-32-alt"):
        OpenClipEncoder(settings=Settings(clip_model=ARCH, clip_weights=str(bad))).load()
