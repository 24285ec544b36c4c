"""The contract every ``Transcriber`` keeps (``embeddings.speech.Transcriber``): run
:func:`check_transcriber` against an implementation, with a recording of speech and words it
must recognise when the implementation really recognises speech."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from embeddings.speech import UNKNOWN, Transcriber, Transcript


def check_transcriber(transcriber: Transcriber, *, speech: np.ndarray | None = None,
                      expected_words: Sequence[str] = (),
                      phrases: Sequence[str] | None = None) -> None:
    assert isinstance(transcriber, Transcriber)
    assert isinstance(transcriber.model_id, str) and transcriber.model_id
    rate = transcriber.sample_rate
    assert rate >= 8000

    # silence and nothing: no words, no error
    silence = np.zeros(rate, dtype=np.int16)
    for pcm in (silence, np.zeros(0, dtype=np.int16)):
        result = transcriber.transcribe(pcm)
        assert isinstance(result, Transcript)
        assert result.text == ""

    # a phrase list may hold words the model does not know, and [unk]
    odd = ["zzxqv", "bolt", UNKNOWN, "Fastek", "bolt"]
    assert transcriber.transcribe(silence, phrases=odd).text == ""

    if speech is None:
        return
    assert speech.dtype == np.int16 and speech.ndim == 1
    text = transcriber.transcribe(speech, phrases=phrases).text
    words = text.split()
    assert words, "speech gave no words"
    assert text == text.lower() and UNKNOWN not in words
    for word in expected_words:
        assert word in words, (word, text)

    # several requests at once (a server's worker threads): each gets its own answer
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda pcm: transcriber.transcribe(pcm, phrases=phrases).text,
                                [speech, silence, speech, silence]))
    assert results == [text, "", text, ""]
