"""Request bodies of the role endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=64)
    name: str = Field(max_length=120)
    permissions: list[str]


class RolePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=120)
    permissions: list[str] | None = None
