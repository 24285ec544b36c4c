"""``/v1/companies/...``: customer companies (C2), departments and addresses, employees and
their roles (C3), blocking (C4), delegations (C5), storefront keys; ``/v1/register``: adding a
new business. Paths name the company; another company's resources answer 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from commerce.access import create_key, keys_of_company
from commerce.audit.service import record
from commerce.companies import service
from commerce.companies.schemas import (
    AddressIn,
    BlockIn,
    CompanyIn,
    CompanyPatch,
    DelegationIn,
    DepartmentIn,
    EmployeeDepartmentIn,
    EmployeeIn,
    KeyIn,
    RegistrationIn,
    RolesIn,
)
from commerce.db import Tx
from commerce.identity import Principal, company_in_scope, require_permission, settings_of
from commerce.users import service as users_service
from commerce.users.service import Policy, user_dict

router = APIRouter(tags=["companies"])


CompaniesRead = Annotated[Principal, Depends(require_permission("companies.read"))]
CompaniesManage = Annotated[Principal, Depends(require_permission("companies.manage"))]
CompanyRead = Annotated[Principal, Depends(require_permission("company.read"))]
CompanyManage = Annotated[Principal, Depends(require_permission("company.manage"))]
AccountsRead = Annotated[Principal, Depends(require_permission("accounts.read"))]
AccountsManage = Annotated[Principal, Depends(require_permission("accounts.manage"))]
KeysManage = Annotated[Principal, Depends(require_permission("keys.manage"))]
Member = Annotated[Principal, Depends(require_permission())]  # signed in, company active


@router.post("/v1/register", status_code=201)
def register(body: RegistrationIn, request: Request, tx: Tx) -> dict[str, Any]:
    """Adding a new business: a pending company and its first company admin (who signs in at
    once but can act in the company only after the seller activates it)."""
    from commerce.users.router import limit_public

    limit_public(request, "registrations from this address")
    company, user = service.register(tx, body)
    return {"company": service.company_dict(company), "user": user_dict(user)}


@router.get("/v1/companies")
def list_companies(tx: Tx, principal: CompaniesRead, status: str | None = None
                   ) -> dict[str, Any]:
    return {"companies": [service.company_dict(c)
                          for c in service.visible_companies(tx, principal, status)]}


@router.post("/v1/companies", status_code=201)
def create_company(body: CompanyIn, tx: Tx, principal: CompaniesManage
                   ) -> dict[str, Any]:
    return service.company_dict(service.create_company(tx, principal, body))


@router.get("/v1/companies/{company_id}")
def get_company(company_id: int, tx: Tx, principal: CompanyRead) -> dict[str, Any]:
    return service.company_detail(tx, company_in_scope(tx, principal, company_id))


@router.patch("/v1/companies/{company_id}")
def update_company(company_id: int, body: CompanyPatch, tx: Tx,
                   principal: CompanyManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return service.company_dict(service.update_company(tx, principal, company, body))


@router.post("/v1/companies/{company_id}/departments", status_code=201)
def add_department(company_id: int, body: DepartmentIn, tx: Tx,
                   principal: CompanyManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    department = service.add_department(tx, principal, company, body.name)
    return {"id": department.id, "name": department.name, "addresses": []}


@router.post("/v1/companies/{company_id}/departments/{department_id}/addresses",
             status_code=201)
def add_address(company_id: int, department_id: int, body: AddressIn, tx: Tx,
                principal: CompanyManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    department = service.department_of(tx, company, department_id)
    address = service.add_address(tx, principal, company, department, body)
    return {"id": address.id, "department_id": department.id, "kind": address.kind,
            "street": address.street, "postal_code": address.postal_code, "city": address.city,
            "country": address.country}


@router.get("/v1/companies/{company_id}/users")
def list_employees(company_id: int, tx: Tx, principal: AccountsRead) -> dict[str, Any]:
    return {"users": service.employees(tx, company_in_scope(tx, principal, company_id))}


@router.post("/v1/companies/{company_id}/users", status_code=201)
def add_employee(company_id: int, body: EmployeeIn, request: Request, tx: Tx,
                 principal: AccountsManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return service.add_employee(tx, principal, company, body,
                                Policy.from_settings(settings_of(request)))


@router.put("/v1/companies/{company_id}/users/{user_id}/roles")
def set_roles(company_id: int, user_id: int, body: RolesIn, tx: Tx,
              principal: AccountsManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return service.set_employee_roles(tx, principal, company, user_id, body.roles)


@router.put("/v1/companies/{company_id}/users/{user_id}/department")
def set_department(company_id: int, user_id: int, body: EmployeeDepartmentIn, tx: Tx,
                   principal: AccountsManage) -> dict[str, Any]:
    """The employee's department (``null``: none); audited."""
    company = company_in_scope(tx, principal, company_id)
    return service.set_employee_department(tx, principal, company, user_id, body.department_id)


@router.delete("/v1/companies/{company_id}/users/{user_id}")
def remove_employee(company_id: int, user_id: int, tx: Tx,
                    principal: AccountsManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    service.remove_employee(tx, principal, company, user_id)
    return {"removed": True}


@router.post("/v1/companies/{company_id}/users/{user_id}/block")
def block_employee(company_id: int, user_id: int, body: BlockIn, tx: Tx,
                   principal: AccountsManage) -> dict[str, Any]:
    """C4: the user's sessions and API tokens end at once; sign-in is refused until unblocked."""
    company = company_in_scope(tx, principal, company_id)
    return user_dict(service.block_employee(tx, principal, company, user_id, True, body.reason))


@router.post("/v1/companies/{company_id}/users/{user_id}/unblock")
def unblock_employee(company_id: int, user_id: int, tx: Tx,
                     principal: AccountsManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return user_dict(service.block_employee(tx, principal, company, user_id, False, None))


@router.post("/v1/companies/{company_id}/users/{user_id}/password-reset", status_code=201)
def reset_employee_password(company_id: int, user_id: int, request: Request, tx: Tx,
                            principal: AccountsManage) -> dict[str, Any]:
    """A single-use reset token for the employee, returned to the admin to pass on (until
    notifications deliver it)."""
    company = company_in_scope(tx, principal, company_id)
    user = service.employee(tx, company, user_id)
    token, expires = users_service.issue_reset(tx, Policy.from_settings(settings_of(request)),
                                               user)
    record(tx, principal, "user.password_reset_issue", ("user", user.id),
           {"email": user.email}, company_id=company.id)
    return {"token": token, "expires_at": expires.isoformat()}


@router.get("/v1/companies/{company_id}/users/{user_id}/permissions")
def employee_permissions(company_id: int, user_id: int, tx: Tx,
                         principal: AccountsRead) -> dict[str, Any]:
    """What the employee may do in the company now, delegations included."""
    company = company_in_scope(tx, principal, company_id)
    user = service.employee(tx, company, user_id)
    return service.effective_permissions(tx, user, company.id)


@router.get("/v1/companies/{company_id}/delegations")
def list_delegations(company_id: int, tx: Tx, principal: Member) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return {"delegations": [service.delegation_dict(d)
                            for d in service.delegations(tx, principal, company)]}


@router.post("/v1/companies/{company_id}/delegations", status_code=201)
def create_delegation(company_id: int, body: DelegationIn, tx: Tx, principal: Member
                      ) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return service.delegation_dict(service.delegate(tx, principal, company, body))


@router.delete("/v1/companies/{company_id}/delegations/{delegation_id}")
def revoke_delegation(company_id: int, delegation_id: int, tx: Tx, principal: Member
                      ) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return service.delegation_dict(service.revoke_delegation(tx, principal, company,
                                                             delegation_id))


@router.get("/v1/companies/{company_id}/keys")
def list_keys(company_id: int, tx: Tx, principal: KeysManage) -> dict[str, Any]:
    company = company_in_scope(tx, principal, company_id)
    return {"keys": [k.to_dict() for k in keys_of_company(tx, company.id)]}


@router.post("/v1/companies/{company_id}/keys", status_code=201)
def create_company_key(company_id: int, body: KeyIn, tx: Tx, principal: KeysManage
                       ) -> dict[str, Any]:
    """A storefront public key scoped to the company: searches with it see the company's
    assortment and prices. Origins and expiry as for every public key."""
    company = company_in_scope(tx, principal, company_id)
    info = create_key(tx, body.name, body.origins, company_id=company.id,
                      expires_at=body.expires_at)
    record(tx, principal, "key.create", ("public_key", info.name),
           {"origins": list(info.origins),
            "expires_at": info.expires_at.isoformat() if info.expires_at else None},
           company_id=company.id)
    return info.to_dict()
