"""Spoken queries for the voice tests, synthesised here: espeak-ng speaks the text (WAV,
22,050 Hz mono), sox resamples it to what a phone records (48 kHz stereo), PyAV encodes
Opus into OGG and WebM and AAC into MP4, as browsers' MediaRecorder and phone apps write
them."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (`apt-get install -y espeak-ng sox`; .ci/run "
                    "installs them)")
    return path


def speak(text: str, folder: Path, name: str = "speech") -> Path:
    """``text`` spoken by espeak-ng, as a WAV file in ``folder``."""
    out = folder / f"{name}.wav"
    subprocess.run([need("espeak-ng"), "-w", str(out), text], check=True, capture_output=True)
    return out


def resample(wav: Path, rate: int, channels: int) -> Path:
    """The WAV at another rate and channel count (sox)."""
    out = wav.with_name(f"{wav.stem}-{rate}-{channels}.wav")
    subprocess.run([need("sox"), str(wav), "-r", str(rate), "-c", str(channels), str(out)],
                   check=True, capture_output=True)
    return out


def opus(wav: Path, container: str, *, rate: int = 48_000, layout: str = "mono") -> bytes:
    """The WAV encoded as Opus in an ``ogg`` or ``webm`` container (PyAV)."""
    return _encode(wav, container, "libopus", "s16", rate, layout)


def aac(wav: Path) -> bytes:
    """The WAV encoded as AAC in MP4, as Safari's MediaRecorder writes it (PyAV)."""
    return _encode(wav, "mp4", "aac", "fltp", 44_100, "mono")


def _encode(wav: Path, container: str, codec: str, sample_format: str, rate: int,
            layout: str) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(str(wav)) as src, av.open(out, mode="w", format=container) as dst:
        stream = dst.add_stream(codec, rate=rate, layout=layout)
        resampler = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
        for frame in src.decode(audio=0):
            for chunk in resampler.resample(frame):
                dst.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            dst.mux(stream.encode(chunk))
        dst.mux(stream.encode(None))
    return out.getvalue()


def seconds_of(wav: Path) -> float:
    import av

    with av.open(str(wav)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)
