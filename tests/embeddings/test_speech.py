"""Speech to query text: the Transcriber contract (a fake here; vosk when a model is
configured), the catalog vocabulary the recogniser listens for, spoken numbers as digits."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from catalog.settings import Settings
from catalog.store import CatalogStore
from embeddings.audio import decode_audio
from embeddings.speech import (
    BASE_WORDS,
    TranscriberUnavailable,
    Transcript,
    VocabularyCache,
    VoiceSearch,
    VoskTranscriber,
    catalog_fingerprint,
    catalog_vocabulary,
    spoken_query,
    vocabulary_from,
)
from tests.embeddings.speech_samples import speak
from tests.embeddings.transcriber_conformance import check_transcriber
from tests.factories import make_record


class FakeTranscriber:
    """Says ``text`` for any recording with sound in it, nothing for silence; remembers the
    phrase lists it was given."""

    def __init__(self, text: str = "hex bolt") -> None:
        self.text = text
        self.phrases: list[Sequence[str] | None] = []

    @property
    def model_id(self) -> str:
        return "fake"

    @property
    def sample_rate(self) -> int:
        return 16_000

    def transcribe(self, pcm: np.ndarray, *, phrases: Sequence[str] | None = None) -> Transcript:
        self.phrases.append(phrases)
        loud = pcm.size > 0 and int(np.abs(pcm.astype(np.int32)).max()) > 500
        return Transcript(self.text if loud else "", self.model_id)


@pytest.fixture(scope="module")
def hex_bolt(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    pytest.importorskip("av", reason="the voice extra (PyAV) is not installed: `make install`")
    wav = speak("hex bolt", tmp_path_factory.mktemp("speech"))
    return decode_audio(wav.read_bytes(), max_seconds=30)


def test_the_fake_keeps_the_contract(hex_bolt: np.ndarray) -> None:
    check_transcriber(FakeTranscriber(), speech=hex_bolt, expected_words=["bolt"])


def test_vosk_recognises_speech_with_the_catalog_phrase_list(hex_bolt: np.ndarray) -> None:
    model = os.environ.get("DISCOVERY_VOSK_MODEL")
    if not model:
        pytest.skip("no vosk model configured: set DISCOVERY_VOSK_MODEL to a model folder "
                    "(e.g. vosk-model-small-en-us-0.15) to run the recognition test")
    phrases = vocabulary_from([("Hex bolt DIN 933", "Fastek", None, "Fasteners > Bolts"),
                               ("Hex bolt DIN 931", "Fastek", None, "Fasteners > Bolts")], 100)
    check_transcriber(VoskTranscriber(Path(model)), speech=hex_bolt,
                      expected_words=["hex", "bolt"], phrases=phrases)


@pytest.mark.parametrize(("model_dir", "words"), [
    (None, "not configured"),
    (Path("/nonexistent/vosk-model"), "is not a folder"),
])
def test_vosk_without_a_model_says_how_to_configure_it(model_dir: Path | None, words: str) -> None:
    transcriber = VoskTranscriber(model_dir)
    assert transcriber.model_id.startswith("vosk")
    for _ in range(2):  # the reason is kept, not looked up again
        with pytest.raises(TranscriberUnavailable) as caught:
            transcriber.transcribe(np.zeros(16_000, np.int16))
        assert caught.value.status_code == 503
        assert words in caught.value.detail and "DISCOVERY_VOSK_MODEL" in caught.value.detail
        assert "alphacephei.com/vosk/models" in caught.value.detail


def test_vosk_with_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    pytest.importorskip("vosk", reason="the voice extra (vosk) is not installed: `make install`")
    with pytest.raises(TranscriberUnavailable) as caught:
        VoskTranscriber(tmp_path).load()
    assert "is not a vosk model folder" in caught.value.detail


class _StandInVosk:
    """The vosk 0.3.45 Python API as ``VoskTranscriber`` uses it (Model(model_path=...),
    Model.vosk_model_find_word, KaldiRecognizer(model, rate[, grammar]), AcceptWaveform,
    FinalResult, Reset), hearing "hex <unk> bolt" in anything louder than silence."""

    def __init__(self, lexicon: set[str]) -> None:
        self.lexicon = lexicon
        self.recognisers: list[Any] = []
        outer = self

        class Model:
            def __init__(self, model_path: str) -> None:
                if not (Path(model_path) / "am").is_dir():
                    raise Exception("Failed to create a model")

            def vosk_model_find_word(self, word: str) -> int:
                return 7 if word in outer.lexicon else -1

        class KaldiRecognizer:
            def __init__(self, model: Model, rate: float, grammar: str | None = None) -> None:
                self.rate, self.grammar, self.audio = rate, grammar, b""
                outer.recognisers.append(self)

            def AcceptWaveform(self, data: bytes) -> int:  # noqa: N802 - vosk's names
                assert len(data) <= 2 * int(self.rate)  # fed in pieces
                self.audio += data
                return 0

            def FinalResult(self) -> str:  # noqa: N802
                loud = bool(self.audio) and int(np.abs(np.frombuffer(self.audio, np.int16)
                                                       .astype(np.int32)).max()) > 500
                return json.dumps({"text": "hex [unk] bolt" if loud else ""})

            def Reset(self) -> None:  # noqa: N802
                self.audio = b""

        self.Model, self.KaldiRecognizer = Model, KaldiRecognizer

    @staticmethod
    def SetLogLevel(level: int) -> None:  # noqa: N802
        pass


def test_vosk_transcriber_against_a_stand_in_of_the_vosk_api(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hex_bolt: np.ndarray) -> None:
    """The integration with vosk's API, as far as it goes without a model: the phrase list
    filtered by the model's lexicon with [unk] kept, recognisers pooled per phrase list and
    reset, audio fed in one-second pieces, [unk] dropped from the transcript."""
    stand_in = _StandInVosk({"hex", "bolt", "fastek", "[unk]"})
    monkeypatch.setitem(sys.modules, "vosk", stand_in)
    (tmp_path / "am").mkdir()
    transcriber = VoskTranscriber(tmp_path)
    phrases = ["fastek", "zzqxv", "bolt", "hex", "[unk]", "bolt"]
    check_transcriber(transcriber, speech=hex_bolt, expected_words=["hex", "bolt"],
                      phrases=phrases)
    assert transcriber.transcribe(hex_bolt, phrases=phrases).text == "hex bolt"
    grammars = {r.grammar for r in stand_in.recognisers}
    assert grammars <= {None, json.dumps(["fastek", "bolt", "hex", "[unk]"]),
                        json.dumps(["bolt", "[unk]"])}  # the conformance suite's odd list
    assert len(stand_in.recognisers) <= 12  # pooled, not one per request
    with pytest.raises(TranscriberUnavailable) as caught:
        VoskTranscriber(tmp_path / "missing-am-folder-parent" / "x").load()
    assert "is not a folder" in caught.value.detail
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TranscriberUnavailable) as caught:
        VoskTranscriber(empty).load()
    assert "not a vosk model folder (Failed to create a model)" in caught.value.detail


def test_voice_status_for_health(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    assert VoiceSearch(Settings(), store).status() == {"status": "not_configured"}
    secret = tmp_path / "secret-place" / "vosk-small"
    broken = VoiceSearch(Settings(vosk_model=secret), store)
    assert broken.status() == {"status": "loading", "model": "vosk-small"}
    with pytest.raises(TranscriberUnavailable):
        broken.check_available()
    assert broken.status() == {"status": "unavailable", "model": "vosk-small"}  # no path
    monkeypatch.setitem(sys.modules, "vosk", _StandInVosk({"hex"}))
    (secret / "am").mkdir(parents=True)
    ready = VoiceSearch(Settings(vosk_model=secret, voice_phrase_limit=10), store)
    ready.check_available()
    ready.transcribe(np.zeros(1600, np.int16))
    assert ready.status() == {"status": "ready", "model": "vosk-small",
                              "phrase_list_words": len(BASE_WORDS)}  # an empty catalog
    store.engine.dispose()


@pytest.mark.parametrize(("said", "query"), [
    ("hex bolt m eight by forty", "hex bolt m8x40"),
    ("m eight by forty millimeters", "m8x40 mm"),
    ("cable ties three hundred millimeters black", "cable ties 300 mm black"),
    ("twenty five", "25"),
    ("one hundred twenty five", "125"),
    ("one point five litres of paint", "1.5 l of paint"),
    ("din nine three three", "din 933"),
    ("five twenty", "5 20"),
    ("a four paper", "a 4 paper"),
    ("eight x forty", "8x40"),
    ("two thousand and five", "2000 and 5"),
    ("nitrile gloves size nine", "nitrile gloves size 9"),
    ("meter tape", "meter tape"),
    ("", ""),
])
def test_spoken_query(said: str, query: str) -> None:
    assert spoken_query(said) == query


def test_vocabulary_from_rows() -> None:
    rows = [
        ("Hex bolt DIN 933 M8x40", "Fastek", "Fastek GmbH", "Fasteners > Bolts > Hex bolts"),
        ("Hex nut DIN 934 M8", "Fastek", None, "Fasteners > Nuts"),
        ("Nitrile gloves Größe L", "SafeHands", None, "Safety > Gloves"),
        ("Nitrile gloves size M", "SafeHands", None, "Safety > Gloves"),
        ("Spanner once", None, None, None),
    ]
    words = vocabulary_from(rows, limit=12, min_count=2)
    # brand, manufacturer and category words first (by frequency, then alphabetically), then
    # name words used by at least two products; accents folded, no one-letter or digit tokens
    catalog = ["fastek", "bolts", "fasteners", "gloves", "safehands", "safety", "gmbh", "hex",
               "nuts", "din", "nitrile"]
    assert words[: len(catalog)] == catalog
    assert words[len(catalog):] == list(BASE_WORDS)  # numbers, units, query words
    assert len(vocabulary_from(rows, limit=5)) == 5 + len(BASE_WORDS)
    assert "spanner" in vocabulary_from(rows, limit=100)  # by default every name word counts
    assert vocabulary_from(rows, limit=0) == []
    assert "grosse" in vocabulary_from(rows, limit=100, min_count=1)  # "Größe", folded


def test_catalog_vocabulary_is_rebuilt_when_the_catalog_changes(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    store.upsert([make_record("A", "Anchor bolt", brand="Ankerwerk", category="Fasteners")])
    now = [0.0]
    builds: list[int] = []

    def build() -> list[str]:
        builds.append(1)
        return catalog_vocabulary(store, 100)

    cache = VocabularyCache(build, lambda: catalog_fingerprint(store), check_interval_s=0)
    first = cache.get()
    assert {"ankerwerk", "fasteners"} <= set(first)
    assert cache.get() == first and cache.builds == 1  # unchanged catalog: no rebuild
    store.upsert([make_record("B", "Rawlplug", brand="Dübelwerk", category="Anchors")])
    assert "dubelwerk" in cache.get() and cache.builds == 2
    store.delete(["B"])
    assert "dubelwerk" not in cache.get() and cache.builds == 3
    slow = VocabularyCache(build, lambda: now[0], check_interval_s=3600)
    slow.get()
    now[0] = 1.0
    assert slow.builds == 1 and slow.get() and slow.builds == 1  # not looked at again yet
    store.engine.dispose()


def test_voice_search_gives_the_phrase_list_unless_turned_off(tmp_path: Path) -> None:
    store = CatalogStore(f"sqlite:///{tmp_path / 'catalog.db'}")
    store.migrate()
    store.upsert([make_record("A", "Anchor bolt", brand="Ankerwerk", category="Fasteners")])
    fake = FakeTranscriber("anchor bolt")
    loud = np.full(16_000, 4000, np.int16)
    voice = VoiceSearch(Settings(voice_phrase_limit=50), store, transcriber=fake)
    voice.check_available()  # a transcriber without load(): always available
    assert voice.transcribe(loud).text == "anchor bolt"
    assert fake.phrases[-1] is not None and "ankerwerk" in fake.phrases[-1]
    off = VoiceSearch(Settings(voice_phrase_limit=0), store, transcriber=fake)
    off.transcribe(loud)
    assert fake.phrases[-1] is None
    with pytest.raises(TranscriberUnavailable):
        VoiceSearch(Settings(vosk_model=None), store).check_available()
    store.engine.dispose()
