"""Console sign-in for staff users (S7): a session cookie for the console, the same token as
a bearer token for scripts (see ``api.auth``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import (
    accounts,
    check_csrf,
    clear_session_cookie,
    request_token,
    require_staff,
    set_session_cookie,
)
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ErrorBody
from commerce.staff import EDITORS, StaffUser

router = APIRouter(prefix="/v1/auth", tags=["auth"])

AUTH_ERRORS: dict[int | str, dict] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., max_length=200)
    password: str = Field(..., max_length=1024)


def _me(user: StaffUser) -> dict:
    return {**user.to_dict(), "can_edit": user.role in EDITORS}


@router.post("/login", response_model=None,
             responses={**AUTH_ERRORS, 429: {"model": ErrorBody}})
def login(body: LoginIn, request: Request, svc: Services = Depends(services)) -> Response:
    """Sign in: ``{username, role, can_edit}`` and the session cookie ``discovery_session``
    (HttpOnly, SameSite=Strict). 401 for a wrong username or password (it does not say
    which); 429 after 5 failures for a username within 15 minutes."""
    reject_unknown_params(request, set())
    staff = accounts(svc)
    user = staff.authenticate(body.username, body.password)
    old, source = request_token(request)
    if source == "cookie":
        staff.end_session(old)  # signing in again replaces the previous session
    response = json_response(_me(user))
    set_session_cookie(response, staff.create_session(user), svc.settings)
    return response


@router.post("/logout", status_code=204, response_model=None, responses=AUTH_ERRORS)
def logout(request: Request, svc: Services = Depends(services)) -> Response:
    """End the session (cookie or bearer token) and clear the cookie; 204 also when there
    was none."""
    reject_unknown_params(request, set())
    token, source = request_token(request)
    check_csrf(request, source)
    accounts(svc).end_session(token)
    response = Response(status_code=204)
    clear_session_cookie(response, svc.settings)
    return response


@router.get("/me", response_model=None, responses=AUTH_ERRORS)
def me(request: Request, svc: Services = Depends(services),
       user: StaffUser = Depends(require_staff())) -> Response:
    """The signed-in user ``{username, role, can_edit}``, or 401. Each call extends the session
    (and renews the cookie's lifetime)."""
    reject_unknown_params(request, set())
    response = json_response(_me(user))
    token, source = request_token(request)
    if source == "cookie" and token:
        set_session_cookie(response, token, svc.settings)
    return response
