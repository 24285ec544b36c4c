"""Custom roles built from the permission list (C3). Nothing here commits."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, NotFound
from commerce.audit.service import record
from commerce.identity import Principal, now_utc, role_permissions
from commerce.roles.models import Role
from commerce.roles.permissions import (
    CUSTOMER_ROLES,
    DELEGABLE,
    PERMISSIONS,
    PRIVILEGED,
    SELLER_ROLES,
    SELLER_SCOPED,
    unknown,
)
from commerce.roles.repository import RoleRepository

_KEY = re.compile(r"[a-z][a-z0-9_]{1,63}")


def catalogue(tx: Session) -> dict[str, Any]:
    """Every permission, the built-in roles and the custom ones."""
    def role(key: str, name: str, perms: set[str] | frozenset[str], kind: str) -> dict[str, Any]:
        return {"key": key, "name": name, "kind": kind, "permissions": sorted(perms),
                "requires_two_factor": bool(set(perms) & PRIVILEGED) or kind == "seller"}

    roles = [role(k, n, p, "seller") for k, (n, p) in SELLER_ROLES.items()]
    roles += [role(k, n, p, "customer") for k, (n, p) in CUSTOMER_ROLES.items()]
    roles += [role(r.key, r.name, role_permissions(r.key, r.builtin, r.permissions), "custom")
              for r in RoleRepository(tx).custom()]
    return {"permissions": [{"name": k, "description": v} for k, v in PERMISSIONS.items()],
            "delegable": sorted(DELEGABLE), "roles": roles}


def _check_permissions(permissions: list[str]) -> list[str]:
    bad = unknown(permissions)
    if bad:
        raise InvalidInput(f"unknown permissions {', '.join(bad)} (GET /v1/roles lists them)",
                           field="permissions")
    seller_only = sorted(set(permissions) & SELLER_SCOPED)
    if seller_only:
        raise InvalidInput(f"{', '.join(seller_only)} belong to seller-side roles only",
                           field="permissions")
    if not permissions:
        raise InvalidInput("a role needs at least one permission", field="permissions")
    return sorted(set(permissions))


def create_role(tx: Session, principal: Principal, key: str, name: str, permissions: list[str]
                ) -> Role:
    if not _KEY.fullmatch(key):
        raise InvalidInput("a role key has 2-64 lower-case letters, digits or '_' and starts "
                           "with a letter", field="key")
    if key in CUSTOMER_ROLES or key in SELLER_ROLES:
        raise Conflict(f"{key!r} is a built-in role", field="key")
    repo = RoleRepository(tx)
    if repo.by_key(key, now_utc()) is not None:
        raise Conflict(f"role {key!r} already exists", field="key")
    if not name.strip():
        raise InvalidInput("name may not be empty", field="name")
    role = repo.add(Role(key=key, name=name.strip(), permissions=_check_permissions(permissions),
                         builtin=False, created_at=now_utc()))
    record(tx, principal, "role.create", ("role", key), {"permissions": role.permissions},
           company_id=None)
    return role


def update_role(tx: Session, principal: Principal, key: str, name: str | None,
                permissions: list[str] | None) -> Role:
    role = RoleRepository(tx).by_key(key, now_utc())
    if role is None:
        raise NotFound(f"no role {key!r}", field="key")
    if role.builtin:
        raise Conflict(f"{key!r} is a built-in role and cannot be changed", field="key")
    before = list(role.permissions)
    if name is not None:
        if not name.strip():
            raise InvalidInput("name may not be empty", field="name")
        role.name = name.strip()
    if permissions is not None:
        role.permissions = _check_permissions(permissions)
    record(tx, principal, "role.update", ("role", key),
           {"from": before, "to": role.permissions, "name": role.name}, company_id=None)
    return role
