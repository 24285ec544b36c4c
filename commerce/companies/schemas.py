"""Request bodies of the company endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompanyIn(_Body):
    name: str = Field(max_length=200)
    status: str = "active"
    customer_group: str | None = Field(None, max_length=64)
    sales_rep_id: int | None = None
    tax_id: str | None = Field(None, max_length=64)
    representative_name: str | None = Field(None, max_length=200)
    representative_email: str | None = Field(None, max_length=254)
    representative_phone: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=5000)


class CompanyPatch(_Body):
    name: str | None = Field(None, max_length=200)
    status: str | None = None
    customer_group: str | None = Field(None, max_length=64)
    sales_rep_id: int | None = None
    tax_id: str | None = Field(None, max_length=64)
    representative_name: str | None = Field(None, max_length=200)
    representative_email: str | None = Field(None, max_length=254)
    representative_phone: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=5000)


class RegistrationIn(_Body):
    company_name: str = Field(max_length=200)
    tax_id: str | None = Field(None, max_length=64)
    representative_phone: str | None = Field(None, max_length=64)
    admin_email: str = Field(max_length=254)
    admin_name: str = Field(max_length=200)
    admin_password: str = Field(max_length=1024)


class DepartmentIn(_Body):
    name: str = Field(max_length=200)


class AddressIn(_Body):
    kind: str = "shipping"
    street: str = Field(max_length=300)
    postal_code: str = Field(max_length=20)
    city: str = Field(max_length=120)
    country: str = Field(max_length=2)


class EmployeeIn(_Body):
    email: str = Field(max_length=254)
    name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, max_length=1024)
    roles: list[str]
    department_id: int | None = None


class RolesIn(_Body):
    roles: list[str]


class EmployeeDepartmentIn(_Body):
    """The employee's department in the company (C6); ``null`` takes it out of any."""

    department_id: int | None


class BlockIn(_Body):
    reason: str | None = Field(None, max_length=500)


class DelegationIn(_Body):
    substitute_id: int
    permissions: list[str] | None = None
    starts_at: datetime
    ends_at: datetime


class KeyIn(_Body):
    name: str = Field(max_length=120)
    origins: list[str] = []
    expires_at: datetime | None = None
