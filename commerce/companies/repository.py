"""All SQL of companies, departments and addresses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.companies.models import Address, Company, Department


class CompanyRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    def get(self, company_id: int) -> Company | None:
        return self.tx.get(Company, company_id)

    def add(self, row: Company | Department | Address) -> None:
        self.tx.add(row)
        self.tx.flush()

    def find(self, *, status: str | None = None, sales_rep_id: int | None = None,
             ids: list[int] | None = None) -> list[Company]:
        query = select(Company).order_by(Company.id)
        if status is not None:
            query = query.where(Company.status == status)
        if sales_rep_id is not None:
            query = query.where(Company.sales_rep_id == sales_rep_id)
        if ids is not None:
            query = query.where(Company.id.in_(ids))
        return list(self.tx.scalars(query))

    def departments(self, company_id: int) -> list[Department]:
        return list(self.tx.scalars(select(Department).where(Department.company_id == company_id)
                                    .order_by(Department.id)))

    def department(self, department_id: int) -> Department | None:
        return self.tx.get(Department, department_id)

    def addresses(self, department_ids: list[int]) -> list[Address]:
        if not department_ids:
            return []
        return list(self.tx.scalars(select(Address).where(Address.department_id.in_(department_ids))
                                    .order_by(Address.id)))
