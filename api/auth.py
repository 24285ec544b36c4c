"""Who is calling: staff of the merchandiser console, by session cookie or bearer token.

The console signs in with ``POST /v1/auth/login`` and gets the HttpOnly cookie
``discovery_session`` (SameSite=Strict). Scripts send the same session token as
``Authorization: Bearer <token>`` (``discovery staff token USERNAME`` issues one).

Cross-site request forgery: SameSite=Strict keeps the cookie off requests started by other
sites in current browsers; as a second line, a state-changing request (not GET/HEAD/OPTIONS)
authenticated by the cookie must carry ``X-Requested-With: discovery-console``, a header a
cross-site form cannot set and a cross-site script cannot send without a CORS preflight that
this API does not grant. Bearer requests need no such header: browsers never add it on their
own.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request, Response

from api.container import Services
from api.deps import services
from catalog.settings import Settings
from commerce.staff import ROLES, Forbidden, NotAuthenticated, StaffAccounts, StaffUser

COOKIE_NAME = "discovery_session"
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "discovery-console"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_STAFF: tuple[str, ...] = ROLES


class CsrfRejected(Forbidden):
    """A cookie-authenticated state change without the console's request header."""


def accounts(svc: Services) -> StaffAccounts:
    if svc.staff is None:  # a Services built by hand (tests) without staff accounts
        svc.staff = StaffAccounts(svc.store.engine,
                                  session_hours=svc.settings.console_session_hours)
    return svc.staff


def request_token(request: Request) -> tuple[str | None, str | None]:
    """(session token, where it came from: "bearer" or "cookie"), or (None, None)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), "bearer"
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return cookie, "cookie"
    return None, None


def check_csrf(request: Request, source: str | None) -> None:
    if (source == "cookie" and request.method not in _SAFE_METHODS
            and request.headers.get(CSRF_HEADER) != CSRF_VALUE):
        raise CsrfRejected(f"a console request that changes something must send the header "
                           f"'{CSRF_HEADER}: {CSRF_VALUE}' (protection against cross-site "
                           "requests); scripts may use 'Authorization: Bearer <token>' instead")


def current_staff(request: Request, svc: Services) -> StaffUser:
    """The signed-in staff user (401 when there is no live session; 403 for a
    cookie-authenticated state change without the console header)."""
    token, source = request_token(request)
    if token is None:
        raise NotAuthenticated("sign in to the console first (POST /v1/auth/login)")
    user = accounts(svc).session_user(token)
    if user is None:
        raise NotAuthenticated("the session has expired or was ended; sign in again")
    check_csrf(request, source)
    request.state.staff = user
    return user


def require_staff(*roles: str) -> Callable[..., StaffUser]:
    """A FastAPI dependency: the signed-in staff user, 401 without a session, 403 when the
    user's role is not one of ``roles`` (none given: any staff role)."""
    allowed = roles or ANY_STAFF
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def dependency(request: Request, svc: Services = Depends(services)) -> StaffUser:
        user = current_staff(request, svc)
        if user.role not in allowed:
            raise Forbidden(f"the {user.role} role may not do this; it needs: "
                            f"{' or '.join(allowed)}")
        return user

    return dependency


def require_staff_for_draft(request: Request, svc: Services, config: str | None) -> None:
    """``config=draft`` shows unpublished synonyms and rules: staff only."""
    if config == "draft":
        try:
            current_staff(request, svc)
        except NotAuthenticated:
            raise NotAuthenticated("config=draft previews unpublished synonyms and rules: staff "
                                   "only; sign in to the console first", field="config"
                                   ) from None


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=int(settings.console_session_hours * 3600),
                        path="/", httponly=True, samesite="strict",
                        secure=settings.console_cookie_secure)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict",
                           secure=settings.console_cookie_secure)
