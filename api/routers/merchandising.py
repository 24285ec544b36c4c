"""Synonyms and query rules at run time: edit the draft, preview it with
``/v1/search?...&config=draft``, publish it to every search.

Staff only: every console role may read; admins and merchandisers may edit and publish."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_staff
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ERRORS
from catalog.errors import BackendUnavailable
from commerce.staff import EDITORS, ROLES
from ranking.merchandising import MerchandisingStore

router = APIRouter(prefix="/v1/merchandising", tags=["merchandising"])
READ = [Depends(require_staff(*ROLES))]
EDIT = [Depends(require_staff(*EDITORS))]
AUTH_ERRORS = {**ERRORS, 401: ERRORS[400], 403: ERRORS[400]}


class SynonymsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Any] = Field(..., description="Rule lines as in a configuration's [synonyms]: "
                             "'stainless steel, inox, a2' (two-way) or 'gauntlets => gloves' "
                             "(one-way); '#' starts a comment.")


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Any] = Field(..., description="Query rules as in a configuration's [[rules]] "
                             "tables (id, conditions, pin/hide/boost/bury/filter/redirect).")


def _store(svc: Services) -> MerchandisingStore:
    if svc.merchandising is None:
        raise BackendUnavailable("merchandising is not configured in this process")
    return svc.merchandising


@router.get("", response_model=None, responses=AUTH_ERRORS, dependencies=READ)
def show(request: Request, svc: Services = Depends(services)) -> Response:
    """The draft and live synonyms and rules, with versions; ``unpublished`` says whether a
    draft differs from what searches use."""
    reject_unknown_params(request, set())
    return json_response(_store(svc).describe())


def _put(kind: str, body: list[Any], request: Request, svc: Services) -> Response:
    reject_unknown_params(request, set())
    version = _store(svc).put_draft(kind, body)
    return json_response({"kind": kind, "state": "draft", "version": version})


@router.put("/synonyms", response_model=None, responses=AUTH_ERRORS, dependencies=EDIT)
def put_synonyms(body: SynonymsIn, request: Request,
                 svc: Services = Depends(services)) -> Response:
    """Replace the draft synonyms (400 naming the line when one is invalid; nothing saved)."""
    return _put("synonyms", body.rules, request, svc)


@router.put("/rules", response_model=None, responses=AUTH_ERRORS, dependencies=EDIT)
def put_rules(body: RulesIn, request: Request, svc: Services = Depends(services)) -> Response:
    """Replace the draft query rules (400 naming the rule and key when one is invalid)."""
    return _put("rules", body.rules, request, svc)


@router.post("/publish", response_model=None, responses=AUTH_ERRORS, dependencies=EDIT)
def publish(request: Request, svc: Services = Depends(services)) -> Response:
    """Make every draft live, in one transaction. Searches in every API process use it within
    about a second."""
    reject_unknown_params(request, set())
    return json_response(_store(svc).publish())
