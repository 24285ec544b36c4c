"""Request body of the assortment endpoints: the six rule lists of an audience."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AssortmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_categories: list[str] = Field(default_factory=list)
    include_brands: list[str] = Field(default_factory=list)
    include_skus: list[str] = Field(default_factory=list)
    exclude_categories: list[str] = Field(default_factory=list)
    exclude_brands: list[str] = Field(default_factory=list)
    exclude_skus: list[str] = Field(default_factory=list)
