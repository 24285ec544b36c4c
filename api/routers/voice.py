"""Search by voice (S9): a recording is transcribed offline and searched like typed text."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import Field

from api.capture import check_voice, voice_search
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ERRORS, SearchResponse
from api.uploads import read_limited
from ranking.service import SearchRequest

router = APIRouter(prefix="/v1/search", tags=["search"])

_PARAMS = {"filter", "sort", "page_size", "facets", "highlight", "customer_group"}


class VoiceSearchResponse(SearchResponse):
    transcript: str = Field(description="The words recognised, as spoken.")
    transcribe_ms: float = Field(description="Time to decode and transcribe the recording.")


@router.post("/voice", response_model=None,
             responses={200: {"model": VoiceSearchResponse}, **ERRORS})
def search_voice(
    request: Request,
    audio: UploadFile | None = File(None, description="The spoken query: WAV, OGG/Opus, "
                                    "WebM/Opus (what browsers record) or MP4/AAC."),
    filter: list[str] = Query(  # noqa: A002 - the public parameter name
        [], description="As for /v1/search."),
    sort: str = Query("relevance", description="As for /v1/search."),
    page_size: int = Query(20, description="Hits per page."),
    facets: str | None = Query(None, description="As for /v1/search."),
    highlight: bool = Query(True, description="Mark matched words with <em>."),
    customer_group: str | None = Query(None, max_length=64, description="The buyer's customer "
                                       "group, for query rules limited to groups."),
    svc: Services = Depends(services),
) -> Response:
    """Transcribe the recording (16 kHz mono, recognition biased to the catalog's words) and
    run it as a /v1/search query; the response is /v1/search's with `transcript`. `query`
    is the text searched: spoken numbers written as digits ("m eight by forty" -> "m8x40").
    503 when no speech model is configured (DISCOVERY_VOSK_MODEL); 400 for an empty,
    unreadable or truncated recording or when no words were recognised; 413 beyond
    DISCOVERY_MAX_AUDIO_MB or DISCOVERY_MAX_AUDIO_SECONDS."""
    reject_unknown_params(request, _PARAMS)
    check_voice(svc)  # 503 before reading the upload when no model can run
    data = read_limited(request, audio, limit_mb=svc.settings.max_audio_mb, field="audio")
    facet_list = None if facets is None else [f.strip() for f in facets.split(",") if f.strip()]
    body = voice_search(svc, data, SearchRequest(
        filters=filter, sort=sort, page=1, page_size=page_size, facets=facet_list,
        highlight=highlight, customer_group=customer_group))
    body["search_id"] = svc.analytics.log_search(
        body["query"], filters=filter, hit_count=body["total"],
        took_ms=body["took_ms"] + body["transcribe_ms"], config=body["config"], page=1,
        rules=body["rules"])
    return json_response(body)
