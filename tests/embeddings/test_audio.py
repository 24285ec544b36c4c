"""Voice uploads decoded to 16 kHz mono 16-bit samples: WAV at any rate and channel count,
OGG/Opus, WebM/Opus and MP4/AAC, from speech synthesised in the test; and the errors of bad
uploads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog.errors import InvalidInput, PayloadTooLarge
from embeddings.audio import SAMPLE_RATE, decode_audio, sniff_container, wav_missing_bytes
from tests.embeddings.speech_samples import aac, opus, resample, seconds_of, speak

pytest.importorskip("av", reason="the voice extra (PyAV) is not installed: `make install`")


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak("hex bolt m eight by forty, stainless", tmp_path_factory.mktemp("speech"))


def _uploads(wav: Path) -> dict[str, bytes]:
    return {
        "wav 22 kHz mono": wav.read_bytes(),
        "wav 48 kHz stereo": resample(wav, 48_000, 2).read_bytes(),
        "wav 8 kHz mono": resample(wav, 8_000, 1).read_bytes(),
        "ogg/opus": opus(wav, "ogg"),
        "webm/opus": opus(wav, "webm"),
        "webm/opus stereo": opus(wav, "webm", layout="stereo"),
        "mp4/aac": aac(wav),
    }


def test_every_format_becomes_16_khz_mono_of_the_same_length(spoken: Path) -> None:
    seconds = seconds_of(spoken)
    assert 1.5 < seconds < 5
    reference = decode_audio(spoken.read_bytes(), max_seconds=30)
    for name, data in _uploads(spoken).items():
        pcm = decode_audio(data, max_seconds=30)
        assert pcm.dtype == np.int16 and pcm.ndim == 1, name
        assert abs(pcm.size / SAMPLE_RATE - seconds) < 0.03, (name, pcm.size / SAMPLE_RATE)
        assert np.abs(pcm).max() > 3000, name  # speech, not silence
        # the same speech: loudness over time follows the original (Opus is lossy)
        n = min(pcm.size, reference.size) // 1600 * 1600
        envelope = np.abs(pcm[:n].astype(np.float64)).reshape(-1, 1600).mean(axis=1)
        original = np.abs(reference[:n].astype(np.float64)).reshape(-1, 1600).mean(axis=1)
        assert np.corrcoef(envelope, original)[0, 1] > 0.9, name


def test_containers_are_recognised_by_their_first_bytes(spoken: Path) -> None:
    uploads = _uploads(spoken)
    assert sniff_container(uploads["wav 22 kHz mono"]) == "wav"
    assert sniff_container(uploads["ogg/opus"]) == "ogg"
    assert sniff_container(uploads["webm/opus"]) == "matroska"
    assert sniff_container(uploads["mp4/aac"]) == "mp4"
    assert sniff_container(b"#EXTM3U\nhttp://example.com/a.ts\n") is None  # never probed


@pytest.mark.parametrize(("name", "cut", "words"), [
    ("wav 22 kHz mono", 0.5, "truncated"),
    ("wav 22 kHz mono", 44, "truncated"),
    ("ogg/opus", 60, "not a readable ogg"),
    ("webm/opus", 0.5, "truncated"),  # this WebM states its duration
    ("webm/opus", 60, "not a readable"),
])
def test_truncated_uploads_are_refused(spoken: Path, name: str, cut: float, words: str) -> None:
    """What can be told apart: a WAV or a WebM that states its length, and headers cut off.
    An OGG cut between pages and a browser's WebM (no duration) read as shorter speech."""
    data = _uploads(spoken)[name]
    data = data[: int(len(data) * cut) if cut < 1 else int(cut)]
    with pytest.raises(InvalidInput) as caught:
        decode_audio(data, max_seconds=30, field="audio")
    assert caught.value.field == "audio"
    assert words in str(caught.value.detail)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"just some text, not a recording", "not an audio file"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not an audio file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt junk junk junk", "not a readable wav"),
])
def test_not_audio(data: bytes, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_audio(data, max_seconds=30, field="audio")
    assert caught.value.field == "audio" and words in str(caught.value.detail)


def test_a_video_without_sound_has_no_audio_track(tmp_path: Path) -> None:
    import av

    out = tmp_path / "silent.webm"
    with av.open(str(out), mode="w") as container:
        stream = container.add_stream("libvpx", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(InvalidInput) as caught:
        decode_audio(out.read_bytes(), max_seconds=30, field="audio")
    assert "no audio track" in str(caught.value.detail)


def test_longer_than_the_limit(spoken: Path) -> None:
    for data in _uploads(spoken).values():
        with pytest.raises(PayloadTooLarge) as caught:
            decode_audio(data, max_seconds=1.0, field="audio")
        assert caught.value.field == "audio" and "1 s" in str(caught.value.detail)


def test_a_long_recording_is_refused_without_decoding_it_all(tmp_path: Path) -> None:
    """An hour of Opus silence is a small file; decoding stops at the limit."""
    import av

    wav = tmp_path / "long.wav"
    with av.open(str(wav), mode="w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000 * 60), np.int16), format="s16",
                                           layout="mono")
        frame.rate = 8000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(PayloadTooLarge):
        decode_audio(opus(wav, "webm"), max_seconds=5, field="audio")


def test_wav_missing_bytes(spoken: Path) -> None:
    data = spoken.read_bytes()
    assert wav_missing_bytes(data) == 0
    assert wav_missing_bytes(data[:-100]) == 100
    streaming = bytearray(data)  # a recorder that leaves the size open
    at = bytes(streaming).index(b"data")
    streaming[at + 4 : at + 8] = b"\xff\xff\xff\xff"
    assert wav_missing_bytes(bytes(streaming[:-100])) == 0
