"""Customer companies (C2), their employees and roles (C3), blocking (C4), delegation (C5) and
switching company / acting as one (C1). Business rules only; nothing here commits."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, NotFound
from commerce.audit.service import record
from commerce.companies.models import COMPANY_STATUSES, Address, Company, Department
from commerce.companies.repository import CompanyRepository
from commerce.companies.schemas import (
    AddressIn,
    CompanyIn,
    CompanyPatch,
    DelegationIn,
    EmployeeIn,
    RegistrationIn,
)
from commerce.identity import Forbidden, Principal, now_utc, role_permissions, user_permissions
from commerce.roles.models import Delegation, Role
from commerce.roles.permissions import DELEGABLE
from commerce.roles.repository import RoleRepository
from commerce.users import service as users_service
from commerce.users.models import User
from commerce.users.repository import UserRepository

ADDRESS_KINDS = ("shipping", "billing", "other")
SELLER_FIELDS = ("status", "customer_group", "sales_rep_id")


def company_dict(company: Company) -> dict[str, Any]:
    return {"id": company.id, "name": company.name, "status": company.status,
            "customer_group": company.customer_group, "sales_rep_id": company.sales_rep_id,
            "tax_id": company.tax_id, "representative_name": company.representative_name,
            "representative_email": company.representative_email,
            "representative_phone": company.representative_phone, "notes": company.notes,
            "created_at": company.created_at.isoformat()}


def company_detail(tx: Session, company: Company) -> dict[str, Any]:
    repo = CompanyRepository(tx)
    departments = repo.departments(company.id)
    addresses = repo.addresses([d.id for d in departments])
    body = company_dict(company)
    body["departments"] = [
        {"id": d.id, "name": d.name, "addresses": [
            {"id": a.id, "kind": a.kind, "street": a.street, "postal_code": a.postal_code,
             "city": a.city, "country": a.country} for a in addresses if a.department_id == d.id]}
        for d in departments]
    return body


def _check_status(status: str) -> str:
    if status not in COMPANY_STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of: {', '.join(COMPANY_STATUSES)}",
                           field="status")
    return status


def _check_sales_rep(tx: Session, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    user = UserRepository(tx).get(user_id)
    if user is None or user.seller_role is None:
        raise InvalidInput(f"user {user_id} is not a seller-side user (sales representative or "
                           "administrator)", field="sales_rep_id")
    return user_id


def _check_group(group: str | None) -> str | None:
    if group is None:
        return None
    group = group.strip()
    if not group:
        raise InvalidInput("customer_group may not be empty (null: no group)",
                           field="customer_group")
    return group


# -- companies ---------------------------------------------------------------------------
def visible_companies(tx: Session, principal: Principal, status: str | None) -> list[Company]:
    repo = CompanyRepository(tx)
    if status is not None:
        _check_status(status)
    if principal.seller_role == "administrator":
        return repo.find(status=status)
    if principal.seller_role is not None:
        return repo.find(status=status, sales_rep_id=principal.user_id)
    return repo.find(status=status, ids=RoleRepository(tx).company_ids_of(principal.user_id))


def create_company(tx: Session, principal: Principal | str | None, body: CompanyIn) -> Company:
    name = users_service.check_name(body.name)
    company = Company(name=name, status=_check_status(body.status),
                      customer_group=_check_group(body.customer_group),
                      sales_rep_id=_check_sales_rep(tx, body.sales_rep_id), tax_id=body.tax_id,
                      representative_name=body.representative_name,
                      representative_email=body.representative_email,
                      representative_phone=body.representative_phone, notes=body.notes,
                      created_at=now_utc())
    CompanyRepository(tx).add(company)
    record(tx, principal, "company.create", ("company", company.id), company_dict(company),
           company_id=company.id)
    return company


def update_company(tx: Session, principal: Principal, company: Company, body: CompanyPatch
                   ) -> Company:
    """CRM fields need ``company.manage``; status, customer group and sales representative are
    the seller's (``companies.manage``)."""
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("nothing to change", field="body")
    seller_fields = [f for f in SELLER_FIELDS if f in changes]
    if seller_fields and not principal.has("companies.manage"):
        raise Forbidden(f"only the seller's administrators change {', '.join(seller_fields)}",
                        field=seller_fields[0])
    before = company_dict(company)
    if "name" in changes:
        changes["name"] = users_service.check_name(changes["name"])
    if "status" in changes:
        _check_status(changes["status"])
    if "customer_group" in changes:
        changes["customer_group"] = _check_group(changes["customer_group"])
    if "sales_rep_id" in changes:
        _check_sales_rep(tx, changes["sales_rep_id"])
    for key, value in changes.items():
        setattr(company, key, value)
    after = company_dict(company)
    diff = {k: {"from": before[k], "to": after[k]} for k in changes if before[k] != after[k]}
    action = "company.update"
    if "status" in diff:
        action = {"active": "company.activate", "blocked": "company.block",
                  "pending": "company.update"}[company.status]
    record(tx, principal, action, ("company", company.id), {"changes": diff},
           company_id=company.id)
    return company


def register(tx: Session, body: RegistrationIn) -> tuple[Company, User]:
    """Adding a new business (C2): a pending company and its first company admin. The admin can
    sign in (and enrol in two-factor login) but do nothing in the company until the seller
    approves it (status active)."""
    company = Company(name=users_service.check_name(body.company_name, "company_name"),
                      status="pending", tax_id=body.tax_id,
                      representative_name=body.admin_name,
                      representative_email=body.admin_email,
                      representative_phone=body.representative_phone, created_at=now_utc())
    try:
        user = users_service.create_user(tx, email=body.admin_email, name=body.admin_name,
                                         password=body.admin_password)
    except InvalidInput as exc:
        exc.field = {"email": "admin_email", "name": "admin_name",
                     "password": "admin_password"}.get(exc.field or "", exc.field)
        raise
    except Conflict as exc:
        exc.field = "admin_email"
        raise
    CompanyRepository(tx).add(company)
    roles = RoleRepository(tx)
    admin_role = roles.by_key("company_admin", now_utc())
    assert admin_role is not None
    roles.set_roles(user.id, company.id, [admin_role], now_utc())
    record(tx, f"registration:{user.email}", "company.register", ("company", company.id),
           {"name": company.name, "admin_user_id": user.id}, company_id=company.id)
    return company, user


def add_department(tx: Session, principal: Principal, company: Company, name: str) -> Department:
    department = Department(company_id=company.id, name=users_service.check_name(name),
                            created_at=now_utc())
    CompanyRepository(tx).add(department)
    record(tx, principal, "department.create", ("department", department.id), {"name": name},
           company_id=company.id)
    return department


def department_of(tx: Session, company: Company, department_id: int) -> Department:
    department = CompanyRepository(tx).department(department_id)
    if department is None or department.company_id != company.id:
        raise NotFound(f"no department {department_id} in this company", field="department_id")
    return department


def add_address(tx: Session, principal: Principal, company: Company, department: Department,
                body: AddressIn) -> Address:
    if body.kind not in ADDRESS_KINDS:
        raise InvalidInput(f"unknown address kind {body.kind!r}; one of: "
                           f"{', '.join(ADDRESS_KINDS)}", field="kind")
    for field in ("street", "postal_code", "city"):
        if not getattr(body, field).strip():
            raise InvalidInput(f"{field} may not be empty", field=field)
    country = body.country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput("country is a two-letter ISO code like DE", field="country")
    address = Address(department_id=department.id, kind=body.kind, street=body.street.strip(),
                      postal_code=body.postal_code.strip(), city=body.city.strip(),
                      country=country, created_at=now_utc())
    CompanyRepository(tx).add(address)
    record(tx, principal, "address.create", ("address", address.id),
           {"department_id": department.id, "city": address.city}, company_id=company.id)
    return address


# -- switching and acting as -------------------------------------------------------------
def my_companies(tx: Session, principal: Principal) -> list[dict[str, Any]]:
    if principal.is_seller:
        return []
    repo = CompanyRepository(tx)
    by_company: dict[int, list[str]] = {}
    for company_id, role in RoleRepository(tx).all_roles_of(principal.user_id):
        by_company.setdefault(company_id, []).append(role.key)
    out = []
    for company_id, keys in by_company.items():
        company = repo.get(company_id)
        if company is not None:
            out.append({"id": company.id, "name": company.name, "status": company.status,
                        "roles": keys})
    return out


def switch(tx: Session, principal: Principal, company_id: int | None) -> dict[str, Any]:
    users = UserRepository(tx)
    found = users.session_with_user(principal.token_hash)
    assert found is not None
    row = found[0]
    if principal.is_seller:
        if company_id is None:
            if principal.company_id is not None:
                record(tx, principal, "acting.stop", ("company", principal.company_id), {})
            row.company_id = None
            return {"company_id": None, "acting": False}
        if not principal.has("companies.act_as"):
            raise Forbidden("your role may not act as customer companies")
        company = CompanyRepository(tx).get(company_id)
        if company is None or (principal.seller_role != "administrator"
                               and company.sales_rep_id != principal.user_id):
            raise NotFound(f"no company {company_id}", field="company_id")
        row.company_id = company.id
        acting = replace(principal, company_id=company.id)
        record(tx, acting, "acting.start", ("company", company.id), {"name": company.name})
        return {"company_id": company.id, "acting": True, "name": company.name}
    if company_id is None:
        raise InvalidInput("company_id is required", field="company_id")
    if company_id not in RoleRepository(tx).company_ids_of(principal.user_id):
        raise NotFound(f"no company {company_id} among yours", field="company_id")
    row.company_id = company_id
    return {"company_id": company_id, "acting": False}


# -- employees and roles -----------------------------------------------------------------
def _roles(tx: Session, keys: list[str]) -> list[Role]:
    if not keys:
        raise InvalidInput("give at least one role", field="roles")
    repo = RoleRepository(tx)
    now = now_utc()
    found = []
    for key in dict.fromkeys(keys):
        role = repo.by_key(key, now)
        if role is None:
            raise InvalidInput(f"unknown role {key!r} (GET /v1/roles lists them)", field="roles")
        found.append(role)
    return found


def employees(tx: Session, company: Company) -> list[dict[str, Any]]:
    by_user: dict[int, list[str]] = {}
    roles = RoleRepository(tx)
    for user_id, role in roles.members(company.id):
        by_user.setdefault(user_id, []).append(role.key)
    departments = roles.departments(company.id)
    users = UserRepository(tx)
    out = []
    for user_id, keys in by_user.items():
        user = users.get(user_id)
        if user is not None:
            out.append({**users_service.user_dict(user), "roles": keys,
                        "department_id": departments.get(user_id)})
    return out


def _member_department(tx: Session, company: Company, department_id: int | None) -> int | None:
    """``department_id`` when it is a department of ``company`` (400 otherwise: a bad value in
    the body, not a missing resource of the path)."""
    if department_id is None:
        return None
    department = CompanyRepository(tx).department(department_id)
    if department is None or department.company_id != company.id:
        raise InvalidInput(f"no department {department_id} in this company",
                           field="department_id")
    return department.id


def set_employee_department(tx: Session, principal: Principal, company: Company, user_id: int,
                            department_id: int | None) -> dict[str, Any]:
    """Put an employee in one of the company's departments (or none): the scope of
    ``orders.read_department`` and the default department of its orders."""
    user = employee(tx, company, user_id)
    target = _member_department(tx, company, department_id)
    repo = RoleRepository(tx)
    before = repo.department_of(user.id, company.id)
    repo.set_department(user.id, company.id, target)
    record(tx, principal, "employee.department", ("user", user.id),
           {"email": user.email, "from": before, "to": target}, company_id=company.id)
    return {**users_service.user_dict(user),
            "roles": [r.key for r in repo.roles_of(user.id, company.id)],
            "department_id": target}


def employee(tx: Session, company: Company, user_id: int) -> User:
    """A member of ``company``; 404 for anyone else (users of other companies do not exist)."""
    user = UserRepository(tx).get(user_id)
    if user is None or company.id not in RoleRepository(tx).company_ids_of(user_id):
        raise NotFound(f"no employee {user_id} in this company", field="user_id")
    return user


def add_employee(tx: Session, principal: Principal, company: Company, body: EmployeeIn,
                 policy: users_service.Policy) -> dict[str, Any]:
    """Add a new or existing user (by e-mail) with roles. A new user without a password gets a
    password reset token to choose one (returned here and put in the account outbox)."""
    roles = _roles(tx, body.roles)
    department_id = _member_department(tx, company, body.department_id)
    users = UserRepository(tx)
    user = users.by_email(users_service.check_email(body.email))
    result: dict[str, Any] = {}
    if user is None:
        if not body.name:
            raise InvalidInput("a new user needs a name", field="name")
        password = body.password or secrets.token_urlsafe(24)
        user = users_service.create_user(tx, email=body.email, name=body.name, password=password)
        if body.password is None:
            token, expires = users_service.issue_reset(tx, policy, user)
            users.add_message(user, "invitation", {"token": token, "company": company.name,
                                                   "expires_at": expires.isoformat()}, now_utc())
            result["reset_token"] = token
    elif user.seller_role is not None:
        raise Conflict(f"{user.email} is a seller-side user", field="email")
    elif company.id in RoleRepository(tx).company_ids_of(user.id):
        raise Conflict(f"{user.email} is already an employee; change the roles instead",
                       field="email")
    RoleRepository(tx).set_roles(user.id, company.id, roles, now_utc())
    if department_id is not None:
        RoleRepository(tx).set_department(user.id, company.id, department_id)
    record(tx, principal, "employee.add", ("user", user.id),
           {"email": user.email, "roles": [r.key for r in roles],
            "department_id": department_id}, company_id=company.id)
    result.update({**users_service.user_dict(user), "roles": [r.key for r in roles],
                   "department_id": department_id})
    return result


def set_employee_roles(tx: Session, principal: Principal, company: Company, user_id: int,
                       keys: list[str]) -> dict[str, Any]:
    user = employee(tx, company, user_id)
    roles = _roles(tx, keys)
    repo = RoleRepository(tx)
    before = [r.key for r in repo.roles_of(user.id, company.id)]
    repo.set_roles(user.id, company.id, roles, now_utc())
    after = [r.key for r in roles]
    record(tx, principal, "employee.roles", ("user", user.id),
           {"email": user.email, "from": before, "to": after}, company_id=company.id)
    return {**users_service.user_dict(user), "roles": after,
            "department_id": repo.department_of(user.id, company.id)}


def remove_employee(tx: Session, principal: Principal, company: Company, user_id: int) -> None:
    user = employee(tx, company, user_id)
    if user.id == principal.user_id:
        raise Conflict("you cannot remove yourself from the company", field="user_id")
    RoleRepository(tx).remove_member(user.id, company.id)
    UserRepository(tx).delete_user_sessions(user.id)  # its sign-ins were in this company
    record(tx, principal, "employee.remove", ("user", user.id), {"email": user.email},
           company_id=company.id)


def block_employee(tx: Session, principal: Principal, company: Company, user_id: int,
                   blocked: bool, reason: str | None) -> User:
    user = employee(tx, company, user_id)
    if blocked and user.id == principal.user_id:
        raise Conflict("you cannot block yourself", field="user_id")
    users_service.set_blocked(tx, principal, user, blocked, reason)
    return user


# -- delegation (C5) ---------------------------------------------------------------------
def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def delegation_dict(row: Delegation) -> dict[str, Any]:
    return {"id": row.id, "company_id": row.company_id, "grantor_id": row.grantor_id,
            "substitute_id": row.substitute_id, "permissions": row.permissions,
            "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}


def delegate(tx: Session, principal: Principal, company: Company, body: DelegationIn
             ) -> Delegation:
    """The signed-in user lends approval rights it holds through its own roles (not through
    another delegation) to a substitute in the same company, from ``starts_at`` to ``ends_at``
    (UTC; times without a zone are UTC)."""
    if principal.is_seller:
        raise Forbidden("delegation lends a company employee's own approval rights; a seller "
                        "has none to lend")
    starts, ends = _naive_utc(body.starts_at), _naive_utc(body.ends_at)
    if ends <= starts:
        raise InvalidInput("ends_at must be after starts_at", field="ends_at")
    if ends <= now_utc():
        raise InvalidInput("ends_at is in the past", field="ends_at")
    roles = RoleRepository(tx)
    own: set[str] = set()
    for role in roles.roles_of(principal.user_id, company.id):
        own |= role_permissions(role.key, role.builtin, role.permissions)
    lendable = own & DELEGABLE
    wanted = set(body.permissions) if body.permissions is not None else lendable
    if not wanted:
        raise Forbidden("you hold no approval rights to lend")
    unknown = sorted(wanted - DELEGABLE)
    if unknown:
        raise InvalidInput(f"only approval rights can be delegated ({', '.join(sorted(DELEGABLE))}"
                           f"); not {', '.join(unknown)}", field="permissions")
    missing = sorted(wanted - lendable)
    if missing:
        raise Forbidden(f"you do not hold {', '.join(missing)} yourself", field="permissions")
    substitute = employee(tx, company, body.substitute_id)
    if substitute.id == principal.user_id:
        raise InvalidInput("the substitute must be someone else", field="substitute_id")
    row = roles.add_delegation(Delegation(
        company_id=company.id, grantor_id=principal.user_id, substitute_id=substitute.id,
        permissions=sorted(wanted), starts_at=starts, ends_at=ends, created_at=now_utc()))
    record(tx, principal, "delegation.create", ("delegation", row.id),
           {"grantor_id": principal.user_id, "grantor": principal.email,
            "substitute_id": substitute.id, "substitute": substitute.email,
            "permissions": sorted(wanted), "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat()}, company_id=company.id)
    return row


def delegations(tx: Session, principal: Principal, company: Company) -> list[Delegation]:
    repo = RoleRepository(tx)
    if principal.has("delegations.manage"):
        return repo.delegations(company.id)
    return repo.delegations(company.id, user_id=principal.user_id)


def revoke_delegation(tx: Session, principal: Principal, company: Company, delegation_id: int
                      ) -> Delegation:
    row = RoleRepository(tx).delegation(delegation_id)
    if row is None or row.company_id != company.id or not (
            principal.has("delegations.manage") or principal.user_id in (row.grantor_id,
                                                                         row.substitute_id)):
        raise NotFound(f"no delegation {delegation_id}", field="delegation_id")
    if principal.user_id == row.substitute_id and not principal.has("delegations.manage"):
        raise Forbidden("a substitute cannot end the delegation; the grantor can")
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        record(tx, principal, "delegation.revoke", ("delegation", row.id),
               {"grantor_id": row.grantor_id, "substitute_id": row.substitute_id},
               company_id=company.id)
    return row


def effective_permissions(tx: Session, user: User, company_id: int,
                          at: datetime | None = None) -> dict[str, Any]:
    permissions, delegated = user_permissions(tx, user, company_id, at or now_utc())
    return {"permissions": sorted(permissions), "delegated": delegated}
