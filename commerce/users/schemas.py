"""Request bodies of the account endpoints (responses are plain dicts)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_Body):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class SecondFactorIn(_Body):
    code: str | None = Field(None, max_length=12)
    recovery_code: str | None = Field(None, max_length=40)


class CodeIn(_Body):
    code: str = Field(max_length=12)


class TokenIn(_Body):
    name: str = Field(max_length=120)
    days: float | None = None


class CompanySwitchIn(_Body):
    company_id: int | None


class ResetRequestIn(_Body):
    email: str = Field(max_length=254)


class ResetConfirmIn(_Body):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class PasswordChangeIn(_Body):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class SellerUserIn(_Body):
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    seller_role: str


class BlockIn(_Body):
    reason: str | None = Field(None, max_length=500)
