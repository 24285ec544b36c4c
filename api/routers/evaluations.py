"""Evaluations of two configurations on an uploaded judged set, against the live catalog
(S14). The job runs in a background thread of this process (``evaluation.jobs``); the
console polls ``GET /v1/evaluations/{id}`` for progress and the result."""

from __future__ import annotations

from typing import BinaryIO

from fastapi import APIRouter, Depends, File, Form, Path, Request, Response, UploadFile

from api.auth import require_staff
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ErrorBody
from catalog.errors import BackendUnavailable, InvalidInput, PayloadTooLarge
from commerce.staff import StaffUser
from evaluation.jobs import (
    DEFAULT_METRICS,
    EvaluationJobs,
    UploadedJudgements,
    check_config_spec,
    check_metrics,
    parse_judgements,
    parse_trec,
)

router = APIRouter(prefix="/v1/evaluations", tags=["evaluations"])

ERRORS: dict[int | str, dict] = {code: {"model": ErrorBody} for code in (400, 401, 403, 404,
                                                                          409, 413)}
LATEST = 20


def _jobs(svc: Services) -> EvaluationJobs:
    if svc.evaluations is None:
        raise BackendUnavailable("evaluations are not configured in this process")
    return svc.evaluations


def _read(upload: UploadFile, field: str, limit_mb: int) -> bytes:
    stream: BinaryIO = upload.file
    data = stream.read(limit_mb * 1024 * 1024 + 1)
    if len(data) > limit_mb * 1024 * 1024:
        raise PayloadTooLarge(f"{field}: larger than {limit_mb} MB", field=field)
    return data


@router.post("", status_code=202, response_model=None, responses=ERRORS)
def create(
    request: Request,
    judgements: UploadFile | None = File(None, description="CSV or TSV with the header "
                                         "query,sku,grade (grade a number >= 0)."),
    queries: UploadFile | None = File(None, description="Instead of judgements: TREC queries, "
                                      "query_id<TAB>text per line (with qrels)."),
    qrels: UploadFile | None = File(None, description="Instead of judgements: TREC qrels, "
                                    "'query_id 0 sku grade' per line (with queries)."),
    config_a: str = Form("live", description="Baseline: live (the served configuration with "
                         "the published synonyms and rules), draft, or a shipped configuration."),
    config_b: str = Form("draft", description="Candidate, as config_a."),
    metrics: str = Form(",".join(DEFAULT_METRICS), description="Comma-separated metric names; "
                        "the first orders the per-query differences."),
    name: str | None = Form(None, max_length=200, description="A label for the list."),
    svc: Services = Depends(services),
    user: StaffUser = Depends(require_staff()),
) -> Response:
    """Start an evaluation: 202 with ``{id, status: "running", progress: {done, total}, ...}``.
    One runs at a time (409 while another runs). 400 naming the line and column of a bad
    file, or the field of an unknown configuration or metric."""
    reject_unknown_params(request, set())
    jobs = _jobs(svc)
    spec_a, spec_b = check_config_spec(config_a, "config_a"), check_config_spec(config_b,
                                                                                "config_b")
    names = check_metrics(metrics, svc.settings.max_page_size)
    limit, max_len = svc.settings.max_upload_mb, svc.settings.max_query_length
    judged: UploadedJudgements
    if judgements is not None:
        if queries is not None or qrels is not None:
            raise InvalidInput("send either judgements or queries and qrels, not both",
                               field="judgements")
        judged = parse_judgements(_read(judgements, "judgements", limit),
                                  max_query_length=max_len)
    elif queries is not None and qrels is not None:
        judged = parse_trec(_read(queries, "queries", limit), _read(qrels, "qrels", limit),
                            max_query_length=max_len)
    else:
        raise InvalidInput("upload a judgements file (CSV or TSV: query,sku,grade), or both "
                           "queries and qrels (TREC)",
                           field="judgements" if queries is None and qrels is None else (
                               "qrels" if qrels is None else "queries"))
    body = jobs.start(judged, config_a=spec_a, config_b=spec_b, metrics=names, name=name,
                      created_by=user.username)
    return json_response(body, status_code=202)


@router.get("", response_model=None, responses=ERRORS)
def latest(request: Request, svc: Services = Depends(services),
           _: StaffUser = Depends(require_staff())) -> Response:
    """The latest 20 evaluations, newest first, without the per-query detail."""
    reject_unknown_params(request, set())
    return json_response({"evaluations": _jobs(svc).latest(LATEST)})


@router.get("/{run_id}", response_model=None, responses=ERRORS)
def show(request: Request, run_id: int = Path(..., ge=1, description="The evaluation id."),
         svc: Services = Depends(services),
         _: StaffUser = Depends(require_staff())) -> Response:
    """One evaluation: status, progress, summary and comparison per metric, and per query
    both sides' values and top 5 SKUs, largest difference of the first metric first."""
    reject_unknown_params(request, set())
    return json_response(_jobs(svc).get(run_id))
