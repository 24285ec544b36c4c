"""Who is calling a commerce endpoint, and what they may do (C1, C3-C5, C8).

A company account signs in with ``POST /v1/account/login`` and gets the HttpOnly cookie
``discovery_account`` (the console's staff use ``discovery_session``; the two never mix); the
same token works as ``Authorization: Bearer da_...``, and so do long-lived API tokens from
``POST /v1/account/tokens``. Only SHA-256 digests of tokens are stored.

A :class:`Principal` is the user with the company they work in (``company_id``: chosen among
their memberships, or, for a seller, the customer company they act as) and the permissions
they hold there: seller roles give theirs everywhere, customer roles in their company, plus
approval rights lent to them by a delegation whose window contains now.

``require_permission("accounts.manage")`` is the FastAPI dependency endpoints use: 401 without
a live sign-in, 403 when the sign-in is limited to two-factor enrolment or the permission is
missing or the company is blocked. Resources of another company are answered 404 by
:func:`company_in_scope`, never 403, so their existence is not revealed.

Cross-site request forgery: a state-changing request authenticated by the cookie must carry
``X-Requested-With: discovery`` (a header cross-site forms cannot set); bearer requests need none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from catalog.errors import DiscoveryError, NotFound
from catalog.settings import Settings, get_settings
from commerce.companies.models import Company
from commerce.companies.repository import CompanyRepository
from commerce.db import Tx
from commerce.roles.permissions import CUSTOMER_ROLES, DELEGABLE, PRIVILEGED, SELLER_ROLES
from commerce.roles.repository import RoleRepository
from commerce.users.models import AuthSession, User
from commerce.users.passwords import token_hash
from commerce.users.repository import UserRepository

COOKIE_NAME = "discovery_account"
TOKEN_PREFIX = "da_"
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "discovery"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOUCH_EVERY = timedelta(seconds=60)


class NotAuthenticated(DiscoveryError):
    status_code = 401


class Forbidden(DiscoveryError):
    status_code = 403


class TwoFactorRequired(Forbidden):
    """The sign-in is limited: enrol in two-factor login (or give the second factor) first."""


class CompanyBlocked(Forbidden):
    """The company is blocked (or still pending approval): its users can do nothing in it."""


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC, like every other table


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    name: str
    seller_role: str | None
    company_id: int | None
    company_status: str | None
    permissions: frozenset[str]
    via: str  # "session" (cookie) or "bearer"
    stage: str  # full | totp | enrol
    token_hash: str
    delegations: dict[str, int] = field(default_factory=dict)  # permission -> grantor id
    two_factor: bool = False

    @property
    def acting(self) -> bool:
        """A seller-side user working as a customer company (C1)."""
        return self.seller_role is not None and self.company_id is not None

    @property
    def is_seller(self) -> bool:
        return self.seller_role is not None

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def delegated_by(self, permission: str) -> int | None:
        """The grantor when ``permission`` is held only through a delegation."""
        return self.delegations.get(permission)

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "email": self.email, "name": self.name,
                "seller_role": self.seller_role, "company_id": self.company_id,
                "company_status": self.company_status, "acting": self.acting,
                "permissions": sorted(self.permissions), "stage": self.stage,
                "two_factor": self.two_factor,
                "delegated": {p: g for p, g in sorted(self.delegations.items())}}


def settings_of(request: Request) -> Settings:
    services = getattr(request.app.state, "services", None)
    found = getattr(services, "settings", None)
    return found if isinstance(found, Settings) else get_settings()


def request_token(request: Request) -> tuple[str | None, str | None]:
    """(account token, "bearer" or "session"), or (None, None). A bearer token that is not an
    account token (a console staff token) is not ours."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value.startswith(TOKEN_PREFIX):
        return value, "bearer"
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return cookie, "session"
    return None, None


def user_permissions(tx: Session, user: User, company_id: int | None, now: datetime
                     ) -> tuple[frozenset[str], dict[str, int]]:
    """What ``user`` may do in ``company_id``: (permissions, delegated permission -> grantor)."""
    if user.seller_role is not None:
        return SELLER_ROLES.get(user.seller_role, ("", frozenset()))[1], {}
    if company_id is None:
        return frozenset(), {}
    roles = RoleRepository(tx)
    own: set[str] = set()
    for role in roles.roles_of(user.id, company_id):
        own |= role_permissions(role.key, role.builtin, role.permissions)
    delegated: dict[str, int] = {}
    users = UserRepository(tx)
    for grant in roles.active_delegations_to(user.id, company_id, now):
        grantor = users.get(grant.grantor_id)
        if grantor is None or grantor.status != "active":
            continue
        grantor_has: set[str] = set()
        for role in roles.roles_of(grantor.id, company_id):
            grantor_has |= role_permissions(role.key, role.builtin, role.permissions)
        for permission in set(grant.permissions) & DELEGABLE & grantor_has:
            if permission not in own:
                delegated.setdefault(permission, grantor.id)
    return frozenset(own | set(delegated)), delegated


def role_permissions(key: str, builtin: bool, stored: list[str]) -> set[str]:
    if builtin and key in CUSTOMER_ROLES:
        return set(CUSTOMER_ROLES[key][1])  # the code is the source of truth of built-in roles
    return set(stored)


def is_privileged(tx: Session, user: User) -> bool:
    """Two-factor login is mandatory for this user (C8): a seller role, or any role in any
    company that grants a privileged permission (company admin, approver...)."""
    if user.seller_role is not None:
        return True
    for _, role in RoleRepository(tx).all_roles_of(user.id):
        if role_permissions(role.key, role.builtin, role.permissions) & PRIVILEGED:
            return True
    return False


def authenticate(tx: Session, token: str | None, now: datetime, *, session_hours: float
                 ) -> tuple[AuthSession, User] | None:
    """The live sign-in of ``token`` and its user, or None (unknown, expired, user blocked).
    Sessions slide: each use (at most once a minute) moves the end ``session_hours`` ahead."""
    if not token or len(token) > 200:
        return None
    found = UserRepository(tx).session_with_user(token_hash(token))
    if found is None:
        return None
    row, user = found
    if row.expires_at <= now or user.status != "active":
        return None
    if row.kind == "session" and row.stage == "full" and now - row.last_seen >= _TOUCH_EVERY:
        row.last_seen = now
        row.expires_at = now + timedelta(hours=session_hours)
    return row, user


def principal_for(tx: Session, row: AuthSession, user: User, via: str, now: datetime
                  ) -> Principal:
    company: Company | None = None
    if row.company_id is not None:
        company = CompanyRepository(tx).get(row.company_id)
    if row.stage != "full":
        permissions: frozenset[str] = frozenset()
        delegated: dict[str, int] = {}
    else:
        permissions, delegated = user_permissions(tx, user, company.id if company else None, now)
    return Principal(user_id=user.id, email=user.email, name=user.name,
                     seller_role=user.seller_role, company_id=company.id if company else None,
                     company_status=company.status if company else None,
                     permissions=permissions, via=via, stage=row.stage,
                     token_hash=row.token_hash, delegations=delegated,
                     two_factor=user.totp_enabled_at is not None)


def current_principal(request: Request, tx: Session, *, stages: tuple[str, ...] = ("full",)
                      ) -> Principal:
    """The signed-in account (401 without a live sign-in; 403 when the sign-in's stage is not
    one of ``stages`` or a cookie request that changes something lacks the CSRF header)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal) and cached.stage in stages:
        return cached
    token, via = request_token(request)
    if token is None:
        raise NotAuthenticated("sign in first (POST /v1/account/login) and send the cookie or "
                               "'Authorization: Bearer <token>'")
    now = now_utc()
    found = authenticate(tx, token, now, session_hours=settings_of(request).account_session_hours)
    if found is None:
        raise NotAuthenticated("the sign-in has expired or was ended (or the user is blocked); "
                               "sign in again")
    row, user = found
    if via == "session" and request.method not in SAFE_METHODS \
            and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise Forbidden(f"a request that changes something and is signed in by cookie must send "
                        f"the header '{CSRF_HEADER}: {CSRF_VALUE}'")
    principal = principal_for(tx, row, user, via or "bearer", now)
    if principal.stage not in stages:
        if principal.stage == "full":
            raise Forbidden("this sign-in is already complete; no second factor is needed")
        if principal.stage == "enrol":
            raise TwoFactorRequired("your roles require two-factor login: enrol first "
                                    "(POST /v1/account/2fa/enrol, then /v1/account/2fa/confirm)")
        raise TwoFactorRequired("give the second factor first (POST /v1/account/login/totp)")
    request.state.principal = principal
    return principal


def require_permission(*permissions: str) -> Callable[..., Principal]:
    """A FastAPI dependency: the principal holding every one of ``permissions`` in its current
    company (a seller: everywhere). 401 without a sign-in, 403 otherwise. While a seller acts as
    a customer company, every state-changing request is audited as "X acting for company Y"."""
    from commerce.roles.permissions import PERMISSIONS

    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise ValueError(f"unknown permissions {unknown}")

    def dependency(request: Request, tx: Tx) -> Principal:
        principal = current_principal(request, tx)
        if not principal.is_seller and principal.company_id is not None \
                and principal.company_status != "active":
            raise CompanyBlocked(f"company {principal.company_id} is {principal.company_status}"
                                 ": its users cannot act in it")
        own = principal.permissions - set(principal.delegations)
        if not principal.two_factor and own & PRIVILEGED:
            # roles gained after this sign-in began: enrol before using them (C8)
            raise TwoFactorRequired("your roles require two-factor login: enrol first "
                                    "(POST /v1/account/2fa/enrol, then /v1/account/2fa/confirm)")
        if not principal.two_factor and any(p in principal.delegations for p in permissions):
            raise TwoFactorRequired("using approval rights lent by a delegation needs "
                                    "two-factor login: enrol first (POST /v1/account/2fa/enrol)")
        missing = [p for p in permissions if not principal.has(p)]
        if missing:
            where = "" if principal.is_seller else (
                " in this company" if principal.company_id else
                " (no company chosen: POST /v1/account/company)")
            raise Forbidden(f"your roles lack the permission {', '.join(missing)}{where}")
        if principal.acting and request.method not in SAFE_METHODS \
                and not getattr(request.state, "acting_audited", False):
            from commerce.audit.service import record

            record(tx, principal, "acting.request", ("request", None),
                   {"method": request.method, "path": request.url.path})
            request.state.acting_audited = True
        return principal

    return dependency


def company_in_scope(tx: Session, principal: Principal, company_id: int) -> Company:
    """The company ``company_id`` when the principal may see it, else 404 (other companies'
    resources do not exist for a customer): an administrator sees every company, a sales
    representative the ones assigned to it (or the one it acts as), a customer its current
    company."""
    company = CompanyRepository(tx).get(company_id)
    visible = company is not None and (
        principal.seller_role == "administrator"
        or (principal.seller_role is not None
            and (company.sales_rep_id == principal.user_id or principal.company_id == company.id))
        or (principal.seller_role is None and principal.company_id == company_id))
    if not visible or company is None:
        raise NotFound(f"no company {company_id}", field="company_id")
    return company
