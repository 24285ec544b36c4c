"""All SQL of roles, memberships and delegations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from commerce.roles.models import Delegation, Membership, Role
from commerce.roles.permissions import CUSTOMER_ROLES


class RoleRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    # -- roles ---------------------------------------------------------------------------
    def by_key(self, key: str, now: datetime) -> Role | None:
        """A role by key; a built-in role's row is created on first use."""
        role = self.tx.scalars(select(Role).where(Role.key == key)).first()
        if role is None and key in CUSTOMER_ROLES:
            # a store made without the migrations (which insert the built-in roles); their
            # permissions come from the code (commerce.identity.role_permissions)
            role = Role(key=key, name=CUSTOMER_ROLES[key][0], permissions=[], builtin=True,
                        created_at=now)
            self.tx.add(role)
            self.tx.flush()
        return role

    def custom(self) -> list[Role]:
        return list(self.tx.scalars(select(Role).where(Role.builtin.is_(False)).order_by(Role.key)))

    def add(self, role: Role) -> Role:
        self.tx.add(role)
        self.tx.flush()
        return role

    # -- memberships ---------------------------------------------------------------------
    def roles_of(self, user_id: int, company_id: int) -> list[Role]:
        return list(self.tx.scalars(
            select(Role).join(Membership, Membership.role_id == Role.id)
            .where(Membership.user_id == user_id, Membership.company_id == company_id)
            .order_by(Role.key)))

    def all_roles_of(self, user_id: int) -> list[tuple[int, Role]]:
        """(company id, role) of every membership of the user."""
        rows = self.tx.execute(
            select(Membership.company_id, Role).join(Role, Role.id == Membership.role_id)
            .where(Membership.user_id == user_id).order_by(Membership.company_id, Role.key))
        return [(int(cid), role) for cid, role in rows]

    def company_ids_of(self, user_id: int) -> list[int]:
        return sorted({cid for cid, _ in self.all_roles_of(user_id)})

    def members(self, company_id: int) -> list[tuple[int, Role]]:
        rows = self.tx.execute(
            select(Membership.user_id, Role).join(Role, Role.id == Membership.role_id)
            .where(Membership.company_id == company_id).order_by(Membership.user_id, Role.key))
        return [(int(uid), role) for uid, role in rows]

    def set_roles(self, user_id: int, company_id: int, roles: list[Role], now: datetime) -> None:
        """Replace the user's roles in the company; its department stays."""
        department_id = self.department_of(user_id, company_id)
        self.remove_member(user_id, company_id)
        self.tx.add_all(Membership(user_id=user_id, company_id=company_id, role_id=r.id,
                                   department_id=department_id, created_at=now)
                        for r in roles)
        self.tx.flush()

    def department_of(self, user_id: int, company_id: int) -> int | None:
        """The user's department in the company (None: none, or not a member)."""
        return self.tx.scalar(
            select(Membership.department_id).where(
                Membership.user_id == user_id, Membership.company_id == company_id,
                Membership.department_id.is_not(None)).limit(1))

    def departments(self, company_id: int) -> dict[int, int]:
        """User id -> department id of the company's members that have one."""
        rows = self.tx.execute(
            select(Membership.user_id, Membership.department_id).where(
                Membership.company_id == company_id, Membership.department_id.is_not(None)))
        return {int(uid): int(dep) for uid, dep in rows if dep is not None}

    def set_department(self, user_id: int, company_id: int, department_id: int | None) -> None:
        """Put the user in ``department_id`` of the company (None: in none), on every row."""
        self.tx.execute(update(Membership).where(
            Membership.user_id == user_id, Membership.company_id == company_id)
            .values(department_id=department_id))

    def remove_member(self, user_id: int, company_id: int) -> None:
        self.tx.execute(delete(Membership).where(Membership.user_id == user_id,
                                                 Membership.company_id == company_id))

    # -- delegations ---------------------------------------------------------------------
    def add_delegation(self, row: Delegation) -> Delegation:
        self.tx.add(row)
        self.tx.flush()
        return row

    def delegation(self, delegation_id: int) -> Delegation | None:
        return self.tx.get(Delegation, delegation_id)

    def delegations(self, company_id: int, *, user_id: int | None = None) -> list[Delegation]:
        query = select(Delegation).where(Delegation.company_id == company_id)
        if user_id is not None:
            query = query.where((Delegation.grantor_id == user_id)
                                | (Delegation.substitute_id == user_id))
        return list(self.tx.scalars(query.order_by(Delegation.id)))

    def active_delegations_to(self, user_id: int, company_id: int, now: datetime
                              ) -> list[Delegation]:
        return list(self.tx.scalars(select(Delegation).where(
            Delegation.substitute_id == user_id, Delegation.company_id == company_id,
            Delegation.revoked_at.is_(None), Delegation.starts_at <= now,
            Delegation.ends_at > now).order_by(Delegation.id)))
