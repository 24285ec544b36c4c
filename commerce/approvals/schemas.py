"""Request bodies of the approval endpoints (values checked by the service: 400 naming the
field; a body of the wrong shape is a 422)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = str | int | float


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierIn(_Body):
    roles: list[str] = Field(default_factory=list, max_length=50)
    users: list[int] = Field(default_factory=list, max_length=50)


class BudgetIn(_Body):
    scope: str
    period: str
    amount: Number


class RuleIn(_Body):
    """Every condition given must hold for the rule to match; ``tiers``: 1-5, in order."""

    name: str = Field(max_length=200)
    active: bool = True
    currency: str | None = None
    min_net_total: Number | None = None
    categories: list[str] = Field(default_factory=list, max_length=50)
    brands: list[str] = Field(default_factory=list, max_length=50)
    min_lines: int | None = None
    buyer_roles: list[str] = Field(default_factory=list, max_length=50)
    budget: BudgetIn | None = None
    tiers: list[TierIn] = Field(max_length=5)

    def values(self) -> dict[str, Any]:
        return self.model_dump()


class PreviewLine(_Body):
    sku: str = Field(max_length=64)
    qty: int = Field(ge=1, le=10**9)


class PreviewIn(_Body):
    lines: list[PreviewLine] = Field(max_length=1000)
    currency: str = "EUR"
    country: str | None = None
    department_id: int | None = None
