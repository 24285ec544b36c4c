"""``/v1/account/...``: sign-in, the second factor, logout, API tokens, two-factor enrolment,
password reset and change, switching company; ``/v1/users``: seller-side users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from catalog.errors import NotFound
from commerce.companies import service as companies
from commerce.db import Tx
from commerce.identity import (
    COOKIE_NAME,
    Principal,
    current_principal,
    require_permission,
    settings_of,
)
from commerce.ratelimit import RateLimiter
from commerce.users import service
from commerce.users.repository import UserRepository
from commerce.users.schemas import (
    BlockIn,
    CodeIn,
    CompanySwitchIn,
    LoginIn,
    PasswordChangeIn,
    ResetConfirmIn,
    ResetRequestIn,
    SecondFactorIn,
    SellerUserIn,
    TokenIn,
)

router = APIRouter(tags=["accounts"])
ANY_STAGE = ("full", "totp", "enrol")


def _policy(request: Request) -> service.Policy:
    return service.Policy.from_settings(settings_of(request))


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


PUBLIC_RATE = 1 / 60  # unauthenticated writes (reset requests, registrations): 1 a minute ...
PUBLIC_BURST = 10  # ... after 10 at once, per client address and API process


def limit_public(request: Request, what: str) -> None:
    """An in-process limit per client address on the public endpoints that write (a reset
    request or a registration must not become a way to fill the database or the outbox)."""
    limiters = getattr(request.app.state, "account_limiters", None)
    if limiters is None:
        limiters = request.app.state.account_limiters = {}
    limiter = limiters.get(what)
    if limiter is None:
        limiter = limiters[what] = RateLimiter(rate=PUBLIC_RATE, burst=PUBLIC_BURST)
    limiter.check(_ip(request), what=what)


def _failure(exc: service.InvalidCredentials) -> JSONResponse:
    # returned, not raised: the recorded failure must be committed with the request
    return JSONResponse(exc.to_dict(), status_code=exc.status_code)


def signed_in(request: Request, tx: Tx) -> Principal:
    return current_principal(request, tx)


def any_stage(request: Request, tx: Tx) -> Principal:
    return current_principal(request, tx, stages=ANY_STAGE)


def enrolling(request: Request, tx: Tx) -> Principal:
    return current_principal(request, tx, stages=("full", "enrol"))


def second_step(request: Request, tx: Tx) -> Principal:
    return current_principal(request, tx, stages=("totp",))


SignedIn = Annotated[Principal, Depends(signed_in)]


@router.post("/v1/account/login")
def login(body: LoginIn, request: Request, tx: Tx) -> Response:
    """Password sign-in: sets the ``discovery_account`` cookie and returns the same token for
    ``Authorization: Bearer``. ``stage``: ``full``; ``totp`` (send the code to
    /v1/account/login/totp); ``enrol`` (roles require two-factor login: only enrolment works)."""
    settings = settings_of(request)
    try:
        signin = service.login(tx, _policy(request), body.email, body.password, _ip(request))
    except service.InvalidCredentials as exc:
        return _failure(exc)
    response = JSONResponse(signin.to_dict())
    response.set_cookie(COOKIE_NAME, signin.token, path="/", httponly=True, samesite="strict",
                        secure=settings.account_cookie_secure,
                        max_age=int(settings.account_session_hours * 3600))
    return response


@router.post("/v1/account/login/totp")
def login_second_factor(body: SecondFactorIn, request: Request, tx: Tx,
                        principal: Annotated[Principal, Depends(second_step)]) -> Response:
    try:
        result = service.second_factor(tx, _policy(request), principal, _ip(request),
                                       code=body.code, recovery_code=body.recovery_code)
    except service.InvalidCredentials as exc:
        return _failure(exc)
    return JSONResponse(result)


@router.post("/v1/account/logout")
def logout(request: Request, tx: Tx,
           principal: Annotated[Principal, Depends(any_stage)]) -> Response:
    service.logout(tx, principal)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict",
                           secure=settings_of(request).account_cookie_secure)
    return response


@router.get("/v1/account/me")
def me(tx: Tx, principal: Annotated[Principal, Depends(any_stage)]) -> dict[str, Any]:
    body = principal.to_dict()
    body["companies"] = companies.my_companies(tx, principal)
    return body


@router.post("/v1/account/tokens", status_code=201)
def create_token(body: TokenIn, request: Request, tx: Tx, principal: SignedIn) -> dict[str, Any]:
    return service.create_api_token(tx, _policy(request), principal, body.name, body.days)


@router.get("/v1/account/tokens")
def list_tokens(tx: Tx, principal: SignedIn) -> dict[str, Any]:
    return {"tokens": service.list_api_tokens(tx, principal)}


@router.delete("/v1/account/tokens/{token_id}")
def revoke_token(token_id: str, tx: Tx, principal: SignedIn) -> dict[str, Any]:
    service.revoke_api_token(tx, principal, token_id)
    return {"revoked": True}


@router.post("/v1/account/company")
def switch_company(body: CompanySwitchIn, tx: Tx, principal: SignedIn) -> dict[str, Any]:
    """Work in another of one's companies; a seller: act as a customer company (``null``:
    stop acting). Applies to this sign-in (or API token) only."""
    return companies.switch(tx, principal, body.company_id)


@router.post("/v1/account/password")
def change_password(body: PasswordChangeIn, tx: Tx, principal: SignedIn) -> dict[str, Any]:
    """Other sign-ins and API tokens of the user end; this one stays."""
    service.change_password(tx, principal, body.current_password, body.new_password)
    return {"changed": True}


@router.post("/v1/account/2fa/enrol")
def enrol(request: Request, tx: Tx,
          principal: Annotated[Principal, Depends(enrolling)]) -> dict[str, Any]:
    return service.enrol_totp(tx, _policy(request), principal)


@router.post("/v1/account/2fa/confirm")
def confirm(body: CodeIn, request: Request, tx: Tx,
            principal: Annotated[Principal, Depends(enrolling)]) -> dict[str, Any]:
    return service.confirm_totp(tx, _policy(request), principal, body.code)


@router.post("/v1/account/password-reset", status_code=202)
def request_reset(body: ResetRequestIn, request: Request, tx: Tx) -> dict[str, Any]:
    """Always 202: whether the e-mail exists is not revealed. The reset token goes to the
    account outbox (``discovery users outbox``) until notifications deliver it."""
    limit_public(request, "password reset requests from this address")
    service.request_reset(tx, _policy(request), body.email)
    return {"requested": True}


@router.post("/v1/account/password-reset/confirm")
def confirm_reset(body: ResetConfirmIn, tx: Tx) -> dict[str, Any]:
    service.confirm_reset(tx, body.token, body.password)
    return {"changed": True}


# -- seller-side users -------------------------------------------------------------------
@router.get("/v1/users")
def list_users(tx: Tx, _: Annotated[Principal, Depends(require_permission("users.manage"))]
               ) -> dict[str, Any]:
    return {"users": [service.user_dict(u) for u in UserRepository(tx).find(seller_only=True)]}


@router.post("/v1/users", status_code=201)
def create_seller_user(body: SellerUserIn, tx: Tx, principal: Annotated[
        Principal, Depends(require_permission("users.manage"))]) -> dict[str, Any]:
    user = service.create_user(tx, email=body.email, name=body.name, password=body.password,
                               seller_role=body.seller_role)
    from commerce.audit.service import record

    record(tx, principal, "user.create", ("user", user.id),
           {"email": user.email, "seller_role": user.seller_role}, company_id=None)
    return service.user_dict(user)


def _seller_user(tx: Tx, user_id: int) -> Any:
    user = UserRepository(tx).get(user_id)
    if user is None or user.seller_role is None:
        raise NotFound(f"no seller-side user {user_id}", field="user_id")
    return user


@router.post("/v1/users/{user_id}/block")
def block_seller_user(user_id: int, body: BlockIn, tx: Tx, principal: Annotated[
        Principal, Depends(require_permission("users.manage"))]) -> dict[str, Any]:
    user = _seller_user(tx, user_id)
    return service.user_dict(service.set_blocked(tx, principal, user, True, body.reason))


@router.post("/v1/users/{user_id}/unblock")
def unblock_seller_user(user_id: int, tx: Tx, principal: Annotated[
        Principal, Depends(require_permission("users.manage"))]) -> dict[str, Any]:
    user = _seller_user(tx, user_id)
    return service.user_dict(service.set_blocked(tx, principal, user, False))
