"""Response models for the OpenAPI documentation. Handlers return plain dicts serialised
with orjson (validation of our own output would cost milliseconds per search)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    error: str
    detail: Any
    field: str | None = None


class FacetValueOut(BaseModel):
    value: str
    count: int
    selected: bool
    level: int | None = None


class RangeBucketOut(BaseModel):
    model_config = {"populate_by_name": True}
    from_: float | None = None
    to: float | None = None
    count: int


class FacetOut(BaseModel):
    field: str
    label: str
    kind: str
    values: list[FacetValueOut] | None = None
    buckets: list[dict[str, Any]] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None


class HitOut(BaseModel):
    sku: str
    name: str
    brand: str | None = None
    category: str | None = None
    price_per_piece: float | None = None
    currency: str | None = None
    availability: str | None = None
    delivery_days: int | None = None
    image: str | None = None
    score: float
    pinned: bool = Field(False, description="Placed at its position by a query rule.")
    highlights: dict[str, str] | None = None
    explain: dict[str, Any] | None = None


class SearchResponse(BaseModel):
    query: str
    total: int
    page: int
    page_size: int
    pages: int
    sort: str
    relaxed: bool
    config: str
    retrieval: str = Field("lexical", description="`hybrid`: lexical results fused with "
                           "semantic neighbours; `lexical`: text matching only.")
    facets_match: str = Field(description="`every_word`: the facets counted the products that "
                              "match every word of the query (there were some); `any_word`: "
                              "every product in the results")
    total_every_word: int | None = Field(None, description="With `facets_match=every_word`: how "
                                         "many products match every word (with the filters), "
                                         "the products the facet counts describe.")
    hits: list[HitOut]
    facets: list[FacetOut]
    engine_ms: float
    took_ms: float
    rules: list[str] = Field([], description="Ids of the query rules of the configuration that "
                             "fired for this request.")
    redirect: str | None = Field(None, description="A URL a fired query rule sends the buyer to "
                                 "instead of (or beside) the results.")
    search_id: str | None = Field(None, description="Send it back with click and add-to-cart "
                                  "events (POST /v1/events); null when analytics is off.")


class AutocompleteResponse(BaseModel):
    query: str
    completions: list[dict[str, Any]]
    products: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    brands: list[dict[str, Any]]
    rules: list[str]  # ids of the query rules that fired
    redirect: str | None
    took_ms: float


class ImportReportOut(BaseModel):
    status: str
    counts: dict[str, int]
    format: str
    encoding: str | None
    seconds: float
    rejected: list[dict[str, Any]]
    rejected_total: int
    rejected_truncated: bool
    embedding: str = Field("not needed", description="`started`: the embeddings of new and "
                           "changed products are being computed in the background (semantic "
                           "search; see `/v1/health`).")
    documents: dict[str, int] = Field(default_factory=dict, description="Attached files: "
                                      "stored (new documents), linked, pages, no_text, remote "
                                      "(http links, not fetched), media_stored.")
    notices: list[dict[str, Any]] = Field(default_factory=list, description="Accepted rows the "
                                          "seller should look at: documents without a text layer "
                                          "(scans), pages that could not be read.")


class EventIn(BaseModel):
    """What a buyer did with a search result."""

    model_config = ConfigDict(extra="forbid")
    search_id: str | None = Field(None, max_length=64, description="The search_id of the search "
                                  "response the product was found in.")
    sku: str = Field(..., min_length=1, max_length=64)
    kind: str = Field(..., description="click, add_to_cart or order.")
    position: int | None = Field(None, ge=1, description="1-based rank of the product in the "
                                 "results.")


class EventAccepted(BaseModel):
    accepted: bool


ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorBody}, 404: {"model": ErrorBody}, 413: {"model": ErrorBody},
          503: {"model": ErrorBody}}
