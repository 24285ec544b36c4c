"""Search by barcode and by voice, as the API and the command line run them: an upload's
bytes in, the response body out (the API adds the search id of the analytics log)."""

from __future__ import annotations

import time
from typing import Any

from api.container import Services
from catalog.errors import BackendUnavailable, InvalidInput
from ranking.service import SearchRequest


def barcode_search(svc: Services, data: bytes, *, filters: list[str] | None = None,
                   customer_group: str | None = None, field: str = "image") -> dict[str, Any]:
    """``{codes, hits, unknown_codes, total, took_ms}`` for a photo of codes."""
    from embeddings.barcodes import read_codes
    from ranking.codes import find_products

    started = time.perf_counter()
    codes = read_codes(data, field=field, max_pixels=svc.settings.max_image_pixels)
    found, hits = find_products(svc.search, codes, filters=filters or [],
                                customer_group=customer_group)
    return {
        "codes": [code.to_dict() | {"skus": result.skus}
                  for code, result in zip(codes, found, strict=True)],
        "hits": hits,
        "unknown_codes": [{"format": r.code.format, "text": r.code.text}
                          for r in found if not r.skus],
        "total": len(hits),
        "took_ms": round((time.perf_counter() - started) * 1000, 3),
    }


def check_voice(svc: Services) -> None:
    """503 (what to configure) when this process cannot transcribe speech."""
    if svc.voice is None:
        raise BackendUnavailable("search by voice is not available in this process")
    svc.voice.check_available()


def voice_search(svc: Services, data: bytes, request: SearchRequest, *,
                 field: str = "audio") -> dict[str, Any]:
    """The ``/v1/search`` response for the words spoken in a recording, with ``transcript``
    (as recognised) and ``transcribe_ms``; ``query`` is the text searched (spoken numbers
    as digits). ``request.q`` is replaced."""
    from embeddings.audio import decode_audio
    from embeddings.speech import spoken_query

    check_voice(svc)
    assert svc.voice is not None
    settings = svc.settings
    started = time.perf_counter()
    pcm = decode_audio(data, max_seconds=settings.max_audio_seconds, field=field,
                       rate=svc.voice.transcriber.sample_rate)
    transcript = svc.voice.transcribe(pcm).text
    transcribe_ms = round((time.perf_counter() - started) * 1000, 3)
    if not transcript:
        raise InvalidInput(f"no words were recognised in {field}: speak closer to the "
                           "microphone, or name the product", field=field)
    request.q = spoken_query(transcript)[: settings.max_query_length]
    body = svc.search.search(request)
    body["transcript"] = transcript
    body["transcribe_ms"] = transcribe_ms
    return body
