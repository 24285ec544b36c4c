"""Voice uploads to 16 kHz mono 16-bit PCM, what speech recognisers read (S9).

Browsers record WebM/Opus (Chrome, Firefox, Edge) or MP4/AAC (Safari); files and phones
give WAV or OGG/Opus. PyAV (FFmpeg) decodes them and ``av.AudioResampler`` converts any
rate and channel layout.

Why it looks the way it does:

* The container is recognised from its first bytes and opened with that demuxer only.
  Letting FFmpeg probe arbitrary uploads would also try demuxers that open other files or
  URLs named inside the upload (HLS playlists, concat lists).
* Decoding stops as soon as the audio exceeds the duration limit: a small file can declare
  hours of audio, and its samples are never all held in memory.
* A file that ends before the length its header declares is truncated (a WAV cut short
  decodes without any FFmpeg error otherwise); a stream FFmpeg cannot decode is damaged.
  Both are 400s naming the upload field, as are empty uploads and files without audio.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from catalog.errors import BackendUnavailable, InvalidInput, PayloadTooLarge

SAMPLE_RATE = 16_000
ACCEPTED = "WAV, OGG/Opus, WebM/Opus or MP4/AAC"
_TRUNCATION_SLACK_S = 0.1  # decoders may drop a partial last frame


def sniff_container(data: bytes) -> str | None:
    """The FFmpeg demuxer of an upload by its magic bytes, or None when it is not one of the
    accepted containers."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM / Matroska
        return "matroska"
    if data[4:8] == b"ftyp":
        return "mp4"
    return None


def _av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise BackendUnavailable(
            "search by voice needs PyAV to decode audio: install the voice extra "
            "(`make install`, or `pip install -e '.[voice]'`)") from exc
    return av


def decode_audio(data: bytes, *, max_seconds: float, field: str = "audio",
                 rate: int = SAMPLE_RATE) -> np.ndarray:
    """The upload as mono int16 samples at ``rate`` Hz.

    Raises InvalidInput (400) for an empty, unknown, damaged or truncated upload or one
    without audio, PayloadTooLarge (413) when it is longer than ``max_seconds``."""
    if not data:
        raise InvalidInput(f"{field} is empty: record again or choose a file", field=field)
    kind = sniff_container(data)
    if kind is None:
        raise InvalidInput(f"{field} is not an audio file this server reads; send {ACCEPTED}",
                           field=field)
    if kind == "wav" and wav_missing_bytes(data):
        raise InvalidInput(f"{field} is truncated: the WAV file lacks "
                           f"{wav_missing_bytes(data):,} bytes of the samples its header declares",
                           field=field)
    av = _av()
    try:
        container = av.open(io.BytesIO(data), mode="r", format=kind)
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise InvalidInput(f"{field} is not a readable {kind} file ({_reason(exc)}); send "
                           f"{ACCEPTED}", field=field) from None
    limit = int(max_seconds * rate)
    chunks: list[np.ndarray] = []
    count = 0
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise InvalidInput(f"{field} has no audio track", field=field)
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds + 1:
            raise PayloadTooLarge(_too_long(field, max_seconds, declared), field=field)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    chunks.append(samples)
                    count += samples.size
                if count > limit:
                    raise PayloadTooLarge(_too_long(field, max_seconds), field=field)
            for out in resampler.resample(None):  # what the resampler still holds
                samples = out.to_ndarray().reshape(-1)
                chunks.append(samples)
                count += samples.size
        except av.error.FFmpegError as exc:
            raise InvalidInput(f"{field} is damaged or truncated ({_reason(exc)})",
                               field=field) from None
    if count == 0:
        raise InvalidInput(f"{field} contains no audio samples (damaged, truncated or empty "
                           "recording)", field=field)
    if count > limit:
        raise PayloadTooLarge(_too_long(field, max_seconds), field=field)
    seconds = count / rate
    if declared is not None and seconds < declared - _TRUNCATION_SLACK_S:
        raise InvalidInput(f"{field} is truncated: it holds {seconds:.2f} s of the "
                           f"{declared:.2f} s its header declares", field=field)
    return np.concatenate(chunks).astype(np.int16, copy=False)


def _declared_seconds(container: Any, stream: Any) -> float | None:
    """The duration the file's header states, when it states one (OGG and WAV do; WebM from a
    browser's MediaRecorder does not, WebM written by other tools does)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.format.name != "wav":
        return float(container.duration) / 1_000_000
    return None


def wav_missing_bytes(data: bytes) -> int:
    """How many bytes of its sample data a WAV file lacks (its ``data`` chunk declares more
    than the file holds); 0 when complete or when the size is left open (0 or 0xFFFFFFFF,
    as streaming recorders write). FFmpeg decodes what is there without complaint."""
    offset = 12
    while offset + 8 <= len(data):
        kind = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        if kind == b"data":
            if size in (0, 0xFFFFFFFF):
                return 0
            return max(0, size - (len(data) - offset - 8))
        offset += 8 + size + (size & 1)
    return 0


def _too_long(field: str, max_seconds: float, declared: float | None = None) -> str:
    length = f" ({declared:.1f} s)" if declared is not None else ""
    return f"{field} is longer than the limit of {max_seconds:g} s{length}"


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc).strip() or type(exc).__name__
