"""``/v1/roles``: the permission list, built-in and custom roles (C3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from commerce.db import Tx
from commerce.identity import Principal, require_permission
from commerce.roles import service
from commerce.roles.schemas import RoleIn, RolePatch

router = APIRouter(tags=["roles"])
RolesManage = Annotated[Principal, Depends(require_permission("roles.manage"))]
SignedIn = Annotated[Principal, Depends(require_permission())]


@router.get("/v1/roles")
def list_roles(tx: Tx, _: SignedIn) -> dict[str, Any]:
    return service.catalogue(tx)


@router.post("/v1/roles", status_code=201)
def create_role(body: RoleIn, tx: Tx, principal: RolesManage) -> dict[str, Any]:
    role = service.create_role(tx, principal, body.key, body.name, body.permissions)
    return {"key": role.key, "name": role.name, "kind": "custom",
            "permissions": role.permissions}


@router.patch("/v1/roles/{key}")
def update_role(key: str, body: RolePatch, tx: Tx, principal: RolesManage) -> dict[str, Any]:
    role = service.update_role(tx, principal, key, body.name, body.permissions)
    return {"key": role.key, "name": role.name, "kind": "custom",
            "permissions": role.permissions}
