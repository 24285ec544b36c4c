"""Speech to query text (S9): the ``Transcriber`` Protocol, the vosk implementation, and the
catalog vocabulary that biases recognition towards what the catalog sells.

Why it looks the way it does:

* No model hub at run time: the vosk model is a folder named by ``DISCOVERY_VOSK_MODEL``
  (e.g. ``vosk-model-small-en-us-0.15``). vosk and the model load lazily, on first use, once
  per process; a missing package, an unset setting or a bad folder raise
  :class:`TranscriberUnavailable` (a 503) that says what to install or configure.
* Part names are words a general model rarely hears ("nitrile", "Fastek", "anchor"), so
  recognition is restricted to a phrase list: the catalog's brands, category words and most
  frequent name words, plus numbers, units and common query words (see
  :func:`catalog_vocabulary`), and ``[unk]`` for anything else. vosk accepts only words its
  model knows in such a list, so the list is filtered with the model's own lexicon
  (``Model.vosk_model_find_word``). Models with a static graph (the large ones) cannot take
  a list and recognise freely. ``DISCOVERY_VOICE_PHRASE_LIMIT=0`` turns the list off.
* The vocabulary is cached and rebuilt when the catalog changed (its product count or
  newest change), looked at most every ``check_interval_s``.
* Spoken numbers become digits for the search (``"m eight by forty"`` -> ``"m8x40"``):
  part numbers and sizes are written with digits in every catalog.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sqlalchemy import func, select

from catalog.errors import BackendUnavailable
from catalog.models import Product
from catalog.settings import Settings
from catalog.store import CatalogStore
from catalog.text import fold
from embeddings.audio import SAMPLE_RATE

log = logging.getLogger("discovery")

UNKNOWN = "[unk]"
MODEL_HINT = (
    "download a vosk model from https://alphacephei.com/vosk/models (e.g. "
    "vosk-model-small-en-us-0.15), unpack it and set DISCOVERY_VOSK_MODEL to its folder")


class TranscriberUnavailable(BackendUnavailable):
    """Speech cannot be transcribed here: no model is configured, or vosk is missing."""


@dataclass(frozen=True)
class Transcript:
    text: str  # the words recognised, lower case, without [unk]
    model_id: str = ""


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text. ``transcribe`` takes mono int16 samples at ``sample_rate`` Hz and
    returns the recognised words (an empty text for silence or noise). ``phrases`` are the
    words recognition should keep to (words the model does not know are ignored; ``None``:
    the model's whole vocabulary). Safe to call from several threads at once."""

    @property
    def model_id(self) -> str: ...

    @property
    def sample_rate(self) -> int: ...

    def transcribe(self, pcm: np.ndarray, *, phrases: Sequence[str] | None = None
                   ) -> Transcript: ...


class VoskTranscriber:
    """A vosk (Kaldi) model from a folder. Recognisers are pooled per phrase list: building
    one compiles the phrase list's grammar, which takes longer than a short utterance."""

    def __init__(self, model_dir: Path | None, *, sample_rate: int = SAMPLE_RATE) -> None:
        self.model_dir = model_dir
        self._rate = sample_rate
        self._lock = threading.Lock()
        self._model: Any = None
        self._error: str | None = None
        self._grammars: dict[tuple[str, ...], str] = {}
        self._pool: dict[str, list[Any]] = {}

    @property
    def model_id(self) -> str:
        return f"vosk:{self.model_dir.name}" if self.model_dir else "vosk"

    @property
    def sample_rate(self) -> int:
        return self._rate

    def load(self) -> VoskTranscriber:
        """Load vosk and the model (once); TranscriberUnavailable says why it cannot."""
        with self._lock:
            if self._model is None and self._error is None:
                self._error = self._load()
            if self._error is not None:
                raise TranscriberUnavailable(self._error)
        return self

    def _load(self) -> str | None:
        if self.model_dir is None:
            return f"search by voice is not configured: {MODEL_HINT}"
        folder = self.model_dir.expanduser()
        if not folder.is_dir():
            return f"DISCOVERY_VOSK_MODEL={self.model_dir} is not a folder: {MODEL_HINT}"
        try:
            import vosk
        except ImportError:
            return ("search by voice needs the vosk package: install the voice extra "
                    "(`make install`, or `pip install -e '.[voice]'`)")
        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(model_path=str(folder))
        except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception
            return (f"DISCOVERY_VOSK_MODEL={self.model_dir} is not a vosk model folder ({exc}): "
                    f"{MODEL_HINT}")
        self._vosk = vosk
        return None

    def state(self) -> str:
        """``not_configured``, ``loading`` (not loaded yet), ``ready`` or ``unavailable``."""
        if self.model_dir is None:
            return "not_configured"
        if self._model is not None:
            return "ready"
        return "unavailable" if self._error is not None else "loading"

    def known_words(self, words: Iterable[str]) -> list[str]:
        """The words the model's lexicon has (a phrase list may hold no other)."""
        model = self.load()._model
        find = getattr(model, "vosk_model_find_word", None) or model.find_word  # 0.3.45: the C name
        return [w for w in words if find(w) >= 0]

    def _grammar(self, phrases: Sequence[str] | None) -> str:
        if phrases is None:
            return ""
        key = tuple(phrases)
        grammar = self._grammars.get(key)
        if grammar is None:
            known = [w for w in self.known_words(dict.fromkeys(key)) if w != UNKNOWN]
            grammar = json.dumps([*known, UNKNOWN]) if known else ""
            with self._lock:
                if len(self._grammars) > 8:  # old catalog vocabularies
                    self._grammars.clear()
                    self._pool.clear()
                self._grammars[key] = grammar
        return grammar

    def transcribe(self, pcm: np.ndarray, *, phrases: Sequence[str] | None = None) -> Transcript:
        self.load()
        grammar = self._grammar(phrases)
        recogniser = self._take(grammar)
        try:
            data = np.ascontiguousarray(pcm, dtype=np.int16).tobytes()
            step = self._rate  # one second of samples per call (2 bytes each)
            for start in range(0, len(data), step * 2):
                recogniser.AcceptWaveform(data[start : start + step * 2])
            result = json.loads(recogniser.FinalResult())
        finally:
            recogniser.Reset()
            self._give(grammar, recogniser)
        words = [w for w in str(result.get("text", "")).split() if w != UNKNOWN]
        return Transcript(" ".join(words), self.model_id)

    def _take(self, grammar: str) -> Any:
        with self._lock:
            pool = self._pool.setdefault(grammar, [])
            if pool:
                return pool.pop()
        if grammar:
            return self._vosk.KaldiRecognizer(self._model, self._rate, grammar)
        return self._vosk.KaldiRecognizer(self._model, self._rate)

    def _give(self, grammar: str, recogniser: Any) -> None:
        with self._lock:
            pool = self._pool.get(grammar)
            if pool is not None and len(pool) < 4:
                pool.append(recogniser)


# -- the catalog's vocabulary -------------------------------------------------------------

_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
BASE_WORDS: tuple[str, ...] = (
    *_NUMBERS, *_SCALES, "point", "by", "times", "half", "quarter",
    # units and sizes
    "millimeter", "millimeters", "millimetre", "millimetres", "mil", "centimeter", "centimeters",
    "meter", "meters", "metre", "metres", "inch", "inches", "foot", "feet", "volt", "volts",
    "watt", "watts", "amp", "amps", "kilo", "kilos", "kilogram", "kilograms", "gram", "grams",
    "liter", "liters", "litre", "litres", "pack", "packs", "box", "boxes", "pair", "pairs",
    "piece", "pieces", "size", "small", "medium", "large", "extra",
    # words of a spoken query
    "a", "an", "and", "for", "with", "without", "of", "in", "the", "to", "or", "on",
    "black", "white", "red", "blue", "green", "yellow", "grey", "gray", "orange", "silver",
    "steel", "stainless", "brass", "plastic", "rubber", "metal", "wood", "aluminium", "aluminum",
    # letters of part numbers ("m eight")
    *"abcdefghijklmnopqrstuvwxyz",
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))  # accents folded as the search engine folds them


def vocabulary_from(rows: Iterable[tuple[str | None, str | None, str | None, str | None]],
                    limit: int, *, min_count: int = 1) -> list[str]:
    """The phrase list of a catalog given as (name, brand, manufacturer, category) rows: every
    word of brands and categories, then name words by how many products use them (at least
    ``min_count``), up to ``limit`` words, then :data:`BASE_WORDS`."""
    if limit <= 0:
        return []
    always: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for name, brand, manufacturer, category in rows:
        for value in (brand, manufacturer, category):
            if value:
                always.update(w for w in _words(value) if len(w) > 1)
        if name:
            names.update(set(w for w in _words(name) if len(w) > 1))
    out = [w for w, _ in sorted(always.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]
    chosen = set(out)
    for word, count in sorted(names.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(out) >= limit or count < min_count:
            break
        if word not in chosen:
            chosen.add(word)
            out.append(word)
    return out + [w for w in BASE_WORDS if w not in chosen]


def catalog_vocabulary(store: CatalogStore, limit: int) -> list[str]:
    """:func:`vocabulary_from` over every product of the store (streamed)."""
    query = select(Product.name, Product.brand, Product.manufacturer, Product.category)
    with store.engine.connect() as conn:
        rows = conn.execution_options(yield_per=5_000).execute(query)
        return vocabulary_from(((r[0], r[1], r[2], r[3]) for r in rows), limit)


def catalog_fingerprint(store: CatalogStore) -> tuple[int, str]:
    """Changes when products are added, removed or changed."""
    with store.engine.connect() as conn:
        count, newest = conn.execute(
            select(func.count(), func.max(Product.updated_at)).select_from(Product)).one()
    return int(count or 0), str(newest)


class VocabularyCache:
    """The catalog's phrase list, rebuilt when the catalog changed (checked at most every
    ``check_interval_s``; the rebuild runs in the caller's thread, under a lock)."""

    def __init__(self, build: Callable[[], list[str]], fingerprint: Callable[[], Any], *,
                 check_interval_s: float = 30.0) -> None:
        self._build, self._fingerprint = build, fingerprint
        self.check_interval_s = check_interval_s
        self._lock = threading.Lock()
        self._words: tuple[str, ...] | None = None
        self._key: Any = None
        self._checked = float("-inf")
        self.builds = 0

    @property
    def size(self) -> int | None:
        """Words in the phrase list as last built (None: not built yet)."""
        return None if self._words is None else len(self._words)

    def get(self) -> tuple[str, ...]:
        with self._lock:
            now = time.monotonic()
            if self._words is None or now - self._checked >= self.check_interval_s:
                self._checked = now
                key = self._fingerprint()
                if self._words is None or key != self._key:
                    self._words, self._key = tuple(self._build()), key
                    self.builds += 1
            return self._words


class VoiceSearch:
    """What a serving process needs for search by voice: the transcriber (loaded on first use
    or by :meth:`start`) and the catalog's phrase list."""

    def __init__(self, settings: Settings, store: CatalogStore,
                 transcriber: Transcriber | None = None) -> None:
        self.settings = settings
        self.transcriber: Transcriber = transcriber or VoskTranscriber(settings.vosk_model)
        limit = settings.voice_phrase_limit
        self.vocabulary = VocabularyCache(lambda: catalog_vocabulary(store, limit),
                                          lambda: catalog_fingerprint(store))

    def start(self) -> VoiceSearch:
        """Load a configured model and build the catalog's phrase list in the background
        (errors surface per request)."""
        load = getattr(self.transcriber, "load", None)
        if load is not None and self.settings.vosk_model is not None:
            def warm() -> None:
                try:
                    load()
                    if self.settings.voice_phrase_limit > 0:
                        self.vocabulary.get()
                except BackendUnavailable:
                    pass  # each request answers 503 with the reason
                except Exception:  # a background job must log, not die silently
                    log.exception("preparing search by voice failed")
            threading.Thread(target=warm, name="vosk-load", daemon=True).start()
        return self

    def status(self) -> dict[str, Any]:
        """For ``/v1/health`` (public: the model's folder name, never its path)."""
        state = getattr(self.transcriber, "state", None)
        status = state() if state is not None else "ready"
        body: dict[str, Any] = {"status": status}
        if status != "not_configured":
            model = self.settings.vosk_model
            body["model"] = model.name if model is not None and state is not None \
                else self.transcriber.model_id
        if status == "ready" and self.settings.voice_phrase_limit > 0:
            body["phrase_list_words"] = self.vocabulary.size
        return body

    def check_available(self) -> None:
        """Raise TranscriberUnavailable (503) before the upload is read, when no model can run."""
        load = getattr(self.transcriber, "load", None)
        if load is not None:
            load()

    def transcribe(self, pcm: np.ndarray) -> Transcript:
        phrases = self.vocabulary.get() if self.settings.voice_phrase_limit > 0 else None
        return self.transcriber.transcribe(pcm, phrases=phrases)


# -- spoken words to a query --------------------------------------------------------------

def spoken_query(transcript: str) -> str:
    """The search text of a transcript: number words become digits (``"twenty five"`` ->
    ``25``, ``"one point five"`` -> ``1.5``, digit by digit ``"nine three three"`` ->
    ``933``), ``by``/``times``/``x`` between numbers an ``x`` (``"eight by forty"`` ->
    ``8x40``), a single letter before a number joins it (``"m eight"`` -> ``m8``), and unit
    words after a number are abbreviated (``"forty millimeters"`` -> ``40 mm``)."""
    tokens = transcript.lower().split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        number, used = _number_at(tokens, i)
        if not used:
            unit = _UNITS.get(tokens[i])
            out.append(unit if unit and out and out[-1][-1:].isdigit() else tokens[i])
            i += 1
            continue
        i += used
        if len(out) >= 2 and out[-1] in ("by", "times", "x") and out[-2][-1:].isdigit():
            out.pop()
            out[-1] += "x" + number  # "8 by 40" -> "8x40"
        elif out and len(out[-1]) == 1 and out[-1].isalpha() and out[-1] not in ("a", "x"):
            out[-1] += number  # "m 8" -> "m8"
        else:
            out.append(number)
    return " ".join(out)


_UNITS = {  # spoken after a number: written as catalogs (and the query parser) write them
    **dict.fromkeys(("millimeter", "millimeters", "millimetre", "millimetres", "mil"), "mm"),
    **dict.fromkeys(("centimeter", "centimeters", "centimetre", "centimetres"), "cm"),
    **dict.fromkeys(("meter", "meters", "metre", "metres"), "m"),
    **dict.fromkeys(("inch", "inches"), "in"), **dict.fromkeys(("volt", "volts"), "v"),
    **dict.fromkeys(("watt", "watts"), "w"), **dict.fromkeys(("amp", "amps"), "a"),
    **dict.fromkeys(("kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("gram", "grams"), "g"),
    **dict.fromkeys(("liter", "liters", "litre", "litres"), "l"),
}


def _number_at(tokens: list[str], i: int) -> tuple[str, int]:
    """The number spoken from ``tokens[i]`` (as digits) and how many tokens it took (0: no
    number starts there)."""
    if tokens[i].isdigit():  # a recogniser that writes digits itself
        return tokens[i], 1
    j = i
    while j < len(tokens) and _NUMBERS.get(tokens[j], 10) < 10:
        j += 1
    if j - i >= 2:  # digit by digit, as part numbers are read out
        return "".join(str(_NUMBERS[t]) for t in tokens[i:j]), j - i
    value = current = 0
    last: str | None = None  # kind of the previous number word
    j = i
    while j < len(tokens):
        word = tokens[j]
        n = _NUMBERS.get(word)
        if n is not None:
            kind = "unit" if n < 10 else "teen" if n < 20 else "ten"
            if last not in (None, "hundred", "thousand") and not (kind == "unit" and last == "ten"):
                break  # "twenty five" goes on; "five twenty" is two numbers
            current += n
        elif word == "hundred" and last in ("unit", "teen"):
            kind, current = "hundred", current * 100
        elif word == "thousand" and last in ("unit", "teen", "ten", "hundred"):
            kind, value, current = "thousand", value + current * 1000, 0
        elif word == "point" and last is not None and j + 1 < len(tokens) \
                and _NUMBERS.get(tokens[j + 1], 10) < 10:
            k = j + 1
            while k < len(tokens) and _NUMBERS.get(tokens[k], 10) < 10:
                k += 1
            decimals = "".join(str(_NUMBERS[t]) for t in tokens[j + 1 : k])
            return f"{value + current}.{decimals}", k - i
        else:
            break
        last = kind
        j += 1
    if last is None:
        return "", 0
    return str(value + current), j - i
