"""The row type and the cell context of the authorisation matrix (see test_matrix.py for the
format). Row modules import from here: ``from tests.commerce.authz.matrix import Row, Cell``."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.commerce.accounts_world import Account, World

ROLES = ("anon", "adm", "rep", "cadm", "appr", "pm", "recv", "buy")
"""The matrix's columns: anonymous, seller administrator, sales representative, company admin,
approver, purchasing manager, order recipient, buyer."""

CUSTOMER_ROLE = {"cadm": "company_admin", "appr": "approver", "pm": "purchasing_manager",
                 "recv": "order_recipient", "buy": "buyer"}
SELLER_ROLE = {"adm": "administrator", "rep": "sales_representative"}

_counter = itertools.count(1)


@dataclass
class Cell:
    """One request of the matrix: ``role`` calls the row's endpoint; ``home`` is the subject's
    company (the one a sales representative is assigned to), ``company_id`` the company the
    request names (``home`` for the own column, ``other`` for the other column)."""

    world: World
    role: str
    home: int
    other: int
    company_id: int
    subject: Account | None
    values: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def unique(prefix: str = "x") -> str:
        return f"{prefix}{next(_counter)}"

    def employee(self, role: str = "buyer", company: int | None = None) -> Account:
        """A new employee of ``company`` (default: the company the request names)."""
        return self.world.user(company=company or self.company_id, roles=(role,),
                               email=f"{self.unique('emp')}@example.com", two_factor=False)

    def seller_user(self, role: str = "sales_representative") -> Account:
        return self.world.user(seller_role=role, email=f"{self.unique('sel')}@example.com",
                               two_factor=False)


Fill = Callable[[Cell], Any]
Body = dict[str, Any] | Callable[[Cell], dict[str, Any]] | None


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    own: str
    other: str | None = None
    ok: int = 200
    body: Body = None
    files: Callable[[Cell], dict[str, Any]] | None = None
    fill: dict[str, Fill] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in (("own", self.own), ("other", self.other)):
            if spec is None:
                continue
            cells = spec.split()
            if len(cells) != len(ROLES):
                raise ValueError(f"{self.method} {self.path}: {name} needs {len(ROLES)} cells "
                                 f"({' '.join(ROLES)}), got {spec!r}")
            bad = [c for c in cells if c not in ("ok", "pass", "401", "403", "404")]
            if bad:
                raise ValueError(f"{self.method} {self.path}: unknown outcomes {bad}")

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def expected(self, column: str) -> dict[str, str]:
        spec = self.own if column == "own" else self.other
        assert spec is not None
        return dict(zip(ROLES, spec.split(), strict=True))
