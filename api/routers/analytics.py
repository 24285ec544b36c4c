"""Search analytics (S14): events after a search (public: buyers' browsers send them), and
reports over the query log (console staff only)."""

from __future__ import annotations

import inspect
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth import require_staff
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ERRORS, EventAccepted, EventIn
from ranking.analytics import REPORTS

router = APIRouter(prefix="/v1", tags=["analytics"])


@router.post("/events", status_code=202, response_model=None,
             responses={202: {"model": EventAccepted}, **ERRORS})
def post_event(event: EventIn, svc: Services = Depends(services)) -> Response:
    """Record a click, add-to-cart or order on a search result. Written asynchronously:
    ``accepted`` is false when analytics is off or the log is overloaded."""
    accepted = svc.analytics.log_event(event.sku, event.kind, search_id=event.search_id,
                                       position=event.position)
    return json_response({"accepted": accepted}, status_code=202)


def _report_endpoint(name: str, summary: str) -> None:
    report = REPORTS[name]

    def endpoint(
        request: Request,
        since: datetime | None = Query(None, description="Only searches at or after this ISO "
                                       "date-time (UTC unless it has an offset)."),
        limit: int = Query(20, description="Rows (1-1000)."),
        svc: Services = Depends(services),
    ) -> Response:
        reject_unknown_params(request, {"since", "limit"})
        return json_response({"report": name, "rows": report(svc.store.engine, since, limit)})

    endpoint.__name__ = name.replace("-", "_")
    router.add_api_route(f"/analytics/{name}", endpoint, methods=["GET"], response_model=None,
                         summary=summary, description=inspect.cleandoc(report.__doc__ or ""),
                         responses={**ERRORS, 401: ERRORS[400], 403: ERRORS[400]},
                         dependencies=[Depends(require_staff())])


for _name, _summary in (("top-queries", "Most frequent queries"),
                        ("zero-result-queries", "Queries that found nothing"),
                        ("click-through", "Click-through per query"),
                        ("slowest-queries", "Slowest queries by p95 time")):
    _report_endpoint(_name, _summary)
