"""Request bodies of quick order and customers' part numbers (checked by the service, which
names the field in a 400; a body of the wrong shape is a 422)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuickOrderIn(_Body):
    text: Any = None


class PartNumbersIn(_Body):
    part_numbers: Any = None
